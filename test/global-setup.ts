// Gives the integration tests a real, migrated PostgreSQL: DATABASE_URL when
// the test runner (scripts/test.ts) set one, otherwise an embedded server.
import { createDatabaseIfMissing, startTemporaryPostgres } from "../lib/db/embedded-postgres.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";

export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  let stop = async () => {};
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const pg = await startTemporaryPostgres("tollgate-vitest-");
    url = pg.url;
    stop = pg.stop;
  }
  const adminUrl = url;
  const database = `tollgate_it_${process.pid}`;
  const parsed = new URL(url);
  parsed.pathname = "/postgres";
  await createDatabaseIfMissing(parsed.toString(), database).catch(async () => {
    await createDatabaseIfMissing(url!, database);
  });
  parsed.pathname = `/${database}`;
  const testUrl = parsed.toString();
  await migrateDatabase(testUrl);
  provide("databaseUrl", testUrl);
  provide("adminDatabaseUrl", adminUrl);
  return async () => {
    const { default: pg } = await import("pg");
    const admin = new URL(adminUrl);
    admin.pathname = "/postgres";
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect().catch(() => {});
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => {});
    await client.end().catch(() => {});
    await stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string;
  }
}
