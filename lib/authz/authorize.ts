// The one decision function. Every page, server action and route asks it.
// The reason names what allowed or why nothing did; 403 messages show it.
import { Forbidden } from "../errors.ts";
import type { OrgCtx } from "../context.ts";
import type { Permission } from "./permissions.ts";

export type Decision = { allowed: boolean; reason: string };
export type Resource = { type: "organization"; id: string };

export function authorize(ctx: OrgCtx, permission: Permission, resource: Resource = { type: "organization", id: ctx.orgId }): Decision {
  if (resource.id !== ctx.orgId) {
    return { allowed: false, reason: `resource ${resource.type}:${resource.id} is outside organization ${ctx.orgId}` };
  }
  if (ctx.membership.permissions.includes(permission)) {
    return { allowed: true, reason: `role "${ctx.membership.roleName}" grants ${permission}` };
  }
  return { allowed: false, reason: `role "${ctx.membership.roleName}" does not grant ${permission}` };
}

export function assertAllowed(ctx: OrgCtx, permission: Permission, resource?: Resource): void {
  const decision = authorize(ctx, permission, resource);
  if (!decision.allowed) throw new Forbidden("forbidden", `You need the ${permission} permission: ${decision.reason}`);
}
