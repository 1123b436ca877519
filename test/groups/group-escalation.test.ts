// groups:write is no path to a role: adding someone to a group (or taking
// them out, or deleting the group) changes what they hold, so the caller must
// hold every permission of every grant the group has, where that grant applies.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { authorize } from "../../lib/authz/authorize.ts";
import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import type { MemberCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { addGroupMember, createGroup, deleteGroup, removeGroupMember } from "../../lib/groups/groups.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createTestOrg, createUser, meta } from "../helpers.ts";
import { fresh, thrown } from "../grants/fixtures.ts";

const { call } = useMachineServer();

const GROUP_MANAGER = ["organization:read", "members:read", "roles:read", "groups:read", "groups:write", "projects:read"];

/** An organization with a member whose role manages groups and holds little else. */
async function orgWithGroupManager() {
  const t = await createTestOrg({ slugPrefix: "grp" });
  const role = await createRole(t.owner, { name: "Group manager", permissions: GROUP_MANAGER });
  const user = await createUser({ name: "Gus Groups" });
  await authzTransaction(t.org.id, (tx) => tx.membership.create({ data: { orgId: t.org.id, userId: user.principal.userId, roleId: role.id } }));
  const manager = (await resolveOrgContext(user.principal, t.org.slug, meta())) as MemberCtx;
  return { ...t, manager };
}

async function expectEscalation(call: () => Promise<unknown>, ...missing: string[]) {
  const error = await thrown(call);
  expect(error).toBeInstanceOf(Forbidden);
  expect(error).toMatchObject({ code: "privilege_escalation" });
  for (const p of missing) expect(error.message).toContain(p);
  return error;
}

const membersOf = (groupId: string) => db.groupMember.count({ where: { groupId } });

describe("adding to a group that holds grants", () => {
  it("refuses a group manager adding themself, or anyone, to a group granted Admin, and changes nothing", async () => {
    const { org, owner, manager, addMember } = await orgWithGroupManager();
    const group = await createGroup(owner, { name: "Admins" });
    await createGrant(await fresh(owner), { roleId: (await builtInRole("admin")).id, subject: { type: "group", id: group.id } });
    const viewer = await addMember("viewer");
    const before = await db.auditEvent.count({ where: { orgId: org.id } });

    const mgr = await fresh(manager);
    const error = await expectEscalation(() => addGroupMember(mgr, { groupId: group.id, userId: manager.principal.userId }), "apikeys:write", "members:update");
    expect(error.message).toContain("Admins");
    await expectEscalation(() => addGroupMember(mgr, { groupId: group.id, userId: viewer.principal.userId }), "grants:write");

    expect(await membersOf(group.id)).toBe(0);
    expect(await db.auditEvent.count({ where: { orgId: org.id } })).toBe(before);
    expect(authorize(await fresh(manager), "apikeys:write").allowed).toBe(false);
    // Whoever holds what the group gives may add.
    await addGroupMember(await fresh(owner), { groupId: group.id, userId: viewer.principal.userId });
    expect(await membersOf(group.id)).toBe(1);
  });

  it("lets a group manager fill groups whose grants they hold themselves, and groups with no grants", async () => {
    const { owner, manager, addMember } = await orgWithGroupManager();
    const empty = await createGroup(owner, { name: "Book club" });
    const readers = await createGroup(owner, { name: "Readers" });
    await createGrant(await fresh(owner), { roleId: (await builtInRole("viewer")).id, subject: { type: "group", id: readers.id } });
    const alice = await addMember("member");
    const mgr = await fresh(manager);
    await addGroupMember(mgr, { groupId: empty.id, userId: alice.principal.userId });
    await addGroupMember(mgr, { groupId: readers.id, userId: alice.principal.userId });
    await removeGroupMember(mgr, { groupId: readers.id, userId: alice.principal.userId });
    expect(await membersOf(empty.id)).toBe(1);
    expect(await membersOf(readers.id)).toBe(0);
  });

  it("checks a project grant on its project: holding the permission on another project is not enough", async () => {
    const { owner, manager, addMember } = await orgWithGroupManager();
    const web = await createProject(owner, { name: "Web", slug: "web" });
    const data = await createProject(owner, { name: "Data", slug: "data" });
    const deleter = await createRole(owner, { name: "Project deleter", permissions: ["projects:delete"] });
    const group = await createGroup(owner, { name: "Web deleters" });
    await createGrant(await fresh(owner), { roleId: deleter.id, subject: { type: "group", id: group.id }, projectId: web.id });
    const alice = await addMember("member");

    // The manager may delete the Data project only.
    await createGrant(await fresh(owner), { roleId: deleter.id, subject: { type: "user", id: manager.principal.userId }, projectId: data.id });
    const error = await expectEscalation(() => fresh(manager).then((m) => addGroupMember(m, { groupId: group.id, userId: alice.principal.userId })), "projects:delete");
    expect(error.message).toContain(`project "Web"`);
    expect(await membersOf(group.id)).toBe(0);

    // Once they may delete Web too, they may give that.
    await createGrant(await fresh(owner), { roleId: deleter.id, subject: { type: "user", id: manager.principal.userId }, projectId: web.id });
    await addGroupMember(await fresh(manager), { groupId: group.id, userId: alice.principal.userId });
    expect(await membersOf(group.id)).toBe(1);
  });

  it("follows role includes: a granted role that holds nothing itself but includes audit:read", async () => {
    const { owner, manager } = await orgWithGroupManager();
    const auditor = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const wrapper = await createRole(await fresh(owner), { name: "Wrapper", permissions: [], includes: [auditor.id] });
    const group = await createGroup(owner, { name: "Compliance" });
    await createGrant(await fresh(owner), { roleId: wrapper.id, subject: { type: "group", id: group.id } });
    await expectEscalation(() => fresh(manager).then((m) => addGroupMember(m, { groupId: group.id, userId: manager.principal.userId })), "audit:read");
    expect(await membersOf(group.id)).toBe(0);
  });

  it("takes no power from another organization: owning one does not let you fill a group with grants in another", async () => {
    const { owner, manager } = await orgWithGroupManager();
    const group = await createGroup(owner, { name: "Admins" });
    await createGrant(await fresh(owner), { roleId: (await builtInRole("admin")).id, subject: { type: "group", id: group.id } });
    // The manager owns an organization of their own.
    const { createOrganization } = await import("../../lib/orgs/create-organization.ts");
    await createOrganization({ ...meta(), principal: manager.principal }, { name: "Gus Inc", slug: `gus-${manager.orgSlug}` });
    await expectEscalation(() => fresh(manager).then((m) => addGroupMember(m, { groupId: group.id, userId: manager.principal.userId })), "members:update");
    expect(await membersOf(group.id)).toBe(0);
  });
});

describe("taking out of a group, and deleting it", () => {
  it("refuses a group manager removing a member from a group granted Admin, or deleting that group", async () => {
    const { org, owner, manager, addMember } = await orgWithGroupManager();
    const group = await createGroup(owner, { name: "Admins" });
    await createGrant(await fresh(owner), { roleId: (await builtInRole("admin")).id, subject: { type: "group", id: group.id } });
    const alice = await addMember("member");
    await addGroupMember(await fresh(owner), { groupId: group.id, userId: alice.principal.userId });
    const mgr = await fresh(manager);
    await expectEscalation(() => removeGroupMember(mgr, { groupId: group.id, userId: alice.principal.userId }), "apikeys:write");
    await expectEscalation(() => deleteGroup(mgr, { groupId: group.id }), "apikeys:write");
    expect(await membersOf(group.id)).toBe(1);
    expect(await db.grant.count({ where: { orgId: org.id, groupId: group.id } })).toBe(1);
  });
});

describe("POST /api/v1/groups/{id}/members", () => {
  it("answers a key with groups:write adding to a group granted Admin with 403 privilege_escalation", async () => {
    const { owner, addMember } = await createTestOrg({ slugPrefix: "grp-api" });
    const group = await createGroup(owner, { name: "Admins" });
    await createGrant(await fresh(owner), { roleId: (await builtInRole("admin")).id, subject: { type: "group", id: group.id } });
    const alice = await addMember("member");
    const { key } = await createApiKey(owner, { name: "group sync", permissions: ["groups:read", "groups:write"] });

    const res = await call("POST", `/api/v1/groups/${group.id}/members`, { key, body: { userId: alice.principal.userId } });
    expect(res).toMatchObject({ status: 403, body: { error: { code: "privilege_escalation" } } });
    expect(res.body.error.message).toContain("members:update");
    expect(await membersOf(group.id)).toBe(0);

    const plain = await createGroup(owner, { name: "Plain" });
    expect((await call("POST", `/api/v1/groups/${plain.id}/members`, { key, body: { userId: alice.principal.userId } })).status).toBe(204);
  });

  it("checks project grants over HTTP too, and answers another organization's group with 404", async () => {
    const { owner, addMember } = await createTestOrg({ slugPrefix: "grp-api" });
    const web = await createProject(owner, { name: "Web", slug: "web" });
    const deleter = await createRole(owner, { name: "Project deleter", permissions: ["projects:delete"] });
    const group = await createGroup(owner, { name: "Web deleters" });
    await createGrant(await fresh(owner), { roleId: deleter.id, subject: { type: "group", id: group.id }, projectId: web.id });
    const alice = await addMember("member");
    const { key } = await createApiKey(owner, { name: "group sync", permissions: ["groups:read", "groups:write"] });
    const res = await call("POST", `/api/v1/groups/${group.id}/members`, { key, body: { userId: alice.principal.userId } });
    expect(res).toMatchObject({ status: 403, body: { error: { code: "privilege_escalation" } } });
    expect(res.body.error.message).toContain("projects:delete");

    // An admin key of another organization: its own power does not reach this group.
    const other = await createTestOrg({ slugPrefix: "grp-other" });
    const { key: theirs } = await createApiKey(other.owner, { name: "their admin", roleId: (await builtInRole("admin")).id });
    expect((await call("POST", `/api/v1/groups/${group.id}/members`, { key: theirs, body: { userId: alice.principal.userId } })).status).toBe(404);
    expect(await membersOf(group.id)).toBe(0);
  });
});
