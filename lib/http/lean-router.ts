// Machine endpoints served on plain node:http inside the same process as
// Next.js, for speed (a Next.js route handler answers ~50x fewer requests/s).
// Handlers share lib/ with the app and map errors through lib/errors.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorToResponse } from "../errors.ts";
import { logger } from "../logger.ts";
import { requestMeta } from "./request-meta.ts";

export type LeanHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<unknown> | unknown;
type Pattern = { segments: string[]; path: string; methods: Map<string, LeanHandler> };
const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

// What every answer the server gives itself carries (security headers, the
// request id), set by the server before routing and written with the status
// line in one go: one flat list, no setHeader calls (they cost the hot path).
const FRAME = Symbol.for("tollgate.responseFrame");
type ResponseFrame = { headers: readonly string[]; requestId: string };
type Framed = ServerResponse & { [FRAME]?: ResponseFrame };

/** `headers`: flat name, value pairs every answer gets. */
export function setResponseFrame(res: ServerResponse, headers: readonly string[], requestId: string) {
  (res as Framed)[FRAME] = { headers, requestId };
}

/** For answers some other layer (Next.js) writes: the frame's headers set on the response instead. */
export function releaseResponseFrame(res: ServerResponse) {
  const frame = (res as Framed)[FRAME];
  if (!frame) return;
  res.setHeader("x-request-id", frame.requestId);
  for (let i = 0; i < frame.headers.length; i += 2) res.setHeader(frame.headers[i]!, frame.headers[i + 1]!);
  (res as Framed)[FRAME] = undefined;
}

function writeHead(res: ServerResponse, status: number, head: string[], headers?: Record<string, string>) {
  const frame = (res as Framed)[FRAME];
  if (frame) {
    head.push("x-request-id", frame.requestId);
    for (const value of frame.headers) head.push(value);
  }
  if (headers) for (const name in headers) head.push(name, headers[name]!);
  res.writeHead(status, head);
}

// Answers are written together, once the event loop has handled every request
// it read in this turn. A write to a client that is waiting for it wakes that
// client (on a VM, an interrupt to another core: the kernel's write took 58 µs
// of a check's 165 µs); the writes after it, back to back, find it awake. The
// delay is the rest of one turn: the other requests read with this one.
let unwritten: Array<ServerResponse | string | Buffer | undefined> = [];
// Answered, though not yet written (headersSent is true already). A mark on the response, not a WeakSet: adding
// every response to a WeakSet cost the hot path ~2% of the server's CPU (ephemeron write barriers, and their
// clearing at every young-generation collection).
const QUEUED = Symbol.for("tollgate.answerQueued");
type Queued = ServerResponse & { [QUEUED]?: true };

function endSoon(res: ServerResponse, payload: string | Buffer | undefined) {
  (res as Queued)[QUEUED] = true;
  if (unwritten.push(res, payload) === 2) setImmediate(writeAnswers);
}

function writeAnswers() {
  const answers = unwritten;
  unwritten = [];
  for (let i = 0; i < answers.length; i += 2) {
    const res = answers[i] as ServerResponse;
    try {
      res.end(answers[i + 1] as string | Buffer | undefined);
    } catch (error) {
      logger.error({ err: error }, "writing an answer failed");
      res.destroy();
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) {
  sendJsonAs(res, status, body, "application/json; charset=utf-8", headers);
}

/** JSON under another media type (SCIM answers application/scim+json). */
export function sendJsonAs(res: ServerResponse, status: number, body: unknown, contentType: string, headers?: Record<string, string>) {
  const payload = JSON.stringify(body);
  writeHead(res, status, ["content-type", contentType, "content-length", String(Buffer.byteLength(payload)), "cache-control", "no-store"], headers);
  endSoon(res, payload);
}

/** A file's bytes (the API reference's renderer). */
export function sendBytes(res: ServerResponse, status: number, body: Buffer, contentType: string, cacheControl: string) {
  writeHead(res, status, ["content-type", contentType, "content-length", String(body.length), "cache-control", cacheControl]);
  endSoon(res, body);
}

/** A redirect for a browser (302), setting the cookies given (each a whole Set-Cookie value). */
export function sendRedirect(res: ServerResponse, location: string, cookies: readonly string[] = []) {
  const head = ["location", location, "cache-control", "no-store", "content-length", "0"];
  for (const cookie of cookies) head.push("set-cookie", cookie);
  writeHead(res, 302, head);
  endSoon(res, undefined);
}

/** An answer without a body (204). */
export function sendEmpty(res: ServerResponse, status: number) {
  writeHead(res, status, ["cache-control", "no-store"]);
  endSoon(res, undefined);
}

function safeDecode(part: string) {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * How a route's caller comes in: through the door with an organization's key,
 * with any key (management API), with Stripe's signature on the body
 * (webhooks), with an identity provider's signed answer (single sign-on) or
 * its SCIM token (provisioning), with the metrics token (Prometheus), or not at all (health, readiness, the API document). Every
 * route says which, so a test can list them all.
 */
export type RouteDoor = "org-key" | "any-key" | "stripe-signature" | "identity-provider" | "scim-token" | "setup-link" | "metrics-token" | "public";
const doors = new WeakMap<LeanHandler, RouteDoor>();

export function throughDoor<H extends LeanHandler>(door: RouteDoor, handler: H): H {
  doors.set(handler, door);
  return handler;
}

// A module function, not a closure made per request (the hot path allocates none it can avoid).
function answerFailure(req: IncomingMessage, res: ServerResponse, path: string, error: unknown) {
  const { requestId } = requestMeta(req);
  const { status, body, headers } = errorToResponse(error, requestId);
  // A setup link's token is its path: it stays out of the logs.
  if (status >= 500) logger.error({ err: error, requestId, path: path.replace(/^\/api\/portal\/[^/?]+/, "/api/portal/[token]") }, "lean route failed");
  if (!res.headersSent) sendJson(res, status, body, headers);
  // Failed after answering: the answer stands; failed while writing one of its own: end it.
  else if (!(res as Queued)[QUEUED]) res.end();
}

const ROUTE = Symbol.for("tollgate.route");
type RoutedRequest = IncomingMessage & { [ROUTE]?: string };

/** The route a request matched (its pattern, e.g. /api/v1/roles/:roleId), for metrics and the access log. */
export function routeOf(req: IncomingMessage): string | undefined {
  return (req as RoutedRequest)[ROUTE];
}

export class LeanRouter {
  /** path -> method -> handler; paths it holds are its own (other methods get 405). */
  private routes = new Map<string, Map<string, LeanHandler>>();
  /** Paths with `:param` segments, tried after the exact ones. */
  private patterns: Pattern[] = [];

  on(method: string, path: string, handler: LeanHandler) {
    if (path.includes("/:")) {
      const segments = path.split("/");
      let pattern = this.patterns.find((p) => p.segments.join("/") === path);
      if (!pattern) this.patterns.push((pattern = { segments, path, methods: new Map() }));
      pattern.methods.set(method, handler);
      return this;
    }
    let methods = this.routes.get(path);
    if (!methods) this.routes.set(path, (methods = new Map()));
    methods.set(method, handler);
    return this;
  }

  private match(path: string): { route: string; methods: Map<string, LeanHandler>; params: Record<string, string> } | null {
    const exact = this.routes.get(path);
    if (exact) return { route: path, methods: exact, params: NO_PARAMS };
    const parts = path.split("/");
    for (const pattern of this.patterns) {
      if (pattern.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = pattern.segments.every((seg, i) => {
        if (seg.startsWith(":")) {
          params[seg.slice(1)] = safeDecode(parts[i]!);
          return parts[i] !== "";
        }
        return seg === parts[i];
      });
      if (ok) return { route: pattern.path, methods: pattern.methods, params };
    }
    return null;
  }

  /** Every route with how its caller comes in (undefined: not declared, which a test refuses). */
  describe(): Array<{ method: string; path: string; door: RouteDoor | undefined }> {
    const out: Array<{ method: string; path: string; door: RouteDoor | undefined }> = [];
    for (const [path, methods] of this.routes) for (const [method, handler] of methods) out.push({ method, path, door: doors.get(handler) });
    for (const pattern of this.patterns) for (const [method, handler] of pattern.methods) out.push({ method, path: pattern.segments.join("/"), door: doors.get(handler) });
    return out;
  }

  /** Returns false when the request is not for this router. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const found = this.match(path);
    if (!found) return false;
    const { methods, params } = found;
    (req as RoutedRequest)[ROUTE] = found.route;
    const handler = methods.get(req.method ?? "GET") ?? (req.method === "HEAD" ? methods.get("GET") : undefined);
    if (!handler) {
      sendJson(res, 405, { error: { code: "method_not_allowed", message: `${req.method} is not allowed on ${path}` } });
      return true;
    }
    try {
      const result = handler(req, res, params);
      if (result instanceof Promise) result.catch((error: unknown) => answerFailure(req, res, path, error));
    } catch (error) {
      answerFailure(req, res, path, error);
    }
    return true;
  }
}
