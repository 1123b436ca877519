// A signed-in person's own account: name, password, email address (changed
// only once the new address is confirmed) and deleting the account.
import { z } from "zod";
import { db, type Tx } from "../db.ts";
import { Conflict, Forbidden, Invalid, NotFound, Unauthenticated } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { bumpAuthzVersion, invalidateOrgIndex } from "../authz/org-index-cache.ts";
import type { UserCtx } from "../context.ts";
import { logger } from "../logger.ts";
import { deliverMail, queueMail, redactMailLinks } from "../mail/send-mail.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { countOwners, lockOrganization } from "../orgs/lock-organization.ts";
import { accountDeletedMail, confirmEmailMail, emailChangeRequestedMail, passwordChangedMail } from "./account-mail.ts";
import { promoteIfConfiguredAdmin } from "./configured-admin.ts";
import { issueEmailToken, lockEmailToken, spendEmailToken, voidPendingSignUps } from "./email-tokens.ts";
import { Email, Password, PersonName } from "./schemas.ts";
import { hashPassword, verifyPassword } from "../secrets/secrets.ts";
import { forgetCachedSession } from "./sessions.ts";
import { forgetSignInFailures, requireRequestSlot, reserveSignInAttempt, signInSucceeded, takeMailSlot } from "./throttle.ts";

export const UpdateProfileInput = z.object({ name: PersonName });
export const ChangePasswordInput = z.object({ currentPassword: z.string().min(1, "Enter your current password").max(200), newPassword: Password });
export const ChangeEmailInput = z.object({ email: Email, password: z.string().min(1, "Enter your password").max(200) });
export const DeleteAccountInput = z.object({ confirm: z.string().max(254) });

const HOUR_MS = 3_600_000;
/** Confirmation links one account may ask for per hour. */
const LINKS_PER_ACCOUNT_PER_HOUR = 5;

const deliverLater = (outboxId: string) => void deliverMail(outboxId).catch((error) => logger.error({ err: error, outboxId }, "sending account mail failed"));

/** What the app's shell shows of the signed-in user. */
export async function getShellUser(ctx: UserCtx) {
  return db.user.findUniqueOrThrow({ where: { id: ctx.principal.userId }, select: { name: true, email: true, isInstanceAdmin: true } });
}

export async function getAccount(ctx: UserCtx) {
  const user = await db.user.findUnique({
    where: { id: ctx.principal.userId },
    select: { id: true, email: true, name: true, emailVerifiedAt: true, isInstanceAdmin: true, createdAt: true, passwordHash: true },
  });
  if (!user) throw new Unauthenticated("unauthenticated", "Sign in to continue.");
  const pending = await db.emailToken.findFirst({
    where: { userId: user.id, purpose: "confirm_email", usedAt: null, expiresAt: { gt: new Date() }, email: { not: user.email } },
    orderBy: { createdAt: "desc" },
    select: { email: true, expiresAt: true },
  });
  const { passwordHash, ...rest } = user;
  return { ...rest, hasPassword: passwordHash !== null, pendingEmail: pending };
}

export async function updateProfile(ctx: UserCtx, raw: unknown) {
  const { name } = UpdateProfileInput.parse(raw);
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUniqueOrThrow({ where: { id: ctx.principal.userId }, select: { name: true } });
    const user = await tx.user.update({ where: { id: ctx.principal.userId }, data: { name }, select: { name: true } });
    await recordAudit(tx, { action: "user.updated", orgId: null, actor: actorOf(ctx), target: { type: "user", id: ctx.principal.userId }, meta: ctx, before, after: user });
    return user;
  });
}

/** Checks the account's password, throttled like sign-in (a stolen session must not become a guessing oracle). */
async function assertPassword(ctx: UserCtx, password: string) {
  const { email, passwordHash } = await db.user.findUniqueOrThrow({ where: { id: ctx.principal.userId }, select: { email: true, passwordHash: true } });
  await reserveSignInAttempt(email, ctx.ip);
  if (!passwordHash || !(await verifyPassword(passwordHash, password))) {
    throw new Invalid("wrong_password", passwordHash ? "Your current password is not right." : "This account has no password yet: set one through “Forgot password”.");
  }
  await signInSucceeded(email, ctx.ip);
}

/** A new password ends every other session of the account; this one stays. */
export async function changePassword(ctx: UserCtx & { sessionId: string }, raw: unknown) {
  const input = ChangePasswordInput.parse(raw);
  await assertPassword(ctx, input.currentPassword);
  const passwordHash = await hashPassword(input.newPassword);
  const { ended, outboxId } = await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: ctx.principal.userId }, data: { passwordHash } });
    const ended = (await tx.session.findMany({ where: { userId: ctx.principal.userId, revokedAt: null, id: { not: ctx.sessionId } }, select: { id: true } })).map((s) => s.id);
    await tx.session.updateMany({ where: { id: { in: ended } }, data: { revokedAt: new Date() } });
    await forgetSignInFailures(tx, ctx.principal.email);
    await recordAudit(tx, {
      action: "user.password_changed",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "user", id: ctx.principal.userId },
      meta: ctx,
      after: { otherSessionsEnded: ended.length },
    });
    return { ended, outboxId: (await queueMail(tx, passwordChangedMail(ctx.principal.email))).id };
  });
  ended.forEach(forgetCachedSession);
  deliverLater(outboxId);
  return { otherSessionsEnded: ended.length };
}

/** Sends a link to the new address; the email changes when it is used. The old address is told. */
export async function requestEmailChange(ctx: UserCtx, raw: unknown) {
  const input = ChangeEmailInput.parse(raw);
  if (input.email === ctx.principal.email) throw new Invalid("same_email", "This is your email address already.");
  await assertPassword(ctx, input.password);
  await requireRequestSlot(`email-change:${ctx.principal.userId}`, LINKS_PER_ACCOUNT_PER_HOUR, HOUR_MS, "You asked for too many links this hour.");
  if (!(await takeMailSlot(input.email, ctx.ip))) return { email: input.email };
  const outboxIds = await db.$transaction(async (tx) => {
    const link = await issueEmailToken(tx, { purpose: "confirm_email", email: input.email, userId: ctx.principal.userId });
    await recordAudit(tx, { action: "user.email_change_requested", orgId: null, actor: actorOf(ctx), target: { type: "user", id: ctx.principal.userId }, meta: ctx, after: { email: input.email } });
    const toNew = await queueMail(tx, confirmEmailMail(input.email, link.url, link.id, true));
    const toOld = await queueMail(tx, emailChangeRequestedMail(ctx.principal.email, input.email));
    return [toNew.id, toOld.id];
  });
  outboxIds.forEach(deliverLater);
  return { email: input.email };
}

/** For an account whose address was never confirmed (made before verification existed). */
export async function sendEmailConfirmation(ctx: UserCtx) {
  const user = await db.user.findUniqueOrThrow({ where: { id: ctx.principal.userId }, select: { email: true, emailVerifiedAt: true } });
  if (user.emailVerifiedAt) throw new Conflict("email_verified", "Your email address is confirmed already.");
  await requireRequestSlot(`email-change:${ctx.principal.userId}`, LINKS_PER_ACCOUNT_PER_HOUR, HOUR_MS, "You asked for too many links this hour.");
  const outboxId = await db.$transaction(async (tx) => {
    const link = await issueEmailToken(tx, { purpose: "confirm_email", email: user.email, userId: ctx.principal.userId });
    return (await queueMail(tx, confirmEmailMail(user.email, link.url, link.id, false))).id;
  });
  deliverLater(outboxId);
  return { email: user.email };
}

async function applyConfirmation(tx: Tx, ctx: UserCtx, token: string, now: Date) {
  const link = await lockEmailToken(tx, ["confirm_email"], token, now);
  if (link.userId !== ctx.principal.userId) throw new Forbidden("other_account", "This link was sent for another account. Sign in as the account that asked for it, then open the link again.");
  await spendEmailToken(tx, link.id, now);
  const user = await tx.user.findUnique({ where: { id: link.userId }, select: { id: true, email: true, emailVerifiedAt: true, isInstanceAdmin: true } });
  if (!user) throw new NotFound("link_not_found", "This link is not valid. Ask for a new one.");
  await redactMailLinks(tx, link.id, "used");
  const changed = link.email !== user.email;
  if (changed && (await tx.user.findUnique({ where: { email: link.email }, select: { id: true } }))) {
    throw new Conflict("email_taken", `${link.email} belongs to another account now, so it cannot become yours.`);
  }
  const updated = await tx.user.update({ where: { id: user.id }, data: { email: link.email, emailVerifiedAt: now }, select: { id: true, email: true, emailVerifiedAt: true, isInstanceAdmin: true } });
  await tx.emailToken.updateMany({ where: { userId: user.id, purpose: { in: ["confirm_email", "reset_password"] }, usedAt: null }, data: { usedAt: now } });
  await voidPendingSignUps(tx, link.email, now);
  await recordAudit(tx, {
    action: changed ? "user.email_changed" : "user.email_verified",
    orgId: null,
    actor: { userId: user.id, email: link.email },
    target: { type: "user", id: user.id },
    meta: ctx,
    ...(changed ? { before: { email: user.email }, after: { email: link.email } } : { after: { email: link.email } }),
  });
  await promoteIfConfiguredAdmin(tx, updated, ctx);
  const sessions = await tx.session.findMany({ where: { userId: user.id }, select: { id: true } });
  return { email: link.email, changed, sessions: sessions.map((s) => s.id) };
}

/**
 * Uses a confirmation link: verifies the address, or makes the new one the
 * account's email. Only the account that asked for the link may use it, so a
 * link someone requested for your address cannot attach it to their account.
 */
export async function confirmEmail(ctx: UserCtx, rawToken: unknown) {
  const token = z.string().max(100).parse(rawToken);
  const now = new Date();
  let result: Awaited<ReturnType<typeof applyConfirmation>>;
  try {
    result = await db.$transaction((tx) => applyConfirmation(tx, ctx, token, now));
  } catch (error) {
    // Another account took the address between the check and the write.
    if (isUniqueViolation(error)) throw new Conflict("email_taken", "This address belongs to another account now, so it cannot become yours.");
    throw error;
  }
  // Sessions carry the email in their cached principal.
  result.sessions.forEach(forgetCachedSession);
  return { email: result.email, changed: result.changed };
}

/**
 * Deletes the account, its memberships, group memberships and grants. Refused
 * while it is the last owner of an organization. `confirm` is the password,
 * or the email address for accounts without one.
 */
export async function deleteAccount(ctx: UserCtx, raw: unknown) {
  const { confirm } = DeleteAccountInput.parse(raw);
  const user = await db.user.findUniqueOrThrow({ where: { id: ctx.principal.userId }, select: { email: true, passwordHash: true } });
  if (user.passwordHash) await assertPassword(ctx, confirm);
  else if (confirm.trim().toLowerCase() !== user.email) throw new Invalid("confirmation_mismatch", "Type your email address to confirm.");
  const { orgIds, sessions, outboxId } = await db.$transaction(async (tx) => {
    const memberships = await tx.membership.findMany({
      where: { userId: ctx.principal.userId },
      orderBy: { orgId: "asc" },
      select: { orgId: true, org: { select: { name: true } }, role: { select: { name: true, isOwner: true } } },
    });
    const lastOwnerOf: string[] = [];
    for (const m of memberships) {
      await lockOrganization(tx, m.orgId);
      if (m.role.isOwner && (await countOwners(tx, m.orgId)) <= 1) lastOwnerOf.push(m.org.name);
    }
    if (lastOwnerOf.length) {
      throw new Conflict("last_owner", `You are the last owner of ${lastOwnerOf.join(", ")}. Make someone else an owner, or delete the organization, first.`);
    }
    const sessions = (await tx.session.findMany({ where: { userId: ctx.principal.userId }, select: { id: true } })).map((s) => s.id);
    for (const m of memberships) {
      await recordAudit(tx, {
        action: "member.left",
        orgId: m.orgId,
        actor: actorOf(ctx),
        target: { type: "user", id: ctx.principal.userId },
        meta: ctx,
        before: { email: user.email, role: m.role.name },
        after: { reason: "account deleted" },
      });
      await bumpAuthzVersion(tx, m.orgId);
    }
    // Memberships, group memberships, grants, sessions and links go with the row (foreign keys cascade).
    await tx.user.delete({ where: { id: ctx.principal.userId } });
    await recordAudit(tx, {
      action: "user.deleted",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "user", id: ctx.principal.userId },
      meta: ctx,
      before: { email: user.email, organizations: memberships.map((m) => m.org.name) },
    });
    return { orgIds: memberships.map((m) => m.orgId), sessions, outboxId: (await queueMail(tx, accountDeletedMail(user.email))).id };
  });
  orgIds.forEach(invalidateOrgIndex);
  sessions.forEach(forgetCachedSession);
  deliverLater(outboxId);
}
