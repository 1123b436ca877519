import { BUILT_IN_ROLES } from "../../lib/authz/permissions.ts";
import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import { describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { countMembers, listAssignableRoles, listMembers } from "../../lib/members/members.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createTestOrg, meta } from "../helpers.ts";

describe("listMembers", () => {
  it("lists the organization's members with user and role, ordered by role rank then join time", async () => {
    const { owner, addMember } = await createTestOrg();
    const viewer = await addMember("viewer", "Vera Viewer");
    const admin = await addMember("admin", "Ada Admin");
    const member = await addMember("member", "Mo Member");

    const members = await listMembers(viewer);

    expect(members.map((m) => m.id)).toEqual([owner.membership.id, admin.membership.id, member.membership.id, viewer.membership.id]);
    expect(members[1]).toEqual({
      id: admin.membership.id,
      createdAt: expect.any(Date),
      user: { id: admin.principal.userId, email: admin.principal.email, name: "Ada Admin" },
      role: { id: admin.membership.roleId, name: "Admin", isOwner: false },
    });
    expect(members[0]?.role.isOwner).toBe(true);
  });

  it("never includes members of another organization", async () => {
    const { owner } = await createTestOrg();
    const other = await createTestOrg();
    await other.addMember("member");
    const members = await listMembers(owner);
    expect(members).toHaveLength(1);
    expect(members[0]?.user.id).toBe(owner.principal.userId);
  });

  it("rejects a custom role without members:read or roles:read with Forbidden", async () => {
    const { org, addMember } = await createTestOrg();
    const member = await addMember("member");
    const narrow = await db.role.create({ data: { orgId: org.id, key: "narrow", name: "Narrow", permissions: ["organization:read"] } });
    await authzTransaction(org.id, (tx) => tx.membership.update({ where: { id: member.membership.id }, data: { roleId: narrow.id } }));
    const ctx = await resolveOrgContext(member.principal, org.slug, meta());
    await expect(listMembers(ctx)).rejects.toBeInstanceOf(Forbidden);
    await expect(listAssignableRoles(ctx)).rejects.toBeInstanceOf(Forbidden);
  });

  it("does not expose password hashes", async () => {
    const { owner } = await createTestOrg();
    const [first] = await listMembers(owner);
    expect(first?.user).not.toHaveProperty("passwordHash");
  });
});

describe("listAssignableRoles", () => {
  it("lists the built-in roles in rank order followed by the organization's own roles", async () => {
    const { org, addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    const custom = await db.role.create({ data: { orgId: org.id, key: "support", name: "Support", permissions: ["organization:read"] } });

    const roles = await listAssignableRoles(viewer);

    expect(roles.map((r) => r.name)).toEqual(["Owner", "Admin", "Member", "Billing", "Viewer", "Support"]);
    expect(roles.find((r) => r.id === custom.id)).toEqual({
      id: custom.id,
      key: custom.key,
      name: "Support",
      description: "",
      permissions: ["organization:read"],
      isOwner: false,
    });
    expect(roles[0]).toMatchObject({ name: "Owner", isOwner: true });
  });

  it("never lists another organization's custom roles", async () => {
    const { owner } = await createTestOrg();
    const other = await createTestOrg();
    const foreign = await db.role.create({ data: { orgId: other.org.id, key: "secret", name: "Secret", permissions: [] } });
    const roles = await listAssignableRoles(owner);
    expect(roles.map((r) => r.id)).not.toContain(foreign.id);
    expect(roles).toHaveLength(BUILT_IN_ROLES.length);
  });
});

describe("searching members", () => {
  it("finds members by part of their name or email, in this organization only, a page at a time", async () => {
    const { owner, addMember } = await createTestOrg();
    const other = await createTestOrg();
    await addMember("viewer", "Searchable Sam");
    await addMember("viewer", "Searchable Sue");
    await addMember("viewer", "Someone Else");
    await other.addMember("viewer", "Searchable Stranger");

    const first = await listMembers(owner, { limit: 1 }, "SEARCHABLE");
    expect(first.data.map((m) => m.user.name)).toEqual(["Searchable Sam"]);
    const second = await listMembers(owner, { limit: 1, cursor: first.nextCursor }, "searchable");
    expect(second.data.map((m) => m.user.name)).toEqual(["Searchable Sue"]);
    expect(second.nextCursor).toBeNull();
    expect(await countMembers(owner, "searchable")).toBe(2);
    expect(await countMembers(owner)).toBe(4);
  });
});

describe("searching members for LIKE's wildcards", () => {
  it("matches _ and % as themselves", async () => {
    const { owner, addMember } = await createTestOrg();
    await addMember("viewer", "under_score");
    await addMember("viewer", "hundred%");
    expect((await listMembers(owner, { limit: 10 }, "_")).data.map((m) => m.user.name)).toEqual(["under_score"]);
    expect((await listMembers(owner, { limit: 10 }, "%")).data.map((m) => m.user.name)).toEqual(["hundred%"]);
    expect(await countMembers(owner, "_")).toBe(1);
  });
});
