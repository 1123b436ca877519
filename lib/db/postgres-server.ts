// Runs PostgreSQL from a set of binaries: initdb, start (ready when the server
// says so, or a failure carrying its own words), stop. As root it runs as the
// "postgres" user, which it creates when missing, as PostgreSQL refuses root.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { promisify } from "node:util";
import { EmbeddedPostgresError, USE_YOUR_OWN } from "./embedded-postgres-error.ts";
import type { PostgresBinaries } from "./postgres-binaries.ts";
import type { Ids } from "./reachable.ts";

const run = promisify(execFile);
const READY = "database system is ready to accept connections";
const START_TIMEOUT_MS = 120_000;
// English messages (READY is matched) and a locale every system has.
const childEnv = () => ({ ...process.env, LC_ALL: "C" });

/** The uid/gid PostgreSQL must run as: null when this process is not root. */
export async function postgresUser(): Promise<Ids | null> {
  if (process.getuid?.() !== 0) return null;
  const existing = await lookUpUser("postgres");
  if (existing) return existing;
  if (os.platform() !== "linux") {
    throw new EmbeddedPostgresError("as root it runs as a user named postgres, and there is none", `create one, start Tollgate as another user, or ${USE_YOUR_OWN}`);
  }
  try {
    await run("groupadd", ["--system", "postgres"]).catch((error) => {
      if (error.code !== 9) throw error; // 9: the group exists already
    });
    await run("useradd", ["--system", "--gid", "postgres", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "postgres"]);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new EmbeddedPostgresError(`as root it runs as a user named postgres, and creating it failed (${reason})`, `create one (useradd --system postgres), or ${USE_YOUR_OWN}`);
  }
  const created = await lookUpUser("postgres");
  if (!created) throw new EmbeddedPostgresError("the postgres user was created but cannot be found");
  return created;
}

async function lookUpUser(name: string): Promise<Ids | null> {
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return null;
  }
}

/** Creates the cluster in `dir` (missing or empty), with `user` as superuser. */
export async function initialiseCluster(options: { binaries: PostgresBinaries; dir: string; user: string; password: string; runAs: Ids | null }) {
  const { binaries, dir, user, password, runAs } = options;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The password reaches initdb in a file only the server's user can read, next to the cluster.
  const passwordFile = `${dir}.initdb-${randomBytes(6).toString("hex")}`;
  await writeFile(passwordFile, password + "\n", { mode: 0o600 });
  try {
    if (runAs) {
      await chown(dir, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    const args = [
      `--pgdata=${dir}`,
      `--username=${user}`,
      `--pwfile=${passwordFile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C",
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      "--no-instructions",
    ];
    const child = spawn(binaries.initdb, args, { ...(runAs ?? {}), cwd: "/", env: childEnv(), stdio: ["ignore", "ignore", "pipe"] });
    const output = collectLines(child);
    const code = await new Promise<number | string>((resolve) => {
      child.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      child.once("close", (status, signal) => resolve(status ?? signal ?? "killed"));
    });
    if (code !== 0) {
      const reason = typeof code === "string" && !output.lines.length ? `cannot run ${binaries.initdb}: ${code}` : (lastError(output.lines, /error:/i) ?? `exit ${code}`);
      throw new EmbeddedPostgresError(`initdb failed in ${dir} (${reason})`);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

export type PostgresProcess = {
  /** Fast shutdown (SIGINT), resolved when the server has exited. */
  stop: () => Promise<void>;
  /** Asks for a fast shutdown without waiting: for process exit hooks. */
  signalStop: () => void;
};

/**
 * Starts the server and resolves once it accepts connections. `onSpawn` gets
 * the server's stop at once, so that it can be stopped while it starts, and
 * after.
 */
export async function startServer(options: { binaries: PostgresBinaries; dir: string; port: number; flags: string[]; runAs: Ids | null; onSpawn: (server: PostgresProcess) => void }): Promise<void> {
  const { binaries, dir, port, flags, runAs } = options;
  // Its own process group: Ctrl-C in a terminal reaches our process, which
  // stops the server once it no longer needs it, not the server directly.
  const child = spawn(binaries.postgres, ["-D", dir, "-p", String(port), ...flags], {
    ...(runAs ?? {}),
    cwd: "/",
    env: childEnv(),
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const output = collectLines(child);
  let started = false;
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const signalStop = () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  };
  options.onSpawn({
    signalStop,
    stop: async () => {
      signalStop();
      await exited;
    },
  });

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (reason: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      output.onLine = null;
      started = reason === null;
      if (started) resolve();
      else reject(new EmbeddedPostgresError(`the server in ${dir} did not start (${reason})`));
    };
    const timer = setTimeout(() => {
      child.kill("SIGINT");
      settle(`not ready after ${START_TIMEOUT_MS / 1000} s: ${lastError(output.lines, /FATAL|PANIC|ERROR/) ?? "no message"}`);
    }, START_TIMEOUT_MS);
    output.onLine = (line) => {
      if (line.includes(READY)) settle(null);
    };
    child.once("error", (error: NodeJS.ErrnoException) => settle(`cannot run ${binaries.postgres}: ${error.code ?? error.message}`));
    child.once("close", (code, signal) => {
      if (!settled) settle(lastError(output.lines, /FATAL|PANIC/) ?? `exit ${code ?? signal}`);
      else if (started && !stopping) console.error(`embedded PostgreSQL: the server in ${dir} stopped unexpectedly (${lastError(output.lines, /FATAL|PANIC/) ?? `exit ${code ?? signal}`})`);
    });
  });
}

type Lines = { lines: string[]; onLine: ((line: string) => void) | null };

/** Keeps reading the child's stderr (a full pipe would block it) and its last lines. */
function collectLines(child: ChildProcess): Lines {
  const result: Lines = { lines: [], onLine: null };
  let partial = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    for (const line of parts) {
      result.lines.push(line);
      if (result.lines.length > 50) result.lines.shift();
      result.onLine?.(line);
    }
  });
  return result;
}

/** The message of the last line matching `level` ("… FATAL:  message" → "FATAL: message"). */
function lastError(lines: string[], level: RegExp): string | null {
  const found = lines.findLast((line) => level.test(line)) ?? lines.findLast((line) => line.trim() !== "");
  if (!found) return null;
  const match = /\b(FATAL|PANIC|ERROR|LOG|error):\s+(.*)$/.exec(found);
  return (match ? `${match[1]}: ${match[2]}` : found).trim();
}
