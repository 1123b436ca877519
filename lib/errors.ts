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

/** The one mapping from any thrown value to a status and a safe body. */
export function errorToResponse(error: unknown, requestId?: string): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (error instanceof DomainError) {
    const headers = error instanceof RateLimited ? { "Retry-After": String(error.retryAfterSeconds) } : undefined;
    return { status: STATUS[error.kind], body: { error: { code: error.code, message: error.message } }, headers };
  }
  if (error instanceof ZodError) {
    return { status: 400, body: { error: { code: "invalid", message: zodMessage(error) } } };
  }
  return {
    status: 500,
    body: { error: { code: "internal", message: "Something went wrong on our side. Try again, or report the request id.", requestId } },
  };
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
