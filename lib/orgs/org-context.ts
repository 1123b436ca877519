// The only way to reach organization-scoped data: resolve the organization
// named in a request to the caller's own membership. Not a member: NotFound,
// so outsiders cannot learn which organizations exist.
import { db } from "../db.ts";
import { NotFound } from "../errors.ts";
import { isCleanText } from "../input.ts";
import { getOrgIndex } from "../authz/org-index-cache.ts";
import type { MemberCtx, RequestMeta, UserPrincipal } from "../context.ts";

export async function resolveOrgContext(principal: UserPrincipal, orgSlug: string, meta: RequestMeta): Promise<MemberCtx> {
  // No organization has such a slug; the database must not even be asked (it refuses NUL characters).
  if (orgSlug.length > 100 || !isCleanText(orgSlug)) throw new NotFound("organization_not_found", "Organization not found.");
  const membership = await db.membership.findFirst({
    where: { userId: principal.userId, org: { slug: orgSlug } },
    select: { id: true, orgId: true, roleId: true, org: { select: { slug: true } }, role: { select: { name: true, isOwner: true } } },
  });
  if (!membership) throw new NotFound("organization_not_found", "Organization not found.");
  return {
    ...meta,
    principal,
    orgId: membership.orgId,
    orgSlug: membership.org.slug,
    membership: {
      id: membership.id,
      roleId: membership.roleId,
      roleName: membership.role.name,
      isOwner: membership.role.isOwner,
    },
    authz: await getOrgIndex(membership.orgId),
    mfa: false,
  };
}

export async function listMyOrganizations(userId: string) {
  const rows = await db.membership.findMany({
    where: { userId },
    orderBy: { org: { name: "asc" } },
    select: { org: { select: { id: true, name: true, slug: true } }, role: { select: { name: true } } },
  });
  return rows.map((r) => ({ ...r.org, roleName: r.role.name }));
}
