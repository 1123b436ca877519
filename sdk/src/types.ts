// Shapes of the check API's requests and answers.

export type Subject = { type: "user"; /** A user id or an email address. */ id: string };
export type Resource = { type: "organization" | "project"; id: string };
export type CheckContext = { ip?: string; mfa?: boolean };

export type CheckInput = {
  subject: Subject;
  permission: string;
  /** Defaults to the API key's organization. */
  resource?: Resource;
  context?: CheckContext;
};

export type CheckResult = {
  allowed: boolean;
  /** Why, in words, e.g. `membership role "Viewer" grants members:read`. */
  reason: string;
  /** The organization's authorization version; it increases on every change. */
  version: number;
};

/** One check of a batch that could not be answered (e.g. subject_not_found). */
export type CheckError = { allowed: false; error: { code: string; message: string } };
export type BatchResult = CheckResult | CheckError;

export type TollgateOptions = {
  /** e.g. "https://tollgate.example.com" */
  baseUrl: string;
  /** An API key holding authz:check. */
  apiKey: string;
  /** Per attempt. Default 5000. */
  timeoutMs?: number;
  /** Extra attempts after network errors, timeouts, 429 and 5xx. Default 2. */
  retries?: number;
  /** How long a decision is answered from memory; 0 disables the cache. Default 1000. */
  cacheTtlMs?: number;
  /** Most decisions kept in memory. Default 10000. */
  cacheMaxEntries?: number;
  /** A fetch implementation; defaults to the global fetch. */
  fetch?: typeof fetch;
};

export function isCheckError(result: BatchResult): result is CheckError {
  return "error" in result;
}
