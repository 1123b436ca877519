// Each migration (from FIRST_CHECKED on) applied to a database that already
// holds data: a fresh database is migrated up to the one before it and filled
// with SEED through SQL; then the migration runs, and every row that was
// there is still there with the same values, except the columns its entry in
// DATA_MIGRATIONS may change, which that entry checks.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { Prisma, PrismaClient } from "../../lib/generated/prisma/client.ts";
import { noFilters, readMigrationList, withSchemaEngine } from "../../lib/db/schema-engine.ts";
import { DATA_MIGRATIONS, FIRST_CHECKED, ids, PREVIOUS_RELEASE, SEED } from "./migration-data.ts";

const SEED_ORG = ids.org;
import { useEmptyDatabases } from "./empty-databases.ts";

const scratchDatabase = useEmptyDatabases();
const all = await readMigrationList();
const names = all.migrationDirectories.map((d) => d.path);
const sqlOf = (name: string) => all.migrationDirectories.find((d) => d.path === name)!.migrationFile.content.value;

/** Applies the migrations up to and including `last`, as migrateDatabase does with all of them. */
async function migrateThrough(url: string, last: string) {
  const migrationDirectories = all.migrationDirectories.filter((d) => d.path <= last);
  await withSchemaEngine(url, (engine) => engine.applyMigrations({ migrationsList: { ...all, migrationDirectories }, filters: noFilters }));
}

async function columnsOf(client: pg.Client): Promise<Map<string, Set<string>>> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
  );
  const tables = new Map<string, Set<string>>();
  for (const r of rows) tables.set(r.table_name, (tables.get(r.table_name) ?? new Set()).add(r.column_name));
  return tables;
}

/** Inserts SEED, each row with the columns its table has at this schema version. */
async function seed(client: pg.Client) {
  const tables = await columnsOf(client);
  for (const [table, row, onlyIf] of SEED) {
    const columns = tables.get(table);
    if (!columns || (onlyIf && !onlyIf(columns))) continue;
    const entries = Object.entries(row).filter(([column]) => columns.has(column));
    const values = entries.map(([, v]) => (v !== null && typeof v === "object" && !Array.isArray(v) ? JSON.stringify(v) : v));
    await client.query(`INSERT INTO "${table}" (${entries.map(([c]) => `"${c}"`).join(", ")}) VALUES (${entries.map((_, i) => `$${i + 1}`).join(", ")})`, values);
  }
}

type Snapshot = Map<string, Map<string, Record<string, unknown>>>;

/** Every row of every table, by primary key, as JSON. */
async function snapshot(client: pg.Client): Promise<Snapshot> {
  const tables: Snapshot = new Map();
  for (const table of (await columnsOf(client)).keys()) {
    const { rows: keyColumns } = await client.query<{ attname: string }>(
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = format('%I', $1::text)::regclass AND i.indisprimary ORDER BY a.attname`,
      [table],
    );
    const { rows } = await client.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM "${table}" t`);
    tables.set(table, new Map(rows.map(({ row }) => [JSON.stringify(keyColumns.map((k) => row[k.attname])), row])));
  }
  return tables;
}

/** Every row of `before` is in `after` with the same values, except the columns `mayChange` names per table. */
function expectKept(before: Snapshot, after: Snapshot, mayChange: Record<string, string[]>) {
  for (const [table, rows] of before) {
    const now = after.get(table);
    if (rows.size === 0) continue;
    expect(now, `${table} still exists`).toBeDefined();
    const changing = new Set(mayChange[table] ?? []);
    for (const [key, row] of rows) {
      const kept = now!.get(key);
      expect(kept, `${table} ${key} is kept`).toBeDefined();
      // A column dropped with its values counts as lost unless a migration's entry names it.
      const same = Object.fromEntries(Object.entries(row).filter(([column]) => !changing.has(column)));
      expect(Object.fromEntries(Object.keys(same).map((c) => [c, kept![c]])), `${table} ${key}`).toEqual(same);
    }
  }
}

describe("upgrading an instance of the previous release", () => {
  it(`${PREVIOUS_RELEASE.version} (through ${PREVIOUS_RELEASE.lastMigration}), holding data, migrates to this one in one start, keeping every row, and the app reads every table`, async () => {
    expect(names, "the previous release's last migration is one of ours").toContain(PREVIOUS_RELEASE.lastMigration);
    const url = await scratchDatabase();
    await migrateThrough(url, PREVIOUS_RELEASE.lastMigration);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    try {
      await seed(client);
      const before = await snapshot(client);
      // What `npm start` (or the image) does on start: every migration not applied yet, in one go.
      await migrateThrough(url, names.at(-1)!);
      const mayChange: Record<string, string[]> = {};
      for (const name of names.filter((n) => n > PREVIOUS_RELEASE.lastMigration)) {
        for (const [table, columns] of Object.entries(DATA_MIGRATIONS[name]?.changes ?? {})) (mayChange[table] ??= []).push(...columns);
      }
      expectKept(before, await snapshot(client), mayChange);
      // This version's client reads every model from the upgraded database.
      for (const model of Object.values(Prisma.ModelName)) {
        const delegate = (prisma as unknown as Record<string, { findMany: (args: { take: number }) => Promise<unknown[]> }>)[model[0]!.toLowerCase() + model.slice(1)]!;
        await expect(delegate.findMany({ take: 5 }), model).resolves.toBeInstanceOf(Array);
      }
      expect(await prisma.membership.count({ where: { orgId: SEED_ORG } })).toBe(before.get("Membership")!.size);
    } finally {
      await prisma.$disconnect();
      await client.end();
    }
  });
});

describe("migrations on a database that holds data", () => {
  const checked = names.filter((name) => name >= FIRST_CHECKED);

  it("check at least the newest migration", () => {
    expect(checked).toContain(names.at(-1));
  });

  it.each(checked)("%s keeps every row and moves data as intended", async (name) => {
    const changesData = /^\s*(UPDATE|DELETE|INSERT\s+INTO\s+\S+\s+SELECT)\b/im.test(sqlOf(name));
    const entry = DATA_MIGRATIONS[name];
    if (changesData) expect(entry, `${name} changes existing rows: describe it in DATA_MIGRATIONS (test/db/migration-data.ts)`).toBeDefined();

    const url = await scratchDatabase();
    const previous = names[names.indexOf(name) - 1]!;
    await migrateThrough(url, previous);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await seed(client);
      const before = await snapshot(client);
      expect(before.get("Grant")?.size, "the seed fills the tables").toBeGreaterThan(0);

      await migrateThrough(url, name);
      expectKept(before, await snapshot(client), entry?.changes ?? {});
      await entry?.verify(client);
    } finally {
      await client.end();
    }
  });
});
