// Proves that prisma/migrations and prisma/schema.prisma describe the same
// database: one scratch database gets every migration, another the engine's
// SQL for schema.prisma from nothing; their catalogues must be identical.
import { readFile } from "node:fs/promises";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { diffSchemas, latestSnapshot, pendingSchemaChange } from "../../lib/db/migration-diff.ts";
import { migrateDatabase } from "../../lib/db/migrate.ts";
import { SCHEMA_PATH } from "../../lib/db/schema-engine.ts";
import { useEmptyDatabases } from "./empty-databases.ts";

const scratchDatabase = useEmptyDatabases();

async function catalogue(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
       ORDER BY table_name, column_name`,
    );
    // Partial indexes (… WHERE …) are added by hand in migrations, as CHECK constraints are: Prisma cannot express them.
    const indexes = await client.query(
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' AND indexdef NOT LIKE '% WHERE %' ORDER BY indexname`,
    );
    const constraints = await client.query(
      `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'
         AND contype <> 'c' -- CHECK constraints are added by hand in migrations; Prisma cannot express them
       ORDER BY conname`,
    );
    return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
  } finally {
    await client.end();
  }
}

describe("migrations", () => {
  it("build the same database as schema.prisma", async () => {
    const [fromMigrations, fromSchema] = await Promise.all([scratchDatabase(), scratchDatabase()]);
    await migrateDatabase(fromMigrations);
    const sql = await diffSchemas(fromSchema, null, await readFile(SCHEMA_PATH, "utf8"));
    const client = new pg.Client({ connectionString: fromSchema });
    await client.connect();
    // Extensions are created by hand in migrations (20261206064037_trigram_extension); Prisma's schema does not name them.
    await client.query("CREATE EXTENSION IF NOT EXISTS pg_trgm");
    await client.query(sql);
    await client.end();
    const [a, b] = await Promise.all([catalogue(fromMigrations), catalogue(fromSchema)]);
    expect(a.columns.length).toBeGreaterThan(10);
    expect(a).toEqual(b);
  });

  it("leave no schema change without a migration (npm run db:migration has nothing to write)", async () => {
    const snapshot = await latestSnapshot();
    expect(snapshot).not.toBeNull();
    expect(await pendingSchemaChange(await scratchDatabase())).toBe("");
  });

  it("apply once even when several processes migrate at the same time", async () => {
    const url = await scratchDatabase();
    const results = await Promise.all([migrateDatabase(url), migrateDatabase(url), migrateDatabase(url)]);
    const applied = results.flat();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query("SELECT migration_name FROM _prisma_migrations");
    await client.end();
    expect(new Set(applied).size).toBe(applied.length);
    expect(rows.length).toBe(applied.length);
    expect(await migrateDatabase(url)).toEqual([]);
  });
});
