// Empty databases for tests of migrations, on the test server, dropped when
// the test file ends.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach } from "vitest";

const adminUrl = () => {
  const url = new URL(process.env.TEST_ADMIN_DATABASE_URL!);
  url.pathname = "/postgres";
  return url;
};

/** Returns a function making empty databases (their URLs); every one is dropped after the file's tests. */
export function useEmptyDatabases(): () => Promise<string> {
  const created: string[] = [];
  afterAll(async () => {
    const client = new pg.Client({ connectionString: adminUrl().toString() });
    await client.connect();
    for (const name of created) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  });
  return async () => {
    const name = `tollgate_scratch_${randomUUID().slice(0, 8)}`;
    const client = new pg.Client({ connectionString: adminUrl().toString() });
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
    await client.end();
    created.push(name);
    const url = adminUrl();
    url.pathname = `/${name}`;
    return url.toString();
  };
}

/** Returns a function opening connections to a database; every one is closed after each test. */
export function useConnections(): (url: string) => Promise<pg.Client> {
  const clients: pg.Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})));
  });
  return async (url) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  };
}
