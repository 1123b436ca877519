// Plain SQL statements are prepared once per connection; one whose table a
// migration changed meanwhile is sent again unprepared, not failed.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { rawSql, sql, sqlRows } from "../../lib/db/sql.ts";

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
