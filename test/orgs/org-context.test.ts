import { authorize } from "../../lib/authz/authorize.ts";
import { changeMemberRole } from "../../lib/members/members.ts";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ALL_PERMISSIONS } from "../../lib/authz/permissions.ts";
import { db } from "../../lib/db.ts";
import { NotFound } from "../../lib/errors.ts";
import { createOrganization } from "../../lib/orgs/create-organization.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { listMyOrganizations } from "../../lib/orgs/org-context.ts";
import { builtInRole, createTestOrg, createUser, meta } from "../helpers.ts";

describe("resolveOrgContext", () => {
  it("resolves a slug to the caller's membership, role and permissions", async () => {
    const { org, owner } = await createTestOrg();
    const requestMeta = meta();
    const ctx = await resolveOrgContext(owner.principal, org.slug, requestMeta);
    const membership = await db.membership.findFirstOrThrow({ where: { orgId: org.id, userId: owner.principal.userId } });

    expect(ctx).toMatchObject({
      ...requestMeta,
      principal: owner.principal,
      orgId: org.id,
      orgSlug: org.slug,
      membership: { id: membership.id, roleId: membership.roleId, roleName: "Owner", isOwner: true },
      mfa: false,
    });
    expect(ctx.authz.orgId).toBe(org.id);
    expect([...ctx.authz.memberRole.get(owner.principal.userId)!.permissions].sort()).toEqual([...ALL_PERMISSIONS].sort());
  });

  it("gives a viewer the viewer's read permissions only", async () => {
    const { addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    expect(viewer.membership).toMatchObject({ roleName: "Viewer", isOwner: false });
    const role = viewer.authz.memberRole.get(viewer.principal.userId)!;
    expect([...role.permissions].sort()).toEqual(["groups:read", "members:read", "organization:read", "projects:read", "roles:read"]);
  });

  it("sees a role change made through the domain at once, in the same process", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    expect(authorize(member, "members:invite").allowed).toBe(false);
    await changeMemberRole(owner, { membershipId: member.membership.id, roleId: (await builtInRole("admin")).id });
    const again = await resolveOrgContext(member.principal, org.slug, meta());
    expect(again.membership.roleName).toBe("Admin");
    expect(authorize(again, "members:invite")).toMatchObject({ allowed: true, reason: 'membership role "Admin" grants members:invite' });
  });

  it("sees a change written by another process within a second (version check)", async () => {
    const { org, addMember } = await createTestOrg();
    const member = await addMember("member");
    const custom = await db.role.create({ data: { orgId: org.id, key: "odd", name: "Odd", permissions: ["organization:read", "traces:read"] } });
    // Another process: the row changes and the version moves, but this process gets no notification.
    await db.$transaction([
      db.membership.update({ where: { id: member.membership.id }, data: { roleId: custom.id } }),
      db.organization.update({ where: { id: org.id }, data: { authzVersion: { increment: 1 } } }),
    ]);
    await expect.poll(async () => authorize(await resolveOrgContext(member.principal, org.slug, meta()), "traces:read").allowed, { timeout: 3_000, interval: 200 }).toBe(true);
  });

  it("answers a non-member and a nonexistent slug with the same NotFound", async () => {
    const { org } = await createTestOrg();
    const outsider = await createUser();
    const notMember = await resolveOrgContext(outsider.principal, org.slug, meta()).catch((e) => e);
    const missing = await resolveOrgContext(outsider.principal, `nope-${randomUUID().slice(0, 8)}`, meta()).catch((e) => e);
    for (const error of [notMember, missing]) {
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({ code: "organization_not_found" });
    }
    expect(notMember.message).toBe(missing.message);
  });

  it("does not resolve for a member who was removed", async () => {
    const { org, addMember } = await createTestOrg();
    const member = await addMember("member");
    await db.membership.delete({ where: { id: member.membership.id } });
    await expect(resolveOrgContext(member.principal, org.slug, meta())).rejects.toBeInstanceOf(NotFound);
  });
});

describe("listMyOrganizations", () => {
  it("lists only the caller's organizations, sorted by name, with the caller's role in each", async () => {
    const user = await createUser();
    const tag = randomUUID().slice(0, 8);
    const zulu = await createOrganization(user, { name: `Zulu ${tag}`, slug: `zulu-${tag}` });
    const alpha = await createOrganization(user, { name: `Alpha ${tag}`, slug: `alpha-${tag}` });
    const elsewhere = await createTestOrg();
    await db.membership.create({ data: { orgId: elsewhere.org.id, userId: user.principal.userId, roleId: (await builtInRole("viewer")).id } });
    const notMine = await createTestOrg();

    const orgs = await listMyOrganizations(user.principal.userId);

    expect(orgs.map((o) => o.id)).not.toContain(notMine.org.id);
    expect(orgs).toHaveLength(3);
    const sortedNames = orgs.map((o) => o.name);
    expect(sortedNames).toEqual([...sortedNames].sort());
    expect(orgs).toContainEqual({ id: alpha.id, name: alpha.name, slug: alpha.slug, roleName: "Owner" });
    expect(orgs).toContainEqual({ id: zulu.id, name: zulu.name, slug: zulu.slug, roleName: "Owner" });
    expect(orgs).toContainEqual({ ...elsewhere.org, roleName: "Viewer" });
    expect(orgs.findIndex((o) => o.id === alpha.id)).toBeLessThan(orgs.findIndex((o) => o.id === zulu.id));
  });

  it("returns an empty list for a user with no memberships", async () => {
    const user = await createUser();
    expect(await listMyOrganizations(user.principal.userId)).toEqual([]);
  });
});
