import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { authorize } from "../../lib/authz/authorize.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, NotFound } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { addGroupMember, createGroup, deleteGroup, getGroup, listGroups, removeGroupMember, updateGroup } from "../../lib/groups/groups.ts";
import { removeMember } from "../../lib/members/members.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { auditActions, createTestOrg } from "../helpers.ts";
import { auditEvent, fresh, thrown } from "../grants/fixtures.ts";

describe("groups", () => {
  it("creates, renames and deletes a group, recording group.created, group.updated and group.deleted", async () => {
    const { org, owner } = await createTestOrg();
    const group = await createGroup(owner, { name: " Platform ", description: "The platform team" });
    expect(group).toEqual({ id: group.id, name: "Platform", description: "The platform team" });

    const renamed = await updateGroup(owner, { groupId: group.id, name: "Platform team" });
    expect(renamed).toEqual({ id: group.id, name: "Platform team", description: "The platform team" });
    expect((await auditEvent(org.id, "group.updated")).before).toEqual({ name: "Platform", description: "The platform team" });

    await deleteGroup(owner, { groupId: group.id });
    expect(await db.group.count({ where: { id: group.id } })).toBe(0);
    expect(await auditActions(org.id)).toEqual(["organization.created", "group.created", "group.updated", "group.deleted"]);
  });

  it("refuses a second group with the same name, on create and on rename, with Conflict group_name_taken", async () => {
    const { org, owner } = await createTestOrg();
    await createGroup(owner, { name: "Platform" });
    const other = await createGroup(owner, { name: "Data" });
    await expect(createGroup(owner, { name: "Platform" })).rejects.toMatchObject({ code: "group_name_taken" });
    const error = await thrown(() => updateGroup(owner, { groupId: other.id, name: "Platform" }));
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "group_name_taken" });
    expect(await db.group.count({ where: { orgId: org.id } })).toBe(2);
  });

  it("rejects an empty name with a ZodError", async () => {
    const { owner } = await createTestOrg();
    await expect(createGroup(owner, { name: "   " })).rejects.toBeInstanceOf(ZodError);
  });

  it("adds and removes members, lists groups with member counts and shows a group's members", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const group = await createGroup(owner, { name: "Platform" });
    await createGroup(owner, { name: "Data" });
    const alice = await addMember("member", "Alice");
    const bob = await addMember("viewer", "Bob");
    await addGroupMember(owner, { groupId: group.id, userId: alice.principal.userId });
    await addGroupMember(owner, { groupId: group.id, userId: bob.principal.userId });

    expect((await listGroups(bob)).map((g) => [g.name, g.memberCount])).toEqual([
      ["Data", 0],
      ["Platform", 2],
    ]);
    const detail = await getGroup(bob, group.id);
    expect(detail.members.map((m) => m.email)).toEqual([alice.principal.email, bob.principal.email]);
    expect((await auditEvent(org.id, "group.member_added")).after).toEqual({ group: "Platform", email: bob.principal.email });

    await removeGroupMember(owner, { groupId: group.id, userId: alice.principal.userId });
    expect((await getGroup(owner, group.id)).members.map((m) => m.id)).toEqual([bob.principal.userId]);
    expect(await auditActions(org.id)).toContain("group.member_removed");
    const again = await thrown(() => removeGroupMember(owner, { groupId: group.id, userId: alice.principal.userId }));
    expect(again).toBeInstanceOf(NotFound);
    expect(again).toMatchObject({ code: "group_member_not_found" });
  });

  it("refuses adding someone twice with Conflict already_in_group", async () => {
    const { owner, addMember } = await createTestOrg();
    const group = await createGroup(owner, { name: "Platform" });
    const alice = await addMember("member");
    await addGroupMember(owner, { groupId: group.id, userId: alice.principal.userId });
    const error = await thrown(() => addGroupMember(owner, { groupId: group.id, userId: alice.principal.userId }));
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "already_in_group" });
    expect(await db.groupMember.count({ where: { groupId: group.id } })).toBe(1);
  });

  it("only adds members of the organization: others get NotFound member_not_found", async () => {
    const { owner } = await createTestOrg();
    const elsewhere = await createTestOrg();
    const outsider = await elsewhere.addMember("member");
    const group = await createGroup(owner, { name: "Platform" });
    for (const userId of [outsider.principal.userId, elsewhere.owner.principal.userId, randomUUID()]) {
      const error = await thrown(() => addGroupMember(owner, { groupId: group.id, userId }));
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({ code: "member_not_found" });
    }
    expect(await db.groupMember.count({ where: { groupId: group.id } })).toBe(0);
  });

  it("answers another organization's group with NotFound group_not_found for every operation", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const theirs = await createGroup(b.owner, { name: "Theirs" });
    const mine = await a.addMember("member");
    const calls = [
      () => getGroup(a.owner, theirs.id),
      () => updateGroup(a.owner, { groupId: theirs.id, name: "Mine" }),
      () => deleteGroup(a.owner, { groupId: theirs.id }),
      () => addGroupMember(a.owner, { groupId: theirs.id, userId: mine.principal.userId }),
      () => removeGroupMember(a.owner, { groupId: theirs.id, userId: b.owner.principal.userId }),
    ];
    for (const call of calls) {
      const error = await thrown(call);
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({ code: "group_not_found" });
    }
    expect(await db.group.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({ name: "Theirs" });
  });

  it("lets a viewer read groups but answers their changes with Forbidden", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const group = await createGroup(owner, { name: "Platform" });
    const viewer = await addMember("viewer");
    await expect(listGroups(viewer)).resolves.toHaveLength(1);
    const calls = [
      () => createGroup(viewer, { name: "Mine" }),
      () => updateGroup(viewer, { groupId: group.id, name: "Mine" }),
      () => deleteGroup(viewer, { groupId: group.id }),
      () => addGroupMember(viewer, { groupId: group.id, userId: viewer.principal.userId }),
    ];
    for (const call of calls) {
      const error = await thrown(call);
      expect(error).toBeInstanceOf(Forbidden);
      expect(error).toMatchObject({ code: "forbidden" });
    }
    expect(await db.group.count({ where: { orgId: org.id } })).toBe(1);
    expect(await db.groupMember.count({ where: { groupId: group.id } })).toBe(0);
  });

  it("takes group access away when a member leaves the group", async () => {
    const { owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const group = await createGroup(owner, { name: "Compliance" });
    const alice = await addMember("member");
    await addGroupMember(owner, { groupId: group.id, userId: alice.principal.userId });
    await createGrant(await fresh(owner), { roleId: role.id, subject: { type: "group", id: group.id } });
    expect(authorize(await fresh(alice), "audit:read")).toMatchObject({ allowed: true });

    await removeGroupMember(owner, { groupId: group.id, userId: alice.principal.userId });
    expect(authorize(await fresh(alice), "audit:read")).toMatchObject({ allowed: false, reason: `no role of user ${alice.principal.userId} grants audit:read` });
  });

  it("deleting a group deletes its grants", async () => {
    const { owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const group = await createGroup(owner, { name: "Compliance" });
    const alice = await addMember("member");
    await addGroupMember(owner, { groupId: group.id, userId: alice.principal.userId });
    const grant = await createGrant(await fresh(owner), { roleId: role.id, subject: { type: "group", id: group.id } });

    await deleteGroup(owner, { groupId: group.id });
    expect(await db.grant.count({ where: { id: grant.id } })).toBe(0);
    expect(authorize(await fresh(alice), "audit:read").allowed).toBe(false);
  });
});

describe("removing a member from the organization", () => {
  it("also removes them from every group and deletes their direct grants, leaving other people's alone", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const platform = await createGroup(owner, { name: "Platform" });
    const data = await createGroup(owner, { name: "Data" });
    const alice = await addMember("member");
    const bob = await addMember("member");
    for (const g of [platform, data]) await addGroupMember(owner, { groupId: g.id, userId: alice.principal.userId });
    await addGroupMember(owner, { groupId: platform.id, userId: bob.principal.userId });
    const ownerCtx = await fresh(owner);
    const aliceGrant = await createGrant(ownerCtx, { roleId: role.id, subject: { type: "user", id: alice.principal.userId } });
    const bobGrant = await createGrant(ownerCtx, { roleId: role.id, subject: { type: "user", id: bob.principal.userId } });
    const groupGrant = await createGrant(ownerCtx, { roleId: role.id, subject: { type: "group", id: platform.id } });

    await removeMember(await fresh(owner), { membershipId: alice.membership.id });

    expect(await db.groupMember.count({ where: { orgId: org.id, userId: alice.principal.userId } })).toBe(0);
    expect(await db.grant.count({ where: { id: aliceGrant.id } })).toBe(0);
    expect(await db.grant.count({ where: { id: { in: [bobGrant.id, groupGrant.id] } } })).toBe(2);
    expect(await db.groupMember.count({ where: { groupId: platform.id } })).toBe(1);
    expect((await listGroups(owner)).map((g) => [g.name, g.memberCount])).toEqual([
      ["Data", 0],
      ["Platform", 1],
    ]);
    expect(authorize(await fresh(bob), "audit:read").allowed).toBe(true);
  });
});

describe("adding the same member twice at once", () => {
  it("adds them once and answers the others 409, never 500", async () => {
    const { addGroupMember, createGroup } = await import("../../lib/groups/groups.ts");
    const { createTestOrg: make } = await import("../helpers.ts");
    const { owner, addMember } = await make();
    const member = await addMember("member");
    const group = await createGroup(owner, { name: "Racers" });
    const results = await Promise.allSettled([1, 2, 3].map(() => addGroupMember(owner, { groupId: group.id, userId: member.principal.userId })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === "rejected")) expect(r.reason.code).toBe("already_in_group");
  });
});
