// Every decision is recorded without making it wait: it goes into an
// in-memory batch of its organization (one per second), and the batches are
// written (size or time, whichever first) by COPY, a row each. When the
// database falls far behind, answers wait for it (decisionLogRoom) instead of
// decisions being lost.
import { countDecision } from "../observability/metrics.ts";
import type { Writable } from "node:stream";
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
/**
 * A logged decision's id is its batch's id × PLACES + its place in the batch
 * (from 1), so PLACES must exceed MAX_BATCH (see list-decisions.ts).
 */
export const PLACES = 32_768;
if (MAX_BATCH >= PLACES) throw new Error("a batch must hold fewer decisions than PLACES");
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

// Decisions are kept as the bytes of the log's rows they become (one per
// organization and second: see encode), in buffers outside the JavaScript
// heap. Kept as strings until their batch was written, thousands of them
// outlived the young generation, and collecting them delayed the answers
// around them: single checks' p99 in bench:authz was 2.8 ms with no log, 5 ms
// with the lines kept as strings but written nowhere.
//
// The buffers are reused once their batch is written. Allocated afresh (and
// doubled as a batch grew), they made V8 run a full collection about once a
// second under load to free them, each pausing answers for 10-30 ms: 32 in one
// bench:authz run, 3 with reused buffers.
/** A batch's bytes are its `chunks` in order: `filled[i]` bytes of each but the last, which holds `used`. */
type Batch = { org: string; second: number; first: number; last: number; principals: Set<string>; chunks: Buffer[]; filled: number[]; used: number; size: number };
type State = {
  /** Each organization's batch being filled, and the batches closed since the last write, in order. */
  open: Map<string, Batch>;
  closed: Batch[];
  retry: Part[];
  pending: number;
  timer?: NodeJS.Timeout;
  writing: Set<Promise<void>>;
  waiters: Array<() => void>;
  retryAt: number;
  dropped: number;
};
const state: State = ((globalThis as { __tollgateDecisionLogBatches?: State }).__tollgateDecisionLogBatches ??= {
  open: new Map(),
  closed: [],
  retry: [],
  pending: 0,
  writing: new Set(),
  waiters: [],
  retryAt: 0,
  dropped: 0,
});

// A batch starts in a small chunk (most organizations log a few decisions a
// second) and goes on in larger ones, up to 64 KB. Chunks go back to the
// spares of their size once their batch is written; past a size's cap they are
// left to the collector. The caps hold 16 MB in all: two writers' 20,000
// decisions each, and the batches filling meanwhile, for a busy organization.
const CHUNK_SIZES = [2048, 8192, 32_768, 65_536];
const SPARES = new Map(CHUNK_SIZES.map((size, i) => [size, { free: [] as Buffer[], cap: i === CHUNK_SIZES.length - 1 ? 160 : (2 << 20) / size }]));
const nextChunkSize = (size: number) => CHUNK_SIZES.find((s) => s > size) ?? CHUNK_SIZES.at(-1)!;

/** A chunk of `size` bytes, or a larger one of its own for a decision that would not fit (a very long reason). */
function takeChunk(size: number, atLeast: number): Buffer {
  if (atLeast > size) return Buffer.allocUnsafeSlow(atLeast);
  return SPARES.get(size)!.free.pop() ?? Buffer.allocUnsafeSlow(size);
}

/** Chunks whose bytes nothing reads any more (their batch is written, or refused and dropped). */
function releaseChunks(chunks: readonly Buffer[]) {
  for (const chunk of chunks) {
    const spares = SPARES.get(chunk.length);
    if (spares && spares.free.length < spares.cap) spares.free.push(chunk);
  }
}

export function recordDecision(entry: DecisionLogEntry) {
  countDecision(entry.allowed, entry.source);
  if (state.pending >= MAX_BUFFER) {
    state.dropped++;
    return;
  }
  append(entry);
  if (state.pending >= MAX_BATCH) startWriters();
  else state.timer ??= setTimeout(() => startWriters(), FLUSH_MS).unref();
}

function append(entry: DecisionLogEntry) {
  const given = entry.createdAt?.getTime();
  // An invalid date is not a time to keep: the decision is logged at now.
  const ms = given !== undefined && Number.isFinite(given) ? given : Date.now();
  const second = Math.floor(ms / BATCH_SPAN_MS);
  const text = decisionText(entry, ms);
  const most = text.length * 3 + 1; // UTF-8 takes at most 3 bytes per UTF-16 unit; RS before it
  let batch = state.open.get(entry.orgId);
  if (!batch || batch.second !== second || batch.size >= MAX_BATCH) {
    if (batch) state.closed.push(batch);
    batch = { org: entry.orgId, second, first: ms, last: ms, principals: new Set(), chunks: [takeChunk(CHUNK_SIZES[0]!, most)], filled: [], used: 0, size: 0 };
    state.open.set(entry.orgId, batch);
  } else {
    if (ms < batch.first) batch.first = ms;
    if (ms > batch.last) batch.last = ms;
  }
  let chunk = batch.chunks.at(-1)!;
  const room = chunk.length - batch.used;
  // `most` is a bound; near a chunk's end the text's own length decides (RS before it).
  const needed = room < most ? Buffer.byteLength(text) + 1 : 0;
  if (room < needed) {
    batch.filled.push(batch.used);
    batch.chunks.push((chunk = takeChunk(nextChunkSize(chunk.length), needed)));
    batch.used = 0;
  }
  if (batch.size > 0) chunk[batch.used++] = RS;
  batch.used += chunk.write(text, batch.used);
  batch.principals.add(entry.principalId);
  batch.size++;
  state.pending++;
}

/** Batches in the order they were begun, closed ones first, up to MAX_BATCH decisions (at least one batch). */
function takeBatches(): Batch[] {
  for (const batch of state.open.values()) state.closed.push(batch);
  state.open.clear();
  const taken: Batch[] = [];
  let decisions = 0;
  while (state.closed.length > 0 && (taken.length === 0 || decisions + state.closed[0]!.size <= MAX_BATCH)) {
    const batch = state.closed.shift()!;
    taken.push(batch);
    decisions += batch.size;
  }
  state.pending -= decisions;
  return taken;
}

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
    const retried = state.retry.shift();
    if (retried) state.pending -= retried.decisions;
    const part = retried ?? encode(takeBatches());
    const write: Promise<void> = writeBatch(part)
      .then(() => {
        state.retryAt = 0;
      })
      .catch((error: unknown) => {
        // Unreachable or failing: what was not written is kept for another try
        // (in front, so the log stays in order) unless the buffer is full.
        const unwritten = error instanceof Unwritten ? error.rest : [part];
        const rest = unwritten.reduce((sum, p) => sum + p.decisions, 0);
        logger.error({ err: error instanceof Unwritten ? error.cause : error, entries: rest }, "writing the decision log failed; retrying");
        state.retryAt = Date.now() + RETRY_MS;
        if (state.pending + rest <= MAX_BUFFER) {
          state.retry = unwritten.concat(state.retry);
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
    // lz4 compresses the entries several times faster than PostgreSQL's own method, where the server has it (it says so otherwise, and the default stays).
    created.on("connect", (client) => void client.query("SET default_toast_compression = lz4").catch(() => {}));
    return created;
  })();
  return pool;
}

// COPY's text format: backslash, tab and line breaks escaped; NUL (which no
// PostgreSQL text can hold, and input validation already refuses) dropped.
// The two separators of the stored decisions (see decisionText) become U+FFFD.
// eslint-disable-next-line no-control-regex -- the separators are control characters
const SPECIAL = /[\\\t\n\r\0\x1e\x1f]/;
// eslint-disable-next-line no-control-regex -- as above
const SPECIALS = /[\\\t\n\r\0\x1e\x1f]/g;
const ESCAPED: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "", "\x1e": "\uFFFD", "\x1f": "\uFFFD" };
const escape = (value: string) => (!SPECIAL.test(value) ? value : value.replace(SPECIALS, (c) => ESCAPED[c]!));

/** Between decisions (the ASCII record separator; the unit separator, U+001F, is between their fields). */
const RS = 0x1e;
const NEWLINE_BYTE = 0x0a;
const NEWLINE = Buffer.from([NEWLINE_BYTE]);

/**
 * A decision as the log stores it: principal, time (ms since 1970), principal
 * type, permission, resource type, resource id, allowed (t or f), reason,
 * latency (µs) and source, separated by US, each field escaped for COPY. The
 * principal and resource types and the source are words of a fixed set
 * (their types say which).
 */
function decisionText(e: DecisionLogEntry, ms: number): string {
  return `${escape(e.principalId)}\x1f${ms}\x1f${e.principalType}\x1f${escape(e.permission)}\x1f${e.resourceType}\x1f${escape(e.resourceId)}\x1f${e.allowed ? "t" : "f"}\x1f${escape(e.reason)}\x1f${e.latencyUs}\x1f${e.source}`;
}

/**
 * A batch holds one organization's decisions of one second at most, so a page
 * of the log that starts at time T finds its batches among those whose latest
 * decision is before T + 1 s.
 */
export const BATCH_SPAN_MS = 1_000;

/** A principal (escaped for COPY) as an element of an array literal in COPY text: quoted, its quotes and backslashes escaped once more. */
const arrayElement = (escaped: string) => `"${escaped.replace(/\\\\|"/g, (m) => (m === '"' ? '\\\\"' : "\\\\\\\\"))}"`;

/**
 * Batches as COPY lines of the log: one per batch, its decisions in one text
 * field, with its time span and distinct principals beside. PostgreSQL then
 * takes a few wide rows instead of a row and two index entries per decision
 * (measured: 1.5–3 µs of backend CPU and 28 bytes of WAL a decision, against
 * 10–15 µs and 600 bytes).
 *
 * A large batch's chunks are sent as they are. Small batches (many
 * organizations, a few decisions a second each) are copied together into
 * 64 KB chunks: sent one by one, their pieces cost two socket writes each,
 * and the process spent 96 µs on every row of 1,000 organizations' batches.
 */
function encode(batches: Batch[]): Part {
  const pieces: Buffer[] = [];
  const chunks: Buffer[] = [];
  let shared: Buffer | undefined;
  let start = 0;
  let at = 0;
  const cut = () => {
    if (shared && at > start) pieces.push(shared.subarray(start, at));
    start = at;
  };
  let decisions = 0;
  for (const b of batches) {
    const principals = [...b.principals].map((p) => arrayElement(escape(p))).join(",");
    const header = `${escape(b.org)}\t${new Date(b.first).toISOString()}\t${new Date(b.last).toISOString()}\t${b.size}\t{${principals}}\t`;
    const bodies = b.chunks.map((chunk, i) => chunk.subarray(0, b.filled[i] ?? b.used));
    const most = header.length * 3 + bodies.reduce((n, body) => n + body.length, 0) + 1;
    if (most <= SMALL_LINE) {
      if (!shared || shared.length - at < most) {
        cut();
        chunks.push((shared = takeChunk(SHARED_CHUNK, 0)));
        start = at = 0;
      }
      at += shared.write(header, at);
      for (const body of bodies) at += body.copy(shared, at);
      shared[at++] = NEWLINE_BYTE;
      releaseChunks(b.chunks);
    } else {
      cut();
      pieces.push(Buffer.from(header), ...bodies, NEWLINE);
      chunks.push(...b.chunks);
    }
    decisions += b.size;
  }
  cut();
  return { pieces, lines: batches.length, decisions, chunks };
}

/** A COPY line up to this many bytes is copied into a shared chunk (see encode). */
const SMALL_LINE = 16_384;
const SHARED_CHUNK = CHUNK_SIZES.at(-1)!;

/** PostgreSQL refused the rows themselves (SQLSTATE classes 22 and 23): trying them again would fail forever. */
const isDataError = (error: unknown) => /^2[23]/.test((error as { code?: string }).code ?? "");

/** COPY lines in `pieces`; `chunks` are the buffers they are views of (batches' own or shared ones), released once written. */
type Part = { pieces: Buffer[]; lines: number; decisions: number; chunks: Buffer[] };
/** Decisions in COPY lines of the log: one per line, and one more per RS. */
const decisionsIn = (bytes: Buffer, lines: number) => {
  let n = lines;
  for (let at = bytes.indexOf(RS); at !== -1; at = bytes.indexOf(RS, at + 1)) n++;
  return n;
};
/** A part's bytes in a buffer of their own: a copy unless they are one already (a half of a refused part). */
const ownBytes = (part: Part) => (part.chunks.length === 0 && part.pieces.length === 1 ? part.pieces[0]! : Buffer.concat(part.pieces));

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
async function writeBatch(batch: Part): Promise<void> {
  // The parts not yet written, in order: a refused part is replaced by its two halves.
  const notWritten: Part[] = [batch];
  while (notWritten.length > 0) {
    const part = notWritten[0]!;
    try {
      await insertBatch(part.pieces);
      notWritten.shift();
      releaseChunks(part.chunks);
    } catch (error) {
      if (!isDataError(error)) throw new Unwritten(notWritten, error);
      notWritten.shift();
      if (part.lines === 1) {
        logger.error({ err: error, line: part.pieces[0]!.toString("utf8", 0, 300) }, "the database refused a decision log entry");
        releaseChunks(part.chunks);
        continue;
      }
      const bytes = ownBytes(part);
      releaseChunks(part.chunks); // the halves are views of the copy
      const half = part.lines >> 1;
      const cut = endOfLine(bytes, half);
      const first = bytes.subarray(0, cut);
      const second = bytes.subarray(cut);
      notWritten.unshift(
        { pieces: [first], lines: half, decisions: decisionsIn(first, half), chunks: [] },
        { pieces: [second], lines: part.lines - half, decisions: decisionsIn(second, part.lines - half), chunks: [] },
      );
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
    const stream = client.query(copyFrom(`COPY "DecisionLog" ("orgId", "firstAt", "lastAt", "size", "principalIds", "entries") FROM STDIN`));
    // A refused row is reported by an 'error' event (the stream is not destroyed): no more writes after it.
    let refused = false;
    stream.on("error", () => (refused = true));
    const done = finished(stream);
    done.catch(() => {}); // awaited below; a refusal while writing must not count as unhandled meanwhile
    // One piece at a time, each given once the one before is sent. After a refusal pg-copy-streams
    // lets go of the connection, yet still sends the pieces it holds when the socket drains: with
    // several waiting, that throws from a socket event and ends the process.
    for (const piece of pieces) {
      if (refused) break;
      await Promise.race([sent(stream, piece), done]);
    }
    if (!refused) stream.end();
    await done;
  });
}

const sent = (stream: Writable, piece: Buffer) => new Promise<void>((resolve, reject) => stream.write(piece, (error) => (error ? reject(error) : resolve())));

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
