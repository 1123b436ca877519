// How this instance bills, set by instance admins at run time:
// - "invoices" (default): Tollgate prices usage by its plans and sends the
//   invoices to Stripe (invoicing.ts, stripe-sync.ts);
// - "stripe_meters": for those who price in Stripe, Tollgate reports each
//   organization's usage to Stripe Billing Meters (stripe-meters.ts) and
//   makes no invoices of its own.
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import { userIdOf, type InstanceCtx } from "../context.ts";
import { db } from "../db.ts";

export const BILLING_MODES = ["invoices", "stripe_meters"] as const;
export const BillingSettings = z.strictObject({
  mode: z.enum(BILLING_MODES, "mode: invoices (Tollgate's invoices, sent to Stripe) or stripe_meters (usage reported to Stripe Billing Meters)"),
});
export type BillingSettings = z.infer<typeof BillingSettings>;

const KEY = "billing";
const DEFAULTS: BillingSettings = { mode: "invoices" };

/** Instance settings, not tenant data: read by the billing jobs and shown to instance admins. */
export async function billingSettings(): Promise<BillingSettings> {
  const row = await db.instanceSetting.findUnique({ where: { key: KEY } });
  const parsed = BillingSettings.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULTS;
}

export async function updateBillingSettings(ctx: InstanceCtx, raw: unknown): Promise<BillingSettings> {
  assertInstanceAdmin(ctx, "change how the instance bills");
  const input = BillingSettings.parse(raw);
  return db.$transaction(async (tx) => {
    const before = BillingSettings.safeParse((await tx.instanceSetting.findUnique({ where: { key: KEY } }))?.value);
    const updatedById = userIdOf(ctx);
    await tx.instanceSetting.upsert({ where: { key: KEY }, create: { key: KEY, value: input, updatedById }, update: { value: input, updatedById } });
    await recordAudit(tx, {
      action: "billing.settings_changed",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "instance_setting", id: KEY },
      meta: ctx,
      before: before.success ? before.data : DEFAULTS,
      after: input,
    });
    return input;
  });
}
