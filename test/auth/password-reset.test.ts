import { describe, expect, it } from "vitest";
import { requestPasswordReset, resetPassword } from "../../lib/auth/password-reset.ts";
import { hashPassword } from "../../lib/secrets/secrets.ts";
import { principalForSession } from "../../lib/auth/sessions.ts";
import { signIn } from "../../lib/auth/sign-in.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Unauthenticated } from "../../lib/errors.ts";
import { latestMail, meta, uniqueEmail } from "../helpers.ts";

const OLD = "the old long password";
const NEW = "a brand new long password";
const source = () => ({ ...meta(), ip: `198.51.100.${Math.floor(Math.random() * 250) + 1}` });

async function account(verified = true) {
  const email = uniqueEmail("reset");
  const user = await db.user.create({ data: { email, name: "Rae", passwordHash: await hashPassword(OLD), emailVerifiedAt: verified ? new Date() : null }, select: { id: true } });
  return { email, id: user.id };
}

describe("forgot password", () => {
  it("answers the same for an unknown address and sends nothing", async () => {
    const email = uniqueEmail("nobody");
    expect(await requestPasswordReset(source(), { email })).toEqual({ email });
    expect((await latestMail(email)).mail).toBeNull();
  });

  it("sets a new password through the mailed link, ends every session, proves the address, and tells the owner", async () => {
    const { email, id } = await account(false);
    const session = await signIn(source(), { email, password: OLD });
    expect(await requestPasswordReset(source(), { email: email.toUpperCase() })).toEqual({ email });
    const { token } = await latestMail(email, "/reset-password");
    expect(await resetPassword(source(), { token, password: NEW })).toEqual({ email });

    expect(await principalForSession(session.sessionId)).toBeNull();
    await expect(signIn(source(), { email, password: OLD })).rejects.toBeInstanceOf(Unauthenticated);
    await expect(signIn(source(), { email, password: NEW })).resolves.toBeTruthy();
    expect((await db.user.findUniqueOrThrow({ where: { id } })).emailVerifiedAt).not.toBeNull();
    expect((await latestMail(email)).mail!.subject).toBe("Your Tollgate password was changed");
    const actions = (await db.auditEvent.findMany({ where: { targetId: id, action: { startsWith: "user." } }, orderBy: { createdAt: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["user.password_reset_requested", "user.password_reset"]);
    // Each sign-in is audited too: before, the old password refused after, the new one.
    const logins = await db.auditEvent.findMany({ where: { action: { startsWith: "auth.login." }, actorEmail: email }, orderBy: { createdAt: "asc" } });
    expect(logins.map((e) => [e.action, (e.after as { reason?: string }).reason ?? null])).toEqual([
      ["auth.login.succeeded", null],
      ["auth.login.failed", "invalid_credentials"],
      ["auth.login.succeeded", null],
    ]);
  });

  it("uses a link once, only the newest, and not after the address changed", async () => {
    const { email, id } = await account();
    await requestPasswordReset(source(), { email });
    const first = (await latestMail(email, "/reset-password")).token;
    await requestPasswordReset(source(), { email });
    const second = (await latestMail(email, "/reset-password")).token;
    expect((await resetPassword(source(), { token: first, password: NEW }).catch((e) => e)).code).toBe("link_used");
    await db.user.update({ where: { id }, data: { email: uniqueEmail("moved") } });
    const moved = await resetPassword(source(), { token: second, password: NEW }).catch((e) => e);
    expect(moved).toBeInstanceOf(Conflict);
    await expect(signIn(source(), { email: (await db.user.findUniqueOrThrow({ where: { id } })).email, password: OLD })).resolves.toBeTruthy();
  });

  it("refuses a short password and keeps the link usable", async () => {
    const { email } = await account();
    await requestPasswordReset(source(), { email });
    const { token } = await latestMail(email, "/reset-password");
    await expect(resetPassword(source(), { token, password: "short" })).rejects.toThrow("Password must be at least 12 characters");
    await expect(resetPassword(source(), { token, password: NEW })).resolves.toEqual({ email });
  });

  it("refuses an expired link", async () => {
    const { email } = await account();
    await requestPasswordReset(source(), { email });
    const { token } = await latestMail(email, "/reset-password");
    await db.emailToken.updateMany({ where: { email }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect((await resetPassword(source(), { token, password: NEW }).catch((e) => e)).code).toBe("link_expired");
  });
});
