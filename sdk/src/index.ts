export { Tollgate } from "./client.js";
export { TollgateError, AuthenticationError, PermissionDeniedError, NotFoundError, ValidationError, RateLimitError, ServerError, NetworkError } from "./errors.js";
export { isCheckError } from "./types.js";
export type { BatchResult, CheckContext, CheckError, CheckInput, CheckResult, Resource, Subject, TollgateOptions, VerifyFailure, VerifyKeyInput, VerifyKeyResult } from "./types.js";
