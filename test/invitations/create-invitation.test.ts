import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { hashToken } from "../../lib/secrets/secrets.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, NotFound } from "../../lib/errors.ts";
import { createInvitation, listInvitations, revokeInvitation } from "../../lib/invitations/invitations.ts";
import { auditActions, builtInRole, createTestOrg, uniqueEmail } from "../helpers.ts";

const tokenOf = (url: string) => url.split("/invite/")[1]!;

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("createInvitation", () => {
  it("creates a pending invitation valid for 7 days and records member.invited", async () => {
    const { org, owner } = await createTestOrg();
    const email = uniqueEmail("invitee");
    const before = Date.now();
    const result = await createInvitation(owner, { email, roleId: (await builtInRole("member")).id });

    expect(result).toMatchObject({ id: expect.any(String), email, url: expect.stringMatching(/^http:\/\/localhost:3000\/invite\/[\w-]{40,}$/) });
    const week = 7 * 24 * 60 * 60 * 1000;
    expect(result.expiresAt.getTime()).toBeGreaterThanOrEqual(before + week);
    expect(result.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + week);
    const row = await db.invitation.findUniqueOrThrow({ where: { id: result.id } });
    expect(row).toMatchObject({ orgId: org.id, email, invitedById: owner.principal.userId, acceptedAt: null, revokedAt: null });

    expect(await auditActions(org.id)).toEqual(["organization.created", "member.invited"]);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "member.invited" } });
    expect(event).toMatchObject({ actorId: owner.principal.userId, targetType: "invitation", targetId: result.id, after: { email, role: "Member" } });
  });

  it("stores only a SHA-256 hash of the token, never the token in the returned url", async () => {
    const { owner } = await createTestOrg();
    const result = await createInvitation(owner, { email: uniqueEmail(), roleId: (await builtInRole("viewer")).id });
    const token = tokenOf(result.url);

    const row = await db.invitation.findFirstOrThrow({ where: { id: result.id }, omit: { tokenHash: false } });
    expect(row.tokenHash).not.toBe(token);
    expect(row.tokenHash).not.toContain(token);
    expect(result.url).not.toContain(row.tokenHash);
    expect(row.tokenHash).toBe(hashToken(token));
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hides the token hash from ordinary reads", async () => {
    const { owner } = await createTestOrg();
    const result = await createInvitation(owner, { email: uniqueEmail(), roleId: (await builtInRole("viewer")).id });
    expect(await db.invitation.findUniqueOrThrow({ where: { id: result.id } })).not.toHaveProperty("tokenHash");
  });

  it("writes the invitation mail to the outbox when SMTP_URL is unset", async () => {
    vi.stubEnv("SMTP_URL", "");
    const { org, owner } = await createTestOrg();
    const email = uniqueEmail("mail");
    const result = await createInvitation(owner, { email, roleId: (await builtInRole("admin")).id });

    const mails = await db.outboxEmail.findMany({ where: { to: email } });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ transport: "outbox", sentAt: null, error: null, subject: `You are invited to ${org.name} on Tollgate` });
    expect(mails[0]!.text).toContain(result.url);
    expect(mails[0]!.text).toContain(`${owner.principal.email} invited you to join ${org.name} as Admin.`);
  });

  it("keeps the invitation and records the failure on the outbox row when SMTP delivery fails", async () => {
    vi.stubEnv("SMTP_URL", "smtp://127.0.0.1:1");
    const { owner } = await createTestOrg();
    const email = uniqueEmail("smtpfail");
    const result = await createInvitation(owner, { email, roleId: (await builtInRole("viewer")).id });

    expect(await db.invitation.findUnique({ where: { id: result.id } })).not.toBeNull();
    const mail = await db.outboxEmail.findFirstOrThrow({ where: { to: email } });
    expect(mail).toMatchObject({ transport: "smtp", sentAt: null });
    expect(mail.error).toEqual(expect.any(String));
  });

  it("normalises the email to lower case", async () => {
    const { owner } = await createTestOrg();
    const email = uniqueEmail("mixed");
    const result = await createInvitation(owner, { email: `  ${email.toUpperCase()} `, roleId: (await builtInRole("viewer")).id });
    expect(result.email).toBe(email);
  });

  it("lets an admin invite as admin", async () => {
    const { addMember } = await createTestOrg();
    const admin = await addMember("admin");
    await expect(createInvitation(admin, { email: uniqueEmail(), roleId: (await builtInRole("admin")).id })).resolves.toMatchObject({ id: expect.any(String) });
  });

  it("rejects an admin inviting as owner with Forbidden privilege_escalation and sends nothing", async () => {
    const { org, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const email = uniqueEmail();
    const error = await createInvitation(admin, { email, roleId: (await builtInRole("owner")).id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(0);
    expect(await db.outboxEmail.count({ where: { to: email } })).toBe(0);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it.each(["member", "viewer"] as const)("rejects a %s with Forbidden and writes nothing", async (role) => {
    const { org, addMember } = await createTestOrg();
    const caller = await addMember(role);
    const email = uniqueEmail();
    const error = await createInvitation(caller, { email, roleId: (await builtInRole("viewer")).id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(0);
    expect(await db.outboxEmail.count({ where: { to: email } })).toBe(0);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("answers a second invitation to a pending email with Conflict already_invited", async () => {
    const { org, owner } = await createTestOrg();
    const email = uniqueEmail();
    const viewer = await builtInRole("viewer");
    await createInvitation(owner, { email, roleId: viewer.id });
    const error = await createInvitation(owner, { email: email.toUpperCase(), roleId: viewer.id }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "already_invited" });
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(1);
    expect(await db.outboxEmail.count({ where: { to: email } })).toBe(1);
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "member.invited" } })).toBe(1);
  });

  // The pending-invitation check and the insert run under the organization lock.
  it("answers a second, simultaneous invitation to the same email with Conflict already_invited", async () => {
    const { org, owner } = await createTestOrg();
    const email = uniqueEmail("race");
    const roleId = (await builtInRole("viewer")).id;
    const results = await Promise.allSettled([createInvitation(owner, { email, roleId }), createInvitation(owner, { email, roleId })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
    expect(rejected?.reason).toBeInstanceOf(Conflict);
    expect(rejected?.reason).toMatchObject({ code: "already_invited" });
    expect(await db.invitation.count({ where: { orgId: org.id, email } })).toBe(1);
  });

  it("allows a new invitation once the previous one expired or was revoked", async () => {
    const { org, owner } = await createTestOrg();
    const email = uniqueEmail();
    const viewer = await builtInRole("viewer");
    const first = await createInvitation(owner, { email, roleId: viewer.id });
    await db.invitation.update({ where: { id: first.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const second = await createInvitation(owner, { email, roleId: viewer.id });
    await revokeInvitation(owner, { invitationId: second.id });
    await createInvitation(owner, { email, roleId: viewer.id });
    expect(await db.invitation.count({ where: { orgId: org.id, email } })).toBe(3);
  });

  it("answers an existing member's email with Conflict already_member", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    const error = await createInvitation(owner, { email: member.principal.email.toUpperCase(), roleId: (await builtInRole("admin")).id }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "already_member" });
    expect(await db.invitation.count({ where: { orgId: org.id } })).toBe(0);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("answers an unknown role with NotFound role_not_found", async () => {
    const { owner } = await createTestOrg();
    const error = await createInvitation(owner, { email: uniqueEmail(), roleId: randomUUID() }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "role_not_found" });
  });

  it("rejects a malformed email or role id with a ZodError", async () => {
    const { owner } = await createTestOrg();
    const roleId = (await builtInRole("viewer")).id;
    await expect(createInvitation(owner, { email: "not-an-email", roleId })).rejects.toBeInstanceOf(ZodError);
    await expect(createInvitation(owner, { email: uniqueEmail(), roleId: "viewer" })).rejects.toBeInstanceOf(ZodError);
  });
});

describe("listInvitations", () => {
  it("lists open invitations newest first with their status, leaving out accepted and revoked ones", async () => {
    const { owner, addMember } = await createTestOrg();
    const viewerCtx = await addMember("viewer");
    const viewer = await builtInRole("viewer");
    const expired = await createInvitation(owner, { email: uniqueEmail("expired"), roleId: viewer.id });
    await db.invitation.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const revoked = await createInvitation(owner, { email: uniqueEmail("revoked"), roleId: viewer.id });
    await revokeInvitation(owner, { invitationId: revoked.id });
    const accepted = await createInvitation(owner, { email: uniqueEmail("accepted"), roleId: viewer.id });
    await db.invitation.update({ where: { id: accepted.id }, data: { acceptedAt: new Date() } });
    const pending = await createInvitation(owner, { email: uniqueEmail("pending"), roleId: viewer.id });

    const list = await listInvitations(viewerCtx);

    expect(list.map((i) => [i.id, i.status])).toEqual([
      [pending.id, "pending"],
      [expired.id, "expired"],
    ]);
    expect(list[0]).toMatchObject({ email: pending.email, role: { id: viewer.id, name: "Viewer" } });
    expect(list[0]).not.toHaveProperty("tokenHash");
  });
});
