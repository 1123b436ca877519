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

export type VerifyKeyInput = {
  /** The key presented to your service. */
  key: string;
  /** The address it was presented from; checked against the key's IP allow list. */
  ip?: string;
};

/** Why a key is not valid (null when it is). */
export type VerifyFailure = "malformed_api_key" | "invalid_api_key" | "rotated_api_key" | "revoked_api_key" | "expired_api_key" | "ip_not_allowed" | "rate_limited";

export type VerifyKeyResult = {
  valid: boolean;
  keyId: string | null;
  orgId: string | null;
  projectId: string | null;
  name: string | null;
  /** What the key carries (empty unless valid). */
  permissions: string[];
  expiresAt: string | null;
  reason: VerifyFailure | null;
  /** With reason "rate_limited": when the key may try again. */
  retryAfterSeconds?: number;
};

export type TollgateOptions = {
  /** e.g. "https://tollgate.example.com" */
  baseUrl: string;
  /** An API key holding authz:check (for check) or apikeys:verify (for verifyKey). */
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
