// Closing periods: when a subscription's period has ended (and the close
// delay passed), its invoice is computed from the usage of that period, priced
// by the plan, with corrections for usage that arrived late for periods
// already invoiced, less the organization's credits; it is stored as a draft
// in one transaction (one invoice per organization and period, whoever runs
// the job), and then sent to Stripe (stripe-sync.ts).
import { Decimal as BaseDecimal } from "decimal.js";
import { recordAudit } from "../audit/record-audit.ts";
import { db, type Tx } from "../db.ts";
import { env } from "../env.ts";
import { logger } from "../logger.ts";
import { readUsage, readUsageTotals } from "../usage/event-store.ts";
import { getMeter, type Meter } from "../usage/meters.ts";
import { periodAt, periodsBefore, type ClosingPeriod, type Period } from "./periods.ts";
import { getPlan, type Plan } from "./plans.ts";
import { MeterPrice, priceQuantity, totalInvoice, type PriceModel } from "./pricing.ts";

// Quantities have up to 48 significant digits: the default 20 would round them.
const Decimal = BaseDecimal.clone({ precision: 60 });
const MINUTE = 60_000;
const DAY = 86_400_000;
/** How many ended periods one run closes per organization (a long-stopped worker catches up over runs). */
const MAX_PERIODS_PER_RUN = 12;

export const BILLING_ACTOR = { userId: null, email: "Tollgate billing" };
const NO_META = { ip: null, userAgent: null };

type NewLine = {
  kind: "base" | "usage" | "correction" | "credit";
  meterId?: string;
  meterKey?: string;
  servicePeriodStart: Date;
  servicePeriodEnd: Date;
  description: string;
  quantity: string | null;
  amount: number;
  pricing?: MeterPrice;
  creditGrantId?: string;
};

const day = (d: Date) => d.toISOString().slice(0, 10);
const describePeriod = (start: Date, end: Date) => `${day(start)} to ${day(new Date(end.getTime() - 1))}`;

/** The periods of this subscription that have ended and have no invoice yet, oldest first. */
export function periodsToClose(sub: { anchorAt: Date; canceledAt: Date | null }, interval: "month" | "year", lastInvoicedEnd: Date | null, now: Date): Period[] {
  const closeBefore = new Date(now.getTime() - env().TOLLGATE_BILLING_CLOSE_DELAY_MINUTES * MINUTE);
  const out: Period[] = [];
  let cursor = lastInvoicedEnd && lastInvoicedEnd > sub.anchorAt ? lastInvoicedEnd : sub.anchorAt;
  while (out.length < MAX_PERIODS_PER_RUN) {
    const period = periodAt(sub.anchorAt, interval, cursor);
    // A plan change re-anchors: a period that starts before the last invoiced end was billed already.
    if (period.start < cursor) {
      cursor = period.end;
      continue;
    }
    if (period.end > closeBefore) break;
    if (sub.canceledAt && period.start >= sub.canceledAt) break;
    out.push(period);
    cursor = period.end;
  }
  return out;
}

export type MeterCache = Map<string, Promise<Meter>>;
function meterOf(cache: MeterCache, key: string): Promise<Meter> {
  if (!cache.has(key)) cache.set(key, getMeter(key));
  return cache.get(key)!;
}

/** The usage lines of a period: each priced meter's quantity (read, or `known` by meter key), priced. */
async function usageLines(orgId: string, plan: Plan, period: ClosingPeriod, meters: MeterCache, known?: Map<string, string>): Promise<NewLine[]> {
  const lines: NewLine[] = [];
  for (const price of plan.prices) {
    const meter = await meterOf(meters, price.meter);
    const quantity = known ? (known.get(meter.key) ?? "0") : ((await readUsage({ orgId, meter, from: period.start, to: period.end }))[0]?.quantity ?? "0");
    const pricing = MeterPrice.parse({ price: proratedTiers(price.price, period), includedQuantity: proratedIncluded(price.includedQuantity, period) });
    lines.push({
      kind: "usage",
      meterId: meter.id,
      meterKey: meter.key,
      servicePeriodStart: period.start,
      servicePeriodEnd: period.end,
      description: meter.name,
      quantity,
      amount: priceQuantity(pricing, quantity).amount,
      pricing,
    });
  }
  return lines;
}

/**
 * Usage that arrived after earlier periods were invoiced: for each metered
 * line of a period still open to late events, what it comes to now, priced as
 * it was then, less what was billed for it (its line and earlier corrections).
 */
async function correctionLines(tx: Tx, orgId: string, before: Date, now: Date): Promise<NewLine[]> {
  const lateSince = new Date(now.getTime() - (env().TOLLGATE_USAGE_MAX_AGE_DAYS + 1) * DAY);
  const billed = await tx.invoiceLine.findMany({
    where: { kind: { in: ["usage", "correction"] }, servicePeriodEnd: { gt: lateSince }, servicePeriodStart: { lt: before }, invoice: { orgId } },
    orderBy: [{ servicePeriodStart: "asc" }, { meterKey: "asc" }],
    select: { kind: true, meterKey: true, servicePeriodStart: true, servicePeriodEnd: true, description: true, quantity: true, amount: true, pricing: true },
  });
  const groups = new Map<string, typeof billed>();
  for (const line of billed) {
    const key = `${line.meterKey}|${line.servicePeriodStart.toISOString()}`;
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }
  const out: NewLine[] = [];
  for (const lines of groups.values()) {
    const original = lines.find((l) => l.kind === "usage");
    if (!original?.meterKey || !original.pricing) continue;
    const meter = await getMeter(original.meterKey);
    const period = { start: original.servicePeriodStart, end: original.servicePeriodEnd };
    const [usage] = await readUsage({ orgId, meter, from: period.start, to: period.end });
    const quantity = usage?.quantity ?? "0";
    const billedQuantity = lines.reduce((sum, l) => sum.plus(l.quantity ?? "0"), new Decimal(0));
    const billedAmount = lines.reduce((sum, l) => sum + l.amount, 0);
    const pricing = MeterPrice.parse(original.pricing);
    const amount = priceQuantity(pricing, quantity).amount - billedAmount;
    const change = new Decimal(quantity).minus(billedQuantity);
    if (amount === 0 && change.isZero()) continue;
    out.push({
      kind: "correction",
      meterId: meter.id,
      meterKey: meter.key,
      servicePeriodStart: period.start,
      servicePeriodEnd: period.end,
      description: `${meter.name}: late usage for ${describePeriod(period.start, period.end)}`,
      quantity: change.toFixed(),
      amount,
      pricing,
    });
  }
  return out;
}

/** Credits usable now in this currency: those that expire first are used first, then the oldest. */
async function usableCredits(tx: Tx, orgId: string, currency: string, now: Date) {
  const grants = await tx.creditGrant.findMany({
    where: { orgId, currency, voidedAt: null, remaining: { gt: 0 }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    orderBy: [{ expiresAt: { sort: "asc", nulls: "last" } }, { createdAt: "asc" }],
    select: { id: true, remaining: true, description: true, kind: true },
  });
  return grants;
}

export type { ClosingPeriod };

/** Milliseconds billed, and of the whole period, for a period cut short; null for a whole one. */
function shareOf(period: ClosingPeriod): { used: number; full: number } | null {
  if (!period.fullEnd) return null;
  return { used: period.end.getTime() - period.start.getTime(), full: period.fullEnd.getTime() - period.start.getTime() };
}

/** The base fee for the part of the period billed, rounded half up to the minor unit (exact: no floating point). */
export function proratedBaseFee(baseFee: number, period: ClosingPeriod): number {
  const share = shareOf(period);
  if (!share) return baseFee;
  const [used, full] = [BigInt(share.used), BigInt(share.full)];
  return Number((BigInt(baseFee) * used * 2n + full) / (2n * full));
}

/**
 * The included quantity for the part of the period billed, rounded down to
 * six decimal places: a period cut short by a plan change includes its share,
 * so changing plans back and forth never multiplies what is free.
 */
export function proratedIncluded(included: string, period: ClosingPeriod): string {
  const share = shareOf(period);
  if (!share) return included;
  return new Decimal(included).times(share.used).div(share.full).toDecimalPlaces(6, Decimal.ROUND_DOWN).toFixed();
}

/**
 * Tier bounds for the part of the period billed (rounded down to 18 places,
 * kept strictly increasing): a cheap first tier is a share of the period's too.
 */
export function proratedTiers(price: PriceModel, period: ClosingPeriod): PriceModel {
  const share = shareOf(period);
  if (!share || (price.model !== "graduated" && price.model !== "volume")) return price;
  const step = new Decimal("1e-18");
  let previous: InstanceType<typeof Decimal> | null = null;
  const tiers = price.tiers.map((tier) => {
    if (tier.upTo === null) return tier;
    let upTo = new Decimal(tier.upTo).times(share.used).div(share.full).toDecimalPlaces(18, Decimal.ROUND_DOWN);
    if (previous && upTo.lte(previous)) upTo = previous.plus(step);
    previous = upTo;
    return { ...tier, upTo: upTo.toFixed() };
  });
  return { ...price, tiers };
}

function baseLine(plan: Plan, period: ClosingPeriod): NewLine {
  const cut = period.fullEnd ? `, prorated: ${describePeriod(period.start, period.end)} of ${describePeriod(period.start, period.fullEnd)}` : `, ${describePeriod(period.start, period.end)}`;
  return {
    kind: "base",
    servicePeriodStart: period.start,
    servicePeriodEnd: period.end,
    description: `${plan.name} (${plan.interval}ly base fee${cut})`,
    quantity: null,
    amount: proratedBaseFee(plan.baseFee, period),
  };
}

/** Takes the organization's invoicing lock for the rest of the transaction: one biller at a time per organization. */
export async function lockInvoicing(tx: Tx, orgId: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`tollgate:invoice:${orgId}`}, 0))`;
}

/**
 * Computes and stores the invoice of one ended period (a draft), or finds the
 * one stored already. Runs under the organization's invoicing lock, so two
 * workers never bill a period twice or spend a credit twice. `expected` is
 * the subscription the period was computed from: if a plan change came in
 * between, nothing is written (the change billed what was due).
 */
export async function closePeriod(
  orgId: string,
  plan: Plan,
  period: ClosingPeriod,
  now = new Date(),
  meters: MeterCache = new Map(),
  known?: Map<string, string>,
  expected?: { anchorAt: Date },
): Promise<{ id: string | null; created: boolean }> {
  // Read before the transaction: usage reads go through the store's own connections.
  const usage = await usageLines(orgId, plan, period, meters, known);
  return db.$transaction(
    async (tx) => {
      await lockInvoicing(tx, orgId);
      if (expected) {
        const sub = await tx.subscription.findUnique({ where: { orgId }, select: { anchorAt: true, plan: { select: { key: true } } } });
        if (!sub || sub.plan.key !== plan.key || sub.anchorAt.getTime() !== expected.anchorAt.getTime()) return { id: null, created: false };
      }
      return writeInvoice(tx, orgId, plan, period, usage, now);
    },
    { timeout: 60_000 },
  );
}

/** Bills a period under the invoicing lock the caller holds (see plan-change.ts): usage read, priced and stored with corrections and credits. */
export async function closePeriodIn(tx: Tx, orgId: string, plan: Plan, period: ClosingPeriod, now: Date, meters: MeterCache = new Map()) {
  return writeInvoice(tx, orgId, plan, period, await usageLines(orgId, plan, period, meters), now);
}

async function writeInvoice(tx: Tx, orgId: string, plan: Plan, period: ClosingPeriod, usage: NewLine[], now: Date): Promise<{ id: string; created: boolean }> {
  const existing = await tx.invoice.findUnique({ where: { orgId_periodStart: { orgId, periodStart: period.start } }, select: { id: true } });
  if (existing) return { id: existing.id, created: false };
  const lines: NewLine[] = [baseLine(plan, period), ...usage, ...(await correctionLines(tx, orgId, period.start, now))];
  const grants = await usableCredits(tx, orgId, plan.currency, now);
  const totals = totalInvoice(
    lines,
    grants.map((g) => ({ creditId: g.id, remaining: g.remaining })),
  );
  for (const applied of totals.creditsApplied) {
    const grant = grants.find((g) => g.id === applied.creditId)!;
    // Guarded: a credit never goes below zero, whatever ran in between.
    const spent = await tx.creditGrant.updateMany({ where: { id: grant.id, remaining: { gte: applied.amount } }, data: { remaining: { decrement: applied.amount } } });
    if (spent.count !== 1) throw new Error(`billing: credit ${grant.id} changed while invoicing`);
    lines.push({
      kind: "credit",
      creditGrantId: grant.id,
      servicePeriodStart: period.start,
      servicePeriodEnd: period.end,
      description: `Credit: ${grant.description}`,
      quantity: null,
      amount: -applied.amount,
    });
  }
  const creditsApplied = totals.creditsApplied.reduce((sum, c) => sum + c.amount, 0);
  const invoice = await tx.invoice.create({
    data: {
      orgId,
      planKey: plan.key,
      currency: plan.currency,
      periodStart: period.start,
      periodEnd: period.end,
      status: "draft",
      subtotal: totals.subtotal,
      creditsApplied,
      total: totals.subtotal - creditsApplied,
      lines: {
        create: lines.map((line, position) => ({
          position,
          kind: line.kind,
          meterId: line.meterId ?? null,
          meterKey: line.meterKey ?? null,
          servicePeriodStart: line.servicePeriodStart,
          servicePeriodEnd: line.servicePeriodEnd,
          description: line.description,
          quantity: line.quantity,
          amount: line.amount,
          pricing: line.pricing,
          creditGrantId: line.creditGrantId ?? null,
        })),
      },
    },
    select: { id: true, total: true },
  });
  await recordAudit(tx, {
    action: "invoice.created",
    orgId,
    actor: BILLING_ACTOR,
    target: { type: "invoice", id: invoice.id },
    meta: NO_META,
    after: { period: describePeriod(period.start, period.end), plan: plan.key, total: invoice.total, currency: plan.currency, lines: lines.length, ...(period.fullEnd ? { prorated: true } : {}) },
  });
  return { id: invoice.id, created: true };
}

/** Closes every ended period of every subscription: returns the invoices made. */
/** Organizations closed at once: each is a few reads and one transaction, mostly waiting on the database. */
const CLOSING_CONCURRENCY = 4;
/** Organizations whose usage one statement reads. */
const USAGE_READ_BATCH = 500;

/** `until`: bill only up to then (the switch to Stripe meters): whole periods before it, and the one it cuts short. */
export async function closeDuePeriods(now = new Date(), onlyOrgIds?: string[], until?: Date): Promise<string[]> {
  const subscriptions = await db.subscription.findMany({
    where: onlyOrgIds ? { orgId: { in: onlyOrgIds } } : {},
    select: { orgId: true, anchorAt: true, canceledAt: true, plan: { select: { key: true } }, org: { select: { invoices: { orderBy: { periodEnd: "desc" }, take: 1, select: { periodEnd: true } } } } },
  });
  const plans = new Map<string, Promise<Plan>>();
  const meters: MeterCache = new Map();
  // What is due, grouped by plan and period: the usage of each group is read in a few statements, not one per organization.
  const groups = new Map<string, { plan: Plan; period: ClosingPeriod; orgIds: string[] }>();
  const anchors = new Map(subscriptions.map((s) => [s.orgId, s.anchorAt]));
  for (const sub of subscriptions) {
    if (!plans.has(sub.plan.key)) plans.set(sub.plan.key, getPlan(sub.plan.key));
    const plan = await plans.get(sub.plan.key)!;
    const lastEnd = sub.org.invoices[0]?.periodEnd ?? null;
    const closeBefore = now.getTime() - env().TOLLGATE_BILLING_CLOSE_DELAY_MINUTES * MINUTE;
    const due: ClosingPeriod[] = until ? periodsBefore(sub, plan.interval, lastEnd, until).filter((p) => p.end.getTime() <= closeBefore) : periodsToClose(sub, plan.interval, lastEnd, now);
    for (const period of due) {
      const key = `${plan.key}|${period.start.toISOString()}|${period.end.toISOString()}`;
      const group = groups.get(key) ?? { plan, period, orgIds: [] as string[] };
      group.orgIds.push(sub.orgId);
      groups.set(key, group);
    }
  }
  const made: string[] = [];
  const failed: string[] = [];
  // Oldest periods first, so that an organization's earlier period is closed before its next one.
  for (const { plan, period, orgIds } of [...groups.values()].sort((a, b) => a.period.start.getTime() - b.period.start.getTime())) {
    for (let at = 0; at < orgIds.length; at += USAGE_READ_BATCH) {
      const batch = orgIds.slice(at, at + USAGE_READ_BATCH);
      const known = new Map(batch.map((orgId) => [orgId, new Map<string, string>()]));
      for (const price of plan.prices) {
        const meter = await meterOf(meters, price.meter);
        for (const [orgId, quantity] of await readUsageTotals(batch, meter, period.start, period.end)) known.get(orgId)?.set(meter.key, quantity);
      }
      const queue = [...batch];
      await Promise.all(
        Array.from({ length: CLOSING_CONCURRENCY }, async () => {
          for (let orgId = queue.shift(); orgId; orgId = queue.shift()) {
            try {
              const invoice = await closePeriod(orgId, plan, period, now, meters, known.get(orgId), { anchorAt: anchors.get(orgId)! });
              if (invoice.created && invoice.id) made.push(invoice.id);
            } catch (error) {
              // One organization's problem must not hold up everyone's invoices: the job fails at the end and is retried.
              logger.error({ err: error, orgId, period: period.start.toISOString() }, "billing: closing a period failed");
              failed.push(orgId);
            }
          }
        }),
      );
    }
  }
  if (failed.length) throw new Error(`billing: closing failed for ${failed.length} organizations (${failed.slice(0, 5).join(", ")}); ${made.length} invoices were made`);
  return made;
}

/** Invoices computed but not yet sent (to Stripe, or finalized here), oldest first. */
export async function draftInvoices(limit = 5000): Promise<string[]> {
  return (await db.invoice.findMany({ where: { status: "draft" }, orderBy: { createdAt: "asc" }, take: limit, select: { id: true } })).map((i) => i.id);
}
