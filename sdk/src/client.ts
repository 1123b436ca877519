// The Tollgate client: authorization checks over HTTP with a short-lived
// decision cache, timeouts and retries with backoff.
import { DecisionCache, cacheKey } from "./cache.js";
import { NetworkError, RateLimitError, ServerError, TollgateError, errorFromResponse } from "./errors.js";
import type { BatchResult, CheckInput, CheckResult, TollgateOptions, VerifyKeyInput, VerifyKeyResult } from "./types.js";

const BATCH_LIMIT = 100;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;
/** A longer Retry-After (429, 503) is not waited for: the error is thrown at once. */
const MAX_RETRY_AFTER_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full jitter over an exponential step: 100ms, 200ms, 400ms ... capped at 2s. */
export function backoffDelay(attempt: number, random = Math.random): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(step / 2 + (random() * step) / 2);
}

function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

function isRetryable(error: TollgateError): boolean {
  return error instanceof NetworkError || error instanceof RateLimitError || (error instanceof ServerError && error.status >= 500);
}

function isCheckResult(value: unknown): value is CheckResult {
  const v = value as CheckResult | null;
  return typeof v?.allowed === "boolean" && typeof v.reason === "string" && typeof v.version === "number";
}

export class Tollgate {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly fetchImpl: typeof fetch;
  private readonly cache: DecisionCache;
  private readonly pending = new Map<string, Promise<CheckResult>>();

  constructor(options: TollgateOptions) {
    if (!options?.baseUrl) throw new TypeError("Tollgate: baseUrl is required");
    if (!options.apiKey) throw new TypeError("Tollgate: apiKey is required");
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.retries = Math.max(0, options.retries ?? 2);
    this.cache = new DecisionCache(options.cacheTtlMs ?? 1_000, options.cacheMaxEntries ?? 10_000);
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") throw new TypeError("Tollgate: no fetch available; pass options.fetch");
    this.fetchImpl = fetchImpl;
  }

  /** May this subject do this, here, now? A denial is `allowed: false`, not an error. */
  async check(input: CheckInput): Promise<CheckResult> {
    if (!this.cache.enabled) return this.requestCheck(input);
    const key = cacheKey(input);
    const cached = this.cache.get(key);
    if (cached) return { ...cached };
    // Identical checks in flight share one request.
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const generation = this.cache.generation;
    const request: Promise<CheckResult> = this.requestCheck(input)
      .then((result) => {
        this.cache.set(key, result, generation);
        return result;
      })
      .finally(() => {
        if (this.pending.get(key) === request) this.pending.delete(key);
      });
    this.pending.set(key, request);
    return request;
  }

  /** Many checks, answered in order. Arrays over 100 are sent in chunks of 100. */
  async checkBatch(checks: CheckInput[]): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    for (let start = 0; start < checks.length; start += BATCH_LIMIT) {
      const chunk = checks.slice(start, start + BATCH_LIMIT);
      const generation = this.cache.generation;
      const body = await this.post<{ results?: unknown }>("/api/v1/authz/check-batch", { checks: chunk });
      if (!Array.isArray(body.results) || body.results.length !== chunk.length) {
        throw new ServerError(200, "invalid_response", "Tollgate answered a batch with the wrong number of results.");
      }
      body.results.forEach((result: BatchResult, i) => {
        if (isCheckResult(result)) this.cache.set(cacheKey(chunk[i]!), result, generation);
        results.push(result);
      });
    }
    return results;
  }

  /**
   * Is this key, presented to your own service, good? Never cached: a revoked
   * key stops at once. An invalid key is `valid: false` with a reason, not an error.
   */
  async verifyKey(input: VerifyKeyInput): Promise<VerifyKeyResult> {
    const result = await this.post<VerifyKeyResult>("/api/v1/keys/verify", input);
    if (typeof result?.valid !== "boolean") throw new ServerError(200, "invalid_response", "Tollgate answered a verification without valid.");
    return result;
  }

  /** Forget every cached decision. */
  clearCache(): void {
    this.cache.clear();
    this.pending.clear();
  }

  private async requestCheck(input: CheckInput): Promise<CheckResult> {
    const result = await this.post<unknown>("/api/v1/authz/check", input);
    if (!isCheckResult(result)) throw new ServerError(200, "invalid_response", "Tollgate answered a check without allowed, reason and version.");
    this.cache.observe(result.version);
    return result;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const payload = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      let error: TollgateError;
      try {
        return (await this.send(path, payload)) as T;
      } catch (e) {
        if (!(e instanceof TollgateError)) throw e;
        error = e;
      }
      if (attempt >= this.retries || !isRetryable(error)) throw error;
      const retryAfter = error instanceof RateLimitError || error instanceof ServerError ? error.retryAfterSeconds : undefined;
      const delay = retryAfter === undefined ? backoffDelay(attempt) : retryAfter * 1000;
      if (delay > MAX_RETRY_AFTER_MS) throw error;
      await sleep(delay);
    }
  }

  /** One attempt: the answer's JSON, or a TollgateError. */
  private async send(path: string, payload: string): Promise<unknown> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method: "POST",
        headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json", accept: "application/json" },
        body: payload,
        signal: controller.signal,
      });
      text = await response.text();
    } catch (cause) {
      if (controller.signal.aborted) throw new NetworkError(0, "timeout", `Tollgate did not answer within ${this.timeoutMs} ms.`, undefined, { cause });
      const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
      throw new NetworkError(0, "network_error", `Could not reach Tollgate: ${reason}`, undefined, { cause });
    } finally {
      clearTimeout(timer);
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const requestId = response.headers.get("x-request-id") ?? undefined;
    if (!response.ok) throw errorFromResponse(response.status, json, requestId, retryAfterSeconds(response.headers.get("retry-after")));
    if (json === undefined) throw new ServerError(response.status, "invalid_response", "Tollgate answered with a body that is not JSON.", requestId);
    return json;
  }
}
