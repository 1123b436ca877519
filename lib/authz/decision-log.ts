// Every decision is recorded without making it wait: entries go to an
// in-memory buffer that is written in batches (size or time, whichever first).
import { db } from "../db.ts";
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

export async function flushDecisionLog(): Promise<void> {
  if (state.timer) clearTimeout(state.timer);
  state.timer = undefined;
  await state.flushing;
  if (state.buffer.length === 0) return;
  const batch = state.buffer.splice(0, MAX_BATCH);
  state.flushing = db.decisionLog
    .createMany({ data: batch })
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
