// Plan changes mid-period, prorated: the plan left is billed up to the change
// (its base fee for the part used, its usage so far), the new plan starts a
// period at the change, late usage for the part before the change is a
// correction priced by the old plan, a trial carries over, and a change that
// would rewrite what is invoiced, or a stale closing run, changes nothing.
import { Decimal } from "decimal.js";
import { describe, expect, it } from "vitest";
import { closeDuePeriods, closePeriod, proratedBaseFee, proratedTiers } from "../../lib/billing/invoicing.ts";
import { MeterPrice } from "../../lib/billing/pricing.ts";
import { onTheHour } from "../../lib/billing/plan-change.ts";
import { periodAt } from "../../lib/billing/periods.ts";
import { getPlan } from "../../lib/billing/plans.ts";
import { subscribeOrganization } from "../../lib/billing/subscriptions.ts";
import { db } from "../../lib/db.ts";
import { admin, DAY, HOUR, invoicesOf, meteredPlan, sendTokens, subscribedOrg, tokenMeter } from "./billing-fixtures.ts";

describe("plan changes", () => {
  it("bills the old plan up to the change, prorated, and starts a period on the new one", async () => {
    const meter = await tokenMeter();
    const small = await meteredPlan(meter); // 20.00 a month, 0.5 a token above 100
    const big = await meteredPlan(meter, { name: "Scale", baseFee: 9900, prices: [{ meter: meter.key, price: { model: "per_unit", unitPrice: "0.25" }, includedQuantity: "0" }] });
    const t = await subscribedOrg(small.key, 40);
    const first = periodAt(t.subscription.anchorAt, "month", t.subscription.anchorAt);
    const at = onTheHour(new Date(first.end.getTime() + 5 * DAY + 3 * HOUR));
    await sendTokens(t.org.id, meter, [
      { at: new Date(first.start.getTime() + DAY), tokens: 300 },
      { at: new Date(first.end.getTime() + DAY), tokens: 500 }, // before the change
      { at: new Date(at.getTime() + HOUR), tokens: 1000 }, // after it
    ]);

    const changed = await subscribeOrganization(admin, t.org.id, { plan: big.key, startAt: at.toISOString() });
    expect(changed).toMatchObject({ plan: big.key, status: "active", anchorAt: at, startedAt: at });

    const [whole, cut] = await invoicesOf(t.org.id);
    // The whole first period, then the second up to the change.
    expect(whole).toMatchObject({ planKey: small.key, periodStart: first.start, periodEnd: first.end, subtotal: 2000 + 100 });
    const second = periodAt(t.subscription.anchorAt, "month", first.end);
    const fullHours = (second.end.getTime() - second.start.getTime()) / HOUR;
    const usedHours = (at.getTime() - second.start.getTime()) / HOUR;
    // Computed here in plain integers: 2000 × used / full, rounded half up.
    const expectedBase = Math.floor((2000 * usedHours * 2 + fullHours) / (2 * fullHours));
    expect(cut).toMatchObject({ planKey: small.key, periodStart: second.start, periodEnd: at, status: "draft" });
    // The 100 tokens included are prorated too (rounded down to 6 places), so changing plans never multiplies them.
    const included = new Decimal(100).times(usedHours).div(fullHours).toDecimalPlaces(6, Decimal.ROUND_DOWN);
    const expectedUsage = new Decimal(500).minus(included).times("0.5").toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
    expect(cut!.lines.map((l) => [l.kind, l.quantity, l.amount])).toEqual([
      ["base", null, expectedBase],
      ["usage", "500", expectedUsage],
    ]);
    expect((cut!.lines[1]!.pricing as { includedQuantity: string }).includedQuantity).toBe(included.toFixed());
    expect(cut!.lines[0]!.description).toContain("prorated");
    expect(cut!.total).toBe(expectedBase + expectedUsage);

    // Late usage for the part before the change: a correction on the next invoice, at the old plan's price.
    await sendTokens(t.org.id, meter, [{ at: new Date(at.getTime() - 2 * HOUR), tokens: 40 }]);
    const newEnd = periodAt(at, "month", at).end;
    const made = await closeDuePeriods(new Date(newEnd.getTime() + 2 * HOUR), [t.org.id]);
    expect(made).toHaveLength(1);
    const next = (await invoicesOf(t.org.id))[2]!;
    expect(next).toMatchObject({ planKey: big.key, periodStart: at, periodEnd: newEnd });
    expect(next.lines.map((l) => [l.kind, l.quantity, l.amount])).toEqual([
      ["base", null, 9900],
      ["usage", "1000", 250],
      ["correction", "40", 20],
    ]);
  });

  it("rounds the prorated base fee half up, exactly, whatever the size", () => {
    const start = new Date("2026-01-01T00:00:00Z");
    const period = (hours: number, fullDays: number) => ({ start, end: new Date(start.getTime() + hours * HOUR), fullEnd: new Date(start.getTime() + fullDays * DAY), index: 0 });
    expect(proratedBaseFee(3100, period(24, 31))).toBe(100);
    expect(proratedBaseFee(1, period(12, 1))).toBe(1); // 0.5 rounds up
    expect(proratedBaseFee(1, period(11, 1))).toBe(0);
    // Beyond 2^53 in the intermediate product: still exact.
    expect(proratedBaseFee(2_147_483_647, period(8759, 365))).toBe(2_147_238_500); // 2,147,483,647 × 8759 / 8760 = 2,147,238,499.85...
    expect(proratedBaseFee(500, { ...period(24, 31), fullEnd: undefined })).toBe(500);
  });

  it("prorates tier bounds too, keeping them strictly increasing and valid", () => {
    const start = new Date("2026-01-01T00:00:00Z");
    const half = { start, end: new Date(start.getTime() + 15 * DAY), fullEnd: new Date(start.getTime() + 30 * DAY), index: 0 };
    const free = {
      model: "graduated" as const,
      tiers: [
        { upTo: "1000", unitPrice: "0", flatPrice: 0 },
        { upTo: null, unitPrice: "1", flatPrice: 0 },
      ],
    };
    expect(proratedTiers(free, half)).toEqual({
      model: "graduated",
      tiers: [
        { upTo: "500", unitPrice: "0", flatPrice: 0 },
        { upTo: null, unitPrice: "1", flatPrice: 0 },
      ],
    });
    const third = { ...half, end: new Date(start.getTime() + 10 * DAY) };
    const tiny = { model: "volume" as const, tiers: ["0.000000000000000001", "0.000000000000000002", "0.000000000000000003", null].map((upTo) => ({ upTo, unitPrice: "1", flatPrice: 0 })) };
    const scaled = proratedTiers(tiny, third);
    expect(MeterPrice.safeParse({ price: scaled, includedQuantity: "0" }).success).toBe(true);
    expect((scaled as typeof tiny).tiers.map((t) => t.upTo)).toEqual(["0", "0.000000000000000001", "0.000000000000000002", null]);
    // A whole period, or a per-unit price, is left as it is.
    expect(proratedTiers(free, { start, end: half.fullEnd, index: 0 })).toBe(free);
  });

  it("carries a running trial over to the new plan and bills nothing for it", async () => {
    const meter = await tokenMeter();
    const trialPlan = await meteredPlan(meter, { trialDays: 14 });
    const other = await meteredPlan(meter, { baseFee: 5000 });
    const t = await subscribedOrg(trialPlan.key, 3);
    expect(t.subscription.status).toBe("trialing");
    const changed = await subscribeOrganization(admin, t.org.id, { plan: other.key });
    expect(changed).toMatchObject({ plan: other.key, status: "trialing", trialEndsAt: t.subscription.trialEndsAt, anchorAt: t.subscription.trialEndsAt });
    expect(await invoicesOf(t.org.id)).toEqual([]);
  });

  it("refuses a change into the future or before the last invoiced period, changing nothing", async () => {
    const meter = await tokenMeter();
    const plan = await meteredPlan(meter);
    const other = await meteredPlan(meter, { baseFee: 5000 });
    const t = await subscribedOrg(plan.key, 45);
    await closeDuePeriods(new Date(), [t.org.id]);
    const [invoiced] = await invoicesOf(t.org.id);
    await expect(subscribeOrganization(admin, t.org.id, { plan: other.key, startAt: new Date(Date.now() + 2 * DAY).toISOString() })).rejects.toMatchObject({ code: "plan_change_in_future" });
    // Before the current plan began: that time was on no plan.
    await expect(subscribeOrganization(admin, t.org.id, { plan: other.key, startAt: new Date(Date.now() - 50 * DAY).toISOString() })).rejects.toMatchObject({ code: "plan_change_before_start" });
    await expect(subscribeOrganization(admin, t.org.id, { plan: other.key, startAt: new Date(invoiced!.periodEnd.getTime() - DAY).toISOString() })).rejects.toMatchObject({
      code: "plan_change_before_invoiced",
    });
    const sub = await db.subscription.findUniqueOrThrow({ where: { orgId: t.org.id }, include: { plan: true } });
    expect(sub.plan.key).toBe(plan.key);
    expect(sub.anchorAt).toEqual(t.subscription.anchorAt);
    expect(await invoicesOf(t.org.id)).toHaveLength(1);
  });

  it("a closing run that read the subscription before a change writes nothing for it", async () => {
    const meter = await tokenMeter();
    const plan = await meteredPlan(meter);
    const other = await meteredPlan(meter, { baseFee: 5000 });
    const t = await subscribedOrg(plan.key, 70);
    // The run saw the old anchor and plan...
    const stale = periodAt(t.subscription.anchorAt, "month", new Date(Date.now() - 35 * DAY));
    // ...then the plan changed 40 days ago, billing the old plan up to then.
    const at = onTheHour(new Date(Date.now() - 40 * DAY));
    await subscribeOrganization(admin, t.org.id, { plan: other.key, startAt: at.toISOString() });
    const before = await invoicesOf(t.org.id);
    expect(before.at(-1)!.periodEnd).toEqual(at);
    expect(await closePeriod(t.org.id, await getPlan(plan.key), stale, new Date(), new Map(), undefined, { anchorAt: t.subscription.anchorAt })).toEqual({ id: null, created: false });
    expect(await invoicesOf(t.org.id)).toHaveLength(before.length);
    // The next run bills the new plan from the change on.
    await closeDuePeriods(new Date(), [t.org.id]);
    const after = await invoicesOf(t.org.id);
    expect(after.at(-1)).toMatchObject({ planKey: other.key, periodStart: at });
    expect(new Set(after.map((i) => i.periodStart.toISOString())).size).toBe(after.length);
  });
});
