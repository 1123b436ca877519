// Adding someone to a group gives them every grant of the group, with that
// grant's conditions: the caller must hold each grant's permissions in a way
// the grant fits inside (no later end, no wider networks, MFA when theirs
// needs it). Taking out of a group keeps the "hold it now" rule only.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { addGroupMember, createGroup, removeGroupMember } from "../../lib/groups/groups.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { CALLER_NET, DAY, expectRefused, orgWithConditionalAdmin } from "../authz/conditional-giver.ts";
import { fresh } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg } from "../helpers.ts";

const { call } = useMachineServer();
const membersOf = (groupId: string) => db.groupMember.count({ where: { groupId } });

describe("addGroupMember gives the group's grants only within how the caller holds them", () => {
  it("a member holding Admin through a grant that ends tomorrow cannot add anyone, themself included, to a group holding Admin for good", async () => {
    const until = new Date(Date.now() + DAY);
    const { org, owner, admin, giver, addMember } = await orgWithConditionalAdmin({ validUntil: until.toISOString() });
    const group = await createGroup(owner, { name: "Admins" });
    await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "group", id: group.id } });
    const alice = await addMember("viewer");
    const ctx = await giver();
    const before = await db.auditEvent.count({ where: { orgId: org.id } });

    for (const userId of [ctx.principal.userId, alice.principal.userId]) {
      await expectRefused(
        addGroupMember(ctx, { groupId: group.id, userId }),
        Forbidden,
        "expiry_beyond_holding",
        '"Admins"',
        "members:update",
        `to you from a grant valid until ${until.toISOString()}`,
      );
    }
    expect(await membersOf(group.id)).toBe(0);
    expect(await db.auditEvent.count({ where: { orgId: org.id } })).toBe(before);

    // A group whose Admin grant ends by then may be filled; taking out needs only holding it now.
    const dated = await createGroup(owner, { name: "Admins this week" });
    await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "group", id: dated.id }, conditions: { validUntil: until.toISOString() } });
    await addGroupMember(await giver(), { groupId: dated.id, userId: alice.principal.userId });
    await addGroupMember(await fresh(owner), { groupId: group.id, userId: alice.principal.userId });
    await removeGroupMember(await giver(), { groupId: group.id, userId: alice.principal.userId });
    expect(await membersOf(dated.id)).toBe(1);
    expect(await membersOf(group.id)).toBe(0);
  });

  it("checks networks and MFA, and each grant at its own project", async () => {
    const { owner, admin, giver, addMember } = await orgWithConditionalAdmin({ ipCidrs: [CALLER_NET] });
    const web = await createProject(owner, { name: "Web", slug: "web" });
    const open = await createGroup(owner, { name: "Web admins anywhere" });
    await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "group", id: open.id }, projectId: web.id });
    const inside = await createGroup(owner, { name: "Web admins in the office" });
    await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "group", id: inside.id }, projectId: web.id, conditions: { ipCidrs: ["203.0.113.0/25"] } });
    const alice = await addMember("viewer");

    await expectRefused(addGroupMember(await giver(), { groupId: open.id, userId: alice.principal.userId }), Forbidden, "ip_beyond_holding", 'project "Web"', `usable only from ${CALLER_NET}`);
    await addGroupMember(await giver(), { groupId: inside.id, userId: alice.principal.userId });
    expect(await membersOf(open.id)).toBe(0);
    expect(await membersOf(inside.id)).toBe(1);
  });

  it("a member holding Admin only with MFA cannot fill a group whose Admin grant does not require it", async () => {
    const { owner, admin, giver, addMember } = await orgWithConditionalAdmin({ requireMfa: true });
    const group = await createGroup(owner, { name: "Admins" });
    await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "group", id: group.id } });
    const withMfa = await createGroup(owner, { name: "Admins with MFA" });
    await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "group", id: withMfa.id }, conditions: { requireMfa: true } });
    const alice = await addMember("viewer");
    await expectRefused(addGroupMember(await giver({ mfa: true }), { groupId: group.id, userId: alice.principal.userId }), Forbidden, "mfa_beyond_holding", "requires MFA");
    await addGroupMember(await giver({ mfa: true }), { groupId: withMfa.id, userId: alice.principal.userId });
  });
});

describe("POST /api/v1/groups/{id}/members", () => {
  it("answers a key holding Admin through a dated grant, adding to a group granted Admin for good, with 403 and adds no one", async () => {
    const { owner, addMember } = await createTestOrg({ slugPrefix: "grp-gift" });
    const admin = await builtInRole("admin");
    const group = await createGroup(owner, { name: "Admins" });
    await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "group", id: group.id } });
    const { key, apiKey } = await createApiKey(owner, { name: "group sync", permissions: ["groups:read", "groups:write"] });
    const until = new Date(Date.now() + DAY);
    await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "api_key", id: apiKey.id }, conditions: { validUntil: until.toISOString() } });
    const alice = await addMember("viewer");

    const res = await call("POST", `/api/v1/groups/${group.id}/members`, { key, body: { userId: alice.principal.userId } });
    expect(res).toMatchObject({ status: 403, body: { error: { code: "expiry_beyond_holding" } } });
    expect(res.body.error.message).toContain(`to you from a grant valid until ${until.toISOString()}`);
    expect(await membersOf(group.id)).toBe(0);

    // The other organization's key sees no such group.
    const other = await createTestOrg({ slugPrefix: "grp-gift-other" });
    const { key: theirs } = await createApiKey(other.owner, { name: "their admin", roleId: admin.id });
    expect((await call("POST", `/api/v1/groups/${group.id}/members`, { key: theirs, body: { userId: alice.principal.userId } })).status).toBe(404);
    expect(await membersOf(group.id)).toBe(0);
  });
});
