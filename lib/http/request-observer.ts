// Every answered request, once it is answered: counted and timed in the
// metrics, and written to the access log (pino, JSON) with its request id.
// One listener per response, a module function (no closure per request).
import type { IncomingMessage, ServerResponse } from "node:http";
import { logger } from "../logger.ts";
import { countRequest } from "../observability/metrics.ts";
import { routeOf } from "./lean-router.ts";
import { requestMeta } from "./request-meta.ts";

const STARTED = Symbol.for("tollgate.requestStarted");
type Observed = ServerResponse & { [STARTED]?: number };

const accessLog = logger.child({ log: "access" });

/** Requests Next.js answers, grouped so that the route label stays a short list. */
function nextRouteOf(path: string): string {
  if (path.startsWith("/_next/")) return "next:assets";
  if (path.startsWith("/api/auth/")) return "next:/api/auth";
  if (path.startsWith("/api/")) return "next:api";
  return "next:page";
}

// Tokens travel in some paths (setup links, mailed links): long opaque segments are left out.
const OPAQUE_SEGMENT = /\/(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:\/|$))[A-Za-z0-9_-]{24,}(?=\/|$)/g;
export const loggablePath = (path: string) => path.replace(OPAQUE_SEGMENT, "/[token]");

// Node's parser admits some 34 methods (PROPFIND, MKCALENDAR, …): the rest are one label.
const METHOD_LABELS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const QUIET_ROUTES = new Set(["/api/health", "/api/ready"]);

let inFlight = 0;
let draining = false;
let drained: (() => void) | null = null;

function observeAnswer(this: Observed) {
  const started = this[STARTED];
  if (started === undefined) return;
  this[STARTED] = undefined;
  if (--inFlight === 0 && drained) drained();
  const req = this.req as IncomingMessage;
  const seconds = (performance.now() - started) / 1000;
  const path = (req.url ?? "/").split("?", 1)[0]!;
  const route = routeOf(req) ?? nextRouteOf(path);
  const method = METHOD_LABELS.has(req.method ?? "") ? req.method! : "other";
  // Bounded label sets: the methods above, the router's patterns or next:*, statuses.
  countRequest(method, route, this.statusCode, seconds);
  // Health checks (every 10 s from Docker, more from balancers) are logged only when they fail.
  if (accessLogOn && !(QUIET_ROUTES.has(route) && this.statusCode < 400)) {
    const meta = requestMeta(req);
    accessLog.info({
      requestId: meta.requestId,
      method,
      path: loggablePath(path),
      route,
      status: this.statusCode,
      ms: Math.round(seconds * 10_000) / 10,
      ip: meta.ip,
      aborted: !this.writableFinished || undefined,
    });
  }
}

const accessLogOn = accessLog.isLevelEnabled("info");

/** Watches a request from now until its answer is written (or the client goes away). */
export function observeRequest(res: ServerResponse) {
  (res as Observed)[STARTED] = performance.now();
  inFlight++;
  // While the process stops, every answer closes its connection: clients reconnect to another process.
  if (draining) res.shouldKeepAlive = false;
  // on, not once: once wraps the listener in a closure per response; observeAnswer runs its body only the first time.
  res.on("close", observeAnswer);
}

/** Whether the process is stopping (readiness then answers 503, so a balancer sends no more). */
export const isDraining = () => draining;

/** From now on readiness answers 503 and every answer closes its connection. */
export function startDraining() {
  draining = true;
}

/**
 * Stops taking work and resolves once every request in flight has been
 * answered, or after `graceMs` (true: all were answered).
 */
export function drainRequests(graceMs: number): Promise<boolean> {
  startDraining();
  if (inFlight === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), graceMs);
    drained = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
}
