import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { OrgCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, NotFound } from "../../lib/errors.ts";
import { acceptInvitation, createInvitation, listInvitations, previewInvitation, resendInvitation, revokeInvitation } from "../../lib/invitations/invitations.ts";
import { auditActions, builtInRole, createTestOrg, createUser, type RoleKey, uniqueEmail } from "../helpers.ts";

async function invite(ctx: OrgCtx, role: RoleKey = "member", email = uniqueEmail("invitee")) {
  const invitation = await createInvitation(ctx, { email, roleId: (await builtInRole(role)).id });
  return { invitation, token: invitation.url.split("/invite/")[1]!, email };
}

const rowOf = (id: string) => db.invitation.findUniqueOrThrow({ where: { id }, omit: { tokenHash: false } });

describe("resendInvitation", () => {
  it("issues a new token, mails it, extends the expiry and records invitation.resent", async () => {
    const { org, owner } = await createTestOrg();
    const { invitation, token, email } = await invite(owner);
    await db.invitation.update({ where: { id: invitation.id }, data: { expiresAt: new Date(Date.now() + 60_000), lastSentAt: new Date(Date.now() - 60_000) } });
    const before = await rowOf(invitation.id);

    const { url } = await resendInvitation(owner, { invitationId: invitation.id });

    const newToken = url.split("/invite/")[1]!;
    expect(newToken).not.toBe(token);
    const after = await rowOf(invitation.id);
    expect(after.tokenHash).not.toBe(before.tokenHash);
    expect(after.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 60 * 60 * 1000);
    expect(after.lastSentAt.getTime()).toBeGreaterThan(before.lastSentAt.getTime());
    const mails = await db.outboxEmail.findMany({ where: { to: email }, orderBy: { createdAt: "asc" } });
    expect(mails).toHaveLength(2);
    expect(mails[1]!.text).toContain(url);

    expect(await auditActions(org.id)).toHaveLength(3);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "invitation.resent" } });
    expect(event).toMatchObject({ actorId: owner.principal.userId, targetType: "invitation", targetId: invitation.id, after: { email } });
  });

  it("invalidates the old token: preview and accept answer NotFound, the new token works", async () => {
    const { org, owner } = await createTestOrg();
    const { invitation, token, email } = await invite(owner);
    const { url } = await resendInvitation(owner, { invitationId: invitation.id });
    const user = await createUser({ email });

    await expect(previewInvitation(token)).rejects.toBeInstanceOf(NotFound);
    const error = await acceptInvitation(user, token).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "invitation_not_found" });

    await acceptInvitation(user, url.split("/invite/")[1]!);
    expect(await db.membership.count({ where: { orgId: org.id, userId: user.principal.userId } })).toBe(1);
  });

  it("revives an expired invitation", async () => {
    const { owner } = await createTestOrg();
    const { invitation } = await invite(owner);
    await db.invitation.update({ where: { id: invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const { url } = await resendInvitation(owner, { invitationId: invitation.id });
    expect((await previewInvitation(url.split("/invite/")[1]!)).status).toBe("pending");
  });

  it("refuses accepted and revoked invitations with Conflict invitation_closed", async () => {
    const { org, owner } = await createTestOrg();
    const accepted = await invite(owner);
    await acceptInvitation(await createUser({ email: accepted.email }), accepted.token);
    const revoked = await invite(owner);
    await revokeInvitation(owner, { invitationId: revoked.invitation.id });
    const eventCount = (await auditActions(org.id)).length;

    for (const { invitation } of [accepted, revoked]) {
      const error = await resendInvitation(owner, { invitationId: invitation.id }).catch((e) => e);
      expect(error).toBeInstanceOf(Conflict);
      expect(error).toMatchObject({ code: "invitation_closed" });
    }
    expect(await auditActions(org.id)).toHaveLength(eventCount);
  });

  it("rejects an admin resending an owner invitation with Forbidden privilege_escalation", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const { invitation } = await invite(owner, "owner");
    const before = await rowOf(invitation.id);
    const error = await resendInvitation(admin, { invitationId: invitation.id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect((await rowOf(invitation.id)).tokenHash).toBe(before.tokenHash);
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "invitation.resent" } })).toBe(0);
  });

  it.each(["member", "viewer"] as const)("rejects a %s with Forbidden, keeps the token and writes no audit event", async (role) => {
    const { org, owner, addMember } = await createTestOrg();
    const caller = await addMember(role);
    const { invitation, token } = await invite(owner);
    const error = await resendInvitation(caller, { invitationId: invitation.id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
    expect((await previewInvitation(token)).status).toBe("pending");
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "invitation.resent" } })).toBe(0);
  });

  it("answers an unknown id with NotFound and a malformed one with a ZodError", async () => {
    const { owner } = await createTestOrg();
    const error = await resendInvitation(owner, { invitationId: randomUUID() }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "invitation_not_found" });
    await expect(resendInvitation(owner, { invitationId: "x" })).rejects.toBeInstanceOf(ZodError);
  });
});

describe("revokeInvitation", () => {
  it("revokes a pending invitation, drops it from the list and records invitation.revoked", async () => {
    const { org, owner } = await createTestOrg();
    const { invitation, email } = await invite(owner);

    await revokeInvitation(owner, { invitationId: invitation.id });

    expect((await rowOf(invitation.id)).revokedAt).toBeInstanceOf(Date);
    expect(await listInvitations(owner)).toEqual([]);
    expect(await auditActions(org.id)).toHaveLength(3);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "invitation.revoked" } });
    expect(event).toMatchObject({ actorId: owner.principal.userId, targetType: "invitation", targetId: invitation.id, before: { email } });
  });

  it("lets an admin revoke", async () => {
    const { owner, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const { invitation } = await invite(owner);
    await revokeInvitation(admin, { invitationId: invitation.id });
    expect((await rowOf(invitation.id)).revokedAt).toBeInstanceOf(Date);
  });

  it("answers a second revoke and a revoke of an accepted invitation with Conflict invitation_closed", async () => {
    const { org, owner } = await createTestOrg();
    const revoked = await invite(owner);
    await revokeInvitation(owner, { invitationId: revoked.invitation.id });
    const accepted = await invite(owner);
    await acceptInvitation(await createUser({ email: accepted.email }), accepted.token);

    for (const { invitation } of [revoked, accepted]) {
      const error = await revokeInvitation(owner, { invitationId: invitation.id }).catch((e) => e);
      expect(error).toBeInstanceOf(Conflict);
      expect(error).toMatchObject({ code: "invitation_closed" });
    }
    expect((await rowOf(accepted.invitation.id)).revokedAt).toBeNull();
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "invitation.revoked" } })).toBe(1);
  });

  it.each(["member", "viewer"] as const)("rejects a %s with Forbidden, leaves it pending and writes no audit event", async (role) => {
    const { org, owner, addMember } = await createTestOrg();
    const caller = await addMember(role);
    const { invitation } = await invite(owner);
    const error = await revokeInvitation(caller, { invitationId: invitation.id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
    expect((await rowOf(invitation.id)).revokedAt).toBeNull();
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "invitation.revoked" } })).toBe(0);
  });

  it("answers an unknown id with NotFound invitation_not_found", async () => {
    const { owner } = await createTestOrg();
    const error = await revokeInvitation(owner, { invitationId: randomUUID() }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "invitation_not_found" });
  });
});
