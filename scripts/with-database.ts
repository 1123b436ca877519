// Resolves the database a script works on: DATABASE_URL when set, otherwise
// the embedded PostgreSQL in the data directory (started for the script).
import path from "node:path";
import { dataDir, env } from "../lib/env.ts";
import { startEmbeddedPostgres } from "../lib/db/embedded-postgres.ts";

export async function withDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  if (env().DATABASE_URL) return work(env().DATABASE_URL!);
  const pg = await startEmbeddedPostgres({
    dir: path.join(dataDir(), "postgres"),
    port: env().TOLLGATE_PG_PORT,
    database: "tollgate",
  });
  try {
    return await work(pg.url);
  } finally {
    await pg.stop();
  }
}
