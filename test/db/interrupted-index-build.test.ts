// A migration that builds an index CONCURRENTLY runs outside a transaction: a
// process stopped mid-build (a container killed during an upgrade) leaves the
// migration failed and the index INVALID. The next start must repair that by
// itself, not refuse to start until someone runs `prisma migrate resolve`.
import { describe, expect, it } from "vitest";
import { concurrentIndexOf, migrateDatabase } from "../../lib/db/migrate.ts";
import { useConnections, useEmptyDatabases } from "./empty-databases.ts";

const scratchDatabase = useEmptyDatabases();
const MIGRATION = "20261206012115_audit_by_actor";
const INDEX = "AuditEvent_actorId_createdAt_idx";

const connect = useConnections();

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out");
}

/** A migrated scratch database without the index, and a connection to it. */
async function databaseWithoutTheIndex() {
  const url = await scratchDatabase();
  await migrateDatabase(url);
  const admin = await connect(url);
  await admin.query(`DROP INDEX "${INDEX}"`);
  return { url, admin };
}

/** A writer's open transaction: a concurrent build makes its index (invalid until done), then waits for it. */
async function openWriter(url: string) {
  const writer = await connect(url);
  await writer.query("BEGIN");
  await writer.query(`LOCK TABLE "AuditEvent" IN ROW EXCLUSIVE MODE`);
  return writer;
}

/** The migration that builds the index, started again while a writer's transaction holds its build back. */
async function migrationWaitingForWriter() {
  const { url, admin } = await databaseWithoutTheIndex();
  await admin.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [MIGRATION]);
  const writer = await openWriter(url);
  const migrating = migrateDatabase(url).then(
    () => null,
    (error: Error) => error,
  );
  return { url, admin, writer, migrating };
}

describe("an interrupted index build", () => {
  it("is dropped and built again by the next start, which then applies the migration as usual", async () => {
    // Back to the database before that migration.
    const { url, admin, writer, migrating: interrupted } = await migrationWaitingForWriter();
    const builder = await until(async () => {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE query LIKE '%CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()`,
      );
      return rows[0]?.pid;
    });
    await admin.query("SELECT pg_terminate_backend($1)", [builder]);
    expect(await interrupted).toBeInstanceOf(Error);
    const { rows: failed } = await admin.query<{ logs: string }>(`SELECT logs FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NULL`, [MIGRATION]);
    expect(failed[0]?.logs, "its connection ended, as the log says").toMatch(/terminating connection/);
    await writer.query("ROLLBACK");

    const valid = async () => (await admin.query<{ indisvalid: boolean }>(`SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)`, [`"${INDEX}"`])).rows[0]?.indisvalid;
    expect(await valid()).toBe(false);

    expect(await migrateDatabase(url)).toEqual([MIGRATION]);
    expect(await valid()).toBe(true);
    const { rows } = await admin.query(`SELECT finished_at IS NOT NULL AS finished FROM "_prisma_migrations" WHERE migration_name = $1 AND rolled_back_at IS NULL`, [MIGRATION]);
    expect(rows).toEqual([{ finished: true }]);
  });
});

describe("the migration lock's connection lost during a migration", () => {
  it("fails the start once the migration is done, since another process may have run beside it; the next start goes on", async () => {
    const { url, admin, writer, migrating } = await migrationWaitingForWriter();
    // The build waits for the writer; meanwhile the lock's connection goes.
    const lock = await until(async () => {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT l.pid FROM pg_stat_activity l WHERE l.application_name = 'tollgate-migrations' AND l.datname = current_database()
           AND EXISTS (SELECT 1 FROM pg_stat_activity b WHERE b.query LIKE '%CREATE INDEX CONCURRENTLY%' AND b.wait_event_type = 'Lock' AND b.datname = current_database())`,
      );
      return rows[0]?.pid;
    });
    await admin.query("SELECT pg_terminate_backend($1)", [lock]);
    await writer.query("ROLLBACK");
    expect((await migrating)?.message).toMatch(/database migration: the connection holding its lock was lost/);
    expect(await migrateDatabase(url)).toEqual([]);
  });
});

describe("a build that failed on its own", () => {
  it("stays failed for a person to look at: running it again would fail again", async () => {
    const url = await scratchDatabase();
    await migrateDatabase(url);
    const admin = await connect(url);
    await admin.query(`UPDATE "_prisma_migrations" SET finished_at = NULL, logs = 'ERROR: could not extend file: No space left on device' WHERE migration_name = $1`, [MIGRATION]);
    await expect(migrateDatabase(url)).rejects.toThrow(/failed migrations/);
  });
});

describe("a build left running by a stopped process", () => {
  it("is waited for, and the index it finishes is kept", async () => {
    const { url, admin } = await databaseWithoutTheIndex();
    // As a killed process leaves it: the migration begun, not finished, no log, and its build going on
    // (PostgreSQL notices the client's end only when it answers).
    await admin.query(`UPDATE "_prisma_migrations" SET finished_at = NULL, logs = NULL WHERE migration_name = $1`, [MIGRATION]);
    const writer = await openWriter(url);
    const orphan = await connect(url);
    const build = orphan.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "${INDEX}" ON "AuditEvent"("actorId", "createdAt" DESC)`);
    const building = await until(async () => {
      const { rows } = await admin.query<{ oid: number }>(`SELECT index_relid::int AS oid FROM pg_stat_progress_create_index WHERE index_relid = to_regclass($1)`, [`"${INDEX}"`]);
      return rows[0]?.oid;
    });

    let restarted = false;
    const restart = migrateDatabase(url).finally(() => (restarted = true));
    await until(async () => {
      const { rows } = await admin.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      return rows.length ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(restarted, "the start waits while the build runs").toBe(false);
    await writer.query("ROLLBACK");
    await build;

    expect(await restart).toEqual([MIGRATION]);
    const { rows } = await admin.query<{ oid: number; valid: boolean }>(`SELECT indexrelid::int AS oid, indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)`, [`"${INDEX}"`]);
    expect(rows).toEqual([{ oid: building, valid: true }]);
  });
});

describe("concurrentIndexOf", () => {
  it("names the index of a migration whose one statement builds it CONCURRENTLY, and nothing else", () => {
    expect(concurrentIndexOf(`-- CreateIndex\n-- why\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "User_name_trgm_idx" ON "User" USING GIN ("name" gin_trgm_ops);\n`)).toBe('"User_name_trgm_idx"');
    expect(concurrentIndexOf(`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS plain_idx ON t (a)`)).toBe("plain_idx");
    // Without IF NOT EXISTS, running it again would fail on an index the stopped build had finished.
    expect(concurrentIndexOf(`CREATE INDEX CONCURRENTLY "a_idx" ON t (a);`)).toBeNull();
    expect(concurrentIndexOf(`CREATE INDEX "a_idx" ON t (a);`)).toBeNull();
    expect(concurrentIndexOf(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "a_idx" ON t (a);\nDROP TABLE u;`)).toBeNull();
    expect(concurrentIndexOf(`ALTER TABLE t ADD COLUMN b int;`)).toBeNull();
  });
});
