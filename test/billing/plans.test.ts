// Plans over the management API: defined by instance admins only, validated
// with clear errors, prices fixed once made, archived rather than deleted.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { db } from "../../lib/db.ts";
import { createMeter } from "../../lib/usage/meters.ts";
import { orgWithAdminKey, useMachineServer } from "../apikeys/http.ts";
import { createUser } from "../helpers.ts";

const { call } = useMachineServer();
const admin = await createUser({ isInstanceAdmin: true });
const { key } = await createInstanceKey(admin, { name: "billing setup" });
const suffix = () => randomUUID().slice(0, 8);

describe("plans", () => {
  it("are defined with a base fee, prices per meter, a trial and entitlements, and archived", async () => {
    const tokens = await createMeter(admin, { key: `tokens_${suffix()}`, name: "Tokens", eventType: `llm_${suffix()}`, aggregation: "sum", valueProperty: "tokens" });
    const planKey = `pro-${suffix()}`;
    const body = {
      key: planKey,
      name: "Pro",
      currency: "USD",
      interval: "month",
      baseFee: 4900,
      trialDays: 14,
      prices: [
        {
          meter: tokens.key,
          price: {
            model: "graduated",
            tiers: [
              { upTo: "1000000", unitPrice: "0" },
              { upTo: null, unitPrice: "0.0002" },
            ],
          },
          includedQuantity: "0",
        },
      ],
      entitlements: { members: 25, apiKeys: 10, eventsPerMonth: 10_000_000, sso: false },
    };
    const created = await call("POST", "/api/v1/plans", { key, body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: planKey, currency: "usd", baseFee: 4900, trialDays: 14, archivedAt: null, prices: [{ meter: tokens.key, meterName: "Tokens", includedQuantity: "0" }] });
    expect((await call("POST", "/api/v1/plans", { key, body })).body.error.code).toBe("plan_key_taken");
    expect((await call("GET", `/api/v1/plans/${planKey}`, { key })).body.entitlements).toEqual({ members: 25, apiKeys: 10, eventsPerMonth: 10_000_000, sso: false });

    // A priced meter stays.
    const refused = await call("DELETE", `/api/v1/meters/${tokens.key}`, { key });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(planKey);

    const archived = await call("POST", `/api/v1/plans/${planKey}/archive`, { key });
    expect(archived.body.archivedAt).not.toBeNull();
    expect((await call("POST", `/api/v1/plans/${planKey}/archive`, { key })).body.error.code).toBe("plan_archived");
    expect((await call("GET", "/api/v1/plans", { key })).body.data.some((p: { key: string }) => p.key === planKey)).toBe(true);
  });

  it("refuses bad input with the field and the reason, and makes nothing", async () => {
    const planKey = `bad-${suffix()}`;
    const attempt = (change: object) => call("POST", "/api/v1/plans", { key, body: { key: planKey, name: "Bad", currency: "usd", interval: "month", baseFee: 100, ...change } });
    expect((await attempt({ currency: "dollars" })).body.error.message).toMatch(/currency: a three-letter ISO 4217 code/);
    expect((await attempt({ baseFee: 9.99 })).body.error.message).toMatch(/whole number of minor units/);
    expect((await attempt({ interval: "week" })).body.error.message).toMatch(/interval: month or year/);
    expect((await attempt({ prices: [{ meter: "no_such_meter", price: { model: "per_unit", unitPrice: "1" } }] })).body.error).toMatchObject({ code: "meter_not_found" });
    expect((await attempt({ prices: [{ meter: "x", price: { model: "per_unit", unitPrice: "0.1.2" } }] })).status).toBe(400);
    expect((await attempt({ entitlements: { seats: 3 } })).status).toBe(400);
    expect(await db.plan.findUnique({ where: { key: planKey } })).toBeNull();
  });

  it("are an instance admin's to define: an organization's key is refused", async () => {
    const { adminKey } = await orgWithAdminKey();
    const refused = await call("POST", "/api/v1/plans", { key: adminKey, body: { key: `org-${suffix()}`, name: "Mine", currency: "usd", interval: "month", baseFee: 0 } });
    expect(refused.status).toBe(403);
    expect((await call("GET", "/api/v1/plans", { key: adminKey })).status).toBe(403);
  });
});

describe("plan and subscription limits", () => {
  it("refuse a base fee the database cannot hold, and a start far from now, with a clear message", async () => {
    const big = await call("POST", "/api/v1/plans", { key, body: { key: `big-${suffix()}`, name: "Big", currency: "usd", interval: "year", baseFee: 3_000_000_000 } });
    expect(big.body.error.message).toMatch(/baseFee: at most 2,147,483,647/);
    const plan = (await call("POST", "/api/v1/plans", { key, body: { key: `ok-${suffix()}`, name: "Ok", currency: "usd", interval: "month", baseFee: 100 } })).body;
    const { org } = await orgWithAdminKey();
    const far = await call("PUT", `/api/v1/organizations/${org.id}/subscription`, { key, body: { plan: plan.key, startAt: "9999-12-20T00:00:00Z" } });
    expect(far.body.error.message).toMatch(/startAt: within a year of now/);
    expect(await db.subscription.findUnique({ where: { orgId: org.id } })).toBeNull();
  });
});
