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
  const subject = ctx.principal.type === "user" ? ({ type: "user", id: ctx.principal.userId } as const) : ({ type: "api_key", id: ctx.principal.keyId } as const);
  const decision = decide(ctx.authz, subject, permission, resource, { ip: ctx.ip, mfa: ctx.mfa });
  // Which links to show is a hint, not an access decision; the page decides again.
  if (source === "navigation") return decision;
  recordDecision({
    orgId: ctx.orgId,
    principalType: subject.type,
    principalId: subject.id,
    permission,
    resourceType: resource.type,
    resourceId: resource.id,
    allowed: decision.allowed,
    reason: decision.reason,
    latencyUs: Math.round((performance.now() - started) * 1000),
    source,
    createdAt: new Date(),
  });
  return decision;
}

export function assertAllowed(ctx: OrgCtx, permission: Permission, resource?: Resource): void {
  const decision = authorize(ctx, permission, resource);
  if (!decision.allowed) throw new Forbidden("forbidden", `You need the ${permission} permission: ${decision.reason}`);
}
