import { describe, expect, it } from "vitest";
import { authorize } from "../../lib/authz/authorize.ts";
import { db } from "../../lib/db.ts";
import { Forbidden, Invalid } from "../../lib/errors.ts";
import { createInvitation } from "../../lib/invitations/invitations.ts";
import { changeMemberRole } from "../../lib/members/members.ts";
import { createRole, updateRole } from "../../lib/roles/roles.ts";
import { builtInRole, createTestOrg, uniqueEmail } from "../helpers.ts";
import { fresh, thrown } from "../grants/fixtures.ts";

const includesOf = async (roleId: string) => (await db.roleInclude.findMany({ where: { roleId }, select: { includedRoleId: true } })).map((i) => i.includedRoleId);

describe("role hierarchy", () => {
  it("gives a member every permission of the roles their role includes, transitively, through authorize()", async () => {
    const { owner, addMember } = await createTestOrg();
    const base = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const middle = await createRole(owner, { name: "Decision reader", permissions: ["decisions:read"], includes: [base.id] });
    const top = await createRole(owner, { name: "Compliance", permissions: ["organization:read"], includes: [middle.id] });
    const member = await addMember("member");
    await changeMemberRole(owner, { membershipId: member.membership.id, roleId: top.id });

    const ctx = await fresh(member);
    for (const permission of ["organization:read", "decisions:read", "audit:read"]) {
      expect(authorize(ctx, permission)).toMatchObject({ allowed: true, reason: `membership role "Compliance" grants ${permission}`, roleId: top.id });
    }
    expect(authorize(ctx, "members:read").allowed).toBe(false);
  });

  it("passes a change to an included role on to the roles that include it", async () => {
    const { owner, addMember } = await createTestOrg();
    const base = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const top = await createRole(owner, { name: "Compliance", permissions: ["organization:read"], includes: [base.id] });
    const member = await addMember("member");
    await changeMemberRole(owner, { membershipId: member.membership.id, roleId: top.id });
    expect(authorize(await fresh(member), "decisions:read").allowed).toBe(false);

    await updateRole(owner, { roleId: base.id, permissions: ["audit:read", "decisions:read"] });
    expect(authorize(await fresh(member), "decisions:read").allowed).toBe(true);

    await updateRole(owner, { roleId: top.id, includes: [] });
    const ctx = await fresh(member);
    expect(authorize(ctx, "decisions:read").allowed).toBe(false);
    expect(authorize(ctx, "audit:read").allowed).toBe(false);
  });

  it("may include built-in roles other than owner", async () => {
    const { owner } = await createTestOrg();
    const viewer = await builtInRole("viewer");
    const role = await createRole(owner, { name: "Viewer plus", permissions: ["audit:read"], includes: [viewer.id] });
    expect(role.includes).toEqual([viewer.id]);
  });

  it("refuses to include the owner role with Invalid owner_role_not_includable", async () => {
    const { org, owner } = await createTestOrg();
    const ownerRole = await builtInRole("owner");
    const error = await thrown(() => createRole(owner, { name: "Almost owner", permissions: [], includes: [ownerRole.id] }));
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: "owner_role_not_includable" });
    expect(await db.role.count({ where: { orgId: org.id } })).toBe(0);

    const role = await createRole(owner, { name: "Plain", permissions: ["audit:read"] });
    await expect(updateRole(owner, { roleId: role.id, includes: [ownerRole.id] })).rejects.toMatchObject({ code: "owner_role_not_includable" });
    expect(await includesOf(role.id)).toEqual([]);
  });

  it("refuses a role including itself, directly or through others, with Invalid role_cycle", async () => {
    const { owner } = await createTestOrg();
    const a = await createRole(owner, { name: "A", permissions: ["audit:read"] });
    const b = await createRole(owner, { name: "B", permissions: [], includes: [a.id] });
    const c = await createRole(owner, { name: "C", permissions: [], includes: [b.id] });

    for (const includes of [[a.id], [c.id], [b.id]]) {
      const error = await thrown(() => updateRole(owner, { roleId: a.id, includes }));
      expect(error).toBeInstanceOf(Invalid);
      expect(error).toMatchObject({ code: "role_cycle" });
    }
    expect(await includesOf(a.id)).toEqual([]);
    expect(await includesOf(c.id)).toEqual([b.id]);
  });
});

describe("privilege escalation through roles", () => {
  // An admin holds everything but organization:delete and billing:write.
  it.each(["organization:delete", "billing:write"])("refuses an admin creating a role with %s (Forbidden privilege_escalation)", async (permission) => {
    const { org, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const error = await thrown(() => createRole(admin, { name: "Sneaky", permissions: ["organization:read", permission] }));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect(error.message).toContain(permission);
    expect(await db.role.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("lets an admin create a role within their own permissions", async () => {
    const { addMember } = await createTestOrg();
    const admin = await addMember("admin");
    await expect(createRole(admin, { name: "Helper", permissions: ["members:invite", "members:read"] })).resolves.toMatchObject({ name: "Helper" });
  });

  it("refuses an admin adding organization:delete to an existing role and leaves it unchanged", async () => {
    const { owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Helper", permissions: ["members:read"] });
    const admin = await addMember("admin");
    const error = await thrown(() => updateRole(admin, { roleId: role.id, permissions: ["members:read", "organization:delete"] }));
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect((await db.role.findUniqueOrThrow({ where: { id: role.id } })).permissions).toEqual(["members:read"]);
  });

  it("refuses an admin editing a role that already holds a permission the admin lacks", async () => {
    const { owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Billing lead", permissions: ["billing:write", "billing:read"] });
    const admin = await addMember("admin");
    const error = await thrown(() => updateRole(admin, { roleId: role.id, permissions: ["billing:read"] }));
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect((await db.role.findUniqueOrThrow({ where: { id: role.id } })).permissions).toEqual(["billing:read", "billing:write"]);
  });

  it("refuses an admin creating or updating a role that includes a custom role holding organization:delete", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const danger = await createRole(owner, { name: "Danger", permissions: ["organization:delete"] });
    const wrapper = await createRole(owner, { name: "Wrapper", permissions: [], includes: [danger.id] });
    const plain = await createRole(owner, { name: "Plain", permissions: ["members:read"] });
    const admin = await fresh(await addMember("admin"));

    for (const includes of [[danger.id], [wrapper.id]]) {
      await expect(createRole(admin, { name: `Via ${includes[0]}`, permissions: [], includes })).rejects.toMatchObject({ code: "privilege_escalation" });
      await expect(updateRole(admin, { roleId: plain.id, includes })).rejects.toMatchObject({ code: "privilege_escalation" });
    }
    expect(await db.role.count({ where: { orgId: org.id } })).toBe(3);
    expect(await includesOf(plain.id)).toEqual([]);
  });

  it("refuses an admin stripping the includes of a role whose included role holds organization:delete", async () => {
    const { owner, addMember } = await createTestOrg();
    const danger = await createRole(owner, { name: "Danger", permissions: ["organization:delete"] });
    const wrapper = await createRole(owner, { name: "Wrapper", permissions: ["members:read"], includes: [danger.id] });
    const admin = await fresh(await addMember("admin"));
    // The admin may not even rename Wrapper: what it has is beyond them.
    await expect(updateRole(admin, { roleId: wrapper.id, name: "Renamed" })).rejects.toMatchObject({ code: "privilege_escalation" });
    // Regression test for a bug found in review (see the commit that fixed it).
    const error = await thrown(() => updateRole(admin, { roleId: wrapper.id, includes: [] }));
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect(await includesOf(wrapper.id)).toEqual([danger.id]);
  });

  it("refuses an admin whose context predates a dangerous role including it", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const admin = await addMember("admin"); // resolved before Danger exists: its index does not know the role
    const danger = await createRole(owner, { name: "Danger", permissions: ["organization:delete"] });
    // Regression test for a bug found in review (see the commit that fixed it).
    const error = await thrown(() => createRole(admin, { name: "Via danger", permissions: [], includes: [danger.id] }));
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect(await db.role.count({ where: { orgId: org.id } })).toBe(1);
  });

  it("refuses an admin inviting someone with, or moving a member to, a role holding permissions the admin lacks", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const danger = await createRole(owner, { name: "Danger", permissions: ["billing:write"] });
    const wrapper = await createRole(owner, { name: "Wrapper", permissions: ["members:read"], includes: [danger.id] });
    const member = await addMember("member");
    const admin = await fresh(await addMember("admin"));

    for (const role of [danger, wrapper]) {
      const invite = await thrown(() => createInvitation(admin, { email: uniqueEmail("escalate"), roleId: role.id }));
      expect(invite).toBeInstanceOf(Forbidden);
      expect(invite).toMatchObject({ code: "privilege_escalation" });
      const change = await thrown(() => changeMemberRole(admin, { membershipId: member.membership.id, roleId: role.id }));
      expect(change).toBeInstanceOf(Forbidden);
      expect(change).toMatchObject({ code: "privilege_escalation" });
    }
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(0);
    expect((await db.membership.findUniqueOrThrow({ where: { id: member.membership.id } })).roleId).toBe(member.membership.roleId);
  });
});
