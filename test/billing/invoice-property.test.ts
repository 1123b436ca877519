// The property: for random events (with repeated ids), plans and credits,
// the invoice of a closed period (whole, or cut short by a plan change and
// prorated) equals, to the minor unit, a plain
// recomputation from the raw events sent, written here independently of
// lib/ (its own aggregation, pricing and rounding, in decimal.js).
import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closeDuePeriods } from "../../lib/billing/invoicing.ts";
import { periodAt } from "../../lib/billing/periods.ts";
import { createPlan } from "../../lib/billing/plans.ts";
import { subscribeOrganization } from "../../lib/billing/subscriptions.ts";
import { db } from "../../lib/db.ts";
import { ingestUsage } from "../../lib/usage/ingest.ts";
import { createMeter, type Meter } from "../../lib/usage/meters.ts";
import { admin, DAY, HOUR, suffix } from "./billing-fixtures.ts";

const D = Decimal.clone({ precision: 80 });
const CASES = 200;
const nextPlan = await createPlan(admin, { key: `prop-next-${suffix()}`, name: "Next", currency: "usd", interval: "month", baseFee: 777 });

// One meter per aggregation (and a filtered one), shared by every case: each case is its own organization.
const type = `prop_${suffix()}`;
const meters: Meter[] = [];
for (const [aggregation, extra] of [
  ["count", {}],
  ["count", { filter: { region: "eu" } }],
  ["sum", { valueProperty: "v" }],
  ["max", { valueProperty: "v" }],
  ["unique_count", { valueProperty: "user" }],
  ["latest", { valueProperty: "v" }],
] as const) {
  meters.push(await createMeter(admin, { key: `prop_${aggregation}_${suffix()}`, name: aggregation, eventType: type, aggregation, ...extra }));
}

type Tier = { upTo: string | null; unitPrice: string; flatPrice: number };
type Price = { model: "per_unit"; unitPrice: string } | { model: "package"; packageSize: string; packagePrice: number } | { model: "graduated" | "volume"; tiers: Tier[] };

const decimalText = (max: number, places: number) => fc.integer({ min: 0, max: max * 10 ** places }).map((n) => new D(n).div(10 ** places).toFixed());
const tiers = fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 0, maxLength: 3 }).chain((ends) => {
  const sorted = [...ends].sort((a, b) => a - b);
  return fc.tuple(...[...sorted.map(String), null].map((upTo) => fc.record({ upTo: fc.constant(upTo), unitPrice: decimalText(50, 3), flatPrice: fc.integer({ min: 0, max: 500 }) })));
});
const price: fc.Arbitrary<Price> = fc.oneof(
  fc.record({ model: fc.constant("per_unit" as const), unitPrice: decimalText(100, 4) }),
  fc.record({ model: fc.constant("package" as const), packageSize: fc.integer({ min: 1, max: 50 }).map(String), packagePrice: fc.integer({ min: 0, max: 5000 }) }),
  fc.record({ model: fc.constantFrom("graduated" as const, "volume" as const), tiers }),
);
const event = fc.record({
  slot: fc.integer({ min: 0, max: 9 }),
  // Before the period, in it, or after it (sent since it ended).
  where: fc.constantFrom("before", "in", "in", "in", "in", "after"),
  v: fc.oneof(decimalText(1000, 3), fc.integer({ min: 0, max: 100_000 })),
  user: fc.constantFrom("ann", "bob", "cy", "di"),
  region: fc.constantFrom("eu", "us"),
  otherType: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
});
const caseArb = fc.record({
  baseFee: fc.integer({ min: 0, max: 100_000 }),
  prices: fc.array(fc.record({ price, included: decimalText(20, 1) }), { minLength: meters.length, maxLength: meters.length }),
  priced: fc.array(fc.boolean(), { minLength: meters.length, maxLength: meters.length }),
  // Events by batch; `repeat` sends an earlier event's id again (with other properties).
  batches: fc.array(fc.array(fc.record({ e: event, repeat: fc.option(fc.nat(), { nil: null }) }), { maxLength: 12 }), { minLength: 1, maxLength: 3 }),
  credits: fc.array(fc.record({ amount: fc.integer({ min: 1, max: 30_000 }), expired: fc.boolean() }), { maxLength: 3 }),
  // A move to another plan this many hours into the period (late enough that the new plan's period is still running).
  changeAfterHours: fc.option(fc.integer({ min: 4 * 24, max: 27 * 24 }), { nil: null }),
});

// --- The plain recomputation -------------------------------------------------

type Sent = { id: string; ts: number; v: string | number; user: string; region: string; type: string };

function aggregate(meter: Meter, events: Sent[]): InstanceType<typeof D> {
  const mine = events.filter((e) => e.type === meter.eventType && Object.entries(meter.filter).every(([k, want]) => String((e as Record<string, unknown>)[k]) === String(want)));
  switch (meter.aggregation) {
    case "count":
      return new D(mine.length);
    case "sum":
      return mine.reduce((s, e) => s.plus(e.v), new D(0));
    case "max":
      return mine.length ? D.max(...mine.map((e) => e.v)) : new D(0);
    case "unique_count":
      return new D(new Set(mine.map((e) => e.user)).size);
    case "latest":
      return mine.length ? new D([...mine].sort((a, b) => b.ts - a.ts)[0]!.v) : new D(0);
  }
}

function amountOf(p: Price, included: string, quantity: InstanceType<typeof D>): number {
  const q = D.max(quantity.minus(included), 0);
  let amount = new D(0);
  if (p.model === "per_unit") amount = q.times(p.unitPrice);
  else if (p.model === "package") amount = q.div(p.packageSize).ceil().times(p.packagePrice);
  else if (p.model === "volume") {
    const tier = p.tiers.find((t) => t.upTo === null || q.lte(t.upTo))!;
    amount = q.isZero() ? new D(0) : q.times(tier.unitPrice).plus(tier.flatPrice);
  } else {
    let below = new D(0);
    for (const tier of p.tiers) {
      const top = tier.upTo === null ? q : D.min(q, tier.upTo);
      if (top.gt(below)) amount = amount.plus(top.minus(below).times(tier.unitPrice)).plus(tier.flatPrice);
      if (tier.upTo === null || q.lte(tier.upTo)) break;
      below = new D(tier.upTo);
    }
  }
  return amount.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

// -----------------------------------------------------------------------------

describe("invoices, property", () => {
  it(`equal a plain recomputation from the raw events, to the minor unit (${CASES} cases)`, { timeout: 600_000 }, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const org = await db.organization.create({ data: { name: "Property", slug: `prop-${randomUUID().slice(0, 12)}` } });
        const prices = meters.map((m, i) => ({ meter: m.key, price: c.prices[i]!.price, includedQuantity: c.prices[i]!.included })).filter((_, i) => c.priced[i]);
        const plan = await createPlan(admin, { key: `prop-${suffix()}`, name: "Property", currency: "usd", interval: "month", baseFee: c.baseFee, prices });
        const sub = await subscribeOrganization(admin, org.id, { plan: plan.key, startAt: new Date(Date.now() - 33 * DAY).toISOString() });
        const period = periodAt(sub.anchorAt, "month", sub.anchorAt);
        const at = { before: period.start.getTime() - 12 * HOUR, in: period.start.getTime() + HOUR, after: period.end.getTime() + HOUR };

        // Send, in batches; the first event of an id is the one kept.
        const sent: Sent[] = [];
        const kept = new Map<string, Sent>();
        let n = 0;
        for (const batch of c.batches) {
          const events = batch.map(({ e, repeat }) => {
            const id = repeat !== null && sent.length ? sent[repeat % sent.length]!.id : randomUUID();
            // Distinct instants (a latest meter has one latest event); `in` spreads over the period.
            const ts = at[e.where as keyof typeof at] + (e.where === "in" ? e.slot * 2 * DAY : 0) + n++ * 1000;
            const one: Sent = { id, ts, v: e.v, user: e.user, region: e.region, type: e.otherType ? `${type}_other` : type };
            sent.push(one);
            if (!kept.has(id)) kept.set(id, one);
            return { id, type: one.type, timestamp: new Date(ts).toISOString(), organization: org.id, properties: { v: e.v, user: e.user, region: e.region } };
          });
          if (events.length) {
            const result = await ingestUsage(admin, { events });
            expect(result.rejected).toBe(0);
          }
        }
        for (const credit of c.credits)
          await db.creditGrant.create({
            data: {
              orgId: org.id,
              kind: "promotional",
              currency: "usd",
              amount: credit.amount,
              remaining: credit.amount,
              description: "promo",
              expiresAt: credit.expired ? new Date(Date.now() - HOUR) : null,
            },
          });

        // A plan change bills the period up to the change; otherwise the closing job bills the whole period.
        const changeAt = c.changeAfterHours === null ? null : new Date(period.start.getTime() + c.changeAfterHours * HOUR);
        if (changeAt) await subscribeOrganization(admin, org.id, { plan: nextPlan.key, startAt: changeAt.toISOString() });
        else await closeDuePeriods(new Date(), [org.id]);
        const invoice = await db.invoice.findUniqueOrThrow({ where: { orgId_periodStart: { orgId: org.id, periodStart: period.start } }, include: { lines: true } });
        const end = changeAt ?? period.end;
        expect(invoice.periodEnd).toEqual(end);

        const inPeriod = [...kept.values()].filter((e) => e.ts >= period.start.getTime() && e.ts < end.getTime());
        const fullHours = new D(period.end.getTime() - period.start.getTime()).div(HOUR);
        let subtotal = changeAt ? new D(c.baseFee).times(c.changeAfterHours!).div(fullHours).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber() : c.baseFee;
        meters.forEach((m, i) => {
          // A period cut short includes its share of the included quantity, rounded down to 6 places.
          const included = changeAt ? new D(c.prices[i]!.included).times(c.changeAfterHours!).div(fullHours).toDecimalPlaces(6, Decimal.ROUND_DOWN).toFixed() : c.prices[i]!.included;
          // And its share of each tier (bounds rounded down to 18 places).
          const price = c.prices[i]!.price;
          const scaled: Price =
            changeAt && (price.model === "graduated" || price.model === "volume")
              ? {
                  ...price,
                  tiers: price.tiers.map((t) => ({ ...t, upTo: t.upTo === null ? null : new D(t.upTo).times(c.changeAfterHours!).div(fullHours).toDecimalPlaces(18, Decimal.ROUND_DOWN).toFixed() })),
                }
              : price;
          if (c.priced[i]) subtotal += amountOf(scaled, included, aggregate(m, inPeriod));
        });
        const usable = c.credits.filter((cr) => !cr.expired).reduce((s, cr) => s + cr.amount, 0);
        const total = subtotal - Math.min(subtotal, usable);
        expect({ subtotal: invoice.subtotal, total: invoice.total }).toEqual({ subtotal, total });
        expect(invoice.lines.reduce((s, l) => s + l.amount, 0)).toBe(total);
        checked++;
      }),
      { numRuns: CASES },
    );
    expect(checked).toBe(CASES);
  });
});
