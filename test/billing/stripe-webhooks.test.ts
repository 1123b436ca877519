// Stripe's webhooks over HTTP, sent and signed by the local Stripe: a paid
// invoice turns paid, each event acts once however often it comes, older
// events never overwrite newer state, a failed payment starts the grace
// period, and a bad signature is refused, recorded, and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entitlementsOf } from "../../lib/billing/entitlements.ts";
import { closeDuePeriods } from "../../lib/billing/invoicing.ts";
import { stripeFrom } from "../../lib/billing/stripe-client.ts";
import { sendInvoice } from "../../lib/billing/stripe-sync.ts";
import { processPendingStripeEvents } from "../../lib/billing/stripe-webhooks.ts";
import { getOrgIndex } from "../../lib/authz/org-index-cache.ts";
import { db } from "../../lib/db.ts";
import { until } from "../helpers.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { LocalStripe } from "../stripe/local-stripe.ts";
import { DAY, HOUR, invoicesOf, meteredPlan, sendTokens, subscribedOrg, tokenMeter } from "./billing-fixtures.ts";
import { periodAt } from "../../lib/billing/periods.ts";

const { call, baseUrl } = useMachineServer();
let stripe: LocalStripe;
beforeAll(async () => {
  stripe = new LocalStripe({ webhookSecret: process.env.STRIPE_WEBHOOK_SECRET, webhookUrl: `${baseUrl()}/api/webhooks/stripe` });
  await stripe.listen();
});
afterAll(() => stripe.close());

/** An organization whose first period was invoiced and sent to Stripe (finalized there). */
async function sentInvoice(options: { fallbackEntitlements?: { members: number; sso: boolean }; credit?: number } = {}) {
  const meter = await tokenMeter();
  const plan = await meteredPlan(meter, { entitlements: { members: 50, sso: true }, fallbackEntitlements: options.fallbackEntitlements });
  const t = await subscribedOrg(plan.key, 45);
  if (options.credit)
    await db.creditGrant.create({ data: { orgId: t.org.id, kind: "promotional", currency: "usd", amount: options.credit, remaining: options.credit, description: "Welcome credit" } });
  const first = periodAt(t.subscription.anchorAt, "month", t.subscription.anchorAt);
  await sendTokens(t.org.id, meter, [{ at: new Date(first.start.getTime() + DAY), tokens: 500 }]);
  const [id] = await closeDuePeriods(new Date(), [t.org.id]);
  const { stripeInvoiceId } = await sendInvoice(id!, stripeFrom(stripe.apiKey, stripe.url));
  await stripe.settled();
  return { ...t, invoiceId: id!, stripeInvoiceId: stripeInvoiceId! };
}
const ourInvoice = (id: string) => db.invoice.findUniqueOrThrow({ where: { id } });
const eventsOf = (stripeInvoiceId: string, type: string) => stripe.events.filter((e) => e.type === type && e.object.id === stripeInvoiceId);

describe("Stripe webhooks", () => {
  it("turn an invoice paid when Stripe says so, storing each event once", async () => {
    const { invoiceId, stripeInvoiceId } = await sentInvoice();
    expect(eventsOf(stripeInvoiceId, "invoice.finalized")).toHaveLength(1);
    stripe.payInvoice(stripeInvoiceId);
    await stripe.settled();
    expect(await ourInvoice(invoiceId)).toMatchObject({ status: "paid" });
    const paid = eventsOf(stripeInvoiceId, "invoice.paid")[0]!;
    expect(await db.stripeEvent.findUnique({ where: { id: paid.id } })).toMatchObject({ type: "invoice.paid", outcome: "status_paid", attempts: 1 });
  });

  it("act once on a repeated or concurrent delivery", async () => {
    const { org, invoiceId, stripeInvoiceId } = await sentInvoice();
    stripe.delivery = "manual";
    try {
      stripe.payInvoice(stripeInvoiceId);
      const paid = eventsOf(stripeInvoiceId, "invoice.paid")[0]!;
      const statuses = await Promise.all([stripe.deliver(paid.id), stripe.deliver(paid.id), stripe.deliver(paid.id)]);
      expect(statuses).toEqual([200, 200, 200]);
      const again = await call("POST", "/api/webhooks/stripe", { rawBody: Buffer.from(paid.payload), headers: { "stripe-signature": stripe.signature(paid.payload) } });
      expect(again.body).toEqual({ received: true, duplicate: true, outcome: null });
    } finally {
      stripe.delivery = "auto";
    }
    expect(await ourInvoice(invoiceId)).toMatchObject({ status: "paid" });
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "invoice.status_paid" } })).toBe(1);
  });

  it("never let an older event overwrite newer state when deliveries come out of order", async () => {
    const { org, invoiceId, stripeInvoiceId } = await sentInvoice();
    stripe.delivery = "manual";
    try {
      stripe.failInvoicePayment(stripeInvoiceId);
      const failed = eventsOf(stripeInvoiceId, "invoice.payment_failed")[0]!;
      stripe.payInvoice(stripeInvoiceId);
      const paid = eventsOf(stripeInvoiceId, "invoice.paid")[0]!;
      // Stripe's clock: the failure came first. Deliver the payment first.
      const older = { ...JSON.parse(failed.payload), created: JSON.parse(paid.payload).created - 5 };
      failed.payload = JSON.stringify(older);
      expect(await stripe.deliver(paid.id)).toBe(200);
      expect(await stripe.deliver(failed.id)).toBe(200);
      // And the finalize event, last of all.
      expect(await stripe.deliver(eventsOf(stripeInvoiceId, "invoice.finalized")[0]!.id)).toBe(200);
    } finally {
      stripe.delivery = "auto";
    }
    expect(await ourInvoice(invoiceId)).toMatchObject({ status: "paid", paymentFailedAt: null });
    const sub = await db.subscription.findUniqueOrThrow({ where: { orgId: org.id } });
    expect(sub).toMatchObject({ status: "active", pastDueSince: null });
  });

  it("start the grace period on a failed payment, then limit the organization to the fallback entitlements, until it pays", async () => {
    const { org, invoiceId, stripeInvoiceId } = await sentInvoice({ fallbackEntitlements: { members: 3, sso: false } });
    expect(await entitlementsOf(org.id)).toMatchObject({ source: "plan", entitlements: { members: 50, sso: true } });
    stripe.failInvoicePayment(stripeInvoiceId);
    await stripe.settled();
    const sub = await db.subscription.findUniqueOrThrow({ where: { orgId: org.id } });
    expect(sub.status).toBe("past_due");
    expect(sub.pastDueSince).not.toBeNull();
    expect((await ourInvoice(invoiceId)).paymentFailedAt).not.toBeNull();
    expect(await entitlementsOf(org.id)).toMatchObject({ source: "plan" });
    expect(await entitlementsOf(org.id, new Date(Date.now() + 8 * DAY))).toMatchObject({ source: "fallback", entitlements: { members: 3, sso: false } });
    stripe.payInvoice(stripeInvoiceId);
    await stripe.settled();
    expect(await entitlementsOf(org.id, new Date(Date.now() + 8 * DAY))).toMatchObject({ source: "plan", pastDueSince: null });
    expect((await db.subscription.findUniqueOrThrow({ where: { orgId: org.id } })).status).toBe("active");
  });

  it("record a failed payment that arrives before the invoice's finalize event was applied", async () => {
    const { org, invoiceId, stripeInvoiceId } = await sentInvoice();
    // As if the sender had not yet saved Stripe's answer to finalize.
    await db.invoice.update({ where: { id: invoiceId }, data: { status: "draft", stripeEventAt: null } });
    stripe.failInvoicePayment(stripeInvoiceId);
    await stripe.settled();
    expect((await ourInvoice(invoiceId)).paymentFailedAt).not.toBeNull();
    expect((await db.subscription.findUniqueOrThrow({ where: { orgId: org.id } })).pastDueSince).not.toBeNull();
  });

  it("refuse a bad, missing or stale signature, record it, and store nothing", async () => {
    const { stripeInvoiceId, invoiceId } = await sentInvoice();
    stripe.delivery = "manual";
    let paid;
    try {
      stripe.payInvoice(stripeInvoiceId);
      paid = eventsOf(stripeInvoiceId, "invoice.paid")[0]!;
    } finally {
      stripe.delivery = "auto";
    }
    const refusedBefore = await db.auditEvent.count({ where: { action: "stripe.webhook_refused" } });
    const attempts: Array<Record<string, string>> = [
      { "stripe-signature": stripe.signature(paid.payload, undefined, "whsec_someone_else") },
      {},
      { "stripe-signature": stripe.signature(paid.payload, Math.floor(Date.now() / 1000) - 600) },
      { "stripe-signature": stripe.signature(paid.payload.replace('"paid"', '"void"')) },
    ];
    for (const headers of attempts) {
      const answer = await call("POST", "/api/webhooks/stripe", { rawBody: Buffer.from(paid.payload), headers });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("invalid_signature");
    }
    // The body must be the bytes that were signed: re-serialised JSON does not verify.
    const reformatted = JSON.stringify(JSON.parse(paid.payload));
    expect((await call("POST", "/api/webhooks/stripe", { rawBody: Buffer.from(reformatted), headers: { "stripe-signature": stripe.signature(paid.payload) } })).status).toBe(400);
    expect(await db.auditEvent.count({ where: { action: "stripe.webhook_refused" } })).toBe(refusedBefore + 5);
    expect(await db.stripeEvent.findUnique({ where: { id: paid.id } })).toBeNull();
    expect(await ourInvoice(invoiceId)).toMatchObject({ status: "open" });
  });

  it("store an event whose processing failed, and apply it later from the stripe-events job", async () => {
    const { invoiceId, stripeInvoiceId } = await sentInvoice();
    stripe.delivery = "manual";
    try {
      stripe.payInvoice(stripeInvoiceId);
      const paid = eventsOf(stripeInvoiceId, "invoice.paid")[0]!;
      // Processing fails (a trigger refuses this invoice's update), after the event was stored.
      const fail = `invoice_fail_${invoiceId.slice(0, 8)}`;
      await db.$executeRawUnsafe(`CREATE FUNCTION ${fail}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'database hiccup'; END $$`);
      await db.$executeRawUnsafe(`CREATE TRIGGER ${fail} BEFORE UPDATE ON "Invoice" FOR EACH ROW WHEN (NEW.id = '${invoiceId}') EXECUTE FUNCTION ${fail}()`);
      try {
        expect(await stripe.deliver(paid.id)).toBe(200);
      } finally {
        await db.$executeRawUnsafe(`DROP TRIGGER ${fail} ON "Invoice"`);
        await db.$executeRawUnsafe(`DROP FUNCTION ${fail}()`);
      }
      const stored = await db.stripeEvent.findUniqueOrThrow({ where: { id: paid.id } });
      expect(stored).toMatchObject({ processedAt: null, attempts: 1 });
      expect(stored.lastError).toMatch(/database hiccup/);
      expect(await ourInvoice(invoiceId)).toMatchObject({ status: "open" });
      expect((await processPendingStripeEvents()).failed).toBe(0);
      expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: paid.id } })).toMatchObject({ outcome: "status_paid", attempts: 2 });
      expect(await ourInvoice(invoiceId)).toMatchObject({ status: "paid" });
    } finally {
      stripe.delivery = "auto";
    }
  });

  it("follow the subscription's changes in Stripe: a self-serve plan chosen there (prorated), a cancellation, and never an older event after them", async () => {
    const meter = await tokenMeter();
    const starter = await meteredPlan(meter, { name: "Starter", selfServe: true });
    const scale = await meteredPlan(meter, { name: "Scale", baseFee: 9900, selfServe: true });
    const internal = await meteredPlan(meter, { name: "Internal", baseFee: 0 });
    const t = await subscribedOrg(starter.key, 10);
    const stripeSubscription = stripe.createSubscription({ metadata: { tollgate_org_id: t.org.id, tollgate_plan: starter.key } }).id;
    await stripe.settled();
    const ours = () => db.subscription.findUniqueOrThrow({ where: { orgId: t.org.id }, include: { plan: true } });
    expect((await ours()).stripeSubscriptionId).toBe(stripeSubscription);

    // A plan the organization could not choose itself changes nothing.
    stripe.updateSubscription(stripeSubscription, { metadata: { tollgate_plan: internal.key } });
    await stripe.settled();
    expect((await ours()).plan.key).toBe(starter.key);
    // A self-serve plan: the plan left is billed up to now.
    stripe.updateSubscription(stripeSubscription, { metadata: { tollgate_plan: scale.key } });
    await stripe.settled();
    const moved = await ours();
    expect(moved.plan.key).toBe(scale.key);
    expect(await db.invoice.findFirst({ where: { orgId: t.org.id, planKey: starter.key, periodEnd: moved.anchorAt } })).not.toBeNull();
    expect((await getOrgIndex(t.org.id)).plan).toBe(scale.key);

    // Canceled in Stripe: canceled here, and the plan is gone from authorization's view.
    stripe.delivery = "manual";
    try {
      stripe.updateSubscription(stripeSubscription, { status: "active" });
      const older = stripe.events.at(-1)!;
      stripe.cancelSubscription(stripeSubscription);
      expect(await stripe.deliver(stripe.events.at(-1)!.id)).toBe(200);
      // The update made before the cancellation arrives after it: stale, ignored.
      const payload = JSON.parse(older.payload) as { created: number };
      payload.created -= 5;
      older.payload = JSON.stringify(payload);
      expect(await stripe.deliver(older.id)).toBe(200);
    } finally {
      stripe.delivery = "auto";
    }
    expect(await ours()).toMatchObject({ status: "canceled" });
    await until("the index to drop the plan", async () => (await getOrgIndex(t.org.id)).plan === null);
    // Subscribed again in Stripe, on the same plan: a new start, so the canceled months are never billed.
    stripe.createSubscription({ metadata: { tollgate_org_id: t.org.id, tollgate_plan: scale.key } });
    await stripe.settled();
    const revived = await ours();
    expect(revived).toMatchObject({ status: "active", canceledAt: null });
    expect(Date.now() - revived.anchorAt.getTime()).toBeLessThan(HOUR + 60_000);
  });

  it("give back the credits a voided invoice used, once", async () => {
    const { org, invoiceId, stripeInvoiceId } = await sentInvoice({ credit: 500 });
    const credit = () => db.creditGrant.findFirstOrThrow({ where: { orgId: org.id } });
    expect((await credit()).remaining).toBe(0);
    await stripeFrom(stripe.apiKey, stripe.url).invoices.voidInvoice(stripeInvoiceId);
    await stripe.settled();
    expect((await ourInvoice(invoiceId)).status).toBe("void");
    expect((await credit()).remaining).toBe(500);
    // The event again changes nothing.
    const voided = stripe.events.find((e) => e.type === "invoice.voided" && e.object.id === stripeInvoiceId)!;
    expect(await stripe.deliver(voided.id)).toBe(200);
    expect((await credit()).remaining).toBe(500);
  });

  it("say an unknown invoice is unknown, and tell Stripe the event was received", async () => {
    const customer = await stripe.client().customers.create({ name: "Not ours" });
    const invoice = await stripe.client().invoices.create({ customer: customer.id });
    await stripe.client().invoices.finalizeInvoice(invoice.id);
    await stripe.settled();
    const finalized = stripe.events.find((e) => e.type === "invoice.finalized" && e.object.id === invoice.id)!;
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: finalized.id } })).toMatchObject({ outcome: "unknown_invoice" });
    expect(stripe.deliveries.filter((d) => d.eventId === finalized.id).map((d) => d.status)).toEqual([200]);
    expect(await invoicesOf("00000000-0000-0000-0000-000000000000")).toEqual([]);
  });
});
