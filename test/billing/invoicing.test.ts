// Closing periods and sending invoices to Stripe (the local Stripe-compatible
// server, through the official SDK): one invoice per period, late usage as a
// correction on the next one, credits used first, and one Stripe invoice per
// invoice whatever fails on the way (500s, timeouts, a crash between steps).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDuePeriods, draftInvoices } from "../../lib/billing/invoicing.ts";
import { periodAt } from "../../lib/billing/periods.ts";
import { stripeFrom } from "../../lib/billing/stripe-client.ts";
import { sendInvoice, stripeCustomerFor } from "../../lib/billing/stripe-sync.ts";
import { db } from "../../lib/db.ts";
import { LocalStripe } from "../stripe/local-stripe.ts";
import { DAY, HOUR, invoicesOf, meteredPlan, sendTokens, subscribedOrg, tokenMeter } from "./billing-fixtures.ts";

let stripe: LocalStripe;
beforeAll(async () => {
  stripe = new LocalStripe();
  await stripe.listen();
});
afterAll(() => stripe.close());

const client = (options: { maxNetworkRetries?: number; timeout?: number } = {}) => stripeFrom(stripe.apiKey, stripe.url, options);
const stripeInvoicesOf = (orgId: string) => stripe.list("invoice").filter((i) => (i.metadata as Record<string, string>).tollgate_org_id === orgId);

/** An organization 45 days into a plan of 20.00 a month plus 0.5 cents a token above 100, with usage in its first period. */
async function orgWithClosedPeriod(tokens: number[] = [300, 50]) {
  const meter = await tokenMeter();
  const plan = await meteredPlan(meter);
  const t = await subscribedOrg(plan.key, 45);
  const first = periodAt(t.subscription.anchorAt, "month", t.subscription.anchorAt);
  await sendTokens(
    t.org.id,
    meter,
    tokens.map((n, i) => ({ at: new Date(first.start.getTime() + (i + 1) * DAY), tokens: n })),
  );
  return { ...t, meter, plan, first };
}

describe("closing periods", () => {
  it("makes one invoice for an ended period: base fee and usage priced by the plan", async () => {
    const { org, first } = await orgWithClosedPeriod();
    const made = await closeDuePeriods(new Date(), [org.id]);
    expect(made).toHaveLength(1);
    expect(await closeDuePeriods(new Date(), [org.id])).toEqual([]);
    const [invoice] = await invoicesOf(org.id);
    expect(invoice).toMatchObject({ status: "draft", periodStart: first.start, periodEnd: first.end, currency: "usd", subtotal: 2000 + 125, creditsApplied: 0, total: 2125 });
    expect(invoice!.lines.map((l) => [l.kind, l.quantity, l.amount])).toEqual([
      ["base", null, 2000],
      ["usage", "350", 125],
    ]);
  });

  it("does not close a period before it ends and the close delay has passed", async () => {
    const meter = await tokenMeter();
    const plan = await meteredPlan(meter);
    const { org, subscription } = await subscribedOrg(plan.key, 10);
    expect(await closeDuePeriods(new Date(), [org.id])).toEqual([]);
    const end = periodAt(subscription.anchorAt, "month", subscription.anchorAt).end;
    expect(await closeDuePeriods(new Date(end.getTime() + 30 * 60_000), [org.id])).toEqual([]);
    expect(await closeDuePeriods(new Date(end.getTime() + 61 * 60_000), [org.id])).toHaveLength(1);
  });

  it("bills usage that arrives after its period was invoiced as a correction on the next invoice", async () => {
    const { org, meter, first } = await orgWithClosedPeriod([300]);
    await closeDuePeriods(new Date(), [org.id]);
    // Late: two events for the first period, after its invoice.
    await sendTokens(org.id, meter, [
      { at: new Date(first.start.getTime() + 3 * DAY), tokens: 40 },
      { at: new Date(first.start.getTime() + 4 * DAY), tokens: 60.5 },
    ]);
    const second = periodAt(first.start, "month", first.end);
    await sendTokens(org.id, meter, [{ at: new Date(second.start.getTime() + HOUR), tokens: 150 }]);
    expect(await closeDuePeriods(new Date(second.end.getTime() + 2 * HOUR), [org.id])).toHaveLength(1);
    const [, next] = await invoicesOf(org.id);
    expect(next!.lines.map((l) => [l.kind, l.quantity, l.amount, l.servicePeriodStart.getTime()])).toEqual([
      ["base", null, 2000, second.start.getTime()],
      ["usage", "150", 25, second.start.getTime()],
      // 400.5 tokens now: 300.5 billable × 0.5 = 150.25 → 150 cents, less the 100 billed for 300 tokens.
      ["correction", "100.5", 50, first.start.getTime()],
    ]);
    expect(next!.lines[2]!.description).toMatch(/late usage for/);
    expect(next!.total).toBe(2075);
  });

  it("uses credits before anything is charged: soonest to expire first, never an expired one", async () => {
    const { org } = await orgWithClosedPeriod();
    const now = new Date();
    await db.creditGrant.createMany({
      data: [
        { orgId: org.id, kind: "prepaid", currency: "usd", amount: 1000, remaining: 1000, description: "Prepaid" },
        { orgId: org.id, kind: "promotional", currency: "usd", amount: 500, remaining: 500, description: "Welcome", expiresAt: new Date(now.getTime() + 5 * DAY) },
        { orgId: org.id, kind: "promotional", currency: "usd", amount: 9999, remaining: 9999, description: "Expired", expiresAt: new Date(now.getTime() - DAY) },
        { orgId: org.id, kind: "promotional", currency: "eur", amount: 9999, remaining: 9999, description: "Other currency" },
      ],
    });
    await closeDuePeriods(now, [org.id]);
    const [invoice] = await invoicesOf(org.id);
    expect(invoice).toMatchObject({ subtotal: 2125, creditsApplied: 1500, total: 625 });
    expect(invoice!.lines.filter((l) => l.kind === "credit").map((l) => [l.description, l.amount])).toEqual([
      ["Credit: Welcome", -500],
      ["Credit: Prepaid", -1000],
    ]);
    const grants = await db.creditGrant.findMany({ where: { orgId: org.id }, orderBy: { description: "asc" } });
    expect(grants.map((g) => [g.description, g.remaining])).toEqual([
      ["Expired", 9999],
      ["Other currency", 9999],
      ["Prepaid", 0],
      ["Welcome", 0],
    ]);
  });

  it("closes a period once when two workers run at the same time", async () => {
    const { org } = await orgWithClosedPeriod();
    const [a, b] = await Promise.all([closeDuePeriods(new Date(), [org.id]), closeDuePeriods(new Date(), [org.id])]);
    expect(a.length + b.length).toBe(1);
    expect(await invoicesOf(org.id)).toHaveLength(1);
  });
});

describe("sending invoices to Stripe", () => {
  it("makes the customer, the invoice and its items, and finalizes it; a second run does nothing", async () => {
    const { org } = await orgWithClosedPeriod();
    const [id] = await closeDuePeriods(new Date(), [org.id]);
    expect(await draftInvoices()).toContain(id);
    const result = await sendInvoice(id!, client());
    expect(result.status).toBe("sent");
    const [invoice] = await invoicesOf(org.id);
    expect(invoice).toMatchObject({ status: "open", stripeInvoiceId: result.stripeInvoiceId });
    expect(invoice!.number).toMatch(/^TG-/);
    expect(invoice!.hostedInvoiceUrl).toContain(result.stripeInvoiceId);
    const [remote] = stripeInvoicesOf(org.id);
    expect(remote).toMatchObject({ status: "open", total: 2125, customer: (await db.organization.findUniqueOrThrow({ where: { id: org.id } })).stripeCustomerId });
    expect((remote!.lines as { data: Array<{ amount: number }> }).data.map((l) => l.amount)).toEqual([2000, 125]);
    expect(await sendInvoice(id!, client())).toMatchObject({ status: "already_sent" });
    expect(stripeInvoicesOf(org.id)).toHaveLength(1);
    expect(await draftInvoices()).not.toContain(id);
  });

  it("makes one Stripe invoice when Stripe answers 500 or times out while finalizing (the SDK retries with the same key)", async () => {
    const { org } = await orgWithClosedPeriod();
    const [id] = await closeDuePeriods(new Date(), [org.id]);
    stripe.fail({ method: "POST", path: /\/finalize$/, mode: "error", times: 2 });
    stripe.fail({ method: "POST", path: /^\/v1\/invoiceitems$/, mode: "timeout", times: 1, delayMs: 1500 });
    await sendInvoice(id!, client({ maxNetworkRetries: 3, timeout: 1000 }));
    const remote = stripeInvoicesOf(org.id);
    expect(remote).toHaveLength(1);
    expect(remote[0]).toMatchObject({ status: "open", total: 2125 });
    expect(stripe.list("invoiceitem").filter((i) => i.invoice === remote[0]!.id)).toHaveLength(2);
  });

  it("finishes the same Stripe invoice after a run that died between steps, even with its ids unsaved", async () => {
    const { org } = await orgWithClosedPeriod();
    const [id] = await closeDuePeriods(new Date(), [org.id]);
    // The first run dies at finalize: the invoice and its items exist in Stripe.
    stripe.fail({ method: "POST", path: /\/finalize$/, mode: "error", times: 5 });
    await expect(sendInvoice(id!, client({ maxNetworkRetries: 0 }))).rejects.toThrow();
    stripe.clearFaults();
    // As if it died before saving what Stripe had made.
    await db.invoice.update({ where: { id: id! }, data: { stripeInvoiceId: null } });
    await db.invoiceLine.updateMany({ where: { invoiceId: id! }, data: { stripeInvoiceItemId: null } });
    await sendInvoice(id!, client());
    const remote = stripeInvoicesOf(org.id);
    expect(remote).toHaveLength(1);
    expect(remote[0]).toMatchObject({ status: "open", total: 2125 });
    expect(stripe.list("invoiceitem").filter((i) => i.invoice === remote[0]!.id)).toHaveLength(2);
    expect((await invoicesOf(org.id))[0]).toMatchObject({ status: "open", stripeInvoiceId: remote[0]!.id });
  });

  it("finds the Stripe customer a run made but never saved, after Stripe's 24 hours of idempotency, instead of making a second", async () => {
    const { org } = await orgWithClosedPeriod();
    // Made by a run that died before saving it; its idempotency key has long expired (another key here).
    const orphan = await client().customers.create({ name: org.name, metadata: { tollgate_org_id: org.id } }, { idempotencyKey: `expired-${org.id}` });
    expect(await stripeCustomerFor(client(), org.id)).toBe(orphan.id);
    expect((await db.organization.findUniqueOrThrow({ where: { id: org.id } })).stripeCustomerId).toBe(orphan.id);
    expect(stripe.list("customer").filter((c) => (c.metadata as Record<string, string>).tollgate_org_id === org.id)).toHaveLength(1);
  });

  it("without Stripe, an invoice is finalized here", async () => {
    const { org } = await orgWithClosedPeriod();
    const [id] = await closeDuePeriods(new Date(), [org.id]);
    expect(await sendInvoice(id!, null)).toEqual({ status: "kept_here", stripeInvoiceId: null });
    expect((await invoicesOf(org.id))[0]).toMatchObject({ status: "open", stripeInvoiceId: null });
  });
});
