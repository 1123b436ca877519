// Passkeys (WebAuthn) with a software authenticator: added with the password,
// a second step of a password sign-in, a sign-in without a password, each
// answer taken once, a cloned authenticator refused, another site refused,
// and the SSO requirement holding for passkeys too.
import { describe, expect, it } from "vitest";
import { mfaStatus, verifySecondFactor } from "../../lib/auth/mfa.ts";
import { finishPasskeyRegistration, listPasskeys, passkeySignInOptions, removePasskey, startPasskeyRegistration } from "../../lib/auth/passkeys.ts";
import { createSession, principalForSession } from "../../lib/auth/sessions.ts";
import { signIn, signInWithPasskey } from "../../lib/auth/sign-in.ts";
import { db } from "../../lib/db.ts";
import { publicUrl } from "../../lib/env.ts";
import { hashPassword } from "../../lib/secrets/secrets.ts";
import { createUser, meta } from "../helpers.ts";
import { SoftAuthenticator } from "./soft-authenticator.ts";

const PASSWORD = "a password of some length";

/** A user with a password and a session, and a passkey added on a software authenticator. */
async function userWithPasskey() {
  const user = await createUser();
  await db.user.update({ where: { id: user.principal.userId }, data: { passwordHash: await hashPassword(PASSWORD) } });
  const { id: sessionId } = await createSession(user.principal.userId, meta());
  const ctx = { ...user, sessionId };
  const authenticator = new SoftAuthenticator(new URL(publicUrl()).origin);
  const options = await startPasskeyRegistration(ctx, { password: PASSWORD });
  const added = await finishPasskeyRegistration(ctx, { name: "Laptop", response: authenticator.create(options) });
  return { user, ctx, authenticator, added };
}

/** A sign-in challenge answered by the authenticator (JSON, as the sign-in form sends it). */
async function answer(authenticator: SoftAuthenticator, options: Parameters<SoftAuthenticator["get"]>[1] = {}) {
  return JSON.stringify(authenticator.get(await passkeySignInOptions(meta()), options));
}

describe("passkeys", () => {
  it("are added with the password; the first brings recovery codes; the session counts as MFA", async () => {
    const { user, ctx, added } = await userWithPasskey();
    expect(added).toMatchObject({ name: "Laptop" });
    expect(added.recoveryCodes).toHaveLength(10);
    expect(await listPasskeys(ctx)).toEqual([expect.objectContaining({ name: "Laptop", lastUsedAt: null })]);
    expect(await mfaStatus(user.principal.userId)).toEqual({ totp: false, passkeys: 1, recoveryCodesLeft: 10 });
    expect((await principalForSession(ctx.sessionId))!.mfa).toBe(true);
    expect(await db.auditEvent.count({ where: { actorId: user.principal.userId, action: "mfa.passkey.added" } })).toBe(1);
    await expect(startPasskeyRegistration(ctx, {})).rejects.toMatchObject({ code: "password_incorrect" });

    // With a second factor now, another passkey needs a session that used it (a stolen session plus the password adds none).
    const second = new SoftAuthenticator(new URL(publicUrl()).origin);
    await expect(startPasskeyRegistration({ ...user, sessionId: (await createSession(user.principal.userId, meta())).id }, { password: PASSWORD })).rejects.toMatchObject({
      code: "mfa_session_required",
    });
    const mfaCtx = { ...ctx, principal: (await principalForSession(ctx.sessionId))! };
    const more = await finishPasskeyRegistration(mfaCtx, { name: "Phone", response: second.create(await startPasskeyRegistration(mfaCtx, { password: PASSWORD })) });
    expect(more.recoveryCodes).toBeNull();
  });

  it("an account made by an identity provider (no password) adds none; password tries are counted per account", async () => {
    const sso = await createUser();
    const { id: sessionId } = await createSession(sso.principal.userId, meta());
    await expect(startPasskeyRegistration({ ...sso, sessionId })).rejects.toMatchObject({ code: "passkey_needs_password" });
    const { ctx } = await userWithPasskey();
    const mfaCtx = { ...ctx, principal: (await principalForSession(ctx.sessionId))! };
    for (let i = 0; i < 9; i++) await expect(startPasskeyRegistration(mfaCtx, { password: `wrong ${i}` })).rejects.toMatchObject({ code: "password_incorrect" });
    await expect(startPasskeyRegistration(mfaCtx, { password: PASSWORD })).rejects.toMatchObject({ code: "too_many_attempts" });
  });

  it("an answer to a challenge it was not given, from another site, or without user verification, adds nothing", async () => {
    const user = await createUser();
    await db.user.update({ where: { id: user.principal.userId }, data: { passwordHash: await hashPassword(PASSWORD) } });
    const { id: sessionId } = await createSession(user.principal.userId, meta());
    const ctx = { ...user, sessionId };
    const origin = new URL(publicUrl()).origin;
    const start = () => startPasskeyRegistration(ctx, { password: PASSWORD });
    const refused = async (response: unknown) =>
      finishPasskeyRegistration(ctx, { name: "x", response }).then(
        () => "added",
        (e: { code: string }) => e.code,
      );
    expect(await refused(new SoftAuthenticator(origin).create({ ...(await start()), challenge: "bWFkZS11cA" }))).toBe("passkey_challenge_invalid");
    expect(await refused(new SoftAuthenticator("https://evil.example").create(await start()))).toBe("passkey_invalid");
    expect(await refused(new SoftAuthenticator(origin).create(await start(), { verified: false }))).toBe("passkey_invalid");
    // Used once: the same answer again finds no challenge.
    const response = new SoftAuthenticator(origin).create(await start());
    await finishPasskeyRegistration(ctx, { name: "ok", response });
    expect(await refused(response)).toBe("passkey_challenge_invalid");
    expect(await db.passkey.count({ where: { userId: user.principal.userId } })).toBe(1);
  });

  it("is the second step of a password sign-in, for its own account only", async () => {
    const { user, authenticator, added } = await userWithPasskey();
    const email = user.principal.email;
    await expect(signIn(meta(), { email, password: PASSWORD })).rejects.toMatchObject({ code: "mfa_required" });
    const done = await signIn(meta(), { email, password: PASSWORD, passkey: await answer(authenticator) });
    const session = await db.session.findUniqueOrThrow({ where: { id: done.sessionId } });
    expect(session).toMatchObject({ authMethod: "password", mfaAt: expect.any(Date) });
    const audited = await db.auditEvent.findFirstOrThrow({ where: { action: "auth.login.succeeded", actorId: user.principal.userId } });
    expect(audited.after).toEqual({ method: "password" });
    // Someone else's passkey is not this account's second step.
    const other = await userWithPasskey();
    await expect(signIn(meta(), { email, password: PASSWORD, passkey: await answer(other.authenticator) })).rejects.toMatchObject({ code: "passkey_invalid" });
    // A recovery code stands in for the passkey (no authenticator app needed), once.
    expect((await signIn(meta(), { email, password: PASSWORD, code: added.recoveryCodes![0]! })).user.id).toBe(user.principal.userId);
    expect(await verifySecondFactor(user.principal.userId, added.recoveryCodes![0]!, meta())).toBe(false);
    expect(await verifySecondFactor(user.principal.userId, "123456", meta())).toBe(false);
  });

  it("signs in without a password; an answer is taken once; a cloned authenticator and another site are refused", async () => {
    const { user, authenticator } = await userWithPasskey();
    const { userId } = { userId: user.principal.userId };
    const options = await passkeySignInOptions(meta());
    const assertion = JSON.stringify(authenticator.get(options));
    const done = await signInWithPasskey(meta(), { assertion });
    expect(done.user.id).toBe(userId);
    expect(await db.session.findUniqueOrThrow({ where: { id: done.sessionId } })).toMatchObject({ authMethod: "passkey", mfaAt: expect.any(Date) });
    await expect(signInWithPasskey(meta(), { assertion })).rejects.toMatchObject({ code: "passkey_invalid" });

    const credentialId = [...authenticator.credentials.keys()][0]!;
    authenticator.rewind(credentialId, 0);
    await expect(signInWithPasskey(meta(), { assertion: await answer(authenticator) })).rejects.toMatchObject({ code: "passkey_invalid" });
    authenticator.rewind(credentialId, 50);
    await expect(signInWithPasskey(meta(), { assertion: await answer(authenticator, { origin: "https://evil.example" }) })).rejects.toMatchObject({ code: "passkey_invalid" });
    await expect(signInWithPasskey(meta(), { assertion: await answer(authenticator, { verified: false }) })).rejects.toMatchObject({ code: "passkey_invalid" });
    await expect(signInWithPasskey(meta(), { assertion: "not json" })).rejects.toMatchObject({ code: "passkey_invalid" });
    expect((await signInWithPasskey(meta(), { assertion: await answer(authenticator) })).user.id).toBe(userId);

    // Every sign-in is audited, refusals with their reason.
    const audits = await db.auditEvent.findMany({ where: { action: { startsWith: "auth.login." }, OR: [{ actorId: userId }, { actorEmail: null }] }, orderBy: { createdAt: "asc" } });
    expect(audits.filter((a) => a.actorId === userId).map((a) => [a.action, (a.after as { method: string }).method])).toEqual([
      ["auth.login.succeeded", "passkey"],
      ["auth.login.succeeded", "passkey"],
    ]);
    expect(audits.some((a) => a.action === "auth.login.failed" && (a.after as { reason: string }).reason === "passkey_invalid")).toBe(true);
  });

  it("removing the last passkey (with the password) removes the second step and its recovery codes", async () => {
    const { user, ctx, authenticator } = await userWithPasskey();
    const [passkey] = await listPasskeys(ctx);
    const mfaCtx = { ...ctx, principal: (await principalForSession(ctx.sessionId))! };
    await expect(removePasskey(mfaCtx, { passkeyId: passkey!.id })).rejects.toMatchObject({ code: "password_incorrect" });
    // A session that did not use the second factor removes none of it.
    const { id: plainSession } = await createSession(user.principal.userId, meta());
    await expect(removePasskey({ ...user, sessionId: plainSession }, { passkeyId: passkey!.id, password: PASSWORD })).rejects.toMatchObject({ code: "mfa_session_required" });
    await removePasskey(mfaCtx, { passkeyId: passkey!.id, password: PASSWORD });
    expect(await mfaStatus(user.principal.userId)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    expect(await db.mfaRecoveryCode.count({ where: { userId: user.principal.userId } })).toBe(0);
    expect((await signIn(meta(), { email: user.principal.email, password: PASSWORD })).user.id).toBe(user.principal.userId);
    await expect(signInWithPasskey(meta(), { assertion: await answer(authenticator) })).rejects.toMatchObject({ code: "passkey_invalid" });
    // Another user's passkey is not found to remove.
    const other = await userWithPasskey();
    const [theirs] = await listPasskeys(other.ctx);
    await expect(removePasskey(mfaCtx, { passkeyId: theirs!.id, password: PASSWORD })).rejects.toMatchObject({ code: "passkey_not_found" });
  });
});
