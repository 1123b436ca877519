// Typed domain errors. Domain code throws these with a code; this module alone
// maps them to HTTP statuses and `{ error: { code, message } }` bodies.
import { ZodError } from "zod";
import "./validation-messages.ts";

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** The input field the refusal is about (a path such as "permission"), for forms to show it there. */
  readonly field?: string;
  constructor(
    readonly code: string,
    message: string,
    options?: { field?: string },
  ) {
    super(message);
    this.name = new.target.name;
    if (options?.field) this.field = options.field;
  }
}

type ErrorKind = "unauthenticated" | "forbidden" | "not_found" | "conflict" | "invalid" | "rate_limited" | "limit_exceeded" | "unavailable";

export class Unauthenticated extends DomainError {
  readonly kind = "unauthenticated";
}
export class Forbidden extends DomainError {
  readonly kind = "forbidden";
}
export class NotFound extends DomainError {
  readonly kind = "not_found";
}
export class Conflict extends DomainError {
  readonly kind = "conflict";
}
export class Invalid extends DomainError {
  readonly kind = "invalid";
}
export class RateLimited extends DomainError {
  readonly kind = "rate_limited";
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}
export class LimitExceeded extends DomainError {
  readonly kind = "limit_exceeded";
}
/** A feature this instance is not configured for (e.g. Stripe). */
export class Unavailable extends DomainError {
  readonly kind = "unavailable";
}

const STATUS: Record<ErrorKind, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid: 400,
  rate_limited: 429,
  limit_exceeded: 402,
  unavailable: 503,
};

export type ErrorBody = { error: { code: string; message: string; requestId?: string } };

export function zodMessage(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "Invalid input";
  const field = issue.path.join(".");
  return field ? `${field}: ${issue.message}` : issue.message;
}

// A database that could not be reached at all: down, restarting, out of
// connections, or no pool connection free in time. The statement that met it
// was never sent, and the same request may well succeed a few seconds later:
// a 503 with Retry-After, not a 500. A connection lost mid-query is not one
// of these (its write may have committed): it stays a 500.
const NEVER_CONNECTED_SOCKET = new Set(["ECONNREFUSED", "ENOTFOUND"]);
const NEVER_CONNECTED_KIND = new Set(["DatabaseNotReachable", "TooManyConnections"]);
// PostgreSQL: could not establish or was refused a connection, too many connections, starting up.
const NEVER_CONNECTED_SQLSTATE = new Set(["08001", "08004", "53300", "57P03"]);
// Prisma: can't reach the server, no pool connection in time.
const NEVER_CONNECTED_PRISMA = new Set(["P1001", "P2024"]);
const POOL_TIMEOUT = "timeout exceeded when trying to connect";
export const DATABASE_RETRY_AFTER_SECONDS = 2;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message, meta } = e as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } };
    // Socket codes only as thrown by pg itself: deeper in a chain they may be any outbound call's (fetch wraps its own).
    if (depth === 0 && typeof code === "string" && NEVER_CONNECTED_SOCKET.has(code)) return true;
    if (typeof code === "string" && (NEVER_CONNECTED_SQLSTATE.has(code) || NEVER_CONNECTED_PRISMA.has(code))) return true;
    if (message === POOL_TIMEOUT) return true;
    const adapter = meta?.driverAdapterError?.cause;
    if (adapter && (NEVER_CONNECTED_KIND.has(adapter.kind ?? "") || NEVER_CONNECTED_SQLSTATE.has(adapter.originalCode ?? ""))) return true;
  }
  return false;
}

/** The one mapping from any thrown value to a status and a safe body. */
export function errorToResponse(error: unknown, requestId?: string): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (error instanceof DomainError) {
    const headers = error instanceof RateLimited ? { "Retry-After": String(error.retryAfterSeconds) } : undefined;
    return { status: STATUS[error.kind], body: { error: { code: error.code, message: error.message } }, headers };
  }
  if (error instanceof ZodError) {
    return { status: 400, body: { error: { code: "invalid", message: zodMessage(error) } } };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      body: { error: { code: "database_unavailable", message: `The database is busy or unreachable. Try again in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`, requestId } },
      headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) },
    };
  }
  return {
    status: 500,
    body: { error: { code: "internal", message: "Something went wrong on our side. Try again, or report the request id.", requestId } },
  };
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
