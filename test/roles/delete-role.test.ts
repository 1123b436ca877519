import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { authorize } from "../../lib/authz/authorize.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, Invalid, NotFound } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { createInvitation, revokeInvitation } from "../../lib/invitations/invitations.ts";
import { changeMemberRole } from "../../lib/members/members.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { createRole, deleteRole } from "../../lib/roles/roles.ts";
import { auditActions, builtInRole, createTestOrg, uniqueEmail } from "../helpers.ts";
import { auditEvent, fresh, slug, thrown } from "../grants/fixtures.ts";

const exists = async (roleId: string) => (await db.role.count({ where: { id: roleId } })) === 1;

describe("deleteRole", () => {
  it("deletes an unused custom role and records role.deleted with what it was", async () => {
    const { org, owner } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    await deleteRole(owner, { roleId: role.id });

    expect(await exists(role.id)).toBe(false);
    expect(await auditActions(org.id)).toEqual(["organization.created", "role.created", "role.deleted"]);
    const event = await auditEvent(org.id, "role.deleted");
    expect(event).toMatchObject({ actorId: owner.principal.userId, targetType: "role", targetId: role.id, before: { name: "Auditor", permissions: ["audit:read"] }, after: null });
  });

  it("refuses a role in use without reassignTo with Conflict role_in_use naming the counts, and keeps everything", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const member = await addMember("member");
    await changeMemberRole(owner, { membershipId: member.membership.id, roleId: role.id });
    const other = await addMember("viewer");
    const project = await createProject(owner, { name: "P", slug: slug() });
    await createGrant(await fresh(owner), { roleId: role.id, subject: { type: "user", id: other.principal.userId }, projectId: project.id });
    await createInvitation(owner, { email: uniqueEmail("pending"), roleId: role.id });

    const error = await thrown(() => deleteRole(owner, { roleId: role.id }));
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "role_in_use" });
    expect(error.message).toContain("1 member(s), 1 grant(s), 1 pending invitation(s) and 0 API key(s)");
    expect(await exists(role.id)).toBe(true);
    expect(await auditActions(org.id)).not.toContain("role.deleted");
  });

  it("with reassignTo moves members, grants and invitations to the other role, then deletes the role", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const member = await addMember("member");
    await changeMemberRole(owner, { membershipId: member.membership.id, roleId: role.id });
    const other = await addMember("member");
    const grant = await createGrant(await fresh(owner), { roleId: role.id, subject: { type: "user", id: other.principal.userId } });
    const invitation = await createInvitation(owner, { email: uniqueEmail("pending"), roleId: role.id });
    const viewer = await builtInRole("viewer");

    await deleteRole(await fresh(owner), { roleId: role.id, reassignTo: viewer.id });

    expect(await exists(role.id)).toBe(false);
    expect((await db.membership.findUniqueOrThrow({ where: { id: member.membership.id } })).roleId).toBe(viewer.id);
    expect((await db.grant.findUniqueOrThrow({ where: { id: grant.id } })).roleId).toBe(viewer.id);
    expect((await db.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).roleId).toBe(viewer.id);
    const ctx = await fresh(member);
    expect(authorize(ctx, "audit:read").allowed).toBe(false);
    expect(authorize(ctx, "organization:read")).toMatchObject({ allowed: true, reason: 'membership role "Viewer" grants organization:read' });
    expect((await auditEvent(org.id, "role.deleted")).after).toEqual({ reassignedTo: "Viewer", memberships: 1, grants: 1, invitations: 1, apiKeys: 0 });
  });

  it("refuses reassigning to the role itself or to the owner role, and to an unknown role", async () => {
    const { owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const member = await addMember("member");
    await changeMemberRole(owner, { membershipId: member.membership.id, roleId: role.id });

    await expect(deleteRole(owner, { roleId: role.id, reassignTo: role.id })).rejects.toMatchObject({ code: "reassign_to_self" });
    const ownerRole = await builtInRole("owner");
    const toOwner = await thrown(() => deleteRole(owner, { roleId: role.id, reassignTo: ownerRole.id }));
    expect(toOwner).toBeInstanceOf(Invalid);
    expect(toOwner).toMatchObject({ code: "owner_role_not_grantable" });
    await expect(deleteRole(owner, { roleId: role.id, reassignTo: randomUUID() })).rejects.toBeInstanceOf(NotFound);
    expect(await exists(role.id)).toBe(true);
    expect((await db.membership.findUniqueOrThrow({ where: { id: member.membership.id } })).roleId).toBe(role.id);
  });

  it("removes the deleted role from the roles that included it", async () => {
    const { owner } = await createTestOrg();
    const base = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const top = await createRole(owner, { name: "Compliance", permissions: [], includes: [base.id] });
    await deleteRole(owner, { roleId: base.id });
    expect(await db.roleInclude.count({ where: { roleId: top.id } })).toBe(0);
  });

  it("deletes a role whose only use was an invitation that has been revoked", async () => {
    const { owner } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const invitation = await createInvitation(owner, { email: uniqueEmail("gone"), roleId: role.id });
    await revokeInvitation(owner, { invitationId: invitation.id });
    // Regression test for a bug found in review (see the commit that fixed it).
    await deleteRole(owner, { roleId: role.id });
    expect(await exists(role.id)).toBe(false);
  });

  it.each(["owner", "admin", "viewer"] as const)("refuses to delete the built-in %s role with Invalid built_in_role", async (key) => {
    const { owner } = await createTestOrg();
    const error = await thrown(async () => deleteRole(owner, { roleId: (await builtInRole(key)).id }));
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: "built_in_role" });
  });

  it("answers a viewer with Forbidden and an admin deleting a role beyond them with privilege_escalation", async () => {
    const { owner, addMember } = await createTestOrg();
    const plain = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const danger = await createRole(owner, { name: "Danger", permissions: ["organization:delete"] });
    const viewer = await addMember("viewer");
    const admin = await addMember("admin");

    const asViewer = await thrown(() => deleteRole(viewer, { roleId: plain.id }));
    expect(asViewer).toBeInstanceOf(Forbidden);
    expect(asViewer).toMatchObject({ code: "forbidden" });
    await expect(deleteRole(admin, { roleId: danger.id })).rejects.toMatchObject({ code: "privilege_escalation" });
    expect(await exists(plain.id)).toBe(true);
    expect(await exists(danger.id)).toBe(true);
  });

  it("answers another organization's role id with NotFound and leaves that role alone", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const theirs = await createRole(b.owner, { name: "Theirs", permissions: ["audit:read"] });
    const error = await thrown(() => deleteRole(a.owner, { roleId: theirs.id }));
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "role_not_found" });
    expect(await exists(theirs.id)).toBe(true);
  });
});

describe("deleting a role that a pending invitation gives on a project", () => {
  it("counts it as in use, and moves it to the role chosen", async () => {
    const { owner } = await createTestOrg();
    const project = await createProject(owner, { name: "Web", slug: slug("web") });
    const doomed = await createRole(owner, { name: `Doomed ${slug()}`, permissions: ["projects:read"] });
    const heir = await createRole(owner, { name: `Heir ${slug()}`, permissions: ["projects:read"] });
    const ctx = await fresh(owner);
    const invitation = await createInvitation(ctx, { email: uniqueEmail(), roleId: (await builtInRole("viewer")).id, projectRoles: [{ projectId: project.id, roleId: doomed.id }] });

    const refused = await thrown(() => deleteRole(ctx, { roleId: doomed.id }));
    expect(refused).toMatchObject({ code: "role_in_use" });
    expect(refused.message).toContain("1 pending invitation(s)");

    await deleteRole(ctx, { roleId: doomed.id, reassignTo: heir.id });
    expect(await db.invitationGrant.findMany({ where: { invitationId: invitation.id }, select: { roleId: true, projectId: true } })).toEqual([{ roleId: heir.id, projectId: project.id }]);
  });
});
