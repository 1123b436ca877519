// The billing API of an organization (invoices, credits, entitlements,
// Checkout and the customer portal) and of instance admins (credit grants):
// who may, what bad input gets, and that no organization sees another's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { openCustomerPortal, startCheckout } from "../../lib/billing/billing-account.ts";
import { closeDuePeriods } from "../../lib/billing/invoicing.ts";
import { periodAt } from "../../lib/billing/periods.ts";
import { stripeFrom } from "../../lib/billing/stripe-client.ts";
import { db } from "../../lib/db.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole } from "../helpers.ts";
import { LocalStripe } from "../stripe/local-stripe.ts";
import { admin, DAY, meteredPlan, sendTokens, subscribedOrg, tokenMeter } from "./billing-fixtures.ts";

const { call, baseUrl } = useMachineServer();
const provisioning = (await createInstanceKey(admin, { name: "billing-api" })).key;
let stripe: LocalStripe;
beforeAll(async () => {
  stripe = new LocalStripe({ webhookSecret: process.env.STRIPE_WEBHOOK_SECRET, webhookUrl: `${baseUrl()}/api/webhooks/stripe` });
  await stripe.listen();
});
afterAll(() => stripe.close());

async function invoicedOrg() {
  const meter = await tokenMeter();
  const plan = await meteredPlan(meter);
  const t = await subscribedOrg(plan.key, 45);
  const first = periodAt(t.subscription.anchorAt, "month", t.subscription.anchorAt);
  await sendTokens(t.org.id, meter, [{ at: new Date(first.start.getTime() + DAY), tokens: 300 }]);
  await closeDuePeriods(new Date(), [t.org.id]);
  const { key: ownerKey } = await createApiKey(t.owner, { name: "billing", roleId: (await builtInRole("billing")).id });
  const { key: viewerKey } = await createApiKey(t.owner, { name: "viewer", roleId: (await builtInRole("viewer")).id });
  return { ...t, plan, meter, ownerKey, viewerKey };
}

describe("billing API", () => {
  it("lists the organization's own invoices with their lines, and nobody else's", async () => {
    const a = await invoicedOrg();
    const b = await invoicedOrg();
    const mine = await call("GET", "/api/v1/billing/invoices", { key: a.ownerKey });
    expect(mine.status).toBe(200);
    expect(mine.body.data).toHaveLength(1);
    expect(mine.body.data[0]).toMatchObject({
      status: "draft",
      total: 2100,
      lines: [
        { kind: "base", amount: 2000 },
        { kind: "usage", meter: a.meter.key, quantity: "300", amount: 100 },
      ],
    });
    const theirs = await call("GET", "/api/v1/billing/invoices", { key: b.ownerKey });
    expect(theirs.body.data.map((i: { id: string }) => i.id)).not.toContain(mine.body.data[0].id);
    // Another organization's id in the header changes nothing: the key's organization is the one read.
    const crossed = await call("GET", "/api/v1/billing/invoices", { key: b.ownerKey, headers: { "tollgate-organization": a.org.id } });
    expect(crossed.body.data?.map((i: { id: string }) => i.id) ?? []).not.toContain(mine.body.data[0].id);
  });

  it("lets instance admins grant credits, refuses bad grants and organization keys, and shows what is usable", async () => {
    const t = await invoicedOrg();
    const grant = (body: unknown, key = provisioning, orgId = t.org.id) => call("POST", `/api/v1/organizations/${orgId}/credits`, { key, body });
    const made = await grant({ kind: "promotional", amount: 5000, currency: "USD", description: "Welcome", expiresAt: new Date(Date.now() + 30 * DAY).toISOString() });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ kind: "promotional", amount: 5000, remaining: 5000, currency: "usd" });
    expect((await grant({ kind: "prepaid", amount: 0, currency: "usd", description: "x" })).body.error.message).toMatch(/amount: at least 1/);
    expect((await grant({ kind: "prepaid", amount: 10, currency: "usd", description: "x", expiresAt: new Date(Date.now() - DAY).toISOString() })).body.error.message).toMatch(
      /expiresAt: in the future/,
    );
    expect((await grant({ kind: "gift", amount: 10, currency: "usd", description: "x" })).status).toBe(400);
    expect((await grant({ kind: "prepaid", amount: 10, currency: "usd", description: "x" }, provisioning, "00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await grant({ kind: "prepaid", amount: 10, currency: "usd", description: "x" }, t.ownerKey)).status).toBe(403);
    const credits = await call("GET", "/api/v1/billing/credits", { key: t.ownerKey });
    expect(credits.status).toBe(200);
    expect(credits.body).toMatchObject({ available: { usd: 5000 }, data: [{ description: "Welcome", remaining: 5000 }] });
    expect(await db.auditEvent.count({ where: { orgId: t.org.id, action: "credit.granted" } })).toBe(1);
  });

  it("tells what the organization may have now", async () => {
    const t = await invoicedOrg();
    const answer = await call("GET", "/api/v1/billing/entitlements", { key: t.ownerKey });
    expect(answer.body).toMatchObject({ plan: t.plan.key, source: "plan", pastDueSince: null });
  });

  it("answers 503 for Checkout and the portal when Stripe is not configured, and 403 without billing:write", async () => {
    const t = await invoicedOrg();
    const checkout = await call("POST", "/api/v1/billing/checkout", { key: t.ownerKey, body: { plan: t.plan.key } });
    expect(checkout.status).toBe(503);
    expect(checkout.body.error.code).toBe("stripe_not_configured");
    expect((await call("POST", "/api/v1/billing/portal", { key: t.ownerKey })).status).toBe(503);
    expect((await call("POST", "/api/v1/billing/portal", { key: t.viewerKey })).status).toBe(403);
    expect((await call("POST", "/api/v1/billing/checkout", { key: t.viewerKey, body: { plan: t.plan.key } })).status).toBe(403);
  });

  it("moves the organization to the plan chosen in Checkout once Stripe confirms it, and opens the portal for its customer", async () => {
    const t = await invoicedOrg();
    const bigger = await meteredPlan(t.meter, { name: "Scale", baseFee: 9900, selfServe: true });
    // A plan the instance does not offer for self-service cannot be chosen, and changes nothing.
    const internal = await meteredPlan(t.meter, { name: "Internal", baseFee: 0, entitlements: { members: 1_000_000 } });
    await expect(startCheckout({ ...t.owner }, { plan: internal.key }, stripeFrom(stripe.apiKey, stripe.url))).rejects.toMatchObject({ code: "plan_not_self_serve" });
    const client = stripeFrom(stripe.apiKey, stripe.url);
    const ctx = { ...t.owner };
    // Canceled before: Checkout brings it back.
    await db.subscription.update({ where: { orgId: t.org.id }, data: { status: "canceled", canceledAt: new Date() } });
    const { url } = await startCheckout(ctx, { plan: bigger.key }, client);
    const sessionId = url.split("/").pop()!;
    expect((await db.subscription.findUniqueOrThrow({ where: { orgId: t.org.id }, include: { plan: true } })).plan.key).toBe(t.plan.key);
    stripe.completeCheckout(sessionId);
    await stripe.settled();
    const sub = await db.subscription.findUniqueOrThrow({ where: { orgId: t.org.id }, include: { plan: true } });
    expect(sub.plan.key).toBe(bigger.key);
    expect(sub).toMatchObject({ status: "active", canceledAt: null });
    // Prorated: the plan left is billed up to the change, and the new plan's period starts then.
    expect(sub.anchorAt.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    const cut = await db.invoice.findFirstOrThrow({ where: { orgId: t.org.id, periodEnd: sub.anchorAt } });
    expect(cut).toMatchObject({ planKey: t.plan.key, status: "draft" });
    const portal = await openCustomerPortal(ctx, client);
    expect(portal.url).toContain("/portal/");
    const org = await db.organization.findUniqueOrThrow({ where: { id: t.org.id } });
    expect(stripe.list("billing_portal.session").at(-1)).toMatchObject({ customer: org.stripeCustomerId });
  });
});
