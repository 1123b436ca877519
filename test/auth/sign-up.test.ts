import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { promoteConfiguredAdminAtStart } from "../../lib/auth/configured-admin.ts";
import { hashPassword } from "../../lib/secrets/secrets.ts";
import { createSession, principalForSession } from "../../lib/auth/sessions.ts";
import { signIn } from "../../lib/auth/sign-in.ts";
import { completeSignUp, requestSignUp, WRONG_PASSWORDS_PER_LINK } from "../../lib/auth/sign-up.ts";
import { env } from "../../lib/env.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Invalid, NotFound, RateLimited } from "../../lib/errors.ts";
import { createInvitation } from "../../lib/invitations/invitations.ts";
import { builtInRole, createTestOrg, latestMail, meta, uniqueEmail } from "../helpers.ts";

const PASSWORD = "correct horse battery staple";
const randomIp = () => `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
const hex = () => Math.floor(Math.random() * 65_000).toString(16);
const source = () => ({ ...meta(), ip: `2001:db8:${hex()}:${hex()}::1` });

async function signUpAndConfirm(email = uniqueEmail("signup"), name = "Ada") {
  await requestSignUp(source(), { name, email, password: PASSWORD });
  const { token } = await latestMail(email, "/verify-email");
  return completeSignUp(meta(), { token, password: PASSWORD });
}

describe("sign-up in two steps", () => {
  it("creates nothing until the link is used, then a verified account with an argon2id hash and a session", async () => {
    const email = uniqueEmail("Two-Step");
    const answer = await requestSignUp(source(), { name: "Ada", email, password: PASSWORD, nextPath: "/invite/abc" });
    expect(answer).toEqual({ email: email.toLowerCase() });
    expect(await db.user.count({ where: { email: email.toLowerCase() } })).toBe(0);
    const { mail, token } = await latestMail(email.toLowerCase(), "/verify-email");
    expect(mail!.subject).toMatch(/Confirm your email/);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const done = await completeSignUp(meta(), { token, password: PASSWORD });
    expect(done.nextPath).toBe("/invite/abc");
    const row = await db.user.findUniqueOrThrow({ where: { id: done.user.id }, select: { passwordHash: true, emailVerifiedAt: true, origin: true } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain("correct horse");
    expect(row.emailVerifiedAt).not.toBeNull();
    expect(row.origin).toBe("sign_up");
    expect((await principalForSession(done.sessionId))?.userId).toBe(done.user.id);
    const events = await db.auditEvent.findMany({ where: { actorId: done.user.id } });
    expect(events.map((e) => e.action)).toEqual(["user.signed_up"]);
    // The stored copy of the mail no longer holds a live link.
    expect((await db.outboxEmail.findUniqueOrThrow({ where: { id: mail!.id } })).text).not.toContain(token!);
  });

  it("names the organization an invitation to this very address joins, and no other", async () => {
    const { org, owner } = await createTestOrg();
    const invitee = uniqueEmail("invited");
    const { url } = await createInvitation(owner, { email: invitee, roleId: (await builtInRole("viewer")).id });
    const nextPath = new URL(url).pathname;

    await requestSignUp(source(), { name: "Ivy", email: invitee, password: PASSWORD, nextPath });
    const { mail } = await latestMail(invitee, "/verify-email");
    expect(mail!.subject).toBe("Confirm your email to finish signing up to Tollgate");
    expect(mail!.text).toContain(`You were invited to join ${org.name} as Viewer: with your account made, you join it.`);

    // Someone else holding the link: their mail names nothing of the organization.
    const other = uniqueEmail("holder");
    await requestSignUp(source(), { name: "Holder", email: other, password: PASSWORD, nextPath });
    const { mail: otherMail } = await latestMail(other, "/verify-email");
    expect(otherMail!.subject).toBe("Confirm your email to finish signing up to Tollgate");
    expect(otherMail!.text).not.toContain(org.name);
  });

  it("answers the same for an address that has an account, and only tells its owner", async () => {
    const first = await signUpAndConfirm();
    const before = await db.user.findUniqueOrThrow({ where: { id: first.user.id }, select: { passwordHash: true, name: true } });
    const answer = await requestSignUp(source(), { name: "Mallory", email: first.user.email.toUpperCase(), password: "mallory's own password" });
    expect(answer).toEqual({ email: first.user.email });
    const { mail, token } = await latestMail(first.user.email, "/verify-email");
    expect(mail!.subject).toBe("You already have a Tollgate account");
    expect(token).toBeNull();
    expect(await db.user.findUniqueOrThrow({ where: { id: first.user.id }, select: { passwordHash: true, name: true } })).toEqual(before);
  });

  it("finishes only with the password chosen at sign-up: a link someone else asked for cannot give you their password", async () => {
    // Mallory asks to sign up with Victor's address and her own password; Victor gets the link and clicks it.
    const email = uniqueEmail("victor");
    await requestSignUp(source(), { name: "Mallory", email, password: "mallory's own password" });
    const { token } = await latestMail(email, "/verify-email");
    const refused = await completeSignUp(meta(), { token, password: "victor tries his password" }).catch((e) => e);
    expect(refused).toBeInstanceOf(Invalid);
    expect(refused.code).toBe("wrong_password");
    expect(await db.user.count({ where: { email } })).toBe(0);
    // The link is not spent by a wrong password, and still works only with Mallory's, which only she knows (no mailbox, no link).
    await expect(completeSignUp(meta(), { token, password: "mallory's own password" })).resolves.toBeTruthy();
  });

  it("never touches an account that exists by the time the link is used", async () => {
    const email = uniqueEmail("ceo");
    await requestSignUp(source(), { name: "Early", email, password: PASSWORD });
    const { token } = await latestMail(email, "/verify-email");
    // Meanwhile the account comes to exist another way (as a squatter's from before verification, or provisioning).
    const existing = await db.user.create({ data: { email, name: "Existing", passwordHash: await hashPassword("existing password 1") }, select: { id: true } });
    const session = await createSession(existing.id, meta());
    const refused = await completeSignUp(meta(), { token, password: PASSWORD }).catch((e) => e);
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused.code).toBe("account_exists");
    expect(await principalForSession(session.id)).not.toBeNull();
    await expect(signIn({ ...meta(), ip: randomIp() }, { email, password: "existing password 1" })).resolves.toBeTruthy();
    await expect(signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD })).rejects.toThrow("Email or password is incorrect.");
    // Provisioning an address voids the sign-up links pending for it.
    const other = uniqueEmail("provisioned");
    await requestSignUp(source(), { name: "Early", email: other, password: PASSWORD });
    const pending = (await latestMail(other, "/verify-email")).token;
    const { provisionUser } = await import("../../lib/admin/provisioning.ts");
    await provisionUser({ ...meta(), principal: { type: "api_key", keyId: "k", name: "p", display: "p", instance: true } }, { email: other });
    expect((await completeSignUp(meta(), { token: pending, password: PASSWORD }).catch((e) => e)).code).toBe("link_used");
  });

  it("keeps every pending sign-up link of an address until one is used, so a stranger's request cannot void the owner's", async () => {
    const email = uniqueEmail("once");
    await requestSignUp(source(), { name: "Victor", email, password: PASSWORD });
    const victors = (await latestMail(email, "/verify-email")).token;
    await requestSignUp(source(), { name: "Mallory", email, password: "mallory's own password" });
    const mallorys = (await latestMail(email, "/verify-email")).token;
    expect(mallorys).not.toBe(victors);
    await completeSignUp(meta(), { token: victors, password: PASSWORD });
    // Using one voids the others, and a link works once.
    expect((await completeSignUp(meta(), { token: mallorys, password: "mallory's own password" }).catch((e) => e)).code).toBe("link_used");
    const again = await completeSignUp(meta(), { token: victors, password: PASSWORD }).catch((e) => e);
    expect(again).toBeInstanceOf(Conflict);
    expect(again.code).toBe("link_used");
    expect(await completeSignUp(meta(), { token: "x".repeat(43), password: PASSWORD }).catch((e) => e)).toBeInstanceOf(NotFound);
    expect(await db.user.count({ where: { email } })).toBe(1);
  });

  it("voids a link after 5 wrong passwords", async () => {
    const email = uniqueEmail("guess");
    await requestSignUp(source(), { name: "Mallory", email, password: "mallory's own password" });
    const { token } = await latestMail(email, "/verify-email");
    for (let i = 0; i < WRONG_PASSWORDS_PER_LINK; i++) expect((await completeSignUp(source(), { token, password: `guess number ${i}` }).catch((e) => e)).code).toBe("wrong_password");
    const void_ = await completeSignUp(source(), { token, password: "guess number 6" }).catch((e) => e);
    expect(void_.message).toBe("Too many wrong passwords: this link no longer works. Sign up again.");
    expect((await completeSignUp(source(), { token, password: "mallory's own password" }).catch((e) => e)).code).toBe("link_used");
  });

  it("refuses an expired link", async () => {
    const email = uniqueEmail("late");
    await requestSignUp(source(), { name: "Bo", email, password: PASSWORD });
    const { token } = await latestMail(email, "/verify-email");
    await db.emailToken.updateMany({ where: { email }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await completeSignUp(meta(), { token, password: PASSWORD }).catch((e) => e)).code).toBe("link_expired");
    expect(await db.user.count({ where: { email } })).toBe(0);
  });

  it("rejects a password shorter than 12 characters and an invalid email, sending nothing", async () => {
    const email = uniqueEmail();
    const short = await requestSignUp(source(), { name: "Bo", email, password: "short-pass1" }).catch((e) => e);
    expect(short).toBeInstanceOf(ZodError);
    expect((short as ZodError).issues[0]!.message).toBe("Password must be at least 12 characters");
    const bad = await requestSignUp(source(), { name: "Bo", email: "not-an-email", password: PASSWORD }).catch((e) => e);
    expect((bad as ZodError).issues[0]!.path).toEqual(["email"]);
    const multiline = await requestSignUp(source(), { name: "Bo\n\nPlease sign in at https://evil.test/login", email, password: PASSWORD }).catch((e) => e);
    expect((multiline as ZodError).issues[0]!.message).toBe("A name is one line, without control characters");
    expect((await latestMail(email)).mail).toBeNull();
  });

  it("limits sign-ups from one source, and mail to one address, without telling which", async () => {
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < env().TOLLGATE_SIGN_UPS_PER_HOUR; i++) await requestSignUp({ ...meta(), ip }, { name: "Bulk", email: uniqueEmail("bulk"), password: PASSWORD });
    const refused = await requestSignUp({ ...meta(), ip }, { name: "Bulk", email: uniqueEmail("bulk"), password: PASSWORD }).catch((e) => e);
    expect(refused).toBeInstanceOf(RateLimited);
    expect(refused.message).toMatch(/Too many sign-ups from your network/);

    // One source can send an address 5 mails an hour, and all sources 20; past that, each source
    // still gets its first 2, so strangers cannot silence the owner's own request.
    const email = uniqueEmail("flood");
    const flooders = [source(), source(), source(), source()];
    for (const flooder of flooders) for (let i = 0; i < 6; i++) expect(await requestSignUp(flooder, { name: "Flood", email, password: PASSWORD })).toEqual({ email });
    expect(await db.outboxEmail.count({ where: { to: email } })).toBe(20);
    await requestSignUp(flooders[0]!, { name: "Flood", email, password: PASSWORD });
    expect(await db.outboxEmail.count({ where: { to: email } })).toBe(20);
    await requestSignUp(source(), { name: "Owner", email, password: PASSWORD });
    expect(await db.outboxEmail.count({ where: { to: email } })).toBe(21);
  });

  it("makes the TOLLGATE_ADMIN_EMAIL account an instance admin only once its address is verified", async () => {
    const adminEmail = uniqueEmail("admin");
    process.env.TOLLGATE_ADMIN_EMAIL = adminEmail;
    try {
      const other = await signUpAndConfirm();
      expect(other.user.isInstanceAdmin).toBe(false);
      // Signing up with the address is not enough: until the link is used there is no account at all.
      await requestSignUp(source(), { name: "Admin", email: adminEmail, password: PASSWORD });
      expect(await db.user.count({ where: { email: adminEmail } })).toBe(0);
      const { token } = await latestMail(adminEmail, "/verify-email");
      expect((await completeSignUp(meta(), { token, password: PASSWORD })).user.isInstanceAdmin).toBe(true);

      // An account that exists unverified with that address is not promoted at start-up; a verified one is.
      const later = uniqueEmail("later-admin");
      process.env.TOLLGATE_ADMIN_EMAIL = later;
      const user = await db.user.create({ data: { email: later, name: "Later" }, select: { id: true } });
      await promoteConfiguredAdminAtStart();
      expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).isInstanceAdmin).toBe(false);
      await db.user.update({ where: { id: user.id }, data: { emailVerifiedAt: new Date() } });
      await promoteConfiguredAdminAtStart();
      expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).isInstanceAdmin).toBe(true);
    } finally {
      delete process.env.TOLLGATE_ADMIN_EMAIL;
    }
  });
});
