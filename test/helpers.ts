// Builders for integration tests. Each test makes its own users and
// organization, so tests never share state or depend on order.
import { randomUUID } from "node:crypto";
import { db } from "../lib/db.ts";
import type { MemberCtx, RequestMeta, UserCtx, UserPrincipal } from "../lib/context.ts";
import { authzTransaction } from "../lib/authz/org-index-cache.ts";
import { resolveOrgContext } from "../lib/orgs/org-context.ts";
import { createOrganization } from "../lib/orgs/create-organization.ts";

export type RoleKey = "owner" | "admin" | "member" | "viewer";

export const meta = (): RequestMeta => ({ requestId: randomUUID(), ip: "203.0.113.7", userAgent: "vitest" });

export function uniqueEmail(prefix = "user") {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
}

export async function createUser(options: { email?: string; name?: string; isInstanceAdmin?: boolean } = {}): Promise<UserCtx> {
  const user = await db.user.create({
    data: { email: options.email ?? uniqueEmail(), name: options.name ?? "Test User", isInstanceAdmin: options.isInstanceAdmin ?? false },
    select: { id: true, email: true, isInstanceAdmin: true },
  });
  const principal: UserPrincipal = { type: "user", userId: user.id, email: user.email, isInstanceAdmin: user.isInstanceAdmin };
  return { ...meta(), principal };
}

export async function builtInRole(key: RoleKey) {
  return db.role.findFirstOrThrow({ where: { orgId: null, key } });
}

/** An organization with an owner; `as` adds and returns another member with that role. */
export async function createTestOrg(options: { slugPrefix?: string } = {}) {
  const owner = await createUser({ name: "Olive Owner" });
  const slug = `${options.slugPrefix ?? "org"}-${randomUUID().slice(0, 8)}`;
  const org = await createOrganization(owner, { name: `Org ${slug}`, slug });
  const ownerCtx = await resolveOrgContext(owner.principal, org.slug, meta());
  async function addMember(role: RoleKey, name = `${role} user`): Promise<MemberCtx> {
    const user = await createUser({ name });
    const r = await builtInRole(role);
    await authzTransaction(org.id, (tx) => tx.membership.create({ data: { orgId: org.id, userId: user.principal.userId, roleId: r.id } }));
    return resolveOrgContext(user.principal, org.slug, meta());
  }
  return { org, owner: ownerCtx, addMember };
}

export async function auditActions(orgId: string) {
  const rows = await db.auditEvent.findMany({ where: { orgId }, orderBy: { createdAt: "asc" }, select: { action: true } });
  return rows.map((r) => r.action);
}
