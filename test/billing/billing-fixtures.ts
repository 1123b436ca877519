// Shared by the billing tests: a metered plan, an organization subscribed to
// it from a start in the past, and usage events stored at given times.
import { randomUUID } from "node:crypto";
import { createPlan, type CreatePlanInput } from "../../lib/billing/plans.ts";
import { subscribeOrganization } from "../../lib/billing/subscriptions.ts";
import { db } from "../../lib/db.ts";
import { storeEvents } from "../../lib/usage/event-store.ts";
import { createMeter, type Meter } from "../../lib/usage/meters.ts";
import type { z } from "zod";
import { createTestOrg, createUser } from "../helpers.ts";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const suffix = () => randomUUID().slice(0, 8);
export const admin = await createUser({ isInstanceAdmin: true });

export async function tokenMeter(): Promise<Meter> {
  return createMeter(admin, { key: `tokens_${suffix()}`, name: "Tokens", eventType: `llm_${suffix()}`, aggregation: "sum", valueProperty: "tokens" });
}

type PlanInput = z.input<typeof CreatePlanInput>;
export async function meteredPlan(meter: Meter, overrides: Partial<PlanInput> = {}) {
  return createPlan(admin, {
    key: `pro-${suffix()}`,
    name: "Pro",
    currency: "usd",
    interval: "month",
    baseFee: 2000,
    prices: [{ meter: meter.key, price: { model: "per_unit", unitPrice: "0.5" }, includedQuantity: "100" }],
    ...overrides,
  });
}

/** An organization on `planKey` since `daysAgo` days (whole hours). */
export async function subscribedOrg(planKey: string, daysAgo: number) {
  const t = await createTestOrg({ slugPrefix: "bill" });
  const subscription = await subscribeOrganization(admin, t.org.id, { plan: planKey, startAt: new Date(Date.now() - daysAgo * DAY).toISOString() });
  return { ...t, subscription };
}

export async function sendTokens(orgId: string, meter: Meter, entries: Array<{ at: Date; tokens: number | string; id?: string }>) {
  return storeEvents(entries.map((e) => ({ orgId, id: e.id ?? randomUUID(), type: meter.eventType, timestamp: e.at, properties: { tokens: e.tokens } })));
}

export const invoicesOf = (orgId: string) => db.invoice.findMany({ where: { orgId }, orderBy: { periodStart: "asc" }, include: { lines: { orderBy: { position: "asc" } } } });
