// Every decision is recorded without making it wait: entries go to an
// in-memory buffer that is written in batches (size or time, whichever first).
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
  createdAt: Date;
};

const FLUSH_MS = 250;
const MAX_BATCH = 5_000;
const MAX_BUFFER = 200_000;

type State = { buffer: DecisionLogEntry[]; timer?: NodeJS.Timeout; flushing?: Promise<void>; dropped: number };
const state: State = ((globalThis as { __tollgateDecisionLog?: State }).__tollgateDecisionLog ??= { buffer: [], dropped: 0 });

export function recordDecision(entry: DecisionLogEntry) {
  if (state.buffer.length >= MAX_BUFFER) {
    // The database is not keeping up; shedding log entries beats slowing every decision.
    state.dropped++;
    return;
  }
  state.buffer.push(entry);
  if (state.buffer.length >= MAX_BATCH) void flushDecisionLog();
  else state.timer ??= setTimeout(() => void flushDecisionLog(), FLUSH_MS).unref();
}

// COPY on a connection of its own: the cheapest way for both Node and
// PostgreSQL to take thousands of rows a second, off the request path.
let pool: pg.Pool | undefined;
function writerPool() {
  pool ??= (globalThis as { __tollgateDecisionLogPool?: pg.Pool }).__tollgateDecisionLogPool ??= (() => {
    const created = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    // An idle connection the server drops must not crash the process; the next batch reconnects.
    created.on("error", (error) => logger.warn({ err: error }, "decision log connection lost"));
    return created;
  })();
  return pool;
}

const SPECIAL = /[\\\t\n\r]/;
const escape = (value: string) => (!SPECIAL.test(value) ? value : value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r")));

async function insertBatch(batch: DecisionLogEntry[]) {
  const lines = batch.map((e) =>
    [
      e.orgId,
      escape(e.principalType),
      escape(e.principalId),
      escape(e.permission),
      escape(e.resourceType),
      escape(e.resourceId),
      e.allowed ? "t" : "f",
      escape(e.reason),
      String(e.latencyUs),
      escape(e.source),
      e.createdAt.toISOString(),
    ].join("\t"),
  );
  const client = await writerPool().connect();
  try {
    const stream = client.query(
      copyFrom(`COPY "DecisionLog" ("orgId", "principalType", "principalId", "permission", "resourceType", "resourceId", "allowed", "reason", "latencyUs", "source", "createdAt") FROM STDIN`),
    );
    await pipeline(Readable.from([lines.join("\n") + "\n"]), stream);
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

export async function flushDecisionLog(): Promise<void> {
  if (state.timer) clearTimeout(state.timer);
  state.timer = undefined;
  await state.flushing;
  if (state.buffer.length === 0) return;
  const batch = state.buffer.splice(0, MAX_BATCH);
  state.flushing = insertBatch(batch)
    .then(() => undefined)
    .catch((error) => logger.error({ err: error, entries: batch.length }, "writing the decision log failed"))
    .finally(() => {
      state.flushing = undefined;
    });
  await state.flushing;
  if (state.buffer.length) await flushDecisionLog();
  if (state.dropped) {
    logger.warn({ dropped: state.dropped }, "decision log entries dropped under load");
    state.dropped = 0;
  }
}
