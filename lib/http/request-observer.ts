// Every answered request, once it is answered: counted and timed in the
// metrics, and written to the access log (pino, JSON) with its request id.
// One listener per response, a module function (no closure per request).
import type { IncomingMessage, ServerResponse } from "node:http";
import { logger } from "../logger.ts";
import { metrics } from "../observability/metrics.ts";
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

function observeAnswer(this: Observed) {
  const started = this[STARTED];
  if (started === undefined) return;
  this[STARTED] = undefined;
  const req = this.req as IncomingMessage;
  const seconds = (performance.now() - started) / 1000;
  const path = (req.url ?? "/").split("?", 1)[0]!;
  const route = routeOf(req) ?? nextRouteOf(path);
  const method = req.method ?? "GET";
  const { httpRequests, httpDuration } = metrics();
  httpRequests.labels(method, route, String(this.statusCode)).inc();
  httpDuration.labels(method, route).observe(seconds);
  if (accessLogOn) {
    const meta = requestMeta(req);
    accessLog.info({
      requestId: meta?.requestId,
      method,
      path: loggablePath(path),
      route,
      status: this.statusCode,
      ms: Math.round(seconds * 10_000) / 10,
      ip: meta?.ip,
      aborted: !this.writableFinished || undefined,
    });
  }
}

let accessLogOn = accessLog.isLevelEnabled("info");

/** Watches a request from now until its answer is written (or the client goes away). */
export function observeRequest(res: ServerResponse) {
  (res as Observed)[STARTED] = performance.now();
  res.once("close", observeAnswer);
}

/** For tests: the access log follows the logger's level as set now. */
export function refreshAccessLog() {
  accessLogOn = accessLog.isLevelEnabled("info");
}
