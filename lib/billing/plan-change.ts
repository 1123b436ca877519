// Changing an organization's plan, prorated as Lago and Stripe (with a new
// billing anchor) do: the plan it leaves is billed up to the change on an
// invoice of its own (every period not yet invoiced, the last one cut short:
// its base fee for the part used, its usage so far), and the new plan starts
// a period at the change. Usage that arrives late for the part before the
// change is a correction on the next invoice, priced as the old plan priced it.
// Every path that changes a plan (instance admins, Checkout, Stripe's
// subscription events) goes through changePlanIn, inside its own transaction.
import { bumpAuthzVersion } from "../authz/org-index-cache.ts";
import type { Tx } from "../db.ts";
import { Conflict } from "../errors.ts";
import { closePeriodIn, lockInvoicing, type MeterCache } from "./invoicing.ts";
import { billingSettings } from "./billing-settings.ts";
import { periodsBefore } from "./periods.ts";
import { getPlan, type Plan } from "./plans.ts";

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Usage is kept by the hour, so plans change on the hour. */
export const onTheHour = (at: Date) => new Date(Math.floor(at.getTime() / HOUR) * HOUR);

export type PlanChange = { plan: Plan; at: Date; status?: "active" | "trialing" };

/**
 * In the caller's transaction: bills what the current plan is owed up to
 * `at`, then puts the organization on `plan` from `at`. A trial still running
 * carries over (a change starts no new trial); a first plan gets its own
 * trial; a debt (past_due) stays until it is paid. Returns the invoices made.
 */
export async function changePlanIn(tx: Tx, orgId: string, { plan, at }: PlanChange, now = new Date()): Promise<{ invoiceIds: string[]; subscriptionId: string; before: string | null }> {
  await lockInvoicing(tx, orgId);
  const current = await tx.subscription.findUnique({
    where: { orgId },
    select: { startedAt: true, anchorAt: true, canceledAt: true, status: true, trialEndsAt: true, pastDueSince: true, plan: { select: { key: true } } },
  });
  const invoiceIds: string[] = [];
  let trialEndsAt: Date | null = null;
  if (current) {
    const last = await tx.invoice.findFirst({ where: { orgId }, orderBy: { periodEnd: "desc" }, select: { periodEnd: true } });
    if (at > now) throw new Conflict("plan_change_in_future", "A plan change takes effect now or at a past hour; it cannot be scheduled.");
    // Never dated before the plan it replaces began, or (after a cancellation) before it ended: that time was not on any plan.
    const floor = onTheHour(current.canceledAt && current.canceledAt > current.startedAt ? current.canceledAt : current.startedAt);
    if (at < floor)
      throw new Conflict("plan_change_before_start", `A plan change can take effect no earlier than ${floor.toISOString()}, when the current plan ${current.canceledAt ? "ended" : "began"}.`);
    if (last && at < last.periodEnd) {
      throw new Conflict("plan_change_before_invoiced", `A plan change can take effect no earlier than ${last.periodEnd.toISOString()}, the end of the last invoiced period.`);
    }
    const leaving = await getPlan(current.plan.key);
    const meters: MeterCache = new Map();
    // Priced in Stripe since the switch: Tollgate bills only what came before it.
    const settings = await billingSettings();
    const billUntil = settings.mode === "stripe_meters" ? new Date(Math.min(at.getTime(), settings.since?.getTime() ?? 0)) : at;
    for (const period of periodsBefore(current, leaving.interval, last?.periodEnd ?? null, billUntil)) {
      const invoice = await closePeriodIn(tx, orgId, leaving, period, now, meters);
      if (invoice.created) invoiceIds.push(invoice.id);
    }
    if (current.status !== "canceled" && current.trialEndsAt && current.trialEndsAt > at) trialEndsAt = current.trialEndsAt;
  } else if (plan.trialDays > 0) {
    trialEndsAt = new Date(at.getTime() + plan.trialDays * DAY);
  }
  const data = {
    planId: plan.id,
    status: current?.status === "past_due" ? "past_due" : trialEndsAt && trialEndsAt > now ? "trialing" : "active",
    pastDueSince: current?.pastDueSince ?? null,
    startedAt: at,
    trialEndsAt,
    anchorAt: trialEndsAt ?? at,
    canceledAt: null,
  };
  const subscription = await tx.subscription.upsert({ where: { orgId }, create: { orgId, ...data }, update: data, select: { id: true } });
  // The plan is an attribute authorization reads (grant conditions): every process reloads the organization.
  await bumpAuthzVersion(tx, orgId);
  return { invoiceIds, subscriptionId: subscription.id, before: current?.plan.key ?? null };
}
