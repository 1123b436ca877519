// "What may this member do here?" for admins: the same decision the check API
// would give, with its reason, recorded like every other decision.
import { z } from "zod";
import { NotFound } from "../errors.ts";
import type { OrgCtx } from "../context.ts";
import { assertAllowed } from "./authorize.ts";
import { recordDecision } from "./decision-log.ts";
import { decide, type AuthzResource } from "./decide.ts";

export const ExplainAccessInput = z.object({
  userId: z.uuid("Choose a member"),
  permission: z.string().trim().min(1, "Enter a permission").max(200),
  projectId: z.uuid("Unknown project").nullish(),
});

export function explainAccess(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "grants:read");
  const input = ExplainAccessInput.parse(raw);
  if (!ctx.authz.memberRole.has(input.userId)) throw new NotFound("member_not_found", "userId: not a member of this organization.");
  if (input.projectId && !ctx.authz.projects.has(input.projectId)) throw new NotFound("project_not_found", "projectId: project not found.");
  const resource: AuthzResource = input.projectId ? { type: "project", id: input.projectId } : { type: "organization", id: ctx.orgId };
  const started = performance.now();
  const decision = decide(ctx.authz, { type: "user", id: input.userId }, input.permission, resource, {});
  recordDecision({
    orgId: ctx.orgId,
    principalType: "user",
    principalId: input.userId,
    permission: input.permission,
    resourceType: resource.type,
    resourceId: resource.id,
    allowed: decision.allowed,
    reason: decision.reason,
    latencyUs: Math.round((performance.now() - started) * 1000),
    source: "access-checker",
    createdAt: new Date(),
  });
  return { allowed: decision.allowed, reason: decision.reason };
}
