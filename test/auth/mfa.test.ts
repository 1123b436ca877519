// The second factor: enrolment with an authenticator (otplib on both sides),
// sign-in in two steps, codes taken once, recovery codes, turning it off; and
// the `mfa` condition of grants, which holds only in a session that used MFA.
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { authorize } from "../../lib/authz/authorize.ts";
import { confirmTotpEnrollment, disableTotp, mfaStatus, regenerateRecoveryCodes, startTotpEnrollment } from "../../lib/auth/mfa.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createSession, principalForSession } from "../../lib/auth/sessions.ts";
import { signIn } from "../../lib/auth/sign-in.ts";
import { db } from "../../lib/db.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { hashPassword } from "../../lib/secrets/secrets.ts";
import { builtInRole, createTestOrg, createUser, meta } from "../helpers.ts";

const PASSWORD = "a password of some length";
const STEP = 30_000;

/** A user with a password, signed in once (no MFA), with the authenticator's secret once enrolled. */
async function userWithAuthenticator(now: number) {
  const user = await createUser();
  await db.user.update({ where: { id: user.principal.userId }, data: { passwordHash: await hashPassword(PASSWORD) } });
  const { id: sessionId } = await createSession(user.principal.userId, meta());
  const ctx = { ...user, sessionId };
  await expect(startTotpEnrollment(ctx, {})).rejects.toMatchObject({ code: "password_incorrect" });
  await expect(startTotpEnrollment(ctx, { password: "not the password at all" })).rejects.toMatchObject({ code: "password_incorrect" });
  const enrolment = await startTotpEnrollment(ctx, { password: PASSWORD });
  expect(enrolment.otpauthUri).toMatch(/^otpauth:\/\/totp\/Tollgate:/);
  expect(enrolment.qrSvg).toMatch(/^<svg/);
  const code = (at: number) => generate({ secret: enrolment.secret, epoch: Math.floor(at / 1000) });
  const { recoveryCodes } = await confirmTotpEnrollment(ctx, { factorId: enrolment.factorId, code: await code(now) }, now);
  return { user, ctx, code, recoveryCodes };
}

describe("MFA with an authenticator app", () => {
  it("is confirmed by a first code; the session that confirmed it counts as having used MFA; ten recovery codes are given once", async () => {
    const now = Date.now();
    const { user, ctx, recoveryCodes } = await userWithAuthenticator(now);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(await mfaStatus(user.principal.userId)).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 10 });
    expect((await principalForSession(ctx.sessionId))!.mfa).toBe(true);
    const stored = await db.mfaRecoveryCode.findMany({ where: { userId: user.principal.userId } });
    expect(JSON.stringify(stored)).not.toContain(recoveryCodes[0]!);
    expect(await db.auditEvent.count({ where: { actorId: user.principal.userId, action: "mfa.enabled" } })).toBe(1);
    await expect(startTotpEnrollment(ctx, { password: PASSWORD })).rejects.toMatchObject({ code: "mfa_already_enabled" });
  });

  it("a wrong first code confirms nothing", async () => {
    const user = await createUser();
    const { id: sessionId } = await createSession(user.principal.userId, meta());
    const ctx = { ...user, sessionId };
    const enrolment = await startTotpEnrollment(ctx);
    await expect(confirmTotpEnrollment(ctx, { factorId: enrolment.factorId, code: "000000" })).rejects.toMatchObject({ code: "mfa_code_invalid" });
    expect(await mfaStatus(user.principal.userId)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
  });

  it("signs in in two steps; a code is taken once; a recovery code once; the session records MFA", async () => {
    const t0 = Date.now();
    const { user, code, recoveryCodes } = await userWithAuthenticator(t0);
    const email = user.principal.email;
    await expect(signIn(meta(), { email, password: PASSWORD })).rejects.toMatchObject({ code: "mfa_required" });
    await expect(signIn(meta(), { email, password: PASSWORD, code: "123456" })).rejects.toMatchObject({ code: "mfa_invalid" });
    await expect(signIn(meta(), { email, password: "wrong password here", code: await code(t0 + STEP) }, t0 + STEP)).rejects.toMatchObject({ code: "invalid_credentials" });

    // The enrolment took t0's code; the next step's code signs in, once.
    const t1 = t0 + STEP;
    const signedIn = await signIn(meta(), { email, password: PASSWORD, code: await code(t1) }, t1);
    const session = await db.session.findUniqueOrThrow({ where: { id: signedIn.sessionId } });
    expect(session).toMatchObject({ authMethod: "password" });
    expect(session.mfaAt).not.toBeNull();
    await expect(signIn(meta(), { email, password: PASSWORD, code: await code(t1) }, t1)).rejects.toMatchObject({ code: "mfa_invalid" });
    // Nor an older one, though still inside the tolerance.
    await expect(signIn(meta(), { email, password: PASSWORD, code: await code(t0) }, t1)).rejects.toMatchObject({ code: "mfa_invalid" });

    const recovery = recoveryCodes[3]!;
    expect((await signIn(meta(), { email, password: PASSWORD, code: recovery.toUpperCase() })).sessionId).toBeTruthy();
    await expect(signIn(meta(), { email, password: PASSWORD, code: recovery })).rejects.toMatchObject({ code: "mfa_invalid" });
    expect(await mfaStatus(user.principal.userId)).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 9 });
  });

  it("codes are counted per account, from any address: after ten wrong ones even the right one waits", async () => {
    const t0 = Date.now();
    const { user, code } = await userWithAuthenticator(t0);
    for (let i = 0; i < 10; i++) {
      const from = { ...meta(), ip: `203.0.113.${i + 1}` };
      await expect(signIn(from, { email: user.principal.email, password: PASSWORD, code: String(100000 + i) }, t0 + STEP)).rejects.toMatchObject({ code: "mfa_invalid" });
    }
    await expect(signIn({ ...meta(), ip: "203.0.113.99" }, { email: user.principal.email, password: PASSWORD, code: await code(t0 + STEP) }, t0 + STEP)).rejects.toMatchObject({
      code: "too_many_attempts",
    });
  });

  it("new recovery codes replace the old; turning MFA off needs a code and ends the second step", async () => {
    const t0 = Date.now();
    const { user, ctx, recoveryCodes } = await userWithAuthenticator(t0);
    await expect(regenerateRecoveryCodes(ctx, { code: "999999" })).rejects.toMatchObject({ code: "mfa_code_invalid" });
    const { recoveryCodes: fresh } = await regenerateRecoveryCodes(ctx, { code: recoveryCodes[0]! });
    await expect(disableTotp(ctx, { code: recoveryCodes[1]! })).rejects.toMatchObject({ code: "mfa_code_invalid" });
    await disableTotp(ctx, { code: fresh[0]! });
    expect(await mfaStatus(user.principal.userId)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    expect((await signIn(meta(), { email: user.principal.email, password: PASSWORD })).sessionId).toBeTruthy();
  });
});

describe("the mfa condition of grants", () => {
  it("holds in a session that used MFA, and not in one that did not", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    await createGrant(owner, { roleId: (await builtInRole("billing")).id, subject: { type: "user", id: member.principal.userId }, conditions: { requireMfa: true } });
    const { id: plain } = await createSession(member.principal.userId, meta());
    const { id: strong } = await createSession(member.principal.userId, meta(), { authMethod: "password", mfa: true });
    const inSession = async (sessionId: string) => resolveOrgContext((await principalForSession(sessionId))!, org.slug, meta());
    const denied = authorize(await inSession(plain), "billing:read");
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toMatch(/MFA/);
    expect(authorize(await inSession(strong), "billing:read").allowed).toBe(true);
  });
});
