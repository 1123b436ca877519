// The loop that folds stored usage events into the rollups, about once a
// second, in every app process (processes take turns: a fold in progress
// elsewhere is skipped). Readers never wait for it: they add what is not
// folded yet (lib/usage/event-store.ts).
import { logger } from "../logger.ts";
import { foldEvents, prepareMonths } from "./event-store.ts";

const FOLD_EVERY_MS = 1_000;
let timer: NodeJS.Timeout | null = null;
let running: Promise<void> | null = null;

function foldOnce() {
  if (running) return;
  running = foldEvents()
    .then(
      () => {},
      (error: unknown) => logger.warn({ err: error }, "usage: folding events into rollups failed; trying again"),
    )
    .finally(() => (running = null));
}

export function startUsageFolding(everyMs = FOLD_EVERY_MS) {
  if (timer) return;
  void prepareMonths().catch((error: unknown) => logger.warn({ err: error }, "usage: could not make the coming months' partitions; ingest will"));
  timer = setInterval(foldOnce, everyMs);
  timer.unref();
}

/** Stops the loop after the fold in progress; what is left is folded by the next process to run. */
export async function stopUsageFolding() {
  if (timer) clearInterval(timer);
  timer = null;
  await running;
}
