// Prisma's own schema engine, run as WebAssembly so that migrations work
// offline (no native engine download). Used by db:migrate, db:migration,
// the server's start-up and the tests.
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

export type Engine = {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  applyMigrations(params: unknown): Promise<{ appliedMigrationNames: string[] }>;
  free(): void;
};

const require = createRequire(import.meta.url);
let wasmReady: Promise<{ SchemaEngine: { new: (...args: unknown[]) => Promise<Engine> } }> | undefined;

// The package's main module imports the .wasm as an ES module, which Node
// rejects; instantiate it by hand instead.
async function loadWasm() {
  const bgPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const bg = await import(pathToFileURL(bgPath).href);
  const wasm = await readFile(path.join(path.dirname(bgPath), "schema_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(wasm, { "./schema_engine_bg.js": bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  return bg;
}

export const MIGRATIONS_DIR = path.resolve(process.cwd(), "prisma/migrations");
export const SCHEMA_PATH = path.resolve(process.cwd(), "prisma/schema.prisma");

/** Runs `work` with a schema engine connected to the database; closes its pool afterwards. */
export async function withSchemaEngine<T>(connectionString: string, work: (engine: Engine) => Promise<T>, schemaText?: string): Promise<T> {
  wasmReady ??= loadWasm();
  const { SchemaEngine } = await wasmReady;
  const datamodel = schemaText ?? (await readFile(SCHEMA_PATH, "utf8"));
  const pool = new pg.Pool({ connectionString, max: 2 });
  // An idle connection dropped by the server must not end the process (the next query fails instead).
  pool.on("error", () => {});
  try {
    const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool) as never);
    const engine = await SchemaEngine.new({ datamodels: [[SCHEMA_PATH, datamodel]] }, () => {}, adapter);
    try {
      return await work(engine);
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}

export async function readMigrationList() {
  let names: string[];
  try {
    names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    names = [];
  }
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok", value: await readFile(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8") },
      },
    })),
  );
  let lockfile: string | null;
  try {
    lockfile = await readFile(path.join(MIGRATIONS_DIR, "migration_lock.toml"), "utf8");
  } catch {
    lockfile = null;
  }
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: "migration_lock.toml", content: lockfile },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

export const noFilters = { externalTables: [], externalEnums: [] };

export function schemaTarget(content: string, file = SCHEMA_PATH) {
  return { tag: "schemaDatamodel", files: [{ path: file, content }] };
}
