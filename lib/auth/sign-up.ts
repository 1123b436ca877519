// Creating an account takes two steps: the sign-up form sends a link to the
// address, and the account exists once that link is used, with its address
// verified. The form's answer is the same whether or not the address has an
// account already (its owner gets a mail saying so), so sign-up reveals
// nothing about who has an account here.
import { z } from "zod";
import { db } from "../db.ts";
import { env } from "../env.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { RequestMeta } from "../context.ts";
import { logger } from "../logger.ts";
import { deliverMail, queueMail, redactMailLinks } from "../mail/send-mail.ts";
import { accountExistsMail, signUpMail } from "./account-mail.ts";
import { promoteIfConfiguredAdmin } from "./configured-admin.ts";
import { consumeEmailToken, issueEmailToken } from "./email-tokens.ts";
import { SignUpInput } from "./schemas.ts";
import { hashPassword } from "./secrets.ts";
import { createSession, forgetCachedSession } from "./sessions.ts";
import { requireRequestSlot, takeRequestSlot } from "./throttle.ts";

const HOUR_MS = 3_600_000;
/** Mails one address receives on request per hour; past it, requests still answer the same but send nothing. */
export const MAILS_PER_ADDRESS_PER_HOUR = 5;

/** nextPath: where the link leads after the account exists (a path on this site; checked again when followed). */
export const RequestSignUpInput = SignUpInput.extend({ nextPath: z.string().max(2000).startsWith("/").nullish() });

/** Sends the link that finishes the sign-up (or, for a taken address, a note to its owner). */
export async function requestSignUp(meta: RequestMeta, raw: unknown) {
  const input = RequestSignUpInput.parse(raw);
  await requireRequestSlot(`signup:${meta.ip ?? "unknown"}`, env().TOLLGATE_SIGN_UPS_PER_HOUR, HOUR_MS, "Too many sign-ups from your network. Try again in an hour.");
  // Hashed either way, so that the answer takes as long for a taken address.
  const passwordHash = await hashPassword(input.password);
  if (!(await takeRequestSlot(`mail-to:${input.email}`, MAILS_PER_ADDRESS_PER_HOUR, HOUR_MS))) return { email: input.email };
  const outboxId = await db.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) return (await queueMail(tx, accountExistsMail(input.email))).id;
    const link = await issueEmailToken(tx, { purpose: "sign_up", email: input.email, name: input.name, passwordHash, nextPath: input.nextPath });
    return (await queueMail(tx, signUpMail(input.email, input.name, link.url, link.id))).id;
  });
  // Not awaited: an SMTP round trip would tell a new address from a taken one.
  void deliverMail(outboxId).catch((error) => logger.error({ err: error, outboxId }, "sending the sign-up mail failed"));
  return { email: input.email };
}

const accountSelect = { id: true, email: true, name: true, emailVerifiedAt: true, isInstanceAdmin: true } as const;

/**
 * Uses a sign-up link: creates the account (address verified) and opens a
 * session. If the address has an account by now (provisioned meanwhile, or
 * never verified), the link proves its owner, who takes it over with the
 * password just chosen; its other sessions end.
 */
export async function completeSignUp(meta: RequestMeta, rawToken: unknown) {
  const token = z.string().max(100).parse(rawToken);
  const now = new Date();
  const { user, nextPath, endedSessions } = await db.$transaction(async (tx) => {
    const link = await consumeEmailToken(tx, ["sign_up"], token, now);
    await tx.emailToken.updateMany({ where: { email: link.email, purpose: "sign_up", usedAt: null }, data: { usedAt: now } });
    await redactMailLinks(tx, link.id, "used");
    const existing = await tx.user.findUnique({ where: { email: link.email }, select: accountSelect });
    let user;
    let endedSessions: string[] = [];
    if (existing) {
      user = await tx.user.update({ where: { id: existing.id }, data: { passwordHash: link.passwordHash, emailVerifiedAt: existing.emailVerifiedAt ?? now }, select: accountSelect });
      endedSessions = (await tx.session.findMany({ where: { userId: user.id, revokedAt: null }, select: { id: true } })).map((s) => s.id);
      await tx.session.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: now } });
      await recordAudit(tx, { action: "user.password_reset", orgId: null, actor: { userId: user.id, email: user.email }, target: { type: "user", id: user.id }, meta, after: { via: "sign-up link", sessionsEnded: endedSessions.length } });
    } else {
      user = await tx.user.create({ data: { email: link.email, name: link.name ?? link.email.split("@")[0]!, passwordHash: link.passwordHash, emailVerifiedAt: now, origin: "sign_up" }, select: accountSelect });
      await recordAudit(tx, { action: "user.signed_up", orgId: null, actor: { userId: user.id, email: user.email }, target: { type: "user", id: user.id }, meta, after: { email: user.email, name: user.name } });
    }
    if (await promoteIfConfiguredAdmin(tx, user, meta)) user = { ...user, isInstanceAdmin: true };
    return { user, nextPath: link.nextPath, endedSessions };
  });
  endedSessions.forEach(forgetCachedSession);
  const session = await createSession(user.id, meta);
  return { user: { id: user.id, email: user.email, name: user.name, isInstanceAdmin: user.isInstanceAdmin }, sessionId: session.id, nextPath: nextPath ?? "/" };
}
