// The one decide-and-log. Every page, server action, route, the check API and
// the access checker come here: the decision is made over the organization's
// index (./decide.ts) and recorded with its reason and where it was asked.
import { Forbidden } from "../errors.ts";
import type { InstanceCtx, OrgCtx, Principal } from "../context.ts";
import { recordDecision } from "./decision-log.ts";
import { decide, type AuthzResource, type AuthzSubject, type Decision, type DecisionContext } from "./decide.ts";
import type { OrgIndex } from "./org-index.ts";
import type { Permission } from "./permissions.ts";

export type { Decision };
export type Resource = AuthzResource;

/** Where a decision was asked, shown in the decision log and filterable there. */
export const DECISION_SOURCES = {
  app: "Admin UI",
  api: "Management API",
  "check-api": "Check API",
  "check-api-batch": "Check API (batch)",
  "access-checker": "Access checker",
  "verify-api": "Verify API",
} as const;
export type DecisionSource = keyof typeof DECISION_SOURCES;

/**
 * Machine routes whose caller's own permission (the asking key's
 * authz:check, apikeys:verify) is checked on every request: its denials are
 * logged, its allows are not, so the log holds the decisions people look for
 * (the subjects' checks), not one row per request of the asking key.
 */
const CALLER_DENIALS_ONLY: ReadonlySet<DecisionSource> = new Set(["verify-api", "check-api", "check-api-batch"]);

type Logged = { orgId: string; subject: AuthzSubject; permission: string; resource: Resource; decision: Decision; started: number; source: DecisionSource };

function log({ orgId, subject, permission, resource, decision, started, source }: Logged) {
  recordDecision({
    orgId,
    principalType: subject.type,
    principalId: subject.id,
    permission,
    resourceType: resource.type,
    resourceId: resource.id,
    allowed: decision.allowed,
    reason: decision.reason,
    latencyUs: Math.round((performance.now() - started) * 1000),
    source,
  });
}

/** Decides for any subject of the organization (a member, a key) and logs it. */
export function decideAndLog(index: OrgIndex, subject: AuthzSubject, permission: string, resource: Resource, context: DecisionContext, source: DecisionSource): Decision {
  const started = performance.now();
  const decision = decide(index, subject, permission, resource, context);
  log({ orgId: index.orgId, subject, permission, resource, decision, started, source });
  return decision;
}

function subjectOf(principal: Principal): AuthzSubject {
  return principal.type === "user" ? { type: "user", id: principal.userId } : { type: "api_key", id: principal.keyId };
}

// The context's address and MFA are part of the key: a copy of a context with another IP shares its memo.
const memoKey = (ctx: OrgCtx, permission: string, resource: Resource) => `${permission}\u0000${resource.type}:${resource.id}\u0000${ctx.ip}\u0000${ctx.mfa}`;

function decideFor(ctx: OrgCtx, permission: string, resource: Resource): Decision {
  const principal = ctx.principal;
  // Instance-admin keys provision every organization: they hold instance:admin, which covers all.
  // A limited context (a setup link) first: its maker may be an instance-admin key, which would hold everything.
  if (ctx.limitedTo && !ctx.limitedTo.permissions.includes(permission)) return { allowed: false, reason: ctx.limitedTo.reason };
  if (principal.type === "api_key" && principal.instance) return instanceDecision(principal, INSTANCE_ADMIN);
  return decide(ctx.authz, subjectOf(principal), permission, resource, { ip: ctx.ip, mfa: ctx.mfa });
}

/**
 * May the caller of this request use `permission` on `resource`? Decided once
 * per request and logged once, however many layers ask (see OrgCtx.decided).
 */
export function authorize(ctx: OrgCtx, permission: Permission | (string & {}), resource: Resource = { type: "organization", id: ctx.orgId }, source?: DecisionSource): Decision {
  const key = ctx.decided && memoKey(ctx, permission, resource);
  const known = key && ctx.decided!.get(key);
  if (known) return known;
  const started = performance.now();
  const decision = decideFor(ctx, permission, resource);
  const from = source ?? sourceOf(ctx);
  if (!decision.allowed || !CALLER_DENIALS_ONLY.has(from)) log({ orgId: ctx.orgId, subject: subjectOf(ctx.principal), permission, resource, decision, started, source: from });
  if (key) ctx.decided!.set(key, decision);
  return decision;
}

/**
 * A hint, not a decision: "show this button?", "what does the caller hold?".
 * Nothing is logged; the action behind the button decides again through authorize.
 */
export function can(ctx: OrgCtx, permission: Permission | (string & {}), resource: Resource = { type: "organization", id: ctx.orgId }): boolean {
  return (ctx.decided?.get(memoKey(ctx, permission, resource)) ?? decideFor(ctx, permission, resource)).allowed;
}

export function assertAllowed(ctx: OrgCtx, permission: Permission, resource?: Resource): void {
  const decision = authorize(ctx, permission, resource);
  if (!decision.allowed) throw new Forbidden("forbidden", `You need the ${permission} permission: ${decision.reason}`);
}

function sourceOf(ctx: OrgCtx): DecisionSource {
  return ctx.principal.type === "api_key" ? "api" : "app";
}

/**
 * The instance-wide permission: provisioning organizations and users, product
 * permissions, provisioning keys, the outbox. Held by instance-admin users and
 * instance-admin API keys; no organization role can carry it.
 */
export const INSTANCE_ADMIN = "instance:admin";

/** Instance permissions a key can hold without being an instance admin's: sending usage events for any organization. */
export const USAGE_WRITE = "usage:write";
export type InstancePermission = typeof INSTANCE_ADMIN | typeof USAGE_WRITE;

function instanceDecision(principal: Principal, permission: InstancePermission): Decision {
  if (principal.type === "api_key") {
    const name = principal.display || principal.keyId;
    if (principal.instance) return { allowed: true, reason: `instance-admin API key ${name} holds ${INSTANCE_ADMIN}` };
    if (principal.instancePermissions) {
      return principal.instancePermissions.includes(permission)
        ? { allowed: true, reason: `API key ${name} holds ${permission}` }
        : { allowed: false, reason: `API key ${name} holds only ${principal.instancePermissions.join(", ")}, not ${permission}` };
    }
    return { allowed: false, reason: `API key ${name} belongs to one organization and does not hold ${permission}` };
  }
  return principal.isInstanceAdmin ? { allowed: true, reason: `${principal.email} is an instance admin` } : { allowed: false, reason: `${principal.email} is not an instance admin` };
}

/** Instance-wide permissions: instance admins (users and keys) hold them all; a usage key holds usage:write. */
export function authorizeInstance(ctx: InstanceCtx, permission: InstancePermission = INSTANCE_ADMIN): Decision {
  return instanceDecision(ctx.principal, permission);
}

/** The one check for what only instance admins (users or keys) may see or do. */
export function assertInstanceAdmin(ctx: InstanceCtx, what = "see this"): void {
  if (!authorizeInstance(ctx).allowed) throw new Forbidden("instance_admin_only", `Only instance admins can ${what}.`);
}
