// Plans: a base fee per month or year, a price per meter, a trial, and the
// features and limits (entitlements) an organization on the plan gets.
// Defined by instance admins; a plan's prices never change once made (its
// invoices were computed by them), so a new price is a new plan, and an old
// plan is archived: it takes no new subscriptions.
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import type { InstanceCtx } from "../context.ts";
import { db } from "../db.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Conflict, NotFound } from "../errors.ts";
import { MeterKey } from "../usage/meters.ts";
import { DecimalText, MeterPrice, PriceModel } from "./pricing.ts";

const Limit = z.number().int("a whole number").min(0).max(1_000_000_000_000).nullable().optional();
/** What an organization on the plan may have; an absent or null limit is no limit. */
export const LIMIT_NAMES = ["members", "apiKeys", "eventsPerMonth"] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
export const Entitlements = z.strictObject({
  members: Limit,
  apiKeys: Limit,
  eventsPerMonth: Limit,
  sso: z.boolean().optional(),
  /** Limits that only warn (alerts and a banner at 80% and 100%) and refuse nothing. */
  soft: z
    .array(z.enum(LIMIT_NAMES, "soft: members, apiKeys or eventsPerMonth"))
    .max(3)
    .refine((names) => new Set(names).size === names.length, "soft: a limit is named twice")
    .optional(),
});
export type Entitlements = z.infer<typeof Entitlements>;

export const PlanKey = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, "key: lowercase letters, digits, _ and -, starting with a letter, at most 64 characters (e.g. pro-monthly)");

export const CreatePlanInput = z.strictObject({
  key: PlanKey,
  name: z.string().trim().min(1, "name: required").max(80, "name: at most 80 characters"),
  currency: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{3}$/, "currency: a three-letter ISO 4217 code, e.g. usd"),
  interval: z.enum(["month", "year"], "interval: month or year"),
  baseFee: z.number().int("baseFee: a whole number of minor units (e.g. cents)").min(0, "baseFee: not negative").max(2_147_483_647, "baseFee: at most 2,147,483,647 minor units"),
  trialDays: z.number().int().min(0).max(365, "trialDays: at most 365").default(0),
  prices: z
    .array(z.strictObject({ meter: MeterKey, price: PriceModel, includedQuantity: DecimalText.default("0") }))
    .max(50, "prices: at most 50 meters")
    .refine((prices) => new Set(prices.map((p) => p.meter)).size === prices.length, "prices: a meter is priced twice")
    .default([]),
  entitlements: Entitlements.default({}),
  /** What is left after a failed payment's grace period; absent: the plan's entitlements without SSO. */
  fallbackEntitlements: Entitlements.optional(),
  /** Offered to organizations' own admins through Stripe Checkout (default: set by instance admins only). */
  selfServe: z.boolean().default(false),
});

const planInclude = { prices: { select: { pricing: true, meter: { select: { key: true, name: true } } }, orderBy: { meter: { key: "asc" } } } } as const;

type PlanRow = {
  id: string;
  key: string;
  name: string;
  currency: string;
  interval: string;
  baseFee: number;
  trialDays: number;
  entitlements: unknown;
  fallbackEntitlements: unknown;
  selfServe: boolean;
  archivedAt: Date | null;
  createdAt: Date;
  prices: Array<{ pricing: unknown; meter: { key: string; name: string } }>;
};

function present(plan: PlanRow) {
  return {
    id: plan.id,
    key: plan.key,
    name: plan.name,
    currency: plan.currency,
    interval: plan.interval as "month" | "year",
    baseFee: plan.baseFee,
    trialDays: plan.trialDays,
    entitlements: plan.entitlements as Entitlements,
    fallbackEntitlements: (plan.fallbackEntitlements as Entitlements | null) ?? { ...(plan.entitlements as Entitlements), sso: false },
    selfServe: plan.selfServe,
    archivedAt: plan.archivedAt,
    createdAt: plan.createdAt,
    prices: plan.prices.map((p) => ({ meter: p.meter.key, meterName: p.meter.name, ...(p.pricing as MeterPrice) })),
  };
}
export type Plan = ReturnType<typeof present>;

/** Every plan, archived ones last (plans are the instance's price list, not tenant data). */
export async function listPlans(): Promise<Plan[]> {
  return (await db.plan.findMany({ orderBy: [{ archivedAt: { sort: "asc", nulls: "first" } }, { key: "asc" }], include: planInclude })).map(present);
}

export async function getPlan(key: string): Promise<Plan> {
  const plan = PlanKey.safeParse(key).success ? await db.plan.findUnique({ where: { key }, include: planInclude }) : null;
  if (!plan) throw new NotFound("plan_not_found", `No plan with the key "${key}".`);
  return present(plan);
}

export async function createPlan(ctx: InstanceCtx, raw: unknown): Promise<Plan> {
  assertInstanceAdmin(ctx, "define plans");
  const input = CreatePlanInput.parse(raw);
  const meters = await db.meter.findMany({ where: { key: { in: input.prices.map((p) => p.meter) } }, select: { id: true, key: true } });
  const missing = input.prices.find((p) => !meters.some((m) => m.key === p.meter));
  if (missing) throw new NotFound("meter_not_found", `prices: no meter with the key "${missing.meter}".`);
  try {
    const plan = await db.$transaction(async (tx) => {
      const created = await tx.plan.create({
        data: {
          key: input.key,
          name: input.name,
          currency: input.currency,
          interval: input.interval,
          baseFee: input.baseFee,
          trialDays: input.trialDays,
          entitlements: input.entitlements,
          fallbackEntitlements: input.fallbackEntitlements,
          selfServe: input.selfServe,
          prices: { create: input.prices.map((p) => ({ meterId: meters.find((m) => m.key === p.meter)!.id, pricing: MeterPrice.parse({ price: p.price, includedQuantity: p.includedQuantity }) })) },
        },
        include: planInclude,
      });
      await recordAudit(tx, {
        action: "plan.created",
        orgId: null,
        actor: actorOf(ctx),
        target: { type: "plan", id: created.id },
        meta: ctx,
        after: { key: created.key, name: created.name, currency: created.currency, interval: created.interval, baseFee: created.baseFee, prices: input.prices.length },
      });
      return created;
    });
    return present(plan);
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("plan_key_taken", `A plan with the key "${input.key}" exists already.`);
    throw error;
  }
}

/** Takes no new subscriptions from now on; organizations on it stay until they change plans. */
export async function archivePlan(ctx: InstanceCtx, key: string): Promise<Plan> {
  assertInstanceAdmin(ctx, "archive plans");
  const plan = await getPlan(key);
  if (plan.archivedAt) throw new Conflict("plan_archived", `The plan "${key}" is archived already.`);
  const archived = await db.$transaction(async (tx) => {
    const after = await tx.plan.update({ where: { id: plan.id }, data: { archivedAt: new Date() }, include: planInclude });
    await recordAudit(tx, { action: "plan.archived", orgId: null, actor: actorOf(ctx), target: { type: "plan", id: plan.id }, meta: ctx, before: { key: plan.key } });
    return after;
  });
  return present(archived);
}
