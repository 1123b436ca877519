// Plain SQL statements are prepared once per connection; one whose table a
// migration changed meanwhile is sent again unprepared, not failed.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { rawSql, sql, sqlRows, sqlTransaction } from "../../lib/db/sql.ts";

const table = rawSql(`"sql_test_${randomUUID().replaceAll("-", "")}"`);
afterAll(() => sqlRows(sql`DROP TABLE IF EXISTS ${table}`));

describe("sqlRows", () => {
  it("takes values as parameters, and outlives a change to the tables of its prepared statements", async () => {
    await sqlRows(sql`CREATE TABLE ${table} (x int)`);
    await sqlRows(sql`INSERT INTO ${table} (x) VALUES (${1}), (${2})`);
    const read = () => sqlRows<Record<string, number | null>>(sql`SELECT *, pg_sleep(0.05)::text AS slept FROM ${table} WHERE x >= ${1} ORDER BY x`);
    // Prepared on every connection of the pool at once.
    await Promise.all(Array.from({ length: 10 }, read));
    await sqlRows(sql`ALTER TABLE ${table} ADD COLUMN y int`);
    const rows = await read();
    expect(rows.map((r) => [r.x, r.y])).toEqual([
      [1, null],
      [2, null],
    ]);
  });
});

describe("sqlTransaction", () => {
  it("outlives its connection being ended by the server mid-transaction (a restart), and the pool connects anew", async () => {
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    pool.on("error", () => {}); // as the app's pools do, for idle connections
    try {
      const transaction = sqlTransaction(async (client) => {
        const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        // Ended, and gone, while this transaction holds it: its end reaches the client between queries.
        await sqlRows(sql`SELECT pg_terminate_backend(${rows[0]!.pid}::int, 5000)`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await client.query("SELECT 1");
      }, pool);
      await expect(transaction).rejects.toThrow();
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
