// The embedded PostgreSQL from places the postgres user cannot reach (as root,
// a clone in root's 0700 home), without the package's symlink script, and its
// one-line failures. Real binaries, real servers.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddedPostgresError, freePort, startEmbeddedPostgres, startTemporaryPostgres } from "../../lib/db/embedded-postgres.ts";
import { platformPackage, type PostgresPackage } from "../../lib/db/postgres-binaries.ts";

const isRoot = process.getuid?.() === 0;
const folders: string[] = [];

/** A fresh folder under the temporary directory, mode 0700 unless opened. */
async function folder(prefix: string, mode = 0o700): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, mode);
  folders.push(dir);
  return dir;
}

/** The installed binaries copied into `into`, under a version of their own so no earlier cache matches. */
async function copyOfBinaries(into: string): Promise<PostgresPackage> {
  const installed = platformPackage();
  const nativeDir = path.join(into, "node_modules", "native");
  await cp(installed.nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true });
  return { ...installed, version: `test-${randomBytes(4).toString("hex")}`, nativeDir };
}

async function selectOne(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query("SELECT 1 + 1 AS two, current_user AS who")).rows[0];
  } finally {
    await client.end();
  }
}

async function failure(start: Promise<unknown>): Promise<string> {
  const error = await start.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmbeddedPostgresError);
  const message = (error as Error).message;
  expect(message.split("\n")).toHaveLength(1);
  return message;
}

afterAll(async () => {
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

describe("embedded PostgreSQL", () => {
  it("runs from binaries inside a private (0700) folder, two servers starting at once sharing one cached copy", async () => {
    const privateClone = await folder("tollgate-private-clone-");
    const binariesPackage = await copyOfBinaries(privateClone);
    const binariesCache = path.join(await folder("tollgate-cache-", 0o755), "binaries");

    const [first, second] = await Promise.all([
      startTemporaryPostgres("tollgate-pg-a-", { binariesPackage, binariesCache }),
      startTemporaryPostgres("tollgate-pg-b-", { binariesPackage, binariesCache }),
    ]);
    try {
      expect(await selectOne(first.url)).toEqual({ two: 2, who: "tollgate" });
      expect(await selectOne(second.url)).toEqual({ two: 2, who: "tollgate" });
      if (isRoot) {
        // The postgres user could not enter the clone: the servers ran from one copy.
        const copy = path.join(binariesCache, `${binariesPackage.name.split("/")[1]}-${binariesPackage.version}`);
        expect(existsSync(path.join(copy, "bin", "postgres"))).toBe(true);
        expect((await readdir(binariesCache)).filter((name) => !name.startsWith("."))).toHaveLength(1);
      }
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it("makes the shared-library symlinks when npm skipped the package's install script", async () => {
    const clone = await folder("tollgate-clone-", 0o755);
    const binariesPackage = await copyOfBinaries(clone);
    const links: { target: string }[] = JSON.parse(await readFile(path.join(binariesPackage.nativeDir, "pg-symlinks.json"), "utf8"));
    expect(links.length).toBeGreaterThan(0);
    for (const { target } of links) await unlink(path.join(binariesPackage.nativeDir, path.relative("native", target)));

    const binariesCache = path.join(await folder("tollgate-cache-", 0o755), "binaries");
    const server = await startTemporaryPostgres("tollgate-pg-links-", { binariesPackage, binariesCache });
    try {
      expect(await selectOne(server.url)).toEqual({ two: 2, who: "tollgate" });
    } finally {
      await server.stop();
    }
  });

  it("says in one line why the server did not start: the server's own words", async () => {
    const data = await folder("tollgate-data-", 0o755);
    const dir = path.join(data, "postgres");
    const running = await startEmbeddedPostgres({ dir, port: await freePort(), database: "tollgate" });
    try {
      // A second server on the same cluster: PostgreSQL refuses, and that refusal is the message.
      const message = await failure(startEmbeddedPostgres({ dir, port: await freePort(), database: "tollgate" }));
      expect(message).toMatch(/^embedded PostgreSQL: the server in .* did not start \(FATAL: lock file "postmaster\.pid" already exists\); set DATABASE_URL to use your own PostgreSQL$/);
    } finally {
      await running.stop();
    }
  });

  it("says in one line why initdb failed", async () => {
    const data = await folder("tollgate-data-", 0o755);
    const dir = path.join(data, "postgres");
    await mkdir(dir);
    await writeFile(path.join(dir, "leftover"), "not a cluster");
    const message = await failure(startEmbeddedPostgres({ dir, port: await freePort(), database: "tollgate" }));
    expect(message).toMatch(/^embedded PostgreSQL: initdb failed in .*postgres \(error: directory ".*" exists but is not empty\); set DATABASE_URL to use your own PostgreSQL$/);
  });

  it.skipIf(!isRoot)("says in one line, as root, that the data directory sits in a folder the postgres user cannot enter", async () => {
    const privateHome = await folder("tollgate-private-home-");
    const dir = path.join(privateHome, "data", "postgres");
    const message = await failure(startEmbeddedPostgres({ dir, port: await freePort(), database: "tollgate" }));
    expect(message).toBe(
      `embedded PostgreSQL: as root it runs as the postgres user, who cannot enter ${privateHome} on the way to ${path.dirname(dir)}; set TOLLGATE_DATA_DIR to a folder outside it, or set DATABASE_URL to use your own PostgreSQL`,
    );
  });

  it("stops a server interrupted while it starts (its own process group does not get the Ctrl-C)", { timeout: 90_000 }, async () => {
    const data = await folder("tollgate-data-", 0o755);
    const dir = path.join(data, "postgres");
    const port = await freePort();
    // Made and stopped once first: initdb's own single-user server writes a pid file too.
    await (await startEmbeddedPostgres({ dir, port, database: "tollgate" })).stop();
    const start = `import(${JSON.stringify(path.resolve("lib/db/embedded-postgres.ts"))}).then((m) => m.startEmbeddedPostgres({ dir: ${JSON.stringify(dir)}, port: ${port}, database: "tollgate" }))`;
    const child = spawn(process.execPath, ["--import", "tsx", "-e", start], { stdio: ["ignore", "ignore", "pipe"] });
    // What the child said and how it ended, for the message of a failure.
    let said = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (said += chunk));
    const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(`exit ${code ?? signal}`)));
    const pidFile = path.join(dir, "postmaster.pid");
    const serverPid = async () => Number((await readFile(pidFile, "utf8").catch(() => "")).split("\n")[0]) || null;
    // This server, not another process that got its pid since: a busy machine (CI, where pids
    // wrap at 32768 within minutes) hands a freed pid out again within seconds.
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
      } catch {
        return false;
      }
      if (!existsSync("/proc")) return true;
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
      } catch {
        return false;
      }
    };
    let pid: number | null = null;
    try {
      // The server writes its pid file as it starts, before it is ready: the interrupt comes then.
      await expect.poll(() => existsSync(pidFile), { timeout: 60_000, interval: 5 }).toBe(true);
      child.kill("SIGINT");
      await expect.poll(async () => (pid = await serverPid()) !== null || !existsSync(pidFile), { timeout: 5_000, interval: 5 }).toBe(true);
      const ended = await exited;
      if (pid) await expect.poll(() => alive(pid!), { timeout: 10_000, interval: 50, message: `server ${pid} still running after the child's ${ended}; it said: ${said || "nothing"}` }).toBe(false);
      expect(existsSync(pidFile)).toBe(false);
    } finally {
      // Whatever went wrong, nothing outlives the test.
      if (child.exitCode === null) child.kill("SIGKILL");
      pid ??= await serverPid();
      if (pid && alive(pid)) process.kill(pid, "SIGKILL");
    }
  });

  it("says in one line that its port is taken", async () => {
    const data = await folder("tollgate-data-", 0o755);
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", () => resolve()));
    try {
      const message = await failure(startEmbeddedPostgres({ dir: path.join(data, "postgres"), port, database: "tollgate" }));
      expect(message).toBe(`embedded PostgreSQL: port ${port} is already in use; stop the other process, set TOLLGATE_PG_PORT, or set DATABASE_URL to use your own PostgreSQL`);
    } finally {
      blocker.close();
    }
  });
});
