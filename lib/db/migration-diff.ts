// Migration SQL from schema changes, without a shadow database: each
// migration folder keeps the schema.prisma it was made from, and the next
// migration is the engine's diff from that snapshot to the current schema.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { MIGRATIONS_DIR, noFilters, readMigrationList, SCHEMA_PATH, withSchemaEngine } from "./schema-engine.ts";

export const SNAPSHOT_FILE = "schema.prisma";

function normalise(sql: string | null): string {
  const text = (sql ?? "").trim();
  return /^-- This is an empty migration\.?$/.test(text) ? "" : text;
}

/** SQL from `fromSchema` (null: an empty database) to `toSchema`. */
export async function diffSchemas(connectionString: string, fromSchema: string | null, toSchema: string): Promise<string> {
  const result = await withSchemaEngine(
    connectionString,
    (engine) =>
      engine.diff({
        from: fromSchema === null ? { tag: "empty" } : { tag: "schemaDatamodel", files: [{ path: "from.prisma", content: fromSchema }] },
        to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: toSchema }] },
        script: true,
        exitCode: null,
        filters: noFilters,
      }),
    toSchema,
  );
  return normalise(result.stdout);
}

export async function latestSnapshot(): Promise<{ name: string; schema: string } | null> {
  const { migrationDirectories } = await readMigrationList();
  const last = migrationDirectories.at(-1);
  if (!last) return null;
  const schema = await readFile(path.join(MIGRATIONS_DIR, last.path, SNAPSHOT_FILE), "utf8");
  return { name: last.path, schema };
}

/** The SQL a new migration needs: latest snapshot (or nothing) to schema.prisma. */
export async function pendingSchemaChange(connectionString: string): Promise<string> {
  const snapshot = await latestSnapshot();
  const current = await readFile(SCHEMA_PATH, "utf8");
  return diffSchemas(connectionString, snapshot?.schema ?? null, current);
}
