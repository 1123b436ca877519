import { describe, expect, it } from "vitest";
import { changePassword, confirmEmail, deleteAccount, getAccount, requestEmailChange, sendEmailConfirmation, updateProfile } from "../../lib/auth/account.ts";
import { hashPassword } from "../../lib/secrets/secrets.ts";
import { principalForSession } from "../../lib/auth/sessions.ts";
import { signIn } from "../../lib/auth/sign-in.ts";
import { authzTransaction, getOrgIndex } from "../../lib/authz/org-index-cache.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Invalid } from "../../lib/errors.ts";
import type { UserCtx } from "../../lib/context.ts";
import { createTestOrg, latestMail, meta, uniqueEmail } from "../helpers.ts";

const PASSWORD = "my long account password";
const source = () => ({ ...meta(), ip: `203.0.113.${Math.floor(Math.random() * 250) + 1}` });

async function signedIn(options: { verified?: boolean } = {}) {
  const email = uniqueEmail("acct");
  await db.user.create({ data: { email, name: "Ann", passwordHash: await hashPassword(PASSWORD), emailVerifiedAt: options.verified === false ? null : new Date() } });
  const { sessionId } = await signIn(source(), { email, password: PASSWORD });
  const principal = (await principalForSession(sessionId))!;
  return { ...source(), principal, sessionId } as UserCtx & { sessionId: string };
}

describe("account", () => {
  it("renames the person, audited", async () => {
    const ctx = await signedIn();
    expect(await updateProfile(ctx, { name: "  Ann Smith " })).toEqual({ name: "Ann Smith" });
    await expect(updateProfile(ctx, { name: "" })).rejects.toThrow("Enter your name");
    expect((await db.auditEvent.findFirstOrThrow({ where: { targetId: ctx.principal.userId, action: "user.updated" } })).after).toEqual({ name: "Ann Smith" });
  });

  it("changes the password with the current one, ending the other sessions only", async () => {
    const ctx = await signedIn();
    const other = await signIn(source(), { email: ctx.principal.email, password: PASSWORD });
    const wrong = await changePassword(ctx, { currentPassword: "not my password", newPassword: "a new long password" }).catch((e) => e);
    expect(wrong).toBeInstanceOf(Invalid);
    expect(wrong.code).toBe("wrong_password");
    expect(await changePassword(ctx, { currentPassword: PASSWORD, newPassword: "a new long password" })).toEqual({ otherSessionsEnded: 1 });
    expect(await principalForSession(other.sessionId)).toBeNull();
    expect(await principalForSession(ctx.sessionId)).not.toBeNull();
    await expect(signIn(source(), { email: ctx.principal.email, password: "a new long password" })).resolves.toBeTruthy();
  });

  it("changes the email only once the new address is confirmed, and tells the old one", async () => {
    const ctx = await signedIn();
    const newEmail = uniqueEmail("new-address");
    await expect(requestEmailChange(ctx, { email: newEmail, password: "wrong password" })).rejects.toBeInstanceOf(Invalid);
    expect(await requestEmailChange(ctx, { email: newEmail, password: PASSWORD })).toEqual({ email: newEmail });
    expect((await getAccount(ctx)).email).toBe(ctx.principal.email);
    expect((await getAccount(ctx)).pendingEmail?.email).toBe(newEmail);
    expect((await latestMail(ctx.principal.email)).mail!.text).toContain(newEmail);
    const { token } = await latestMail(newEmail, "/verify-email");
    // Only the account that asked may use the link: someone else's session cannot.
    const stranger = await signedIn();
    expect((await confirmEmail(stranger, token).catch((e) => e)).code).toBe("other_account");
    expect(await confirmEmail(ctx, token)).toEqual({ email: newEmail, changed: true });
    const account = await getAccount(ctx);
    expect(account.email).toBe(newEmail);
    expect(account.emailVerifiedAt).not.toBeNull();
    // The session now reads the new address.
    expect((await principalForSession(ctx.sessionId))?.email).toBe(newEmail);
    expect((await confirmEmail(ctx, token).catch((e) => e)).code).toBe("link_used");
  });

  it("cannot attach an address to an account through a link its owner clicks, nor wipe another account's pending link", async () => {
    const victim = await signedIn({ verified: false });
    await sendEmailConfirmation(victim);
    const victimLink = (await latestMail(victim.principal.email, "/verify-email")).token;
    // Mallory asks to move her account to Victor's address: Victor's own pending link survives, and hers is useless to him.
    const mallory = await signedIn();
    await requestEmailChange(mallory, { email: victim.principal.email, password: PASSWORD });
    const malloryLink = (await latestMail(victim.principal.email, "/verify-email")).token;
    expect((await confirmEmail(victim, malloryLink).catch((e) => e)).code).toBe("other_account");
    expect(await confirmEmail(victim, victimLink)).toEqual({ email: victim.principal.email, changed: false });
    expect((await getAccount(mallory)).email).toBe(mallory.principal.email);
  });

  it("refuses a new address another account took meanwhile", async () => {
    const ctx = await signedIn();
    const contested = uniqueEmail("contested");
    await requestEmailChange(ctx, { email: contested, password: PASSWORD });
    const { token } = await latestMail(contested, "/verify-email");
    await db.user.create({ data: { email: contested, name: "Other" } });
    const error = await confirmEmail(ctx, token).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error.code).toBe("email_taken");
    expect((await getAccount(ctx)).email).toBe(ctx.principal.email);
  });

  it("confirms the address of an account made before verification existed", async () => {
    const ctx = await signedIn({ verified: false });
    expect((await getAccount(ctx)).emailVerifiedAt).toBeNull();
    await sendEmailConfirmation(ctx);
    const { token } = await latestMail(ctx.principal.email, "/verify-email");
    expect(await confirmEmail(ctx, token)).toEqual({ email: ctx.principal.email, changed: false });
    expect((await getAccount(ctx)).emailVerifiedAt).not.toBeNull();
    await expect(sendEmailConfirmation(ctx)).rejects.toBeInstanceOf(Conflict);
  });

  it("refuses to delete the last owner of an organization, and deletes an account that is not", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const ownerCtx = await signedIn();
    await authzTransaction(org.id, (tx) => tx.membership.update({ where: { orgId_userId: { orgId: org.id, userId: owner.principal.userId } }, data: { userId: ownerCtx.principal.userId } }));
    const last = await deleteAccount(ownerCtx, { confirm: PASSWORD }).catch((e) => e);
    expect(last).toBeInstanceOf(Conflict);
    expect(last.message).toContain(org.name);
    expect(await db.user.count({ where: { id: ownerCtx.principal.userId } })).toBe(1);

    const member = await addMember("admin");
    const memberCtx = await signedIn();
    await authzTransaction(org.id, (tx) => tx.membership.update({ where: { orgId_userId: { orgId: org.id, userId: member.principal.userId } }, data: { userId: memberCtx.principal.userId } }));
    const indexBefore = await getOrgIndex(org.id);
    expect(indexBefore.memberRole.has(memberCtx.principal.userId)).toBe(true);
    await expect(deleteAccount(memberCtx, { confirm: "wrong password" })).rejects.toBeInstanceOf(Invalid);
    await deleteAccount(memberCtx, { confirm: PASSWORD });
    expect(await db.user.count({ where: { id: memberCtx.principal.userId } })).toBe(0);
    expect(await principalForSession(memberCtx.sessionId)).toBeNull();
    expect((await getOrgIndex(org.id)).memberRole.has(memberCtx.principal.userId)).toBe(false);
    expect((await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "member.left", targetId: memberCtx.principal.userId } })).after).toEqual({ reason: "account deleted" });
    expect((await latestMail(memberCtx.principal.email)).mail!.subject).toBe("Your Tollgate account was deleted");
  });
});
