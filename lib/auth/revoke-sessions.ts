// Sign-out, on one device or everywhere. Both are audited.
import { db } from "../db.ts";
import { NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import type { UserCtx } from "../context.ts";
import { forgetCachedSession } from "./sessions.ts";

export async function revokeSession(ctx: UserCtx, sessionId: string) {
  await db.$transaction(async (tx) => {
    const { count } = await tx.session.updateMany({
      where: { id: sessionId, userId: ctx.principal.userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) throw new NotFound("session_not_found", "That session does not exist or has already ended.");
    await recordAudit(tx, { action: "session.revoked", orgId: null, actor: actorOf(ctx), target: { type: "session", id: sessionId }, meta: ctx });
  });
  forgetCachedSession(sessionId);
}

export async function revokeAllSessions(ctx: UserCtx) {
  const sessions = await db.$transaction(async (tx) => {
    const open = await tx.session.findMany({ where: { userId: ctx.principal.userId, revokedAt: null }, select: { id: true } });
    await tx.session.updateMany({ where: { userId: ctx.principal.userId, revokedAt: null }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      action: "session.revoked_all",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "user", id: ctx.principal.userId },
      meta: ctx,
      after: { revoked: open.length },
    });
    return open;
  });
  sessions.forEach((s) => forgetCachedSession(s.id));
  return sessions.length;
}

/** Sign-out from next-auth's event: ends that one session quietly if still open. */
export async function endSession(sessionId: string, meta: { ip: string | null; userAgent: string | null }) {
  await db.$transaction(async (tx) => {
    const session = await tx.session.findUnique({ where: { id: sessionId }, select: { userId: true, revokedAt: true, user: { select: { email: true } } } });
    if (!session || session.revokedAt) return;
    await tx.session.update({ where: { id: sessionId }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      action: "user.signed_out",
      orgId: null,
      actor: { userId: session.userId, email: session.user.email },
      target: { type: "session", id: sessionId },
      meta,
    });
  });
  forgetCachedSession(sessionId);
}
