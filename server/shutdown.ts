// A graceful stop on SIGTERM or SIGINT, the same for `npm start` and the
// API-only process: take no new connections, let every request in flight be
// answered (up to a grace period), close what is left, then run the steps
// that write buffered work (decision log, key usage, usage rollups) and
// release the rest. Ends the process well inside the 30 s Compose and
// Kubernetes give it; a second signal does not restart the sequence.
import type http from "node:http";
import { env } from "../lib/env.ts";
import { drainRequests, startDraining } from "../lib/http/request-observer.ts";
import { logger } from "../lib/logger.ts";

/** Longest wait for requests in flight. */
const REQUEST_GRACE_MS = 10_000;
/** Whatever happens, the process is gone by then, plus any TOLLGATE_SHUTDOWN_DELAY_SECONDS (Compose and Kubernetes allow 30 s by default). */
const HARD_LIMIT_MS = 28_000;

export type StopStep = [name: string, run: () => Promise<unknown>];

export function stopGracefully(server: http.Server, steps: StopStep[]) {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // These writes wait on handles Node does not count as keeping the process
    // alive (the TypeScript loader's worker, unref'd pools): hold it open.
    const delay = env().TOLLGATE_SHUTDOWN_DELAY_SECONDS * 1000;
    setTimeout(() => process.exit(1), HARD_LIMIT_MS + delay);
    // Behind a load balancer: keep serving (readiness now 503) until it has taken this process out.
    startDraining();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    server.close();
    server.closeIdleConnections();
    const answered = await drainRequests(REQUEST_GRACE_MS);
    if (!answered) logger.warn("requests still in flight after the grace period were cut off");
    server.closeAllConnections();
    for (const [name, run] of steps) {
      try {
        await run();
      } catch (error) {
        logger.warn({ err: error }, `stopping: ${name} failed`);
      }
    }
    process.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop());
}
