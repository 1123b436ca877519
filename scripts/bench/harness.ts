// Shared pieces of the benchmarks: a database, the app server and a plain
// node:http baseline as child processes, and autocannon runs against them.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import autocannon from "autocannon";
import pg from "pg";
import { createDatabaseIfMissing, freePort, startTemporaryPostgres } from "../../lib/db/embedded-postgres.ts";
import { migrateDatabase } from "../../lib/db/migrate.ts";
import { node24 } from "../node24.ts";

export type Figure = { bench: string; ops_per_s: number; p50_ms: number; p99_ms: number };
export const print = (figure: Figure) => console.log(JSON.stringify(figure));
export const round = (n: number, digits = 4) => Number(n.toFixed(digits));
/** The value at fraction `p` of an ascending list (0 when it is empty). */
export const percentile = (sorted: ArrayLike<number>, p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : 0);

// What a bench has started and must undo when it is interrupted (SIGINT or SIGTERM to its own
// process, as a terminal's Ctrl-C or a CI timeout sends): its servers would outlive it, frozen
// ones included, and its database would keep millions of logged rows. Undone last-in first-out.
const undoOnInterrupt: Array<() => unknown> = [];

function whenInterrupted(undo: () => unknown): () => void {
  // Started while the bench was already being interrupted (its main goes on meanwhile): undone at once.
  if (interruptedBy) {
    void Promise.resolve()
      .then(undo)
      .catch((error: unknown) => console.error(error));
    return () => {};
  }
  undoOnInterrupt.push(undo);
  return () => {
    const at = undoOnInterrupt.indexOf(undo);
    if (at >= 0) undoOnInterrupt.splice(at, 1);
  };
}

let interruptedBy: NodeJS.Signals | undefined;

async function interrupted(signal: NodeJS.Signals) {
  // A second Ctrl-C while undoing: the undoing goes on (it is bounded by its own timeout).
  if (interruptedBy) return;
  interruptedBy = signal;
  console.error(`bench: ${signal}: stopping its servers and dropping its database`);
  const undos = undoOnInterrupt.splice(0).reverse();
  const undone = (async () => {
    for (const undo of undos) {
      try {
        await undo();
      } catch (error) {
        console.error(error);
      }
    }
  })();
  await Promise.race([undone, new Promise((r) => setTimeout(r, 20_000))]);
  process.exit(signal === "SIGINT" ? 130 : 143);
}

/**
 * A fresh database for a bench, migrated: on BENCH_DATABASE_URL's server (dropped
 * again by `stop`, it ends up holding gigabytes of logged rows), or on a
 * temporary embedded server that `stop` removes.
 */
export async function benchDatabase(name: string) {
  let base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  let stopServer = async () => {};
  if (!base) {
    const server = await startTemporaryPostgres("tollgate-bench-");
    base = server.url;
    stopServer = server.stop;
  }
  const admin = new URL(base);
  admin.pathname = "/postgres";
  const dropDatabase = async () => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  const stop = async () => {
    forget();
    try {
      await dropDatabase();
    } finally {
      await stopServer();
    }
  };
  const forget = whenInterrupted(stop);
  await dropDatabase();
  await createDatabaseIfMissing(admin.toString(), name);
  const url = new URL(base);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return { url: url.toString(), stop };
}

/**
 * Resolves once no other session of the database at `url` has been busy for
 * six looks in a row, 100 ms apart (longer than two of the decision log's
 * flushes), or after 60 s with a warning: what a server writes just after
 * answering is done within its own turn.
 */
export async function databaseQuiet(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const deadline = Date.now() + 60_000;
    let quiet = 0;
    while (quiet < 6) {
      if (Date.now() > deadline) return console.error("bench: the database was still busy after 60 s; the next turn goes on");
      await new Promise((r) => setTimeout(r, 100));
      const { rows } = await client.query(
        `SELECT count(*)::int AS busy FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      quiet = rows[0].busy ? 0 : quiet + 1;
    }
  } finally {
    await client.end();
  }
}

async function waitFor(url: string, child: ChildProcess) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up`);
}

let chosenNode: Promise<string> | undefined;

/**
 * The Node.js the measured servers run on, the app and its baseline alike:
 * Node 24 LTS, the one the Docker image runs (fetched from npm when this
 * machine has another; its AsyncLocalStorage no longer slows every promise),
 * or with BENCH_NODE=current the one running the bench. The load generator
 * runs on the bench's own Node in both cases.
 */
export function serverNode(): Promise<string> {
  chosenNode ??= (async () => {
    const chosen = process.env.BENCH_NODE === "current" ? process.execPath : ((await node24()) ?? process.execPath);
    const version = spawnSync(chosen, ["--version"], { encoding: "utf8" }).stdout.trim();
    console.error(`bench: servers run on Node ${version}${chosen === process.execPath ? " (this process's)" : " (the Docker image's major)"}`);
    return chosen;
  })();
  return chosenNode;
}

export async function startAppServer(databaseUrl: string, secret: string, apiKeySecret: string) {
  const port = await freePort();
  // BENCH_PROFILE_DIR=dir writes a CPU profile of the app server there when it stops.
  const profile = process.env.BENCH_PROFILE_DIR;
  const entry = process.env.BENCH_API_ONLY ? "test/fixtures/api-process.ts" : "server/main.ts";
  // tsx as a loader in the server's own process, not its CLI: the CLI relays SIGTERM and
  // kills a child that does not confirm within 30 ms (a busy one), before it has written its buffers.
  const args = [...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []), "--import", "tsx", entry];
  const child = spawn(await serverNode(), args, {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      NEXTAUTH_SECRET: secret,
      TOLLGATE_API_KEY_SECRET: apiKeySecret,
      PORT: String(port),
      HOST: "127.0.0.1",
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    // Its warnings (a log that falls behind, a failed write) go to the bench's stderr, beside the figures.
    stdio: ["ignore", 2, "inherit"],
  });
  killedOnInterrupt(child);
  await waitFor(`http://127.0.0.1:${port}/api/ready`, child);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}

/** The fields of /proc/<id>/stat after the command name (which may itself hold ") "): state, ppid, … */
const statFields = (stat: string) => stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
const parentOf = (id: number | string) => statFields(readFileSync(`/proc/${id}/stat`, "utf8"))[1];

/**
 * CPU time (ms) used so far by a process and its children (esbuild, for an
 * app server loaded through tsx), from /proc; null where there is no /proc.
 */
export function cpuMs(pid: number): number | null {
  const ticksOf = (id: string) => {
    const fields = statFields(readFileSync(`/proc/${id}/stat`, "utf8"));
    return { ppid: fields[1], ticks: Number(fields[11]) + Number(fields[12]) };
  };
  try {
    let ticks = ticksOf(String(pid)).ticks;
    for (const id of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const proc = ticksOf(id);
        if (proc.ppid === String(pid)) ticks += proc.ticks;
      } catch {
        /* gone meanwhile */
      }
    }
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * CPU time (ms) used so far by every PostgreSQL process on this machine, from
 * /proc; null where there is none. A postmaster's reaped children count too
 * (cutime, cstime): a backend that exits between two readings is not lost.
 */
function postgresCpuMs(): number | null {
  try {
    const processes = new Map<string, { ppid: string; own: number; reaped: number }>();
    for (const id of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = readFileSync(`/proc/${id}/stat`, "utf8");
        if (!stat.includes(" (postgres) ")) continue;
        const fields = statFields(stat);
        processes.set(id, { ppid: fields[1]!, own: Number(fields[11]) + Number(fields[12]), reaped: Number(fields[13]) + Number(fields[14]) });
      } catch {
        /* gone meanwhile */
      }
    }
    let ticks = 0;
    for (const proc of processes.values()) ticks += proc.own + (processes.has(proc.ppid) ? 0 : proc.reaped);
    return (ticks * 1000) / 100;
  } catch {
    return null;
  }
}

type CpuReading = { postgres: number | null; server: number | null; bench: NodeJS.CpuUsage };

/**
 * Counts the CPU time of PostgreSQL, a server process and this load
 * generator while it runs (it starts running; `pause` and `resume` leave
 * windows out); `perOperation(n)` then says how much each used per
 * operation, in µs. What a change saves shows here more steadily than in a
 * throughput ratio.
 */
export function cpuMeter(serverPid: number) {
  const read = (): CpuReading => ({ postgres: postgresCpuMs(), server: cpuMs(serverPid), bench: process.cpuUsage() });
  const used: { postgres: number | null; server: number | null; bench: number } = { postgres: 0, server: 0, bench: 0 };
  const add = (total: number | null, after: number | null, before: number | null) => (total === null || after === null || before === null ? null : total + after - before);
  let since: CpuReading | null = read();
  const meter = {
    pause() {
      if (!since) return;
      const now = read();
      used.postgres = add(used.postgres, now.postgres, since.postgres);
      used.server = add(used.server, now.server, since.server);
      const bench = process.cpuUsage(since.bench);
      used.bench += (bench.user + bench.system) / 1000;
      since = null;
    },
    resume() {
      since ??= read();
    },
    perOperation(operations: number) {
      meter.pause();
      const per = (ms: number | null) => (ms === null ? "?" : String(round((ms * 1000) / operations, 1)));
      return `PostgreSQL ${per(used.postgres)} µs, app server ${per(used.server)} µs, load generator ${per(used.bench)} µs`;
    },
  };
  return meter;
}

/** A plain node:http server answering every request with a fixed JSON body. */
async function startBaseline(body: string) {
  const port = await freePort();
  const source = `
    const http = require("node:http");
    const body = ${JSON.stringify(body)};
    http.createServer((req, res) => {
      req.on("data", () => {});
      req.on("end", () => { res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) }); res.end(body); });
    }).listen(${port}, "127.0.0.1");`;
  const child = spawn(await serverNode(), ["-e", source], { stdio: "ignore" });
  killedOnInterrupt(child);
  await waitFor(`http://127.0.0.1:${port}/`, child);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}

/** An interrupted bench kills its server at once (a graceful stop would first write its buffers). */
function killedOnInterrupt(child: ChildProcess) {
  const forget = whenInterrupted(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  child.once("exit", forget);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export type Request = { method: "POST"; path: string; headers: Record<string, string>; body: string };
type LoadOptions = { connections?: number; seconds?: number; spread?: boolean };

/**
 * One autocannon run of `url` for `seconds`: its counts and, when
 * `measured`, each 2xx answer's latency. Each connection cycles through
 * `requests`; with `spread`, each starts at a different place, so they do not
 * move in lockstep.
 */
async function loadSlice(url: string, requests: Request[], options: LoadOptions & { measured: boolean }) {
  const connections = options.connections ?? 50;
  // With `spread`, one request template picks its body per connection from
  // its own place in the list (autocannon keeps `context` per connection).
  let nextOffset = 0;
  const spread = [
    {
      ...requests[0]!,
      setupRequest: (req: Request, context: { i?: number }) => {
        context.i ??= Math.floor((nextOffset++ % connections) * (requests.length / connections));
        const next = requests[context.i++ % requests.length]!;
        return { ...req, path: next.path, headers: next.headers, body: next.body };
      },
    },
  ];
  // Latencies are taken from each answer: autocannon's own percentiles are whole
  // milliseconds, too coarse for a ratio to a baseline whose p99 is about one.
  const latencies: number[] = [];
  // Without a callback, autocannon's instance is also the promise of its result.
  const instance = autocannon({
    url,
    connections,
    duration: options.seconds ?? 10,
    requests: options.spread ? spread : requests,
    pipelining: 1,
  } as autocannon.Options) as unknown as autocannon.Instance;
  if (options.measured) instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => status >= 200 && status < 300 && latencies.push(ms));
  const result = (await (instance as unknown as Promise<autocannon.Result>)) as autocannon.Result;
  return { total: result.requests.total, ok: result["2xx"], non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, seconds: result.duration, latencies };
}

type Slice = Awaited<ReturnType<typeof loadSlice>>;

/** Measured slices summed up: requests/s over their time, latency percentiles over every answer; `answered` adds the warm-up's. */
function summarize(what: string, warmUp: Slice, slices: Slice[]) {
  const sum = (f: (s: Slice) => number) => slices.reduce((n, s) => n + f(s), 0);
  const total = sum((s) => s.total);
  const failed = sum((s) => s.non2xx + s.errors);
  if (failed) console.error(`bench: load on ${what}: ${sum((s) => s.non2xx)} non-2xx answers, ${sum((s) => s.errors)} errors (${sum((s) => s.timeouts)} timeouts) of ${total}`);
  if (failed > total / 1000) throw new Error(`load on ${what}: too many failed requests`);
  const sorted = Float64Array.from(slices.flatMap((s) => s.latencies)).sort();
  // Every 2xx answer the server gave, warm-up included (what its logs must hold).
  const answered = warmUp.ok + sum((s) => s.ok);
  return { rps: total / sum((s) => s.seconds), p50: round(percentile(sorted, 0.5), 3), p99: round(percentile(sorted, 0.99), 3), answered };
}

type LoadResult = ReturnType<typeof summarize>;

/**
 * A server loaded in turn with others. `settle` is awaited after each of its
 * turns (work it does after answering, such as writing its decision log);
 * CPU is given per check, `checksPerRequest` of them in each request.
 */
export type Contender = { name: string; url: string; pid: number; requests: Request[]; spread?: boolean; settle?: () => Promise<void>; checksPerRequest?: number };

/**
 * Sends `signal` to a server this bench started and to its children (found in
 * /proc where there is one). A server that has exited is left alone: its pid
 * may be another process's by now.
 */
function signalTree(pid: number, signal: NodeJS.Signals) {
  const pids = [pid];
  try {
    if (parentOf(pid) !== String(process.pid)) return;
    for (const id of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        if (parentOf(id) === String(pid)) pids.push(Number(id));
      } catch {
        /* gone meanwhile */
      }
    }
  } catch {
    // Gone (its /proc entry with it), or no /proc at all: then the process alone.
    if (existsSync("/proc/self")) return;
  }
  for (const id of pids) {
    try {
      process.kill(id, signal);
    } catch {
      /* gone meanwhile */
    }
  }
}

/**
 * The baseline as a contender: a plain node:http server answering `body` (the app's own answer to one of the
 * requests) to the same requests from the same client, so a ratio to it measures the server alone.
 */
export async function baselineContender(body: string, requests: Request[], options: { spread?: boolean } = {}) {
  const server = await startBaseline(body);
  const contender: Contender = { name: "baseline", url: server.url, pid: server.pid, requests: requests.map((r) => ({ ...r, path: "/" })), spread: options.spread };
  return { contender, stop: server.stop };
}

/**
 * Loads each contender for about `seconds` in all (a turn ends at the load
 * generator's next one-second tick), in `rounds` turns: a, b, c, then c, b,
 * a, and so on, each server warmed up in its first turn. A shared machine's
 * speed drifts from minute to minute (other tenants of its host); in turns,
 * each server meets the same drift, so their ratios hold where back-to-back
 * runs moved by a quarter. Outside its turns a server process is frozen
 * (SIGSTOP): its timers, background writes and garbage collection wait for
 * one of its own turns instead of slowing another server's. (Contenders of
 * one process, single checks and batches, share theirs; PostgreSQL's own
 * background work is not frozen.) A timer that fell due meanwhile runs at the
 * thaw, so a server is charged for its periodic work a little more often than
 * it would be running alone. Results come with each one's CPU per answered
 * check, counted in its own turns only (warm-up and settling included).
 */
export async function loadInTurns(contenders: Contender[], options: { seconds?: number; rounds?: number; connections?: number } = {}) {
  const rounds = options.rounds ?? 4;
  const seconds = (options.seconds ?? 10) / rounds;
  const state = contenders.map((c) => ({ contender: c, meter: cpuMeter(c.pid), warmUp: undefined as Slice | undefined, slices: [] as Slice[] }));
  const pids = [...new Set(contenders.map((c) => c.pid))];
  // A stopped process ignores SIGTERM until it is continued, and a server's own children (esbuild) are
  // frozen with it: whatever ends the bench thaws every server first.
  const thawAll = () => pids.forEach((pid) => signalTree(pid, "SIGCONT"));
  const forget = whenInterrupted(thawAll);
  process.on("exit", thawAll);
  for (const s of state) s.meter.pause();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const s of round % 2 ? [...state].reverse() : state) {
        const { url, pid, requests, spread, settle } = s.contender;
        for (const other of pids) signalTree(other, other === pid ? "SIGCONT" : "SIGSTOP");
        s.meter.resume();
        s.warmUp ??= await loadSlice(url, requests, { connections: options.connections, spread, seconds: 2, measured: false });
        s.slices.push(await loadSlice(url, requests, { connections: options.connections, spread, seconds, measured: true }));
        await settle?.();
        s.meter.pause();
      }
    }
  } finally {
    thawAll();
    forget();
    process.off("exit", thawAll);
  }
  return new Map(
    state.map((s) => {
      const result = summarize(`${s.contender.name} (${s.contender.url})`, s.warmUp!, s.slices);
      return [s.contender.name, { ...result, cpu: s.meter.perOperation(result.answered * (s.contender.checksPerRequest ?? 1)) }];
    }),
  );
}

/** One figure line from a load result; `perRequest` counts operations per request (batches). */
export const printLoad = (bench: string, result: LoadResult, perRequest = 1) => print({ bench, ops_per_s: Math.round(result.rps * perRequest), p50_ms: result.p50, p99_ms: result.p99 });

/** Runs a bench's main and exits with its outcome (child servers and pools would keep the process alive). */
export function runBench(main: () => Promise<void>) {
  // on, not once: the embedded PostgreSQL's own handler leaves the process to another listener only while one is there.
  process.on("SIGINT", interrupted).on("SIGTERM", interrupted);
  main().then(
    () => {
      if (!interruptedBy) process.exit(0);
    },
    // Once interrupted, what fails as its servers go is not the bench's error: the interruption exits.
    (error) => {
      if (interruptedBy) return;
      console.error(error);
      process.exit(1);
    },
  );
}
