// Applies prisma/migrations to a database. Several app processes may start at
// once on one database, so the work runs under a PostgreSQL advisory lock.
import type pg from "pg";
import { logger } from "../logger.ts";
import { connectionLost, LockLost, ownClient } from "./own-client.ts";
import { noFilters, readMigrationList, withSchemaEngine } from "./schema-engine.ts";

const MIGRATION_LOCK_ID = 7_246_001; // arbitrary, constant across versions

export async function migrateDatabase(connectionString: string): Promise<string[]> {
  const lockClient = ownClient({ connectionString, application_name: "tollgate-migrations" });
  await lockClient.connect();
  try {
    // Polled, not waited for: a backend waiting on the lock holds a snapshot, and a migration that
    // builds an index CONCURRENTLY waits for every older snapshot, so a waiting process would stall it.
    while (!(await lockClient.query<{ taken: boolean }>("SELECT pg_try_advisory_lock($1) AS taken", [MIGRATION_LOCK_ID])).rows[0]!.taken) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const migrationsList = await readMigrationList();
    await repairInterruptedIndexBuilds(lockClient, migrationsList.migrationDirectories);
    const result = await withSchemaEngine(connectionString, (engine) => engine.applyMigrations({ migrationsList, filters: noFilters }));
    const lost = connectionLost(lockClient);
    if (lost) throw new LockLost("database migration", lost);
    return result.appliedMigrationNames;
  } finally {
    await lockClient.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await lockClient.end().catch(() => {});
  }
}

type MigrationDirectory = Awaited<ReturnType<typeof readMigrationList>>["migrationDirectories"][number];

/**
 * The index a migration builds, when building it CONCURRENTLY IF NOT EXISTS is the migration's
 * one statement (comments aside): such a migration runs outside a transaction, so it can stop
 * half done, and running it again keeps an index that was finished.
 */
export function concurrentIndexOf(script: string): string | null {
  const statement = script
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n")
    .trim()
    .replace(/;$/, "");
  if (statement.includes(";")) return null;
  const name = /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+ON\s/i.exec(statement)?.[1];
  return name ?? null;
}

/**
 * A migration that built an index CONCURRENTLY and was stopped half way leaves
 * itself failed and its index INVALID: Prisma would refuse every later start
 * until someone resolved it by hand. Stopped means its process died (a container
 * killed during an upgrade: no log) or its connection was ended (an
 * administrator, a restart of PostgreSQL: a log saying so). Such a migration is
 * safe to run again: its invalid index is dropped, the failed attempt marked
 * rolled back, and Prisma applies the migration anew. A build that failed on its
 * own (duplicate keys for a unique index, a full disk, a timeout) would fail
 * again, and stays for a person to look at, as do failed migrations of other
 * kinds (they ran in a transaction that changed nothing).
 */
async function repairInterruptedIndexBuilds(client: pg.Client, migrations: MigrationDirectory[]) {
  const { rows: present } = await client.query<{ present: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!present[0]!.present) return;
  const { rows: stopped } = await client.query<{ id: string; migration_name: string }>(
    `SELECT id, migration_name FROM "_prisma_migrations" WHERE finished_at IS NULL AND rolled_back_at IS NULL AND (logs IS NULL OR logs LIKE '%terminating connection%')`,
  );
  for (const attempt of stopped) {
    const file = migrations.find((m) => m.path === attempt.migration_name)?.migrationFile.content;
    const index = file?.tag === "ok" ? concurrentIndexOf(file.value) : null;
    if (!index) continue;
    await untilNoBuildOf(client, index, attempt.migration_name);
    const { rows } = await client.query<{ valid: boolean }>(`SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass($1)`, [index]);
    // A valid one was finished before the process stopped; the migration's IF NOT EXISTS keeps it.
    const halfBuilt = rows[0] !== undefined && !rows[0].valid;
    if (halfBuilt) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${index}`);
    await client.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE id = $1`, [attempt.id]);
    logger.warn({ migration: attempt.migration_name, index }, `a migration's index build was interrupted: ${halfBuilt ? "its half-built index was dropped, and " : ""}the migration runs again`);
  }
}

/**
 * PostgreSQL notices a client's end only when it next writes to it: the build
 * of a process killed mid-way goes on to its end. Dropping the index meanwhile
 * would wait for it and then throw the finished index away.
 */
async function untilNoBuildOf(client: pg.Client, index: string, migration: string) {
  const building = async () => (await client.query(`SELECT 1 FROM pg_stat_progress_create_index WHERE index_relid = to_regclass($1)`, [index])).rowCount! > 0;
  if (!(await building())) return;
  logger.warn({ migration, index }, "an index build left by a stopped process is still running: waiting for its end");
  while (await building()) await new Promise((resolve) => setTimeout(resolve, 1000));
}
