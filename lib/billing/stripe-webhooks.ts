// Stripe's webhooks: the signature is checked on the raw body (with Stripe's
// 5-minute tolerance), the event is stored by its id, and it is acted on once:
// its effect and its `processedAt` commit in one transaction, under a row lock,
// so a repeat, a retry or a concurrent delivery finds it done. State moves
// only forward: an event older than the newest one applied to an invoice or a
// subscription never overwrites what that one set, and an invoice's status
// never goes back (draft → open → paid | void | uncollectible).
import Stripe from "stripe";
import { recordAudit } from "../audit/record-audit.ts";
import type { RequestMeta } from "../context.ts";
import { db, type Tx } from "../db.ts";
import { env } from "../env.ts";
import { Invalid, Unavailable } from "../errors.ts";
import { logger } from "../logger.ts";
import { bumpAuthzVersion } from "../authz/org-index-cache.ts";
import { changePlanIn, onTheHour } from "./plan-change.ts";
import { getPlan } from "./plans.ts";

const STRIPE_ACTOR = { userId: null, email: "Stripe" };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An event that failed this often waits for an operator (lastError says why) instead of blocking the retries of others. */
const MAX_ATTEMPTS = 10;
const NO_META = { ip: null, userAgent: null };
const TOLERANCE_SECONDS = 300;
// Verifies signatures only: no key is needed for that.
const verifier = new Stripe("sk_unused_for_signatures");

const REFUSALS_AUDITED_PER_MINUTE = 20;
let refusals = { minute: 0, count: 0 };
function refusalsThisMinute(): number {
  const minute = Math.floor(Date.now() / 60_000);
  if (refusals.minute !== minute) refusals = { minute, count: 0 };
  return ++refusals.count;
}

export type WebhookAnswer = { received: true; duplicate: boolean; outcome: string | null };

/** Checks, stores and (when it can) applies one delivery. A bad signature is refused, audited, and changes nothing. */
export async function receiveStripeWebhook(raw: Buffer, signature: string | undefined, meta: RequestMeta, secret = env().STRIPE_WEBHOOK_SECRET): Promise<WebhookAnswer> {
  if (!secret) throw new Unavailable("stripe_not_configured", "Stripe webhooks are not configured here (set STRIPE_WEBHOOK_SECRET).");
  let event: Stripe.Event;
  try {
    event = verifier.webhooks.constructEvent(raw, signature ?? "", secret, TOLERANCE_SECONDS);
  } catch (error) {
    const reason = signature ? (error instanceof Error ? error.message.split("\n")[0]!.slice(0, 200) : "invalid signature") : "no Stripe-Signature header";
    // Anyone can post here: the audit log records the first refusals of each minute, the log all of them.
    if (refusalsThisMinute() <= REFUSALS_AUDITED_PER_MINUTE)
      await db.$transaction((tx) =>
        recordAudit(tx, { action: "stripe.webhook_refused", orgId: null, actor: STRIPE_ACTOR, target: { type: "stripe_webhook" }, meta, after: { reason, bytes: raw.length } }),
      );
    logger.warn({ requestId: meta.requestId, reason }, "stripe: webhook refused");
    throw new Invalid("invalid_signature", `The Stripe signature did not verify: ${reason}`);
  }
  const stored = await db.stripeEvent.createMany({
    data: [{ id: event.id, type: event.type, createdAt: new Date(event.created * 1000), payload: event as unknown as object }],
    skipDuplicates: true,
  });
  let outcome: string | null = null;
  try {
    outcome = await processStripeEvent(event.id);
  } catch (error) {
    // Stored: the stripe-events job tries again. Stripe need not resend it.
    logger.error({ err: error, eventId: event.id }, "stripe: webhook stored, processing failed (will be retried)");
  }
  return { received: true, duplicate: stored.count === 0, outcome };
}

type Row = { id: string; type: string; createdAt: Date; processedAt: Date | null; payload: unknown };

/** Applies a stored event once. Returns what it did, or null when it was done already. */
export async function processStripeEvent(id: string): Promise<string | null> {
  try {
    return await db.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<Row[]>`SELECT "id", "type", "createdAt", "processedAt", "payload" FROM "StripeEvent" WHERE "id" = ${id} FOR UPDATE`;
        if (!row || row.processedAt) return null;
        const outcome = await apply(tx, row.payload as Stripe.Event, row.createdAt);
        await tx.stripeEvent.update({ where: { id }, data: { processedAt: new Date(), outcome, attempts: { increment: 1 }, lastError: null } });
        return outcome;
        // A plan change bills the plan it leaves in the same transaction.
      },
      { timeout: 30_000 },
    );
  } catch (error) {
    await db.stripeEvent.updateMany({ where: { id, processedAt: null }, data: { attempts: { increment: 1 }, lastError: error instanceof Error ? error.message.slice(0, 500) : String(error) } });
    throw error;
  }
}

/** The stripe-events job: every stored event not applied yet, oldest first. */
export async function processPendingStripeEvents(limit = 500): Promise<{ processed: number; failed: number }> {
  const pending = await db.stripeEvent.findMany({
    where: { processedAt: null, attempts: { lt: MAX_ATTEMPTS } },
    orderBy: [{ attempts: "asc" }, { createdAt: "asc" }],
    take: limit,
    select: { id: true },
  });
  let failed = 0;
  for (const { id } of pending) {
    try {
      await processStripeEvent(id);
    } catch {
      failed++;
    }
  }
  return { processed: pending.length - failed, failed };
}

const STATUS_RANK: Record<string, number> = { draft: 0, open: 1, paid: 2, void: 2, uncollectible: 2 };

async function apply(tx: Tx, event: Stripe.Event, at: Date): Promise<string> {
  switch (event.type) {
    case "invoice.finalized":
    case "invoice.paid":
    case "invoice.payment_failed":
    case "invoice.voided":
    case "invoice.marked_uncollectible":
      return applyInvoiceEvent(tx, event.type, event.data.object, at);
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
      return applySubscriptionEvent(tx, event.type, event.data.object, at);
    case "checkout.session.completed":
      return applyCheckoutCompleted(tx, event.data.object);
    default:
      return "not_handled";
  }
}

async function applyInvoiceEvent(tx: Tx, type: string, object: Stripe.Invoice, at: Date): Promise<string> {
  const ourId = object.metadata?.tollgate_invoice_id;
  const found = await tx.invoice.findFirst({
    where: { OR: [{ stripeInvoiceId: object.id }, ...(ourId && UUID.test(ourId) ? [{ id: ourId }] : [])] },
    select: { id: true },
  });
  if (!found) return "unknown_invoice";
  // Events about one invoice apply one at a time (a void gives credits back once, whatever arrives together): locked, then read.
  await tx.$executeRaw`SELECT 1 FROM "Invoice" WHERE "id" = ${found.id}::uuid FOR UPDATE`;
  const invoice = await tx.invoice.findUniqueOrThrow({
    where: { id: found.id },
    select: { id: true, orgId: true, status: true, stripeEventAt: true, paymentFailedAt: true },
  });
  const newer = !invoice.stripeEventAt || at >= invoice.stripeEventAt;
  const next =
    type === "invoice.finalized" ? "open" : type === "invoice.paid" ? "paid" : type === "invoice.voided" ? "void" : type === "invoice.marked_uncollectible" ? "uncollectible" : invoice.status;
  // A paid invoice stays paid; an uncollectible one may still be paid.
  const forward = STATUS_RANK[next]! > STATUS_RANK[invoice.status]! || (invoice.status === "uncollectible" && next === "paid");
  const data: Record<string, unknown> = { stripeEventAt: newer ? at : invoice.stripeEventAt, stripeInvoiceId: object.id };
  if (object.number) data.number = object.number;
  if (object.hosted_invoice_url) data.hostedInvoiceUrl = object.hosted_invoice_url;
  let outcome = "stale";
  if (forward) {
    data.status = next;
    if (next === "paid") data.paidAt = at;
    outcome = `status_${next}`;
  }
  if (type === "invoice.payment_failed") {
    // A failure may arrive before the finalize event (or before the sender saved its answer): draft counts as open.
    if ((invoice.status === "open" || invoice.status === "draft") && newer) {
      data.paymentFailedAt = at;
      outcome = "payment_failed";
    }
  }
  await tx.invoice.update({ where: { id: invoice.id }, data });
  if (outcome === "payment_failed") {
    // The grace period starts at the first failure and runs until a payment.
    await tx.subscription.updateMany({ where: { orgId: invoice.orgId, pastDueSince: null }, data: { pastDueSince: at } });
    await tx.subscription.updateMany({ where: { orgId: invoice.orgId, status: { in: ["active", "trialing"] } }, data: { status: "past_due" } });
  }
  if (outcome === "status_void") {
    // Nothing was charged: the credits it used are given back (once: an invoice is voided once).
    const credits = await tx.invoiceLine.findMany({ where: { invoiceId: invoice.id, kind: "credit", creditGrantId: { not: null } }, select: { creditGrantId: true, amount: true } });
    for (const line of credits) await tx.creditGrant.update({ where: { id: line.creditGrantId! }, data: { remaining: { increment: -line.amount } } });
    if (credits.length)
      await recordAudit(tx, {
        action: "credit.returned",
        orgId: invoice.orgId,
        actor: STRIPE_ACTOR,
        target: { type: "invoice", id: invoice.id },
        meta: NO_META,
        after: { credits: credits.map((c) => ({ creditGrantId: c.creditGrantId, amount: -c.amount })) },
      });
  }
  if (outcome === "status_paid" || outcome === "status_void") {
    // Paid up when no other invoice still waits on a failed payment.
    const unpaid = await tx.invoice.count({ where: { orgId: invoice.orgId, id: { not: invoice.id }, OR: [{ status: "open", paymentFailedAt: { not: null } }, { status: "uncollectible" }] } });
    if (!unpaid) {
      await tx.subscription.updateMany({ where: { orgId: invoice.orgId, pastDueSince: { not: null } }, data: { pastDueSince: null } });
      await tx.subscription.updateMany({ where: { orgId: invoice.orgId, status: "past_due" }, data: { status: "active" } });
    }
  }
  if (outcome !== "stale")
    await recordAudit(tx, {
      action: `invoice.${outcome}`,
      orgId: invoice.orgId,
      actor: STRIPE_ACTOR,
      target: { type: "invoice", id: invoice.id },
      meta: NO_META,
      before: { status: invoice.status },
      after: { status: (data.status as string) ?? invoice.status, stripeInvoiceId: object.id },
    });
  return outcome;
}

async function applySubscriptionEvent(tx: Tx, type: string, object: Stripe.Subscription, at: Date): Promise<string> {
  const orgId = object.metadata?.tollgate_org_id;
  const sub = await tx.subscription.findFirst({
    where: { OR: [{ stripeSubscriptionId: object.id }, ...(orgId && UUID.test(orgId) ? [{ orgId }] : [])] },
    select: { id: true, orgId: true, stripeEventAt: true, status: true, plan: { select: { key: true } } },
  });
  if (!sub) return "unknown_subscription";
  if (sub.stripeEventAt && at < sub.stripeEventAt) return "stale";
  const data: Record<string, unknown> = { stripeSubscriptionId: object.id, stripeEventAt: at };
  if (type === "customer.subscription.deleted" || object.status === "canceled") {
    data.status = "canceled";
    data.canceledAt = object.canceled_at ? new Date(object.canceled_at * 1000) : at;
  } else {
    const planKey = object.metadata?.tollgate_plan;
    // Only plans the organization could choose itself (as in Checkout); billed up to now on the plan it leaves.
    const chosen = planKey && planKey !== sub.plan.key ? await getPlan(planKey).catch(() => null) : null;
    const plan = chosen && !chosen.archivedAt && chosen.selfServe ? chosen : null;
    // Back from a cancellation: a new start (its periods from now, not from the old anchor).
    if (plan || sub.status === "canceled") await changePlanIn(tx, sub.orgId, { plan: plan ?? (await getPlan(sub.plan.key)), at: onTheHour(new Date()) });
    if (object.status === "active" || object.status === "trialing") data.status = object.status;
    if (object.status === "past_due") data.status = "past_due";
    data.canceledAt = null;
  }
  await tx.subscription.update({ where: { id: sub.id }, data });
  // Canceled or back: the plan attribute authorization reads changes with it.
  if (data.status !== undefined && data.status !== sub.status && (data.status === "canceled" || sub.status === "canceled")) await bumpAuthzVersion(tx, sub.orgId);
  await recordAudit(tx, {
    action: "subscription.synced_from_stripe",
    orgId: sub.orgId,
    actor: STRIPE_ACTOR,
    target: { type: "subscription", id: sub.id },
    meta: NO_META,
    before: { status: sub.status, plan: sub.plan.key },
    after: { status: (data.status as string) ?? sub.status, stripeSubscriptionId: object.id, event: type },
  });
  return `subscription_${(data.status as string) ?? sub.status}`;
}

async function applyCheckoutCompleted(tx: Tx, session: Stripe.Checkout.Session): Promise<string> {
  const orgId = session.metadata?.tollgate_org_id ?? session.client_reference_id;
  if (!orgId || !UUID.test(orgId)) return "unknown_organization";
  const customer = typeof session.customer === "string" ? session.customer : (session.customer?.id ?? null);
  const org = await tx.organization.findUnique({ where: { id: orgId }, select: { id: true, stripeCustomerId: true } });
  if (!org) return "unknown_organization";
  if (customer && !org.stripeCustomerId) await tx.organization.update({ where: { id: orgId }, data: { stripeCustomerId: customer } });
  // A plan chosen in Checkout (lib/billing/billing-account.ts startCheckout):
  // the plan it leaves is billed up to now, and a period on the new one starts.
  const planKey = session.metadata?.tollgate_plan;
  const plan = planKey ? await getPlan(planKey).catch(() => null) : null;
  let outcome = "checkout_completed";
  // Checkout is only started for self-serve plans; metadata naming another plan changes nothing.
  if (plan && !plan.archivedAt && plan.selfServe) {
    const before = await tx.subscription.findUnique({ where: { orgId }, select: { status: true, plan: { select: { key: true } } } });
    if (before?.plan.key !== plan.key || before.status === "canceled") {
      await changePlanIn(tx, orgId, { plan, at: onTheHour(new Date()) });
      outcome = "plan_changed";
    }
  }
  await recordAudit(tx, {
    action: "billing.checkout_completed",
    orgId,
    actor: STRIPE_ACTOR,
    target: { type: "checkout_session", id: session.id },
    meta: NO_META,
    after: { customer, plan: plan?.key ?? null, outcome },
  });
  return outcome;
}
