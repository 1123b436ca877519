// npm run db:migration -- NAME: write prisma/migrations/<timestamp>_NAME from
// the change to prisma/schema.prisma since the last migration.
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pendingSchemaChange, SNAPSHOT_FILE } from "../lib/db/migration-diff.ts";
import { MIGRATIONS_DIR, SCHEMA_PATH } from "../lib/db/schema-engine.ts";
import { withDatabase } from "./with-database.ts";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- NAME   (NAME in snake_case, e.g. add_projects)");
  process.exit(1);
}

try {
  const sql = await withDatabase((url) => pendingSchemaChange(url));
  if (!sql) {
    console.log("schema.prisma has no change since the last migration: nothing written");
    process.exit(0);
  }
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "migration.sql"), sql + "\n");
  await copyFile(SCHEMA_PATH, path.join(dir, SNAPSHOT_FILE));
  await writeFile(path.join(MIGRATIONS_DIR, "migration_lock.toml"), 'provider = "postgresql"\n');
  console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
  process.exit(0);
} catch (error) {
  console.error(`db:migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
