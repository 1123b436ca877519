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
    const result = await withSchemaEngine(connectionString, (engine) =>
      engine.applyMigrations({ migrationsList, filters: noFilters }),
    );
    return result.appliedMigrationNames;
  } finally {
    await lockClient.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await lockClient.end();
  }
}

/** Names of migrations in prisma/migrations that the database has not applied. */
export async function pendingMigrations(client: pg.ClientBase): Promise<string[]> {
  const { migrationDirectories } = await readMigrationList();
  let applied = new Set<string>();
  try {
    const { rows } = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    applied = new Set(rows.map((r) => r.migration_name));
  } catch {
    applied = new Set();
  }
  return migrationDirectories.map((d) => d.path).filter((name) => !applied.has(name));
}
