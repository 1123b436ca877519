// Instance-wide views for instance admins only: every organization, the outbox.
import { db } from "../db.ts";
import { NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { redactLinks } from "../mail/send-mail.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import type { UserCtx } from "../context.ts";

export async function listAllOrganizations(ctx: UserCtx) {
  assertInstanceAdmin(ctx);
  const orgs = await db.organization.findMany({
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      name: true,
      slug: true,
      createdAt: true,
      _count: { select: { memberships: true } },
      subscription: { select: { status: true, plan: { select: { key: true, name: true } } } },
    },
  });
  return orgs.map((o) => ({
    id: o.id,
    name: o.name,
    slug: o.slug,
    createdAt: o.createdAt,
    members: o._count.memberships,
    plan: o.subscription ? { key: o.subscription.plan.key, name: o.subscription.plan.name, status: o.subscription.status } : null,
  }));
}

/**
 * The outbox, with one-time links (sign-up, password reset, invitations)
 * hidden: a live link lets whoever holds it into an account. An admin reveals
 * one mail's links on purpose, which is audited (revealOutboxMail).
 */
export async function listOutbox(ctx: UserCtx, limit = 100) {
  assertInstanceAdmin(ctx);
  const mails = await db.outboxEmail.findMany({ orderBy: { createdAt: "desc" }, take: limit });
  return mails.map((m) => {
    const masked = redactLinks(m.text, "hidden");
    return { ...m, text: masked, hasLiveLinks: masked !== m.text };
  });
}

export async function revealOutboxMail(ctx: UserCtx, outboxId: string) {
  assertInstanceAdmin(ctx);
  return db.$transaction(async (tx) => {
    const mail = await tx.outboxEmail.findUnique({ where: { id: outboxId }, select: { id: true, to: true, subject: true, text: true } });
    if (!mail) throw new NotFound("mail_not_found", "That mail is no longer in the outbox.");
    await recordAudit(tx, {
      action: "outbox.links_revealed",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "outbox_email", id: mail.id },
      meta: ctx,
      after: { to: mail.to, subject: mail.subject },
    });
    return { text: mail.text };
  });
}
