// Only an owner makes an owner, changes an owner's role or removes an owner:
// holding every built-in permission is not ownership (owners also hold every
// product permission). Organization API keys never do it; the instance
// admin's provisioning keys may.
import { describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { authorize } from "../../lib/authz/authorize.ts";
import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import { ALL_PERMISSIONS } from "../../lib/authz/permissions.ts";
import type { MemberCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { createInvitation, resendInvitation } from "../../lib/invitations/invitations.ts";
import { changeMemberRole, removeMember } from "../../lib/members/members.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { declarePermission, thrown } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg, createUser, meta, uniqueEmail } from "../helpers.ts";

const { call } = useMachineServer();

/** An organization with a second owner and a member whose custom role holds every built-in permission. */
async function orgWithAccumulator() {
  const t = await createTestOrg({ slugPrefix: "own" });
  const everything = await createRole(t.owner, { name: "Everything", permissions: [...ALL_PERMISSIONS] });
  const user = await createUser({ name: "Acc Umulator" });
  await authzTransaction(t.org.id, (tx) => tx.membership.create({ data: { orgId: t.org.id, userId: user.principal.userId, roleId: everything.id } }));
  const accumulator = (await resolveOrgContext(user.principal, t.org.slug, meta())) as MemberCtx;
  const secondOwner = await t.addMember("owner", "Second owner");
  return { ...t, accumulator, secondOwner, ownerRole: await builtInRole("owner") };
}

async function expectOwnerRequired(call: () => Promise<unknown>) {
  const error = await thrown(call);
  expect(error).toBeInstanceOf(Forbidden);
  expect(error).toMatchObject({ code: "owner_required" });
  expect(error.message).toMatch(/owner/i);
}

const roleOf = async (membershipId: string) => (await db.membership.findUniqueOrThrow({ where: { id: membershipId }, select: { roleId: true } })).roleId;

describe("owner by accumulation", () => {
  it("a member holding every built-in permission cannot make themself or anyone else owner", async () => {
    const { org, accumulator, addMember, ownerRole } = await orgWithAccumulator();
    const product = await declarePermission();
    const viewer = await addMember("viewer");
    const before = await db.auditEvent.count({ where: { orgId: org.id } });

    await expectOwnerRequired(() => changeMemberRole(accumulator, { membershipId: accumulator.membership.id, roleId: ownerRole.id }));
    await expectOwnerRequired(() => changeMemberRole(accumulator, { membershipId: viewer.membership.id, roleId: ownerRole.id }));

    expect(await roleOf(accumulator.membership.id)).toBe(accumulator.membership.roleId);
    expect(await roleOf(viewer.membership.id)).toBe(viewer.membership.roleId);
    expect(await db.auditEvent.count({ where: { orgId: org.id } })).toBe(before);
    expect(authorize(await resolveOrgContext(accumulator.principal, org.slug, meta()), product).allowed).toBe(false);
  });

  it("nor change an owner's role, nor remove an owner", async () => {
    const { accumulator, owner, secondOwner } = await orgWithAccumulator();
    const admin = await builtInRole("admin");
    await expectOwnerRequired(() => changeMemberRole(accumulator, { membershipId: secondOwner.membership.id, roleId: admin.id }));
    await expectOwnerRequired(() => removeMember(accumulator, { membershipId: secondOwner.membership.id }));
    expect(await roleOf(secondOwner.membership.id)).toBe(secondOwner.membership.roleId);
    expect(await db.membership.count({ where: { orgId: owner.orgId, role: { isOwner: true } } })).toBe(2);
  });

  it("nor invite someone as owner, nor resend an owner's invitation", async () => {
    const { org, owner, accumulator, ownerRole } = await orgWithAccumulator();
    await expectOwnerRequired(() => createInvitation(accumulator, { email: uniqueEmail("new-owner"), roleId: ownerRole.id }));
    const invited = await createInvitation(owner, { email: uniqueEmail("owner-to-be"), roleId: ownerRole.id });
    const tokenHashOf = async () => (await db.invitation.findUniqueOrThrow({ where: { id: invited.id }, select: { tokenHash: true } })).tokenHash;
    const before = await tokenHashOf();
    await expectOwnerRequired(() => resendInvitation(accumulator, { invitationId: invited.id }));
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(1);
    expect(await tokenHashOf()).toBe(before);
  });

  it("still lets it manage everyone else, and lets an owner do all of the above", async () => {
    const { owner, accumulator, secondOwner, addMember, ownerRole } = await orgWithAccumulator();
    const viewer = await addMember("viewer");
    await changeMemberRole(accumulator, { membershipId: viewer.membership.id, roleId: (await builtInRole("admin")).id });
    await createInvitation(accumulator, { email: uniqueEmail("admin"), roleId: (await builtInRole("admin")).id });

    await changeMemberRole(owner, { membershipId: accumulator.membership.id, roleId: ownerRole.id });
    await changeMemberRole(owner, { membershipId: secondOwner.membership.id, roleId: (await builtInRole("admin")).id });
    const invited = await createInvitation(owner, { email: uniqueEmail("owner-to-be"), roleId: ownerRole.id });
    await resendInvitation(owner, { invitationId: invited.id });
    await removeMember(owner, { membershipId: accumulator.membership.id });
  });
});

describe("over the management API", () => {
  it("an organization key never makes, demotes or removes an owner, even carrying every built-in permission", async () => {
    const { owner, secondOwner, addMember, ownerRole } = await orgWithAccumulator();
    const viewer = await addMember("viewer");
    const { key } = await createApiKey(owner, { name: "everything", permissions: [...ALL_PERMISSIONS] });

    const promote = await call("PATCH", `/api/v1/members/${viewer.principal.userId}`, { key, body: { roleId: ownerRole.id } });
    expect(promote).toMatchObject({ status: 403, body: { error: { code: "owner_required" } } });
    const demote = await call("PATCH", `/api/v1/members/${secondOwner.principal.userId}`, { key, body: { roleId: (await builtInRole("admin")).id } });
    expect(demote).toMatchObject({ status: 403, body: { error: { code: "owner_required" } } });
    expect((await call("DELETE", `/api/v1/members/${secondOwner.principal.userId}`, { key })).status).toBe(403);
    const invite = await call("POST", "/api/v1/invitations", { key, body: { email: uniqueEmail("k"), roleId: ownerRole.id } });
    expect(invite).toMatchObject({ status: 403, body: { error: { code: "owner_required" } } });

    expect(await roleOf(viewer.membership.id)).toBe(viewer.membership.roleId);
    expect(await roleOf(secondOwner.membership.id)).toBe(secondOwner.membership.roleId);
    // Everyone else it may still manage.
    expect((await call("PATCH", `/api/v1/members/${viewer.principal.userId}`, { key, body: { roleId: (await builtInRole("member")).id } })).status).toBe(200);
  });

  it("an instance admin's provisioning key may make an owner and invite one", async () => {
    const { org, addMember, ownerRole } = await orgWithAccumulator();
    const viewer = await addMember("viewer");
    const admin = await createUser({ isInstanceAdmin: true });
    const { key } = await createInstanceKey(admin, { name: "provisioning" });
    const headers = { "tollgate-organization": org.slug };
    const res = await call("PATCH", `/api/v1/members/${viewer.principal.userId}`, { key, headers, body: { roleId: ownerRole.id } });
    expect(res.status).toBe(200);
    expect(await roleOf(viewer.membership.id)).toBe(ownerRole.id);
    expect((await call("POST", "/api/v1/invitations", { key, headers, body: { email: uniqueEmail("p"), roleId: ownerRole.id } })).status).toBe(201);
  });
});
