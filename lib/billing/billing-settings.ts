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
import { Conflict } from "../errors.ts";

export const BILLING_MODES = ["invoices", "stripe_meters"] as const;
export type BillingMode = (typeof BILLING_MODES)[number];
export const BillingSettingsInput = z.strictObject({
  mode: z.enum(BILLING_MODES, "mode: invoices (Tollgate's invoices, sent to Stripe) or stripe_meters (usage reported to Stripe Billing Meters)"),
});
/** The mode, and since when (the hour after the switch; null: invoices from the start). */
export type BillingSettings = { mode: BillingMode; since: Date | null };
const Stored = z.object({ mode: z.enum(BILLING_MODES), since: z.iso.datetime().nullable().default(null) });

const KEY = "billing";
const HOUR = 3_600_000;

/** Instance settings, not tenant data: read by the billing jobs and shown to instance admins. */
export async function billingSettings(): Promise<BillingSettings> {
  const row = await db.instanceSetting.findUnique({ where: { key: KEY } });
  const parsed = Stored.safeParse(row?.value);
  return parsed.success ? { mode: parsed.data.mode, since: parsed.data.since ? new Date(parsed.data.since) : null } : { mode: "invoices", since: null };
}

/**
 * Switches the mode from the next whole hour: what came before is billed the
 * old way (Tollgate invoices the part of each period up to then; Stripe meters
 * get only the hours from then on). Going back from Stripe meters to invoices
 * once usage was reported there is refused: the same usage would be billed twice.
 */
export async function updateBillingSettings(ctx: InstanceCtx, raw: unknown): Promise<BillingSettings> {
  assertInstanceAdmin(ctx, "change how the instance bills");
  const input = BillingSettingsInput.parse(raw);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('tollgate:billing-settings', 0))`;
    const before = Stored.safeParse((await tx.instanceSetting.findUnique({ where: { key: KEY } }))?.value);
    const current: BillingMode = before.success ? before.data.mode : "invoices";
    if (current === input.mode) return { mode: current, since: before.success && before.data.since ? new Date(before.data.since) : null };
    if (current === "stripe_meters" && (await tx.stripeMeterReport.count({ take: 1 }))) {
      throw new Conflict(
        "billing_mode_locked",
        "Usage has been reported to Stripe Billing Meters: going back to Tollgate's invoices would bill the same usage twice. Keep pricing in Stripe, or ask for a migration.",
      );
    }
    const since = new Date(Math.ceil((Date.now() + 1) / HOUR) * HOUR);
    const value = { mode: input.mode, since: since.toISOString() };
    await tx.instanceSetting.upsert({ where: { key: KEY }, create: { key: KEY, value, updatedById: userIdOf(ctx) }, update: { value, updatedById: userIdOf(ctx) } });
    await recordAudit(tx, {
      action: "billing.settings_changed",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "instance_setting", id: KEY },
      meta: ctx,
      before: { mode: current },
      after: value,
    });
    return { mode: input.mode, since };
  });
}
