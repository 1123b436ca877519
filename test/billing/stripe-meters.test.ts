// Usage reported to Stripe Billing Meters (the instance's stripe_meters
// mode): each count or sum meter's usage per organization and hour arrives in
// Stripe exactly once, late usage as more, whatever fails on the way (Stripe
// answering 500 or timing out, a run that stops midway); the setting is
// instance admins' only.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { closeDuePeriods } from "../../lib/billing/invoicing.ts";
import { stripeFrom } from "../../lib/billing/stripe-client.ts";
import { reportUsageToStripe } from "../../lib/billing/stripe-meters.ts";
import { db } from "../../lib/db.ts";
import { createMeter } from "../../lib/usage/meters.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole } from "../helpers.ts";
import { LocalStripe } from "../stripe/local-stripe.ts";
import { admin, HOUR, meteredPlan, sendTokens, subscribedOrg, suffix, tokenMeter } from "./billing-fixtures.ts";

const { call } = useMachineServer();
let stripe: LocalStripe;
beforeAll(async () => {
  stripe = new LocalStripe();
  await stripe.listen();
});
afterAll(() => stripe.close());

const hourOf = (at: Date) => new Date(Math.floor(at.getTime() / HOUR) * HOUR);

/** What Stripe holds for this customer: the sum of meter event values by event name and hour. */
function stripeTotals(customer: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const e of stripe.list("billing.meter_event")) {
    const payload = e.payload as { stripe_customer_id: string; value: string };
    if (payload.stripe_customer_id !== customer) continue;
    const key = `${e.event_name as string}@${new Date((e.timestamp as number) * 1000).toISOString()}`;
    totals[key] = (totals[key] ?? 0) + Number(payload.value);
  }
  return totals;
}

async function meteredOrg() {
  const tokens = await tokenMeter();
  const calls = await createMeter(admin, { key: `calls_${suffix()}`, name: "Calls", eventType: tokens.eventType, aggregation: "count" });
  const peak = await createMeter(admin, { key: `peak_${suffix()}`, name: "Peak", eventType: tokens.eventType, aggregation: "max", valueProperty: "tokens" });
  const t = await subscribedOrg((await meteredPlan(tokens)).key, 3);
  return { ...t, tokens, calls, peak };
}

describe("usage to Stripe Billing Meters", () => {
  it("reports each count and sum meter's usage per hour once, and late usage as more", async () => {
    const t = await meteredOrg();
    const now = new Date();
    const earlier = new Date(now.getTime() - 5 * HOUR);
    await sendTokens(t.org.id, t.tokens, [
      { at: earlier, tokens: 40 },
      { at: earlier, tokens: 2 },
      { at: now, tokens: "7.5" },
    ]);
    const client = stripeFrom(stripe.apiKey, stripe.url);
    expect(await reportUsageToStripe({ lookbackHours: 24, onlyOrgIds: [t.org.id], stripe: client })).toMatchObject({ organizations: 1, events: 4, failed: 0 });
    const customer = (await db.organization.findUniqueOrThrow({ where: { id: t.org.id } })).stripeCustomerId!;
    const at = (d: Date) => hourOf(d).toISOString();
    const expected = { [`${t.tokens.key}@${at(earlier)}`]: 42, [`${t.tokens.key}@${at(now)}`]: 7.5, [`${t.calls.key}@${at(earlier)}`]: 2, [`${t.calls.key}@${at(now)}`]: 1 };
    expect(stripeTotals(customer)).toEqual(expected);
    // A max meter is not something Stripe can add up: not reported.
    expect(Object.keys(stripeTotals(customer)).some((k) => k.startsWith(t.peak.key))).toBe(false);

    // Nothing new: nothing sent. A late event for the earlier hour: reported as more.
    expect(await reportUsageToStripe({ lookbackHours: 24, onlyOrgIds: [t.org.id], stripe: client })).toMatchObject({ events: 0 });
    await sendTokens(t.org.id, t.tokens, [{ at: earlier, tokens: 8 }]);
    expect(await reportUsageToStripe({ lookbackHours: 24, onlyOrgIds: [t.org.id], stripe: client })).toMatchObject({ events: 2 });
    expect(stripeTotals(customer)).toEqual({ ...expected, [`${t.tokens.key}@${at(earlier)}`]: 50, [`${t.calls.key}@${at(earlier)}`]: 3 });
    // Identifiers never repeat.
    const identifiers = stripe.list("billing.meter_event").map((e) => e.identifier);
    expect(new Set(identifiers).size).toBe(identifiers.length);
  });

  it("reports exactly once when Stripe answers 500 or times out, across runs", async () => {
    const t = await meteredOrg();
    const now = new Date();
    await sendTokens(
      t.org.id,
      t.tokens,
      Array.from({ length: 6 }, (_, i) => ({ at: new Date(now.getTime() - i * HOUR), tokens: 10 + i })),
    );
    // No retries in the SDK: the job's next run is the retry.
    const client = stripeFrom(stripe.apiKey, stripe.url, { maxNetworkRetries: 0, timeout: 300 });
    await stripeCustomerReady(t.org.id, client);
    stripe.fail({ method: "POST", path: /meter_events/, mode: "error", times: 2, after: 1 });
    await expect(reportUsageToStripe({ lookbackHours: 24, onlyOrgIds: [t.org.id], stripe: client })).rejects.toThrow(/not accepted by Stripe/);
    // Processed by Stripe, but the answer never came back.
    stripe.fail({ method: "POST", path: /meter_events/, mode: "timeout", times: 2, delayMs: 1_000 });
    await expect(reportUsageToStripe({ lookbackHours: 24, onlyOrgIds: [t.org.id], stripe: client })).rejects.toThrow(/not accepted by Stripe/);
    stripe.clearFaults();
    await reportUsageToStripe({ lookbackHours: 24, onlyOrgIds: [t.org.id], stripe: client });
    expect(await db.stripeMeterReport.count({ where: { orgId: t.org.id, sentAt: null } })).toBe(0);
    const customer = (await db.organization.findUniqueOrThrow({ where: { id: t.org.id } })).stripeCustomerId!;
    const totals = stripeTotals(customer);
    for (let i = 0; i < 6; i++) {
      const hour = hourOf(new Date(now.getTime() - i * HOUR)).toISOString();
      expect(totals[`${t.tokens.key}@${hour}`]).toBe(10 + i);
      expect(totals[`${t.calls.key}@${hour}`]).toBe(1);
    }
  });

  it("is chosen by instance admins only, with a clear error for a mode that does not exist", async () => {
    const key = (await createInstanceKey(admin, { name: `billing-settings-${randomUUID().slice(0, 6)}` })).key;
    expect((await call("GET", "/api/v1/billing/settings", { key })).body).toMatchObject({ mode: "invoices" });
    const bad = await call("PUT", "/api/v1/billing/settings", { key, body: { mode: "stripe" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("mode: invoices (Tollgate's invoices, sent to Stripe) or stripe_meters");
    const t = await subscribedOrg((await meteredPlan(await tokenMeter())).key, 1);
    const { key: ownerKey } = await createApiKey(t.owner, { name: "owner", roleId: (await builtInRole("admin")).id });
    expect((await call("PUT", "/api/v1/billing/settings", { key: ownerKey, body: { mode: "stripe_meters" } })).status).toBe(403);
    // Set and put back at once (other suites share the instance): from the next whole hour.
    const set = await call("PUT", "/api/v1/billing/settings", { key, body: { mode: "stripe_meters" } });
    const back = await call("PUT", "/api/v1/billing/settings", { key, body: { mode: "invoices" } });
    if (back.status !== 200) await db.instanceSetting.update({ where: { key: "billing" }, data: { value: { mode: "invoices", since: null } } });
    expect(set.body.mode).toBe("stripe_meters");
    expect(Date.parse(set.body.since) % HOUR).toBe(0);
    expect(Date.parse(set.body.since)).toBeGreaterThan(Date.now());
    // Usage was reported to Stripe meters above: going back would bill it twice.
    expect(back.status).toBe(409);
    expect(back.body.error.code).toBe("billing_mode_locked");
    expect(await db.auditEvent.count({ where: { action: "billing.settings_changed", targetId: "billing" } })).toBeGreaterThanOrEqual(1);
  });

  it("after a switch, Tollgate invoices each organization up to it (the period it cuts, prorated) and Stripe gets only the hours from it", async () => {
    const t = await meteredOrg();
    const now = new Date();
    const since = hourOf(new Date(now.getTime() - 4 * HOUR));
    await sendTokens(t.org.id, t.tokens, [
      { at: new Date(since.getTime() - HOUR), tokens: 100 },
      { at: new Date(since.getTime() + HOUR), tokens: 30 },
    ]);
    const client = stripeFrom(stripe.apiKey, stripe.url);
    await reportUsageToStripe({ lookbackHours: 24, onlyOrgIds: [t.org.id], stripe: client, since });
    const customer = (await db.organization.findUniqueOrThrow({ where: { id: t.org.id } })).stripeCustomerId!;
    expect(stripeTotals(customer)).toEqual({ [`${t.tokens.key}@${new Date(since.getTime() + HOUR).toISOString()}`]: 30, [`${t.calls.key}@${new Date(since.getTime() + HOUR).toISOString()}`]: 1 });
    // The invoice side: the period the switch cuts is billed up to it, once its close delay has passed.
    const [cut] = await closeDuePeriods(new Date(since.getTime() + 2 * HOUR), [t.org.id], since);
    const invoice = await db.invoice.findUniqueOrThrow({ where: { id: cut! }, include: { lines: { orderBy: { position: "asc" } } } });
    expect(invoice.periodEnd).toEqual(since);
    expect(invoice.lines[0]!.description).toContain("prorated");
    expect(invoice.lines.find((l) => l.meterKey === t.tokens.key)!.quantity).toBe("100");
    expect(await closeDuePeriods(new Date(since.getTime() + 40 * 24 * HOUR), [t.org.id], since)).toEqual([]);
  });
});

async function stripeCustomerReady(orgId: string, client: ReturnType<typeof stripeFrom>) {
  const { stripeCustomerFor } = await import("../../lib/billing/stripe-sync.ts");
  await stripeCustomerFor(client, orgId);
}
