// Typed errors for every way a call to Tollgate can fail. A "denied" decision
// is not an error: it is a result with `allowed: false`.

export class TollgateError extends Error {
  /** HTTP status of the answer; 0 when no answer arrived (NetworkError). */
  readonly status: number;
  /** Machine-readable reason, e.g. "invalid_api_key", "subject_not_found". */
  readonly code: string;
  readonly requestId: string | undefined;

  constructor(status: number, code: string, message: string, requestId?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

/** 401: the API key is missing, malformed, unknown, revoked or expired. */
export class AuthenticationError extends TollgateError {}

/** 403: the API key may not ask (it lacks authz:check). Not a denied decision. */
export class PermissionDeniedError extends TollgateError {}

/** 404: e.g. subject_not_found or resource_not_found in the key's organization. */
export class NotFoundError extends TollgateError {}

/** 400: the request was malformed; the message names the bad field. */
export class ValidationError extends TollgateError {}

/** 429: too many requests. */
export class RateLimitError extends TollgateError {
  readonly retryAfterSeconds: number | undefined;
  constructor(status: number, code: string, message: string, requestId?: string, retryAfterSeconds?: number) {
    super(status, code, message, requestId);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 5xx, or a 2xx answer that is not the expected JSON. A 503 (e.g. database_unavailable) may say when to try again. */
export class ServerError extends TollgateError {
  readonly retryAfterSeconds: number | undefined;
  constructor(status: number, code: string, message: string, requestId?: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(status, code, message, requestId, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** No answer: the connection failed or the request timed out (code "timeout"). */
export class NetworkError extends TollgateError {}

/** Maps an HTTP error answer to the matching error class. */
export function errorFromResponse(status: number, body: unknown, requestId?: string, retryAfterSeconds?: number): TollgateError {
  const error = (body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | null)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message = typeof error?.message === "string" ? error.message : `Tollgate answered HTTP ${status}.`;
  const id = typeof error?.requestId === "string" && error.requestId ? error.requestId : requestId;
  if (status === 400) return new ValidationError(status, code, message, id);
  if (status === 401) return new AuthenticationError(status, code, message, id);
  if (status === 403) return new PermissionDeniedError(status, code, message, id);
  if (status === 404) return new NotFoundError(status, code, message, id);
  if (status === 429) return new RateLimitError(status, code, message, id, retryAfterSeconds);
  if (status >= 500) return new ServerError(status, code, message, id, status === 503 ? { retryAfterSeconds } : undefined);
  return new TollgateError(status, code, message, id);
}
