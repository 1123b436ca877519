// Usage reported to Stripe Billing Meters (billing.mode = stripe_meters), for
// those who price in Stripe: each count or sum meter's usage per organization
// and hour becomes meter events with event_name = the meter's key and the
// payload { stripe_customer_id, value }. Exactly once, in three steps:
//   1. events written earlier and not yet confirmed are sent again, with the
//      same identifier (Stripe keeps one event per identifier);
//   2. under a per-organization lock, each hour's usage now, less what its
//      rows already report, is written as new rows (so two runs never report
//      the same usage twice, and usage that arrives late is reported as more);
//   3. those are sent, and marked sent.
// A crash anywhere leaves rows that step 1 of the next run sends again.
import { createHash, randomUUID } from "node:crypto";
import { Decimal as BaseDecimal } from "decimal.js";
import type Stripe from "stripe";
import { db } from "../db.ts";
import { env } from "../env.ts";
import { logger } from "../logger.ts";
import { readUsageByHour } from "../usage/event-store.ts";
import { listMeters, type Meter } from "../usage/meters.ts";
import { stripeClient } from "./stripe-client.ts";
import { stripeCustomerFor } from "./stripe-sync.ts";

const Decimal = BaseDecimal.clone({ precision: 60 });
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Stripe takes meter events up to 35 days old; an hour that starts earlier is not reported. */
const STRIPE_MAX_AGE_MS = 35 * DAY - HOUR;

/** Meters Stripe can add up: a count or a sum grows by what is added. */
export const reportable = (meter: Pick<Meter, "aggregation">) => meter.aggregation === "count" || meter.aggregation === "sum";

const identifierOf = (orgId: string, meterId: string, hour: Date, seq: number) =>
  `tollgate_${createHash("sha256").update(`${orgId}|${meterId}|${hour.toISOString()}|${seq}`).digest("base64url").slice(0, 40)}`;

type Row = { id: string; orgId: string; meterId: string; hour: Date; value: string; identifier: string };

async function send(stripe: Stripe, rows: Row[], meters: Map<string, Meter>, customers: Map<string, string>): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  for (const row of rows) {
    const meter = meters.get(row.meterId);
    const customer = customers.get(row.orgId) ?? (await stripeCustomerFor(stripe, row.orgId));
    customers.set(row.orgId, customer);
    try {
      if (!meter || row.hour.getTime() <= Date.now() - STRIPE_MAX_AGE_MS) {
        // Stripe would refuse it (its meter is gone, or the hour is past the 35 days Stripe takes): said loudly, then done with.
        logger.error(
          { orgId: row.orgId, meterId: row.meterId, hour: row.hour.toISOString(), value: row.value, identifier: row.identifier },
          "billing: usage could not be reported to Stripe and is skipped",
        );
      } else {
        await stripe.billing.meterEvents.create(
          { event_name: meter.key, identifier: row.identifier, timestamp: Math.floor(row.hour.getTime() / 1000), payload: { stripe_customer_id: customer, value: row.value } },
          { idempotencyKey: row.identifier },
        );
      }
    } catch (error) {
      // Already received (a resend after a crash): it counts once, and is sent.
      const code = (error as { code?: string }).code;
      if (code !== "duplicate_meter_event") {
        failed++;
        logger.error({ err: error, orgId: row.orgId, identifier: row.identifier }, "billing: a meter event was not accepted by Stripe");
        continue;
      }
    }
    await db.stripeMeterReport.update({ where: { id: row.id }, data: { sentAt: new Date() } });
    sent++;
  }
  return { sent, failed };
}

/** Writes the meter events that bring what is reported up to the usage now, for one organization; returns them. */
async function recordDue(orgId: string, meters: Meter[], from: Date, to: Date): Promise<Row[]> {
  // Read before the lock (the store reads on its own connections); the lock makes the difference exact.
  const usage = new Map<string, Map<number, string>>();
  for (const meter of meters) usage.set(meter.id, new Map((await readUsageByHour([orgId], meter, from, to)).map((r) => [r.hour.getTime(), r.quantity])));
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`tollgate:meter-report:${orgId}`}, 0))`;
    const reported = await tx.stripeMeterReport.findMany({ where: { orgId, hour: { gte: from, lt: to } }, select: { meterId: true, hour: true, value: true } });
    const sums = new Map<string, { total: InstanceType<typeof Decimal>; count: number }>();
    for (const r of reported) {
      const key = `${r.meterId}|${r.hour.getTime()}`;
      const sum = sums.get(key) ?? { total: new Decimal(0), count: 0 };
      sums.set(key, { total: sum.total.plus(r.value), count: sum.count + 1 });
    }
    const due: Row[] = [];
    for (const meter of meters) {
      for (const [hourMs, quantity] of usage.get(meter.id)!) {
        const sum = sums.get(`${meter.id}|${hourMs}`) ?? { total: new Decimal(0), count: 0 };
        const more = new Decimal(quantity).minus(sum.total);
        if (more.lte(0)) {
          if (more.lt(0))
            logger.warn(
              { orgId, meter: meter.key, hour: new Date(hourMs).toISOString(), quantity, reported: sum.total.toFixed() },
              "billing: less usage than reported to Stripe (retention or a repair)",
            );
          continue;
        }
        const hour = new Date(hourMs);
        due.push({ id: randomUUID(), orgId, meterId: meter.id, hour, value: more.toFixed(), identifier: identifierOf(orgId, meter.id, hour, sum.count) });
      }
    }
    if (due.length) await tx.stripeMeterReport.createMany({ data: due });
    return due;
  });
}

/**
 * The stripe-meter-report job: for every organization on a plan, reports the
 * usage of the last `lookbackHours` hours (late events included) that Stripe
 * has not been told of.
 */
export async function reportUsageToStripe(options: { lookbackHours?: number; now?: Date; onlyOrgIds?: string[]; stripe?: Stripe | null; since?: Date | null } = {}) {
  const stripe = options.stripe === undefined ? stripeClient() : options.stripe;
  if (!stripe) return { organizations: 0, events: 0, failed: 0, skipped: "stripe_not_configured" as const };
  const now = options.now ?? new Date();
  // Never older than Stripe takes; never before the switch to this mode (Tollgate invoiced what came before).
  const lookback = Math.min(options.lookbackHours ?? 3, env().TOLLGATE_USAGE_MAX_AGE_DAYS * 24 + 1, STRIPE_MAX_AGE_MS / HOUR - 1);
  const earliest = Math.floor((now.getTime() - lookback * HOUR) / HOUR) * HOUR;
  const from = new Date(Math.max(earliest, options.since?.getTime() ?? 0));
  const to = new Date(Math.ceil((now.getTime() + 1) / HOUR) * HOUR);
  const meters = (await listMeters()).filter(reportable);
  const byId = new Map(meters.map((m) => [m.id, m]));
  const customers = new Map<string, string>();
  const subscriptions = await db.subscription.findMany({ where: options.onlyOrgIds ? { orgId: { in: options.onlyOrgIds } } : {}, select: { orgId: true } });
  const orgIds = subscriptions.map((s) => s.orgId);

  // 1. What an earlier run wrote and did not confirm.
  const unsent = await db.stripeMeterReport.findMany({ where: { sentAt: null, ...(options.onlyOrgIds ? { orgId: { in: options.onlyOrgIds } } : {}) }, orderBy: { createdAt: "asc" } });
  let { sent, failed } = await send(stripe, unsent, byId, customers);
  // 2 and 3, one organization at a time.
  for (const orgId of meters.length ? orgIds : []) {
    const due = await recordDue(orgId, meters, from, to);
    const result = await send(stripe, due, byId, customers);
    sent += result.sent;
    failed += result.failed;
  }
  if (failed) throw new Error(`billing: ${failed} meter events were not accepted by Stripe (${sent} were); they are sent again on the next run`);
  return { organizations: orgIds.length, events: sent, failed };
}
