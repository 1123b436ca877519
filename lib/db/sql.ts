// Plain SQL on the pool under Prisma, for the hot writes: a Prisma call costs
// this machine 0.5–1 ms of CPU, a pg query about 0.2 ms, and one statement
// that makes a whole change (row, audit, version bump) saves the round trips
// of a transaction. Build statements with `sql` (values become $n parameters).
import { createHash } from "node:crypto";
import { Prisma } from "../generated/prisma/client.ts";
import type pg from "pg";
import { dbPool } from "../db.ts";

export type Sql = Prisma.Sql;
export const sql = Prisma.sql;
export const joinSql = Prisma.join;
export const rawSql = Prisma.raw;

// Each statement is prepared once per connection (PostgreSQL parses and plans it once).
const statementNames = new Map<string, string>();
function statementName(text: string) {
  let name = statementNames.get(text);
  if (!name) {
    name = `tg_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    if (statementNames.size < 1_000) statementNames.set(text, name);
  }
  return name;
}

/** A prepared statement the server no longer takes (its tables changed under a migration) or no longer has (a pooler in between). */
const isStalePreparedStatement = (error: unknown) => ["0A000", "26000"].includes((error as { code?: string }).code ?? "");

export async function sqlRows<Row>(query: Sql): Promise<Row[]> {
  const text = query.text;
  const values = query.values as unknown[];
  try {
    return (await dbPool().query({ name: statementName(text), text, values })).rows as Row[];
  } catch (error) {
    if (!isStalePreparedStatement(error)) throw error;
    return (await dbPool().query({ text, values })).rows as Row[];
  }
}

/** The server ended the session (FATAL, or class 57P: a restart, an administrator), or the connection broke (class 08). */
const endsConnection = (error: unknown) => {
  const { severity, code } = error as { severity?: string; code?: string };
  return severity === "FATAL" || severity === "PANIC" || /^(08|57P)/.test(code ?? "");
};

/**
 * `work` on one connection of `pool`, given back after it, or dropped if it
 * was lost. While a connection is out of its pool, the pool no longer listens
 * for its errors: one ended meanwhile (the database restarting) would be an
 * unhandled 'error' event, which ends the process. A loss reported as the
 * running query's error drops the connection too: given back, it would fail
 * the next caller once more.
 */
export async function withConnection<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => (lost ??= error);
  client.on("error", onError);
  try {
    return await work(client);
  } catch (error) {
    if (endsConnection(error)) lost ??= error as Error;
    throw error;
  } finally {
    client.removeListener("error", onError);
    client.release(lost);
  }
}

/** `work` on one connection of `pool` inside BEGIN … COMMIT, rolled back if it throws. */
export function sqlTransaction<T>(work: (client: pg.PoolClient) => Promise<T>, pool: pg.Pool = dbPool()): Promise<T> {
  return withConnection(pool, async (client) => {
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  });
}
