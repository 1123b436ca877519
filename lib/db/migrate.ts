// Applies prisma/migrations to a database. Several app processes may start at
// once on one database, so the work runs under a PostgreSQL advisory lock.
import pg from "pg";
import { noFilters, readMigrationList, withSchemaEngine } from "./schema-engine.ts";

const MIGRATION_LOCK_ID = 7_246_001; // arbitrary, constant across versions

export async function migrateDatabase(connectionString: string): Promise<string[]> {
  const lockClient = new pg.Client({ connectionString });
  await lockClient.connect();
  try {
    // Polled, not waited for: a backend waiting on the lock holds a snapshot, and a migration that
    // builds an index CONCURRENTLY waits for every older snapshot, so a waiting process would stall it.
    while (!(await lockClient.query<{ taken: boolean }>("SELECT pg_try_advisory_lock($1) AS taken", [MIGRATION_LOCK_ID])).rows[0]!.taken) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const migrationsList = await readMigrationList();
    const result = await withSchemaEngine(connectionString, (engine) => engine.applyMigrations({ migrationsList, filters: noFilters }));
    return result.appliedMigrationNames;
  } finally {
    await lockClient.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await lockClient.end();
  }
}
