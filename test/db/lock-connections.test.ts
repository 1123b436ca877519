// The connections that hold a lock while a process starts (migrations, queue
// setup) are lost when the database restarts or an admin ends them. pg
// reports that as an 'error' event, which ended the whole process when
// nobody listened: the start must fail (or go on) like any failed query.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { migrateDatabase } from "../../lib/db/migrate.ts";
import { startJobs, stopJobs } from "../../lib/jobs/jobs.ts";
import { useConnections, useEmptyDatabases } from "./empty-databases.ts";

const scratchDatabase = useEmptyDatabases();
const MIGRATION_LOCK_ID = 7_246_001;
const QUEUE_SETUP_LOCK_ID = 7_246_004;

const connect = useConnections();

/** Ends the backend of the connection named `name` once it exists (and, with `waiting`, waits for a lock); its pid. */
async function endConnection(admin: pg.Client, name: string, waiting = false): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() ${waiting ? "AND wait_event_type = 'Lock'" : ""}`,
      [name],
    );
    if (rows[0]) {
      await admin.query("SELECT pg_terminate_backend($1)", [rows[0].pid]);
      return rows[0].pid;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no connection named ${name}`);
}

describe("a lock's connection ended while a process starts", () => {
  it("fails the migration with the lost connection's error, and the process goes on", async () => {
    const url = await scratchDatabase();
    // Another process holds the lock: this one waits for it, its connection idle between tries.
    const holder = await connect(url);
    await holder.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    const migrating = migrateDatabase(url).then(
      () => null,
      (error: Error) => error,
    );
    await endConnection(holder, "tollgate-migrations");
    expect((await migrating)?.message).toMatch(/terminat|not queryable|Connection/i);
    // Nothing was applied; the next start migrates as usual.
    await holder.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
    expect((await migrateDatabase(url)).length).toBeGreaterThan(0);
  });

  it("fails the queue setup with the lost connection's error, and a later start succeeds", async () => {
    const url = await scratchDatabase();
    const holder = await connect(url);
    await holder.query("SELECT pg_advisory_lock($1)", [QUEUE_SETUP_LOCK_ID]);
    const starting = startJobs({ databaseUrl: url, work: false, jobs: [], schedule: false }).then(
      () => null,
      (error: Error) => error,
    );
    await endConnection(holder, "tollgate-jobs-setup", true);
    expect((await starting)?.message).toMatch(/terminat/i);
    await holder.query("SELECT pg_advisory_unlock($1)", [QUEUE_SETUP_LOCK_ID]);
    await startJobs({ databaseUrl: url, work: false, jobs: [], schedule: false });
    await stopJobs();
  }, 60_000);
});
