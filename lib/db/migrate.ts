// Applies prisma/migrations to a database. Several app processes may start at
// once on one database, so the work runs under a PostgreSQL advisory lock.
import pg from "pg";
import { noFilters, readMigrationList, withSchemaEngine } from "./schema-engine.ts";

const MIGRATION_LOCK_ID = 7_246_001; // arbitrary, constant across versions

export async function migrateDatabase(connectionString: string): Promise<string[]> {
  const lockClient = new pg.Client({ connectionString });
  await lockClient.connect();
  try {
    await lockClient.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    const migrationsList = await readMigrationList();
    const result = await withSchemaEngine(connectionString, (engine) => engine.applyMigrations({ migrationsList, filters: noFilters }));
    return result.appliedMigrationNames;
  } finally {
    await lockClient.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await lockClient.end();
  }
}
