// The one decision function for callers inside an organization. Every page,
// server action and route asks it; it decides over the organization's index
// (lib/authz/decide.ts) and records the decision with its reason.
import { Forbidden } from "../errors.ts";
import type { OrgCtx } from "../context.ts";
import { recordDecision } from "./decision-log.ts";
import { decide, type AuthzResource, type Decision } from "./decide.ts";
import type { Permission } from "./permissions.ts";

export type { Decision };
export type Resource = AuthzResource;

export function authorize(ctx: OrgCtx, permission: Permission | (string & {}), resource: Resource = { type: "organization", id: ctx.orgId }, source = "app"): Decision {
  const started = performance.now();
  if (ctx.principal.type === "api_key" && ctx.principal.instance) {
    // Provisioning keys of the instance admin act in every organization.
    const decision = { allowed: true, reason: `instance admin API key ${ctx.principal.display} may act in every organization` };
    logDecision(ctx, "api_key", ctx.principal.keyId, permission, resource, decision, started, source);
    return decision;
  }
  const subject = ctx.principal.type === "user" ? ({ type: "user", id: ctx.principal.userId } as const) : ({ type: "api_key", id: ctx.principal.keyId } as const);
  const decision = decide(ctx.authz, subject, permission, resource, { ip: ctx.ip, mfa: ctx.mfa });
  logDecision(ctx, subject.type, subject.id, permission, resource, decision, started, source);
  return decision;
}

/**
 * Machine routes whose caller's own permission is checked on every request:
 * denials are logged, allows are not (like the check API's asking key), so
 * the log holds the decisions people look for, not one row per verification.
 */
const DENIALS_ONLY_SOURCES = new Set(["verify-api"]);

function logDecision(ctx: OrgCtx, principalType: string, principalId: string, permission: string, resource: Resource, decision: Decision, started: number, source: string) {
  // Which links to show is a hint, not an access decision; the page decides again.
  if (source === "navigation") return;
  if (decision.allowed && DENIALS_ONLY_SOURCES.has(source)) return;
  recordDecision({
    orgId: ctx.orgId,
    principalType,
    principalId,
    permission,
    resourceType: resource.type,
    resourceId: resource.id,
    allowed: decision.allowed,
    reason: decision.reason,
    latencyUs: Math.round((performance.now() - started) * 1000),
    source,
    createdAt: new Date(),
  });
}

export function assertAllowed(ctx: OrgCtx, permission: Permission, resource?: Resource): void {
  const decision = authorize(ctx, permission, resource);
  if (!decision.allowed) throw new Forbidden("forbidden", `You need the ${permission} permission: ${decision.reason}`);
}
