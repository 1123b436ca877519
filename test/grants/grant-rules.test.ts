import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { Forbidden, Invalid, NotFound } from "../../lib/errors.ts";
import { createGrant, deleteGrant, listGrants } from "../../lib/grants/grants.ts";
import { createGroup } from "../../lib/groups/groups.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { auditActions, builtInRole, createTestOrg } from "../helpers.ts";
import { auditEvent, fresh, thrown } from "./fixtures.ts";

describe("createGrant rules", () => {
  it("refuses the owner role with Invalid owner_role_not_grantable", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    const ownerRole = await builtInRole("owner");
    const error = await thrown(() => createGrant(owner, { roleId: ownerRole.id, subject: { type: "user", id: member.principal.userId } }));
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: "owner_role_not_grantable" });
    expect(await db.grant.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("grants a built-in role such as admin on one project", async () => {
    const { owner, addMember } = await createTestOrg();
    const member = await addMember("viewer");
    const project = await createProject(owner, { name: "P1", slug: "p1" });
    const admin = await builtInRole("admin");
    const grant = await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "user", id: member.principal.userId }, projectId: project.id });
    expect(grant).toMatchObject({ roleId: admin.id, projectId: project.id, user: { email: member.principal.email } });
  });

  it("refuses an admin granting a role with permissions the admin lacks (Forbidden privilege_escalation)", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const danger = await createRole(owner, { name: "Danger", permissions: ["organization:delete", "organization:read"] });
    const billing = await db.role.findFirstOrThrow({ where: { orgId: null, key: "billing" } });
    const wrapper = await createRole(owner, { name: "Wrapper", permissions: [], includes: [danger.id] });
    const member = await addMember("member");
    const admin = await fresh(await addMember("admin"));
    const project = await createProject(owner, { name: "P1", slug: "p1" });

    for (const [role, missing] of [
      [danger, "organization:delete"],
      [wrapper, "organization:delete"],
      [billing, "billing:write"],
    ] as const) {
      for (const projectId of [null, project.id]) {
        const error = await thrown(() => createGrant(admin, { roleId: role.id, subject: { type: "user", id: member.principal.userId }, projectId }));
        expect(error).toBeInstanceOf(Forbidden);
        expect(error).toMatchObject({ code: "privilege_escalation" });
        expect(error.message).toContain(missing);
      }
    }
    expect(await db.grant.count({ where: { orgId: org.id } })).toBe(0);
    const auditor = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    await expect(createGrant(await fresh(admin), { roleId: auditor.id, subject: { type: "user", id: member.principal.userId } })).resolves.toMatchObject({ roleId: auditor.id });
  });

  it("answers subjects, projects and roles of another organization with NotFound and creates nothing", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const role = await createRole(a.owner, { name: "Auditor", permissions: ["audit:read"] });
    const member = await a.addMember("member");
    const outsider = await b.addMember("member");
    const theirGroup = await createGroup(b.owner, { name: "Theirs" });
    const theirProject = await createProject(b.owner, { name: "Theirs", slug: "theirs" });
    const theirRole = await createRole(b.owner, { name: "Theirs", permissions: ["audit:read"] });
    const ctx = await fresh(a.owner);
    const me = { type: "user", id: member.principal.userId } as const;

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ roleId: role.id, subject: { type: "user", id: outsider.principal.userId } }, "member_not_found"],
      [{ roleId: role.id, subject: { type: "user", id: randomUUID() } }, "member_not_found"],
      [{ roleId: role.id, subject: { type: "group", id: theirGroup.id } }, "group_not_found"],
      [{ roleId: role.id, subject: { type: "api_key", id: randomUUID() } }, "api_key_not_found"],
      [{ roleId: role.id, subject: me, projectId: theirProject.id }, "project_not_found"],
      [{ roleId: theirRole.id, subject: me }, "role_not_found"],
    ];
    for (const [input, code] of cases) {
      const error = await thrown(() => createGrant(ctx, input));
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({ code });
    }
    expect(await db.grant.count({ where: { orgId: { in: [a.org.id, b.org.id] } } })).toBe(0);
  });

  it.each(["member", "viewer"] as const)("answers a %s with Forbidden", async (key) => {
    const { org, owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const caller = await fresh(await addMember(key));
    const error = await thrown(() => createGrant(caller, { roleId: role.id, subject: { type: "user", id: caller.principal.userId } }));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
    expect(await db.grant.count({ where: { orgId: org.id } })).toBe(0);
  });
});

describe("grant audit and deletion", () => {
  it("records grant.created with role, subject, scope and conditions, and grant.deleted with what it was", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const group = await createGroup(owner, { name: "Compliance" });
    await addMember("member");
    const project = await createProject(owner, { name: "P1", slug: "p1" });
    const validUntil = new Date(Date.now() + 86_400_000);
    const ctx = await fresh(owner);
    const grant = await createGrant(ctx, { roleId: role.id, subject: { type: "group", id: group.id }, projectId: project.id, conditions: { validUntil, ipCidrs: ["10.0.0.0/8"], requireMfa: true } });

    expect(await auditEvent(org.id, "grant.created")).toMatchObject({
      actorId: owner.principal.userId,
      targetType: "grant",
      targetId: grant.id,
      after: {
        role: "Auditor",
        subject: { type: "group", id: group.id, name: "Compliance" },
        projectId: project.id,
        conditions: { validUntil: validUntil.toISOString(), ipCidrs: ["10.0.0.0/8"], requireMfa: true },
      },
    });

    await deleteGrant(await fresh(owner), { grantId: grant.id });
    expect(await db.grant.count({ where: { id: grant.id } })).toBe(0);
    expect(await auditEvent(org.id, "grant.deleted")).toMatchObject({
      targetId: grant.id,
      before: { role: "Auditor", userId: null, groupId: group.id, apiKeyId: null, projectId: project.id },
    });
    expect((await auditActions(org.id)).slice(-2)).toEqual(["grant.created", "grant.deleted"]);
  });

  it("answers another organization's grant with NotFound grant_not_found and changes nothing", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const role = await createRole(b.owner, { name: "Auditor", permissions: ["audit:read"] });
    const member = await b.addMember("member");
    const theirs = await createGrant(await fresh(b.owner), { roleId: role.id, subject: { type: "user", id: member.principal.userId } });
    const actionsA = await auditActions(a.org.id);
    const actionsB = await auditActions(b.org.id);

    for (const grantId of [theirs.id, randomUUID()]) {
      const error = await thrown(() => deleteGrant(a.owner, { grantId }));
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({ code: "grant_not_found" });
    }
    expect(await db.grant.count({ where: { id: theirs.id } })).toBe(1);
    expect(await auditActions(a.org.id)).toEqual(actionsA);
    expect(await auditActions(b.org.id)).toEqual(actionsB);
    expect(await listGrants(a.owner)).toEqual([]);
  });

  it("refuses an admin taking away a grant of a role beyond them, and a viewer any grant", async () => {
    const { owner, addMember } = await createTestOrg();
    const danger = await createRole(owner, { name: "Danger", permissions: ["organization:delete"] });
    const member = await addMember("member");
    const grant = await createGrant(await fresh(owner), { roleId: danger.id, subject: { type: "user", id: member.principal.userId } });
    const admin = await fresh(await addMember("admin"));
    const viewer = await fresh(await addMember("viewer"));
    await expect(deleteGrant(admin, { grantId: grant.id })).rejects.toMatchObject({ code: "privilege_escalation" });
    await expect(deleteGrant(viewer, { grantId: grant.id })).rejects.toMatchObject({ code: "forbidden" });
    expect(await db.grant.count({ where: { id: grant.id } })).toBe(1);
  });
});
