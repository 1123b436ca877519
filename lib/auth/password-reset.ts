// "Forgot password": a link to the account's address; using it sets a new
// password, proves the address and ends every session of the account. The
// request answers the same whether or not the address has an account.
import { z } from "zod";
import { db } from "../db.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { RequestMeta } from "../context.ts";
import { logger } from "../logger.ts";
import { deliverMail, queueMail, redactMailLinks } from "../mail/send-mail.ts";
import { passwordChangedMail, resetPasswordMail } from "./account-mail.ts";
import { promoteIfConfiguredAdmin } from "./configured-admin.ts";
import { assertLinkUsable, consumeEmailToken, issueEmailToken } from "./email-tokens.ts";
import { Email, Password } from "./schemas.ts";
import { hashPassword } from "../secrets/secrets.ts";
import { forgetCachedSession } from "./sessions.ts";
import { forgetSignInFailures, requireSourceSlot, takeMailSlot } from "./throttle.ts";
import { Conflict } from "../errors.ts";

const HOUR_MS = 3_600_000;
export const RESET_REQUESTS_PER_SOURCE_PER_HOUR = 20;

export const RequestPasswordResetInput = z.object({ email: Email });
export const ResetPasswordInput = z.object({ token: z.string().max(100), password: Password });

const deliverLater = (outboxId: string) => void deliverMail(outboxId).catch((error) => logger.error({ err: error, outboxId }, "sending account mail failed"));

export async function requestPasswordReset(meta: RequestMeta, raw: unknown) {
  const { email } = RequestPasswordResetInput.parse(raw);
  await requireSourceSlot("reset", meta.ip, RESET_REQUESTS_PER_SOURCE_PER_HOUR, HOUR_MS, "Too many requests from your network.");
  if (!(await takeMailSlot(email, meta.ip))) return { email };
  const outboxId = await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email }, select: { id: true } });
    if (!user) return null;
    const link = await issueEmailToken(tx, { purpose: "reset_password", email, userId: user.id });
    await recordAudit(tx, { action: "user.password_reset_requested", orgId: null, actor: { userId: null, email: null }, target: { type: "user", id: user.id }, meta, after: { email } });
    return (await queueMail(tx, resetPasswordMail(email, link.url, link.id))).id;
  });
  if (outboxId) deliverLater(outboxId);
  return { email };
}

export async function resetPassword(meta: RequestMeta, raw: unknown) {
  const input = ResetPasswordInput.parse(raw);
  await assertLinkUsable(["reset_password"], input.token);
  await requireSourceSlot("reset-use", meta.ip, RESET_REQUESTS_PER_SOURCE_PER_HOUR, HOUR_MS, "Too many attempts from your network.");
  const passwordHash = await hashPassword(input.password);
  const now = new Date();
  const { email, ended, outboxId } = await db.$transaction(async (tx) => {
    const link = await consumeEmailToken(tx, ["reset_password"], input.token, now);
    const user = link.userId ? await tx.user.findUnique({ where: { id: link.userId }, select: { id: true, email: true, emailVerifiedAt: true, isInstanceAdmin: true } }) : null;
    // The account's address changed since the link was sent: it no longer proves anything.
    if (!user || user.email !== link.email) throw new Conflict("link_used", "This link is no longer valid. Ask for a new one.");
    await redactMailLinks(tx, link.id, "used");
    const updated = await tx.user.update({
      where: { id: user.id },
      data: { passwordHash, emailVerifiedAt: user.emailVerifiedAt ?? now },
      select: { id: true, email: true, emailVerifiedAt: true, isInstanceAdmin: true },
    });
    const ended = (await tx.session.findMany({ where: { userId: user.id, revokedAt: null }, select: { id: true } })).map((s) => s.id);
    await tx.session.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: now } });
    await tx.emailToken.updateMany({ where: { userId: user.id, purpose: "reset_password", usedAt: null }, data: { usedAt: now } });
    await forgetSignInFailures(tx, user.email);
    await recordAudit(tx, {
      action: "user.password_reset",
      orgId: null,
      actor: { userId: user.id, email: user.email },
      target: { type: "user", id: user.id },
      meta,
      after: { sessionsEnded: ended.length },
    });
    await promoteIfConfiguredAdmin(tx, updated, meta);
    const outbox = await queueMail(tx, passwordChangedMail(user.email));
    return { email: user.email, ended, outboxId: outbox.id };
  });
  ended.forEach(forgetCachedSession);
  deliverLater(outboxId);
  return { email };
}
