// Every decision is recorded without making it wait: entries go to an
// in-memory buffer that is written in batches (size or time, whichever first)
// by COPY. When the database falls far behind, answers wait for it
// (decisionLogRoom) instead of decisions being lost.
import { countDecision } from "../observability/metrics.ts";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { logger } from "../logger.ts";

export type DecisionLogEntry = {
  orgId: string;
  principalType: string;
  principalId: string;
  permission: string;
  resourceType: string;
  resourceId: string;
  allowed: boolean;
  reason: string;
  latencyUs: number;
  source: string;
  /** Defaults to now. */
  createdAt?: Date;
};

const FLUSH_MS = 250;
const MAX_BATCH = 20_000;
/** COPY connections at once when the log is behind (PostgreSQL takes rows faster on two). */
const WRITERS = 2;
/**
 * Past this many waiting entries, answers wait for the writers (see
 * decisionLogRoom): overload slows checks down rather than losing decisions.
 */
const HIGH_WATER = 100_000;
/** A database that takes nothing for long: answers stop waiting after this, and past MAX_BUFFER entries are shed. */
const MAX_WAIT_MS = 2_000;
const MAX_BUFFER = 500_000;
const RETRY_MS = 1_000;

// Entries are kept as the COPY lines they become: one string per decision
// instead of an object and a Date held until the batch is written.
type State = { buffer: string[]; timer?: NodeJS.Timeout; writing: Set<Promise<void>>; waiters: Array<() => void>; retryAt: number; dropped: number };
const state: State = ((globalThis as { __tollgateDecisionLogState?: State }).__tollgateDecisionLogState ??= { buffer: [], writing: new Set(), waiters: [], retryAt: 0, dropped: 0 });

export function recordDecision(entry: DecisionLogEntry) {
  countDecision(entry.allowed, entry.source);
  if (state.buffer.length >= MAX_BUFFER) {
    state.dropped++;
    return;
  }
  state.buffer.push(copyLine(entry));
  if (state.buffer.length >= MAX_BATCH) startWriters();
  else state.timer ??= setTimeout(() => startWriters(), FLUSH_MS).unref();
}

/**
 * null when the log keeps up (the hot path: nothing to wait for); else a
 * promise that resolves once the writers have caught up, or after MAX_WAIT_MS.
 */
export function decisionLogRoom(): Promise<void> | null {
  if (state.buffer.length < HIGH_WATER) return null;
  return new Promise((resolve) => {
    state.waiters.push(resolve);
    setTimeout(resolve, MAX_WAIT_MS).unref();
  });
}

function releaseWaiters() {
  if (state.buffer.length >= HIGH_WATER || state.waiters.length === 0) return;
  const waiters = state.waiters;
  state.waiters = [];
  for (const resolve of waiters) resolve();
}

function startWriters() {
  if (state.timer) clearTimeout(state.timer);
  state.timer = undefined;
  const now = Date.now();
  if (now < state.retryAt) {
    state.timer = setTimeout(() => startWriters(), state.retryAt - now).unref();
    return;
  }
  // A second writer only when a full batch waits: small batches go one at a time.
  while (state.buffer.length > 0 && (state.writing.size === 0 || (state.writing.size < WRITERS && state.buffer.length >= MAX_BATCH))) {
    const batch = state.buffer.splice(0, MAX_BATCH);
    const write: Promise<void> = writeBatch(batch)
      .then(() => {
        state.retryAt = 0;
      })
      .catch((error) => {
        // Unreachable or failing: kept for another try (in front, so the log stays in order) unless the buffer is full.
        logger.error({ err: error, entries: batch.length }, "writing the decision log failed; retrying");
        state.retryAt = Date.now() + RETRY_MS;
        if (state.buffer.length + batch.length <= MAX_BUFFER) state.buffer = batch.concat(state.buffer);
        else state.dropped += batch.length;
      })
      .finally(() => {
        state.writing.delete(write);
        if (state.dropped) {
          logger.warn({ dropped: state.dropped }, "decision log entries dropped: the database has taken none for too long");
          state.dropped = 0;
        }
        // What came in meanwhile waits for the timer unless a full batch is there:
        // a few large batches cost both sides far less than many small ones.
        if (state.buffer.length >= MAX_BATCH) startWriters();
        else if (state.buffer.length > 0) state.timer ??= setTimeout(() => startWriters(), FLUSH_MS).unref();
        releaseWaiters();
      });
    state.writing.add(write);
  }
  releaseWaiters();
}

// COPY on a connection of its own: the cheapest way for both Node and
// PostgreSQL to take thousands of rows a second, off the request path.
let pool: pg.Pool | undefined;
function writerPool() {
  pool ??= (globalThis as { __tollgateDecisionLogPool?: pg.Pool }).__tollgateDecisionLogPool ??= (() => {
    const created = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: WRITERS });
    // An idle connection the server drops must not crash the process; the next batch reconnects.
    created.on("error", (error) => logger.warn({ err: error }, "decision log connection lost"));
    return created;
  })();
  return pool;
}

// COPY's text format: backslash, tab and line breaks escaped; NUL (which no
// PostgreSQL text can hold, and input validation already refuses) dropped.
const SPECIAL = /[\\\t\n\r\0]/;
const SPECIALS = /[\\\t\n\r\0]/g;
const ESCAPED: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "" };
const escape = (value: string) => (!SPECIAL.test(value) ? value : value.replace(SPECIALS, (c) => ESCAPED[c]!));

// Thousands of decisions a second share a few timestamps: format each millisecond once.
let lastMs = 0;
let lastIso = "";
function isoNow() {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

function copyLine(e: DecisionLogEntry): string {
  const at = e.createdAt ? e.createdAt.toISOString() : isoNow();
  return `${e.orgId}\t${escape(e.principalType)}\t${escape(e.principalId)}\t${escape(e.permission)}\t${escape(e.resourceType)}\t${escape(e.resourceId)}\t${e.allowed ? "t" : "f"}\t${escape(e.reason)}\t${e.latencyUs}\t${escape(e.source)}\t${at}\n`;
}

/** PostgreSQL refused the rows themselves (SQLSTATE classes 22 and 23): trying them again would fail forever. */
const isDataError = (error: unknown) => /^2[23]/.test((error as { code?: string }).code ?? "");

/** A batch, or (when a row in it is refused) its halves, down to the refused rows alone, which are dropped. */
async function writeBatch(lines: string[]): Promise<void> {
  try {
    await insertBatch(lines);
  } catch (error) {
    if (!isDataError(error)) throw error;
    if (lines.length === 1) return logger.error({ err: error, line: lines[0]!.slice(0, 300) }, "the database refused a decision log entry");
    const half = lines.length >> 1;
    await writeBatch(lines.slice(0, half));
    await writeBatch(lines.slice(half));
  }
}

async function insertBatch(lines: string[]) {
  const client = await writerPool().connect();
  try {
    const stream = client.query(
      copyFrom(`COPY "DecisionLog" ("orgId", "principalType", "principalId", "permission", "resourceType", "resourceId", "allowed", "reason", "latencyUs", "source", "createdAt") FROM STDIN`),
    );
    await pipeline(Readable.from([lines.join("")]), stream);
  } finally {
    client.release();
  }
}

export async function closeDecisionLog() {
  await flushDecisionLog();
  const p = pool;
  pool = undefined;
  (globalThis as { __tollgateDecisionLogPool?: pg.Pool }).__tollgateDecisionLogPool = undefined;
  await p?.end();
}

/** Writes everything recorded so far (tests, shutdown). */
export async function flushDecisionLog(): Promise<void> {
  // A failing database gets a few tries here, not forever: shutdown must finish.
  for (let failures = 0; state.buffer.length > 0 || state.writing.size > 0;) {
    if (state.writing.size === 0) {
      if (state.retryAt > 0 && ++failures > 3) return;
      state.retryAt = 0;
      startWriters();
      if (state.writing.size === 0) return;
    }
    await Promise.race(state.writing);
  }
}
