// "What may this member do here?" for admins: the same decision the check API
// would give, with its reason, recorded like every other decision.
import { z } from "zod";
import { Invalid, NotFound } from "../errors.ts";
import type { OrgCtx } from "../context.ts";
import { assertAllowed, decideAndLog } from "./authorize.ts";
import { isValidIp } from "./cidr.ts";
import type { AuthzResource } from "./decide.ts";
import { isKnownPermission } from "./org-index.ts";

export const ExplainAccessInput = z.strictObject({
  userId: z.uuid("Choose a member"),
  permission: z.string().trim().min(1, "Enter a permission").max(200),
  projectId: z.uuid("Unknown project").nullish(),
  /** The request's address and MFA, for grants with conditions (optional). */
  ip: z.string().trim().max(64).refine(isValidIp, "Enter an IPv4 or IPv6 address").nullish(),
  mfa: z.boolean().optional(),
});

export function explainAccess(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "grants:read");
  const input = ExplainAccessInput.parse(raw);
  if (!ctx.authz.memberRole.has(input.userId)) throw new NotFound("member_not_found", "That person is not a member of this organization.", { field: "userId" });
  if (input.projectId && !ctx.authz.projects.has(input.projectId)) throw new NotFound("project_not_found", "That project does not exist in this organization.", { field: "projectId" });
  if (!isKnownPermission(ctx.authz, input.permission))
    throw new Invalid("unknown_permission", `"${input.permission}" is not a Tollgate permission nor a declared product permission.`, { field: "permission" });
  const resource: AuthzResource = input.projectId ? { type: "project", id: input.projectId } : { type: "organization", id: ctx.orgId };
  const decision = decideAndLog(ctx.authz, { type: "user", id: input.userId }, input.permission, resource, { ip: input.ip, mfa: input.mfa }, "access-checker");
  return { allowed: decision.allowed, reason: decision.reason };
}
