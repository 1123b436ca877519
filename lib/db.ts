// The one Prisma client. It lives on globalThis so that the Next.js bundle and
// the lean router (two module graphs in one process) share a single pool.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export type { Prisma } from "./generated/prisma/client.ts";

function createClient() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set: start Tollgate with `npm start`");
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString, max: 10 }),
    omit: { user: { passwordHash: true }, invitation: { tokenHash: true }, emailToken: { tokenHash: true, passwordHash: true } },
  });
}

export type Db = ReturnType<typeof createClient>;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

const globalForDb = globalThis as unknown as { __tollgateDb?: Db };

export const db: Db = new Proxy({} as Db, {
  get(_target, prop) {
    globalForDb.__tollgateDb ??= createClient();
    const value = Reflect.get(globalForDb.__tollgateDb, prop);
    return typeof value === "function" ? value.bind(globalForDb.__tollgateDb) : value;
  },
});

export async function disconnectDb() {
  const client = globalForDb.__tollgateDb;
  globalForDb.__tollgateDb = undefined;
  await client?.$disconnect();
}
