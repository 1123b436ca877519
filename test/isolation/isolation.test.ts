// A caller from organization B hands B's context and organization A's ids to
// every org-scoped domain function: the answer is NotFound (never Forbidden,
// which would confirm the id exists) and A's rows stay exactly as they were.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { listAuditActions, listAuditEvents } from "../../lib/audit/list-audit-events.ts";
import { db } from "../../lib/db.ts";
import { Conflict, NotFound } from "../../lib/errors.ts";
import { createInvitation, listInvitations, resendInvitation, revokeInvitation } from "../../lib/invitations/invitations.ts";
import { changeMemberRole, listAssignableRoles, listMembers, removeMember } from "../../lib/members/members.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { deleteOrganization, getOrganization, renameOrganization } from "../../lib/orgs/update-organization.ts";
import { builtInRole, createTestOrg, createUser, meta, uniqueEmail } from "../helpers.ts";

/** Organization A with a member, a custom role and a pending invitation; B's owner as the caller. */
async function twoOrgs() {
  const a = await createTestOrg({ slugPrefix: "org-a" });
  const aMember = await a.addMember("member");
  const aRole = await db.role.create({ data: { orgId: a.org.id, key: "a-auditor", name: "A Auditor", permissions: ["organization:read", "audit:read"] } });
  const aInvite = await createInvitation(a.owner, { email: uniqueEmail("a-invitee"), roleId: (await builtInRole("viewer")).id });
  const b = await createTestOrg({ slugPrefix: "org-b" });
  const bMember = await b.addMember("member");
  return { a, aMember, aRole, aInvite, b, bMember, snapshot: () => snapshotOf(a.org.id) };
}

async function snapshotOf(orgId: string) {
  const [org, memberships, invitations, roles, events] = await Promise.all([
    db.organization.findUniqueOrThrow({ where: { id: orgId } }),
    db.membership.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
    db.invitation.findMany({ where: { orgId }, orderBy: { id: "asc" }, omit: { tokenHash: false } }),
    db.role.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
    db.auditEvent.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
  ]);
  return { org, memberships, invitations, roles, events };
}

async function expectNotFound(promise: Promise<unknown>, code: string) {
  const error = await promise.catch((e) => e);
  expect(error).toBeInstanceOf(NotFound);
  expect(error).toMatchObject({ code });
}

describe("organization isolation", () => {
  it("changeMemberRole: another organization's membership id is NotFound and its role is unchanged", async () => {
    const { aMember, b, snapshot } = await twoOrgs();
    const before = await snapshot();
    await expectNotFound(changeMemberRole(b.owner, { membershipId: aMember.membership.id, roleId: (await builtInRole("admin")).id }), "member_not_found");
    await expectNotFound(changeMemberRole(b.owner, { membershipId: aMember.membership.id, roleId: aMember.membership.roleId }), "member_not_found");
    expect(await snapshot()).toEqual(before);
  });

  it("changeMemberRole: another organization's owner cannot be demoted through its membership id", async () => {
    const { a, b, snapshot } = await twoOrgs();
    const before = await snapshot();
    await expectNotFound(changeMemberRole(b.owner, { membershipId: a.owner.membership.id, roleId: (await builtInRole("viewer")).id }), "member_not_found");
    expect(await snapshot()).toEqual(before);
  });

  it("changeMemberRole: another organization's custom role is NotFound, even for one's own member", async () => {
    const { aRole, b, bMember, snapshot } = await twoOrgs();
    const before = await snapshot();
    await expectNotFound(changeMemberRole(b.owner, { membershipId: bMember.membership.id, roleId: aRole.id }), "role_not_found");
    expect((await db.membership.findUniqueOrThrow({ where: { id: bMember.membership.id } })).roleId).toBe(bMember.membership.roleId);
    expect(await snapshot()).toEqual(before);
  });

  it("removeMember: another organization's membership id is NotFound and the member stays", async () => {
    const { a, aMember, b, snapshot } = await twoOrgs();
    const before = await snapshot();
    await expectNotFound(removeMember(b.owner, { membershipId: aMember.membership.id }), "member_not_found");
    await expectNotFound(removeMember(b.owner, { membershipId: a.owner.membership.id }), "member_not_found");
    expect(await snapshot()).toEqual(before);
  });

  it("createInvitation: another organization's custom role is NotFound and nothing is sent", async () => {
    const { aRole, b, snapshot } = await twoOrgs();
    const before = await snapshot();
    const email = uniqueEmail();
    await expectNotFound(createInvitation(b.owner, { email, roleId: aRole.id }), "role_not_found");
    expect(await db.invitation.count({ where: { email } })).toBe(0);
    expect(await db.outboxEmail.count({ where: { to: email } })).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it("resendInvitation: another organization's invitation id is NotFound and its token still works", async () => {
    const { aInvite, b, snapshot } = await twoOrgs();
    const before = await snapshot();
    await expectNotFound(resendInvitation(b.owner, { invitationId: aInvite.id }), "invitation_not_found");
    expect(await db.outboxEmail.count({ where: { to: aInvite.email } })).toBe(1);
    expect(await snapshot()).toEqual(before);
  });

  it("revokeInvitation: another organization's invitation id is NotFound and it stays pending", async () => {
    const { aInvite, b, snapshot } = await twoOrgs();
    const before = await snapshot();
    await expectNotFound(revokeInvitation(b.owner, { invitationId: aInvite.id }), "invitation_not_found");
    expect(await snapshot()).toEqual(before);
  });

  it("revokeInvitation: another organization's already revoked invitation is NotFound, not Conflict", async () => {
    const { a, aInvite, b } = await twoOrgs();
    await revokeInvitation(a.owner, { invitationId: aInvite.id });
    await expectNotFound(revokeInvitation(b.owner, { invitationId: aInvite.id }), "invitation_not_found");
    await expectNotFound(resendInvitation(b.owner, { invitationId: aInvite.id }), "invitation_not_found");
  });

  it("answers another organization's ids exactly like ids that do not exist", async () => {
    const { aMember, aInvite, b } = await twoOrgs();
    const pairs: [() => Promise<unknown>, () => Promise<unknown>][] = [
      [() => removeMember(b.owner, { membershipId: aMember.membership.id }), () => removeMember(b.owner, { membershipId: randomUUID() })],
      [() => revokeInvitation(b.owner, { invitationId: aInvite.id }), () => revokeInvitation(b.owner, { invitationId: randomUUID() })],
      [() => resendInvitation(b.owner, { invitationId: aInvite.id }), () => resendInvitation(b.owner, { invitationId: randomUUID() })],
    ];
    for (const [foreign, missing] of pairs) {
      const x = (await foreign().catch((e) => e)) as NotFound;
      const y = (await missing().catch((e) => e)) as NotFound;
      expect(x).toBeInstanceOf(NotFound);
      expect({ code: x.code, message: x.message }).toEqual({ code: y.code, message: y.message });
    }
  });

  it("list functions return only the caller's organization", async () => {
    const { a, aMember, aRole, aInvite, b, bMember } = await twoOrgs();
    const members = await listMembers(b.owner);
    expect(members.map((m) => m.id).sort()).toEqual([b.owner.membership.id, bMember.membership.id].sort());
    expect(members.map((m) => m.id)).not.toContain(aMember.membership.id);
    expect((await listInvitations(b.owner)).map((i) => i.id)).not.toContain(aInvite.id);
    expect((await listAssignableRoles(b.owner)).map((r) => r.id)).not.toContain(aRole.id);
    expect((await getOrganization(b.owner)).id).toBe(b.org.id);
    expect(await listAuditActions(b.owner)).toEqual(["organization.created"]);
    const aEventIds = (await db.auditEvent.findMany({ where: { orgId: a.org.id }, select: { id: true } })).map((e) => e.id);
    const bEvents = (await listAuditEvents(b.owner, { limit: 200 })).events;
    expect(bEvents.every((e) => e.orgId === b.org.id)).toBe(true);
    expect(bEvents.map((e) => e.id).filter((id) => aEventIds.includes(id))).toEqual([]);
  });

  it("listAuditEvents: filtering by A's actor or paging with A's cursor never yields A's events", async () => {
    const { a, b } = await twoOrgs();
    expect((await listAuditEvents(b.owner, { actor: a.owner.principal.userId })).events).toEqual([]);
    expect((await listAuditEvents(b.owner, { actor: a.owner.principal.email })).events).toEqual([]);
    const aPage = await listAuditEvents(a.owner, { limit: 1 });
    expect(aPage.nextCursor).not.toBeNull();
    const bPage = await listAuditEvents(b.owner, { cursor: aPage.nextCursor });
    expect(bPage.events.every((e) => e.orgId === b.org.id)).toBe(true);
  });

  it("deleteOrganization: naming another organization's slug as confirmation deletes nothing there", async () => {
    const { a, b, snapshot } = await twoOrgs();
    const before = await snapshot();
    const error = await deleteOrganization(b.owner, { confirmSlug: a.org.slug }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "confirmation_mismatch" });
    expect(await snapshot()).toEqual(before);
    expect(await db.organization.findUnique({ where: { id: b.org.id } })).not.toBeNull();
  });

  it("renameOrganization acts on the caller's organization only", async () => {
    const { b, snapshot } = await twoOrgs();
    const before = await snapshot();
    await renameOrganization(b.owner, { name: "B Renamed", slug: b.org.slug });
    expect(await snapshot()).toEqual(before);
  });
});

describe("resolveOrgContext isolation", () => {
  it("answers a non-member and a nonexistent slug with the same NotFound code and message", async () => {
    const { a, b } = await twoOrgs();
    const outsider = await createUser();
    const errors = await Promise.all([
      resolveOrgContext(b.owner.principal, a.org.slug, meta()).catch((e) => e),
      resolveOrgContext(outsider.principal, a.org.slug, meta()).catch((e) => e),
      resolveOrgContext(outsider.principal, `missing-${randomUUID().slice(0, 8)}`, meta()).catch((e) => e),
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(NotFound);
      expect({ code: error.code, message: error.message }).toEqual({ code: "organization_not_found", message: errors[2].message });
    }
  });
});
