import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { promoteConfiguredAdminAtStart } from "../../lib/auth/configured-admin.ts";
import { hashPassword } from "../../lib/auth/secrets.ts";
import { createSession, principalForSession } from "../../lib/auth/sessions.ts";
import { signIn } from "../../lib/auth/sign-in.ts";
import { completeSignUp, requestSignUp } from "../../lib/auth/sign-up.ts";
import { env } from "../../lib/env.ts";
import { db } from "../../lib/db.ts";
import { Conflict, NotFound, RateLimited } from "../../lib/errors.ts";
import { latestMail, meta, uniqueEmail } from "../helpers.ts";

const PASSWORD = "correct horse battery staple";
const randomIp = () => `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
const source = () => ({ ...meta(), ip: `2001:db8::${Math.floor(Math.random() * 65_000).toString(16)}` });

async function signUpAndConfirm(email = uniqueEmail("signup"), name = "Ada") {
  await requestSignUp(source(), { name, email, password: PASSWORD });
  const { token } = await latestMail(email, "/verify-email");
  return completeSignUp(meta(), token);
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

    const done = await completeSignUp(meta(), token);
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

  it("lets the owner of an address take over an account that never proved it, ending its sessions", async () => {
    // As a squatter's account made before verification existed: a password, no verified address.
    const email = uniqueEmail("ceo");
    const squatter = await db.user.create({ data: { email, name: "Squatter", passwordHash: await hashPassword("squatter password 1") }, select: { id: true } });
    const squatterSession = await createSession(squatter.id, meta());
    await requestSignUp(source(), { name: "Real CEO", email, password: PASSWORD });
    // The taken address is told, as any other: the squatter's account is not confirmed by the mail.
    expect((await latestMail(email)).mail!.subject).toBe("You already have a Tollgate account");
    // A sign-up link its owner holds (from before the squatter's account existed) proves the address:
    const { issueEmailToken } = await import("../../lib/auth/email-tokens.ts");
    const passwordHash = await hashPassword(PASSWORD);
    const link = await db.$transaction((tx) => issueEmailToken(tx, { purpose: "sign_up", email, name: "Real CEO", passwordHash }));
    const done = await completeSignUp(meta(), link.token);
    expect(done.user.id).toBe(squatter.id);
    expect(await principalForSession(squatterSession.id)).toBeNull();
    await expect(signIn({ ...meta(), ip: randomIp() }, { email, password: "squatter password 1" })).rejects.toThrow("Email or password is incorrect.");
    await expect(signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD })).resolves.toBeTruthy();
  });

  it("uses a link once; a newer link replaces an older one; unknown links are NotFound", async () => {
    const email = uniqueEmail("once");
    await requestSignUp(source(), { name: "Bo", email, password: PASSWORD });
    const older = (await latestMail(email, "/verify-email")).token;
    await requestSignUp(source(), { name: "Bo", email, password: PASSWORD });
    const newer = (await latestMail(email, "/verify-email")).token;
    expect((await completeSignUp(meta(), older).catch((e) => e)).code).toBe("link_used");
    await completeSignUp(meta(), newer);
    const again = await completeSignUp(meta(), newer).catch((e) => e);
    expect(again).toBeInstanceOf(Conflict);
    expect(again.code).toBe("link_used");
    expect(await completeSignUp(meta(), "x".repeat(43)).catch((e) => e)).toBeInstanceOf(NotFound);
    expect(await db.user.count({ where: { email } })).toBe(1);
  });

  it("refuses an expired link", async () => {
    const email = uniqueEmail("late");
    await requestSignUp(source(), { name: "Bo", email, password: PASSWORD });
    const { token } = await latestMail(email, "/verify-email");
    await db.emailToken.updateMany({ where: { email }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await completeSignUp(meta(), token).catch((e) => e)).code).toBe("link_expired");
    expect(await db.user.count({ where: { email } })).toBe(0);
  });

  it("rejects a password shorter than 12 characters and an invalid email, sending nothing", async () => {
    const email = uniqueEmail();
    const short = await requestSignUp(source(), { name: "Bo", email, password: "short-pass1" }).catch((e) => e);
    expect(short).toBeInstanceOf(ZodError);
    expect((short as ZodError).issues[0]!.message).toBe("Password must be at least 12 characters");
    const bad = await requestSignUp(source(), { name: "Bo", email: "not-an-email", password: PASSWORD }).catch((e) => e);
    expect((bad as ZodError).issues[0]!.path).toEqual(["email"]);
    expect((await latestMail(email)).mail).toBeNull();
  });

  it("limits sign-ups from one source, and mail to one address, without telling which", async () => {
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < env().TOLLGATE_SIGN_UPS_PER_HOUR; i++) await requestSignUp({ ...meta(), ip }, { name: "Bulk", email: uniqueEmail("bulk"), password: PASSWORD });
    const refused = await requestSignUp({ ...meta(), ip }, { name: "Bulk", email: uniqueEmail("bulk"), password: PASSWORD }).catch((e) => e);
    expect(refused).toBeInstanceOf(RateLimited);
    expect(refused.message).toMatch(/Too many sign-ups from your network/);

    const email = uniqueEmail("flood");
    for (let i = 0; i < 7; i++) expect(await requestSignUp(source(), { name: "Flood", email, password: PASSWORD })).toEqual({ email });
    expect(await db.outboxEmail.count({ where: { to: email } })).toBe(5);
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
      expect((await completeSignUp(meta(), token)).user.isInstanceAdmin).toBe(true);

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
