// The one Prisma client. It lives on globalThis so that the Next.js bundle and
// the lean router (two module graphs in one process) share a single pool.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client.ts";
import { logger } from "./logger.ts";

export type { Prisma } from "./generated/prisma/client.ts";

function createClient() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set: start Tollgate with `npm start`");
  // One pool for Prisma and for the few hot writes made as plain SQL (./db/sql.ts).
  // A request waits at most 30 s for a connection (a database that is down or
  // saturated gets an error answered, not a request held open forever).
  const pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 30_000 });
  // An idle connection the server dropped must not crash the process: the pool replaces it.
  pool.on("error", (error) => logger.warn({ err: error }, "database connection lost"));
  globalForDb.__tollgatePool = pool;
  return new PrismaClient({
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    omit: { user: { passwordHash: true }, invitation: { tokenHash: true }, emailToken: { tokenHash: true, passwordHash: true } },
  });
}

export type Db = ReturnType<typeof createClient>;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

const globalForDb = globalThis as unknown as { __tollgateDb?: Db; __tollgatePool?: pg.Pool };

export const db: Db = new Proxy({} as Db, {
  get(_target, prop) {
    globalForDb.__tollgateDb ??= createClient();
    const value = Reflect.get(globalForDb.__tollgateDb, prop);
    return typeof value === "function" ? value.bind(globalForDb.__tollgateDb) : value;
  },
});

/** The connection pool under the Prisma client. */
export function dbPool(): pg.Pool {
  globalForDb.__tollgateDb ??= createClient();
  return globalForDb.__tollgatePool!;
}

export async function disconnectDb() {
  const client = globalForDb.__tollgateDb;
  const pool = globalForDb.__tollgatePool;
  globalForDb.__tollgateDb = undefined;
  globalForDb.__tollgatePool = undefined;
  try {
    await client?.$disconnect();
  } finally {
    // A client that never connected has not taken the pool over.
    if (pool && !pool.ended) await pool.end();
  }
}
