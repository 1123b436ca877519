// Every decision is recorded without making it wait: entries go to an
// in-memory buffer that is written in batches (size or time, whichever first)
// by COPY. When the database falls far behind, answers wait for it
// (decisionLogRoom) instead of decisions being lost.
import { countDecision } from "../observability/metrics.ts";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { withConnection } from "../db/sql.ts";
import { logger } from "../logger.ts";
import type { DecisionSource } from "./authorize.ts";
import type { AuthzResource, AuthzSubject } from "./decide.ts";

export type DecisionLogEntry = {
  orgId: string;
  principalType: AuthzSubject["type"];
  principalId: string;
  permission: string;
  resourceType: AuthzResource["type"];
  resourceId: string;
  allowed: boolean;
  reason: string;
  latencyUs: number;
  source: DecisionSource;
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

// Entries are kept as the bytes of the COPY lines they become, in buffers
// outside the JavaScript heap. Kept as strings until their batch was written,
// thousands of them outlived the young generation, and collecting them
// delayed the answers around them: single checks' p99 in bench:authz was
// 2.8 ms with no log, 5 ms with the lines kept as strings but written nowhere.
type Chunk = { bytes: Buffer; used: number; lines: number };
const CHUNK_BYTES = 512 * 1024;
const CHUNK_LINES = 2_048;
const SPARE_CHUNKS = 8;
type State = { chunks: Chunk[]; spare: Buffer[]; pending: number; timer?: NodeJS.Timeout; writing: Set<Promise<void>>; waiters: Array<() => void>; retryAt: number; dropped: number };
const state: State = ((globalThis as { __tollgateDecisionLogChunks?: State }).__tollgateDecisionLogChunks ??= {
  chunks: [],
  spare: [],
  pending: 0,
  writing: new Set(),
  waiters: [],
  retryAt: 0,
  dropped: 0,
});

export function recordDecision(entry: DecisionLogEntry) {
  countDecision(entry.allowed, entry.source);
  if (state.pending >= MAX_BUFFER) {
    state.dropped++;
    return;
  }
  append(copyLine(entry));
  if (state.pending >= MAX_BATCH) startWriters();
  else state.timer ??= setTimeout(() => startWriters(), FLUSH_MS).unref();
}

function append(line: string) {
  const most = line.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
  let chunk = state.chunks[state.chunks.length - 1];
  if (!chunk || chunk.lines >= CHUNK_LINES || chunk.bytes.length - chunk.used < most) {
    const bytes = (most <= CHUNK_BYTES && state.spare.pop()) || Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, most));
    state.chunks.push((chunk = { bytes, used: 0, lines: 0 }));
  }
  chunk.used += chunk.bytes.write(line, chunk.used);
  chunk.lines++;
  state.pending++;
}

/** Whole chunks from the front, up to MAX_BATCH lines (at least one chunk). */
function takeBatch(): Chunk[] {
  const batch: Chunk[] = [];
  let lines = 0;
  while (state.chunks.length > 0 && (batch.length === 0 || lines + state.chunks[0]!.lines <= MAX_BATCH)) {
    const chunk = state.chunks.shift()!;
    batch.push(chunk);
    lines += chunk.lines;
  }
  state.pending -= lines;
  return batch;
}

const linesOf = (chunks: Chunk[]) => chunks.reduce((sum, chunk) => sum + chunk.lines, 0);

/**
 * null when the log keeps up (the hot path: nothing to wait for); else a
 * promise that resolves once the writers have caught up, or after MAX_WAIT_MS.
 */
export function decisionLogRoom(): Promise<void> | null {
  if (state.pending < HIGH_WATER) return null;
  return new Promise((resolve) => {
    state.waiters.push(resolve);
    setTimeout(resolve, MAX_WAIT_MS).unref();
  });
}

function releaseWaiters() {
  if (state.pending >= HIGH_WATER || state.waiters.length === 0) return;
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
  while (state.pending > 0 && (state.writing.size === 0 || (state.writing.size < WRITERS && state.pending >= MAX_BATCH))) {
    const batch = takeBatch();
    const lines = linesOf(batch);
    const write: Promise<void> = writeBatch(
      batch.map((chunk) => chunk.bytes.subarray(0, chunk.used)),
      lines,
    )
      .then(() => {
        state.retryAt = 0;
        // Written: their buffers take the next lines (a quiet process reuses one instead of making one per flush).
        for (const chunk of batch) if (chunk.bytes.length === CHUNK_BYTES && state.spare.length < SPARE_CHUNKS) state.spare.push(chunk.bytes);
      })
      .catch((error: unknown) => {
        // Unreachable or failing: what was not written is kept for another try
        // (in front, so the log stays in order) unless the buffer is full.
        const unwritten =
          error instanceof Unwritten
            ? error.rest.map(({ pieces, lines }) => {
                const bytes = joined(pieces);
                return { bytes, used: bytes.length, lines };
              })
            : batch;
        const rest = linesOf(unwritten);
        logger.error({ err: error instanceof Unwritten ? error.cause : error, entries: rest }, "writing the decision log failed; retrying");
        state.retryAt = Date.now() + RETRY_MS;
        if (state.pending + rest <= MAX_BUFFER) {
          state.chunks = unwritten.concat(state.chunks);
          state.pending += rest;
        } else state.dropped += rest;
      })
      .finally(() => {
        state.writing.delete(write);
        if (state.dropped) {
          logger.warn({ dropped: state.dropped }, "decision log entries dropped: the database has taken none for too long");
          state.dropped = 0;
        }
        // What came in meanwhile waits for the timer unless a full batch is there:
        // a few large batches cost both sides far less than many small ones.
        if (state.pending >= MAX_BATCH) startWriters();
        else if (state.pending > 0) state.timer ??= setTimeout(() => startWriters(), FLUSH_MS).unref();
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

// The principal and resource types and the source are words of a fixed set (their types say which): written as they are.
function copyLine(e: DecisionLogEntry): string {
  const at = e.createdAt ? e.createdAt.toISOString() : isoNow();
  return `${escape(e.orgId)}\t${e.principalType}\t${escape(e.principalId)}\t${escape(e.permission)}\t${e.resourceType}\t${escape(e.resourceId)}\t${e.allowed ? "t" : "f"}\t${escape(e.reason)}\t${e.latencyUs}\t${e.source}\t${at}\n`;
}

/** PostgreSQL refused the rows themselves (SQLSTATE classes 22 and 23): trying them again would fail forever. */
const isDataError = (error: unknown) => /^2[23]/.test((error as { code?: string }).code ?? "");

type Part = { pieces: Buffer[]; lines: number };
const joined = (pieces: Buffer[]) => (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));

/** The write failed (not a refused row) after some parts were written: `rest` is what was not. */
class Unwritten extends Error {
  constructor(
    readonly rest: Part[],
    readonly cause: unknown,
  ) {
    super("decision log batch not written");
  }
}

/**
 * A batch, or (when a row in it is refused) its halves, down to the refused
 * rows alone, which are dropped. Any other failure throws Unwritten with the
 * parts still to write: the halves already written are not written again.
 */
async function writeBatch(pieces: Buffer[], lines: number): Promise<void> {
  // The parts not yet written, in order: a refused part is replaced by its two halves.
  const notWritten: Part[] = [{ pieces, lines }];
  while (notWritten.length > 0) {
    const part = notWritten[0]!;
    try {
      await insertBatch(part.pieces);
      notWritten.shift();
    } catch (error) {
      if (!isDataError(error)) throw new Unwritten(notWritten, error);
      notWritten.shift();
      if (part.lines === 1) {
        logger.error({ err: error, line: part.pieces[0]!.toString("utf8", 0, 300) }, "the database refused a decision log entry");
        continue;
      }
      const bytes = joined(part.pieces);
      const half = part.lines >> 1;
      const cut = endOfLine(bytes, half);
      notWritten.unshift({ pieces: [bytes.subarray(0, cut)], lines: half }, { pieces: [bytes.subarray(cut)], lines: part.lines - half });
    }
  }
}

/** Where the `n`th line ends: escaped as they are, lines hold no newline byte but their last. */
function endOfLine(bytes: Buffer, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) at = bytes.indexOf(10, at + 1);
  return at + 1;
}

function insertBatch(pieces: Buffer[]) {
  return withConnection(writerPool(), async (client) => {
    const stream = client.query(
      copyFrom(`COPY "DecisionLog" ("orgId", "principalType", "principalId", "permission", "resourceType", "resourceId", "allowed", "reason", "latencyUs", "source", "createdAt") FROM STDIN`),
    );
    // A refused row is reported by an 'error' event (the stream is not destroyed): no more writes after it.
    let refused = false;
    stream.on("error", () => (refused = true));
    const done = finished(stream);
    done.catch(() => {}); // awaited below; a refusal while writing must not count as unhandled meanwhile
    for (const piece of pieces) {
      if (refused) break;
      if (!stream.write(piece)) await Promise.race([once(stream, "drain"), done]);
    }
    stream.end();
    await done;
  });
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
  for (let failures = 0; state.pending > 0 || state.writing.size > 0;) {
    if (state.writing.size === 0) {
      if (state.retryAt > 0 && ++failures > 3) return;
      state.retryAt = 0;
      startWriters();
      if (state.writing.size === 0) return;
    }
    await Promise.race(state.writing);
  }
}
