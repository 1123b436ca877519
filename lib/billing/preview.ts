// The live invoice preview of an organization's current period: the base fee
// and each priced meter's usage so far (exact, from the rollups and the
// events not folded yet), priced by the plan. During a trial nothing is due.
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { readUsage } from "../usage/event-store.ts";
import { getMeter } from "../usage/meters.ts";
import { periodAt } from "./periods.ts";
import { getPlan, type Plan } from "./plans.ts";
import { priceQuantity, totalInvoice, type InvoiceLine } from "./pricing.ts";
import { subscriptionOf, type Subscription } from "./subscriptions.ts";

export type InvoicePreview = {
  subscription: Subscription;
  plan: Pick<Plan, "key" | "name" | "currency" | "interval" | "baseFee">;
  period: { start: string; end: string };
  trial: boolean;
  lines: Array<InvoiceLine & { meter: string | null; billableQuantity: string | null }>;
  subtotal: number;
  total: number;
};

export async function invoicePreview(ctx: OrgCtx, now = new Date()): Promise<InvoicePreview | null> {
  assertAllowed(ctx, "billing:read");
  const subscription = await subscriptionOf(ctx.orgId);
  if (!subscription) return null;
  const plan = await getPlan(subscription.plan);
  const trial = subscription.trialEndsAt !== null && now < subscription.trialEndsAt;
  const period = trial ? { start: subscription.startedAt, end: subscription.trialEndsAt! } : periodAt(subscription.anchorAt, plan.interval, now);
  const lines: InvoicePreview["lines"] = [{ description: `${plan.name} (${plan.interval}ly base fee)`, meter: null, quantity: null, billableQuantity: null, amount: trial ? 0 : plan.baseFee }];
  for (const price of plan.prices) {
    const meter = await getMeter(price.meter);
    const [usage] = await readUsage({ orgId: ctx.orgId, meter, from: period.start, to: period.end });
    const quantity = usage?.quantity ?? "0";
    const priced = priceQuantity({ price: price.price, includedQuantity: price.includedQuantity }, quantity);
    lines.push({ description: meter.name, meter: meter.key, quantity, billableQuantity: priced.billableQuantity, amount: trial ? 0 : priced.amount });
  }
  const totals = totalInvoice(lines, []);
  return {
    subscription,
    plan: { key: plan.key, name: plan.name, currency: plan.currency, interval: plan.interval, baseFee: plan.baseFee },
    period: { start: period.start.toISOString(), end: period.end.toISOString() },
    trial,
    lines,
    subtotal: totals.subtotal,
    total: totals.total,
  };
}

/** The preview for the API: an organization without a plan is a 404 there. */
export async function requireInvoicePreview(ctx: OrgCtx): Promise<InvoicePreview> {
  const preview = await invoicePreview(ctx);
  if (!preview) throw new NotFound("no_subscription", "This organization has no plan yet.");
  return preview;
}
