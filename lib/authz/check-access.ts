// The check API's logic: a product asks whether one of its organization's
// users or API keys may do something, here, now (or at another time). The
// asking key needs authz:check where it asks; subjects and resources outside
// its organization are NotFound; a permission nobody declared is a 400.
import { z } from "zod";
import { Forbidden, Invalid, NotFound } from "../errors.ts";
import type { OrgCtx } from "../context.ts";
import { authorize, decideAndLog, type DecisionSource } from "./authorize.ts";
import type { AuthzResource, AuthzSubject } from "./decide.ts";
import { isKnownPermission } from "./org-index.ts";

export const CheckSubject = z.strictObject({
  type: z.enum(["user", "api_key"], "subject.type: user or api_key"),
  /** A user's id or email, or an API key's id. */
  id: z.string().trim().min(1, "subject.id: required").max(254),
});

export const CheckInput = z.strictObject({
  subject: CheckSubject,
  permission: z.string().trim().min(1, "required").max(200),
  resource: z.strictObject({ type: z.enum(["organization", "project"]), id: z.string().trim().min(1).max(100) }).optional(),
  context: z
    .strictObject({
      // Characters of an address only: a full parse here would cost the hot path a tenth of its
      // time, and an address that does not parse simply lies in no grant's allow list.
      ip: z
        .string()
        .trim()
        .max(64)
        .regex(/^[0-9a-fA-F:.]+$/, "must be an IPv4 or IPv6 address")
        .nullish(),
      mfa: z.boolean().optional(),
      /** "Would this be allowed at time T?": grant end dates and key expiry are judged at this instant. */
      time: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time, e.g. 2027-01-31T12:00:00Z" }).optional(),
    })
    .default({}),
});
export type CheckInput = z.infer<typeof CheckInput>;

const SUBJECT_TYPES = new Set(["user", "api_key"]);
const RESOURCE_TYPES = new Set(["organization", "project"]);
const IP_TEXT = /^[0-9a-fA-F:.]+$/;
type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields => value !== null && typeof value === "object" && !Array.isArray(value);
const hasOnly = (fields: Fields, allowed: readonly string[]) => Object.keys(fields).every((name) => allowed.includes(name));
/** Text the schema's trim leaves as it is, of 1 to `max` characters. */
const isTrimmed = (value: unknown, max: number): value is string => typeof value === "string" && value.length >= 1 && value.length <= max && value.trim().length === value.length;

/**
 * The check as CheckInput parses it, when it is plainly valid, as nearly every
 * check is; otherwise null, and the schema says what is wrong (or parses what
 * this leaves to it, such as context.time). The schema took a twentieth of
 * the server's time per single check; this checks the same rules in one pass
 * (a property test holds the two to the same answers).
 */
export function plainlyValidCheck(raw: unknown): CheckInput | null {
  if (!isFields(raw) || !hasOnly(raw, ["subject", "permission", "resource", "context"])) return null;
  const { subject, permission, resource, context = {} } = raw;
  if (!isFields(subject) || !hasOnly(subject, ["type", "id"]) || !SUBJECT_TYPES.has(subject.type as string) || !isTrimmed(subject.id, 254)) return null;
  if (!isTrimmed(permission, 200)) return null;
  if (resource !== undefined && (!isFields(resource) || !hasOnly(resource, ["type", "id"]) || !RESOURCE_TYPES.has(resource.type as string) || !isTrimmed(resource.id, 100))) return null;
  if (!isFields(context) || !hasOnly(context, ["ip", "mfa"])) return null;
  const { ip, mfa } = context;
  if (ip != null && !(typeof ip === "string" && ip.length <= 64 && IP_TEXT.test(ip))) return null;
  if (mfa !== undefined && typeof mfa !== "boolean") return null;
  return { subject, permission, resource, context } as CheckInput;
}

/** A check's input, parsed: the fast path for the plainly valid, else the schema (which throws what is wrong). */
export const parseCheckInput = (raw: unknown): CheckInput => plainlyValidCheck(raw) ?? CheckInput.parse(raw);
export const CheckBatchInput = z.strictObject({ checks: z.array(z.unknown()).min(1, "give at least one check").max(100, "at most 100 checks a request") });

export type CheckResult = { allowed: boolean; reason: string; version: number };

function subjectOf(ctx: OrgCtx, subject: CheckInput["subject"]): AuthzSubject {
  const index = ctx.authz;
  if (subject.type === "api_key") {
    if (!index.apiKeysById.has(subject.id)) throw new NotFound("subject_not_found", `subject: no API key ${subject.id} in this organization`);
    return { type: "api_key", id: subject.id };
  }
  const userId = subject.id.includes("@") ? index.userByEmail.get(subject.id.toLowerCase()) : subject.id;
  if (!userId || !index.memberRole.has(userId)) throw new NotFound("subject_not_found", `subject: no user ${subject.id} in this organization`);
  return { type: "user", id: userId };
}

export function checkAccess(ctx: OrgCtx, input: CheckInput, source: DecisionSource = "check-api"): CheckResult {
  const index = ctx.authz;
  // No cast: the resource type reaches the decision log unescaped, so only the schema's enum may make it.
  const resource: AuthzResource = input.resource ?? { type: "organization", id: ctx.orgId };
  if (resource.type === "organization" ? resource.id !== ctx.orgId : !index.projects.has(resource.id)) {
    throw new NotFound("resource_not_found", `resource: ${resource.type} ${resource.id} not found`);
  }
  const asking = authorize(ctx, "authz:check", resource, source);
  if (!asking.allowed) throw new Forbidden("forbidden", `This key needs the authz:check permission here: ${asking.reason}`);
  if (!isKnownPermission(index, input.permission)) {
    throw new Invalid("unknown_permission", `permission: "${input.permission}" is not a Tollgate permission nor a declared product permission`);
  }
  const subject = subjectOf(ctx, input.subject);
  const { ip, mfa, time } = input.context;
  const decision = decideAndLog(index, subject, input.permission, resource, { ip, mfa, now: time ? Date.parse(time) : undefined }, source);
  return { allowed: decision.allowed, reason: decision.reason, version: index.version };
}
