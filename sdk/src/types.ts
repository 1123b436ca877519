// Shapes of the check API's requests and answers, from the types generated
// from the OpenAPI document (npm run sdk:types writes ./generated/openapi.ts).
import type { components } from "./generated/openapi.js";

type Schemas = components["schemas"];

export type Subject = Schemas["CheckSubject"];
export type Resource = Schemas["CheckResource"];
export type CheckContext = Schemas["CheckContext"];
export type CheckInput = Schemas["CheckInput"];
export type CheckResult = Schemas["CheckResult"];
/** One check of a batch that could not be answered (e.g. subject_not_found). */
export type CheckError = Schemas["CheckError"];
/** One answer of a batch: a decision, or why that check could not be answered. */
export type BatchResult = Schemas["BatchResult"]["results"][number];

export type VerifyKeyInput = Schemas["VerifyKeyInput"];
/** Why a key is not valid (null when it is). */
export type VerifyFailure = Schemas["VerifyFailure"];
export type VerifyKeyResult = Schemas["VerifyResult"];

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
