// Request facts set by the custom server (server/main.ts) on every request:
// it overwrites these headers, so clients cannot forge them.
import { randomFillSync } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { RequestMeta } from "../context.ts";

export const CLIENT_IP_HEADER = "x-tollgate-client-ip";
export const REQUEST_ID_HEADER = "x-request-id";
/** The request's path, for layouts (Next.js gives them none). */
export const PATH_HEADER = "x-tollgate-path";

// Random bytes drawn ahead in one call, for many ids: a UUID per request cost
// the hot path more than it should (its 36 characters too, in every answer).
const ID_BYTES = 12;
const pool = Buffer.allocUnsafe(ID_BYTES * 512);
let poolUsed = pool.length;

/** A request's id: 96 random bits as 16 URL-safe characters, unique across processes and restarts. */
export function newRequestId(): string {
  if (poolUsed + ID_BYTES > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  return pool.toString("base64url", poolUsed, (poolUsed += ID_BYTES));
}

type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function read(headers: HeaderSource, name: string): string | null {
  if (typeof (headers as { get?: unknown }).get === "function") return (headers as { get(n: string): string | null }).get(name);
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

export function requestMetaFrom(headers: HeaderSource): RequestMeta {
  return {
    requestId: read(headers, REQUEST_ID_HEADER) ?? newRequestId(),
    ip: read(headers, CLIENT_IP_HEADER),
    userAgent: read(headers, "user-agent"),
  };
}

// Lean-router requests get their facts from the server as a value on the
// request, not as headers: writing into `req.headers` costs the hot path.
const META = Symbol.for("tollgate.requestMeta");
type WithMeta = IncomingMessage & { [META]?: RequestMeta };

export function setRequestMeta(req: IncomingMessage, meta: RequestMeta) {
  (req as WithMeta)[META] = meta;
}

/** The server's facts about a lean-router request; without the server (tests), only what the socket says. */
export function requestMeta(req: IncomingMessage): RequestMeta {
  return (req as WithMeta)[META] ?? { requestId: newRequestId(), ip: req.socket?.remoteAddress?.replace(/^::ffff:/, "") ?? null, userAgent: req.headers["user-agent"] ?? null };
}
