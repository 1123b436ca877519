// Subscriptions, billing periods and the live invoice preview.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { periodAt } from "../../lib/billing/periods.ts";
import { createPlan } from "../../lib/billing/plans.ts";
import { createMeter } from "../../lib/usage/meters.ts";
import { orgWithAdminKey, useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createUser } from "../helpers.ts";

const { call } = useMachineServer();
const admin = await createUser({ isInstanceAdmin: true });
const provisioning = (await createInstanceKey(admin, { name: "billing" })).key;
const usageKey = (await createInstanceKey(admin, { name: "usage", access: "usage" })).key;
const suffix = () => randomUUID().slice(0, 8);
const HOUR = 3_600_000;

describe("billing periods", () => {
  const utc = (text: string) => new Date(`${text}T00:00:00Z`);
  it("run a month at a time from the anchor, ending on the last day of a shorter month", () => {
    const anchor = utc("2026-01-31");
    expect(periodAt(anchor, "month", utc("2026-02-15"))).toEqual({ start: utc("2026-01-31"), end: utc("2026-02-28"), index: 0 });
    expect(periodAt(anchor, "month", utc("2026-02-28"))).toEqual({ start: utc("2026-02-28"), end: utc("2026-03-31"), index: 1 });
    expect(periodAt(anchor, "month", utc("2028-02-29"))).toEqual({ start: utc("2028-02-29"), end: utc("2028-03-31"), index: 25 });
    expect(periodAt(anchor, "year", utc("2027-06-01"))).toEqual({ start: utc("2027-01-31"), end: utc("2028-01-31"), index: 1 });
    expect(periodAt(anchor, "month", utc("2025-12-01"))).toEqual({ start: utc("2026-01-31"), end: utc("2026-02-28"), index: 0 });
  });
});

async function pricedPlan(trialDays = 0) {
  const meter = await createMeter(admin, { key: `tokens_${suffix()}`, name: "Tokens", eventType: `llm_${suffix()}`, aggregation: "sum", valueProperty: "tokens" });
  const plan = await createPlan(admin, {
    key: `pro-${suffix()}`,
    name: "Pro",
    currency: "eur",
    interval: "month",
    baseFee: 4900,
    trialDays,
    prices: [{ meter: meter.key, price: { model: "per_unit", unitPrice: "0.5" }, includedQuantity: "100" }],
  });
  return { meter, plan };
}

describe("the invoice preview", () => {
  it("prices the period's usage so far by the organization's plan", async () => {
    const { org, adminKey } = await orgWithAdminKey();
    const { meter, plan } = await pricedPlan();
    const subscribed = await call("PUT", `/api/v1/organizations/${org.id}/subscription`, { key: provisioning, body: { plan: plan.key, startAt: new Date(Date.now() - 2 * HOUR).toISOString() } });
    expect(subscribed.body).toMatchObject({ plan: plan.key, status: "active", trialEndsAt: null });
    const now = new Date().toISOString();
    const events = [600, 500.5].map((tokens) => ({ id: randomUUID(), type: meter.eventType, timestamp: now, organization: org.id, properties: { tokens } }));
    expect((await call("POST", "/api/v1/usage/events", { key: usageKey, body: { events } })).body.accepted).toBe(2);

    const preview = await call("GET", "/api/v1/billing/preview", { key: adminKey });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      plan: { key: plan.key, currency: "eur", baseFee: 4900 },
      trial: false,
      lines: [
        { description: "Pro (monthly base fee)", meter: null, amount: 4900 },
        { description: "Tokens", meter: meter.key, quantity: "1100.5", billableQuantity: "1000.5", amount: 500 }, // 500.25 cents
      ],
      subtotal: 5400,
      total: 5400,
    });
    expect(new Date(preview.body.period.start).getTime()).toBe(Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR);
  });

  it("is nothing due during a trial", async () => {
    const { org, adminKey } = await orgWithAdminKey();
    const { plan } = await pricedPlan(14);
    const subscribed = await call("PUT", `/api/v1/organizations/${org.id}/subscription`, { key: provisioning, body: { plan: plan.key } });
    expect(subscribed.body.status).toBe("trialing");
    const preview = await call("GET", "/api/v1/billing/preview", { key: adminKey });
    expect(preview.body).toMatchObject({ trial: true, total: 0, period: { end: subscribed.body.trialEndsAt } });
  });

  it("answers each organization about its own plan, needs billing:read, and refuses an archived plan", async () => {
    const a = await orgWithAdminKey();
    const b = await orgWithAdminKey();
    const { plan } = await pricedPlan();
    await call("PUT", `/api/v1/organizations/${a.org.id}/subscription`, { key: provisioning, body: { plan: plan.key } });
    expect((await call("GET", "/api/v1/billing/preview", { key: b.adminKey })).body.error).toMatchObject({ code: "no_subscription" });
    const { key: viewerKey } = await createApiKey(a.owner, { name: "viewer", roleId: (await builtInRole("viewer")).id });
    expect((await call("GET", "/api/v1/billing/preview", { key: viewerKey })).status).toBe(403);
    // Only instance admins set plans.
    expect((await call("PUT", `/api/v1/organizations/${b.org.id}/subscription`, { key: b.adminKey, body: { plan: plan.key } })).status).toBe(403);
    expect((await call("PUT", `/api/v1/organizations/${randomUUID()}/subscription`, { key: provisioning, body: { plan: plan.key } })).status).toBe(404);
    await call("POST", `/api/v1/plans/${plan.key}/archive`, { key: provisioning });
    expect((await call("PUT", `/api/v1/organizations/${b.org.id}/subscription`, { key: provisioning, body: { plan: plan.key } })).body.error.code).toBe("plan_archived");
  });
});
