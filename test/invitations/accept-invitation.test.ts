import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { OrgCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, NotFound } from "../../lib/errors.ts";
import { acceptInvitation, createInvitation, previewInvitation, revokeInvitation } from "../../lib/invitations/invitations.ts";
import { builtInRole, createTestOrg, createUser, type RoleKey, uniqueEmail } from "../helpers.ts";

async function invite(ctx: OrgCtx, role: RoleKey = "member", email = uniqueEmail("invitee")) {
  const invitation = await createInvitation(ctx, { email, roleId: (await builtInRole(role)).id });
  return { invitation, token: invitation.url.split("/invite/")[1]!, email };
}

const membershipOf = (orgId: string, userId: string) => db.membership.findFirst({ where: { orgId, userId }, include: { role: true } });

describe("previewInvitation", () => {
  it("shows the email, organization and role of a pending invitation", async () => {
    const { org, owner } = await createTestOrg();
    const { token, email } = await invite(owner, "admin");
    expect(await previewInvitation(token)).toEqual({ email, orgName: org.name, orgSlug: org.slug, roleName: "Admin", invitedAs: "Admin", status: "pending" });
  });

  it("reports accepted, revoked and expired invitations by status", async () => {
    const { owner } = await createTestOrg();
    const accepted = await invite(owner);
    await acceptInvitation(await createUser({ email: accepted.email }), accepted.token);
    const revoked = await invite(owner);
    await revokeInvitation(owner, { invitationId: revoked.invitation.id });
    const expired = await invite(owner);
    await db.invitation.update({ where: { id: expired.invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });

    expect((await previewInvitation(accepted.token)).status).toBe("accepted");
    expect((await previewInvitation(revoked.token)).status).toBe("revoked");
    expect((await previewInvitation(expired.token)).status).toBe("expired");
  });

  it("answers an unknown token with NotFound and a truncated one with a ZodError", async () => {
    const error = await previewInvitation(randomBytes(32).toString("base64url")).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "invitation_not_found" });
    await expect(previewInvitation("short")).rejects.toBeInstanceOf(ZodError);
  });

  it("does not accept the stored hash in place of the token", async () => {
    const { owner } = await createTestOrg();
    const { invitation } = await invite(owner);
    const row = await db.invitation.findFirstOrThrow({ where: { id: invitation.id }, omit: { tokenHash: false } });
    await expect(previewInvitation(row.tokenHash)).rejects.toBeInstanceOf(NotFound);
  });
});

describe("acceptInvitation", () => {
  it("needs a confirmed address: an account made with the address, never verified, cannot take the invitation", async () => {
    const { org, owner } = await createTestOrg();
    const { token, email } = await invite(owner, "admin");
    const squatter = await createUser({ email, verified: false });
    const error = await acceptInvitation(squatter, token).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.code).toBe("email_unverified");
    expect(await membershipOf(org.id, squatter.principal.userId)).toBeNull();
    expect((await previewInvitation(token)).status).toBe("pending");
  });

  it("makes the invited user a member with the invited role and records member.joined", async () => {
    const { org, owner } = await createTestOrg();
    const { invitation, token, email } = await invite(owner, "admin");
    const user = await createUser({ email });

    expect(await acceptInvitation(user, token)).toEqual({ orgSlug: org.slug });

    expect((await membershipOf(org.id, user.principal.userId))?.role).toMatchObject({ key: "admin" });
    expect((await db.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).acceptedAt).toBeInstanceOf(Date);
    const events = await db.auditEvent.findMany({ where: { orgId: org.id, action: "member.joined" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorId: user.principal.userId,
      actorEmail: email,
      targetType: "user",
      targetId: user.principal.userId,
      after: { email, role: "Admin", invitationId: invitation.id },
    });
  });

  it("matches the invited email regardless of case in the signed-in principal", async () => {
    const { org, owner } = await createTestOrg();
    const { token, email } = await invite(owner);
    const user = await createUser({ email });
    await acceptInvitation({ ...user, principal: { ...user.principal, email: email.toUpperCase() } }, token);
    expect(await membershipOf(org.id, user.principal.userId)).not.toBeNull();
  });

  it("works only once: a second accept gets Conflict invitation_accepted", async () => {
    const { org, owner } = await createTestOrg();
    const { token, email } = await invite(owner);
    const user = await createUser({ email });
    await acceptInvitation(user, token);

    const error = await acceptInvitation(user, token).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "invitation_accepted" });
    expect(await db.membership.count({ where: { orgId: org.id, userId: user.principal.userId } })).toBe(1);
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "member.joined" } })).toBe(1);
  });

  it("lets only one of two simultaneous accepts succeed", async () => {
    const { org, owner } = await createTestOrg();
    const { token, email } = await invite(owner);
    const user = await createUser({ email });
    const results = await Promise.allSettled([acceptInvitation(user, token), acceptInvitation(user, token)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(Conflict);
    expect(await db.membership.count({ where: { orgId: org.id, userId: user.principal.userId } })).toBe(1);
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "member.joined" } })).toBe(1);
  });

  it("rejects someone signed in with another email with Forbidden invitation_email_mismatch, leaving it pending", async () => {
    const { org, owner } = await createTestOrg();
    const { invitation, token, email } = await invite(owner);
    const intruder = await createUser();

    const error = await acceptInvitation(intruder, token).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "invitation_email_mismatch" });
    expect(await membershipOf(org.id, intruder.principal.userId)).toBeNull();
    expect((await db.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).acceptedAt).toBeNull();
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "member.joined" } })).toBe(0);

    await acceptInvitation(await createUser({ email }), token);
  });

  it("rejects an expired invitation with Conflict invitation_expired", async () => {
    const { org, owner } = await createTestOrg();
    const { invitation, token, email } = await invite(owner);
    await db.invitation.update({ where: { id: invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const user = await createUser({ email });

    const error = await acceptInvitation(user, token).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "invitation_expired" });
    expect(await membershipOf(org.id, user.principal.userId)).toBeNull();
  });

  it("rejects a revoked invitation with Conflict invitation_revoked", async () => {
    const { org, owner } = await createTestOrg();
    const { invitation, token, email } = await invite(owner);
    await revokeInvitation(owner, { invitationId: invitation.id });
    const user = await createUser({ email });

    const error = await acceptInvitation(user, token).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "invitation_revoked" });
    expect(await membershipOf(org.id, user.principal.userId)).toBeNull();
  });

  it("rejects a user who is already a member with Conflict already_member and leaves the invitation unused", async () => {
    const { org, owner } = await createTestOrg();
    const { invitation, token, email } = await invite(owner, "admin");
    const user = await createUser({ email });
    await db.membership.create({ data: { orgId: org.id, userId: user.principal.userId, roleId: (await builtInRole("viewer")).id } });

    const error = await acceptInvitation(user, token).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "already_member" });
    expect((await membershipOf(org.id, user.principal.userId))?.role.key).toBe("viewer");
    expect((await db.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).acceptedAt).toBeNull();
  });

  it("answers an unknown token with NotFound invitation_not_found", async () => {
    const user = await createUser();
    const error = await acceptInvitation(user, randomBytes(32).toString("base64url")).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "invitation_not_found" });
  });
});
