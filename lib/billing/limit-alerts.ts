// How much of its plan's limits an organization uses, and the alerts at 80%
// and 100%: a banner in the app (computed live) and mail to the members who
// manage billing (sent by the billing-limit-alerts job, once per crossing:
// the alert row and its mail commit together).
import { recordAudit } from "../audit/record-audit.ts";
import { assertAllowed, can } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { publicUrl } from "../env.ts";
import { deliverMail, queueMail } from "../mail/send-mail.ts";
import { eventsInMonth } from "../usage/event-store.ts";
import { effectiveEntitlements, subscriptionFacts, type EntitlementState } from "./entitlements.ts";
import { BILLING_ACTOR } from "./invoicing.ts";
import { countOf } from "./limits.ts";
import { LIMIT_NAMES, type LimitName } from "./plans.ts";

export const THRESHOLDS = [80, 100] as const;
const REARM_AFTER_MS = 86_400_000;

export type LimitUse = {
  limit: LimitName;
  used: number;
  max: number;
  /** Whole percent of the limit used, rounded down. */
  percent: number;
  /** A soft limit warns and refuses nothing. */
  soft: boolean;
  /** The month counted (YYYY-MM) for events a month. */
  period: string | null;
  level: "ok" | "warning" | "reached";
};

const LABEL: Record<LimitName, string> = { members: "members (and pending invitations)", apiKeys: "active API keys", eventsPerMonth: "usage events this month" };
const monthOf = (now: Date) => now.toISOString().slice(0, 7);
const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

/** The use of each limit the plan sets (a limit of 0 is "not included", not something to warn about). */
export async function limitUseOf(orgId: string, state: EntitlementState, now = new Date(), eventsThisMonth?: number): Promise<LimitUse[]> {
  const uses: LimitUse[] = [];
  for (const limit of LIMIT_NAMES) {
    const max = state.entitlements[limit];
    if (max === undefined || max === null || max === 0) continue;
    const used = limit === "eventsPerMonth" ? (eventsThisMonth ?? (await eventsInMonth([orgId], monthStart(now))).get(orgId) ?? 0) : (await countOf(db, orgId, limit, now)).count;
    const percent = Math.floor((used * 100) / max);
    uses.push({
      limit,
      used,
      max,
      percent,
      soft: state.entitlements.soft?.includes(limit) ?? false,
      period: limit === "eventsPerMonth" ? monthOf(now) : null,
      level: percent >= 100 ? "reached" : percent >= 80 ? "warning" : "ok",
    });
  }
  return uses;
}

/** For the organization's billing readers: each limit's use now. */
export async function organizationLimitUse(ctx: OrgCtx, now = new Date()): Promise<LimitUse[]> {
  assertAllowed(ctx, "billing:read");
  const sub = await db.subscription.findUnique({ where: { orgId: ctx.orgId }, select: subscriptionFacts });
  return limitUseOf(ctx.orgId, effectiveEntitlements(sub, now), now);
}

/** For the banner on every page: a hint-level check (not a logged decision); nothing for those who do not read billing. */
export async function limitWarnings(ctx: OrgCtx, now = new Date()): Promise<LimitUse[]> {
  if (!can(ctx, "billing:read")) return [];
  const sub = await db.subscription.findUnique({ where: { orgId: ctx.orgId }, select: subscriptionFacts });
  if (!sub) return [];
  return (await limitUseOf(ctx.orgId, effectiveEntitlements(sub, now), now)).filter((use) => use.level !== "ok");
}

/** What the banner says about one limit at or past 80%. */
export function describeLimitUse(use: LimitUse): string {
  const figures = `${use.used.toLocaleString("en-US")} of ${use.max.toLocaleString("en-US")} ${LABEL[use.limit]}`;
  if (use.level === "warning") return `${use.percent}% of the plan's limit used: ${figures}.`;
  if (use.soft) return `${use.used > use.max ? "Past" : "At"} the plan's limit: ${figures}. Nothing is refused (a soft limit), but a larger plan fits better.`;
  return `The plan's limit is reached: ${figures}. More are refused until there is room or a larger plan.`;
}

/** Who is told: members whose role manages billing (owners included). */
async function billingRecipients(orgId: string): Promise<string[]> {
  const members = await db.membership.findMany({
    where: { orgId, role: { OR: [{ isOwner: true }, { permissions: { has: "billing:write" } }] } },
    select: { user: { select: { email: true } } },
  });
  return [...new Set(members.map((m) => m.user.email))];
}

/**
 * The billing-limit-alerts job: for every organization with limits, records
 * each threshold newly crossed and mails its billing managers, once; for
 * members and API keys a threshold fallen below again is re-armed.
 */
export async function sendLimitAlerts(now = new Date(), onlyOrgIds?: string[]): Promise<{ organizations: number; alerts: number }> {
  const subscriptions = await db.subscription.findMany({
    where: onlyOrgIds ? { orgId: { in: onlyOrgIds } } : {},
    select: { orgId: true, org: { select: { name: true, slug: true } }, ...subscriptionFacts },
  });
  const states = new Map(subscriptions.map((sub) => [sub.orgId, effectiveEntitlements(sub, now)]));
  // Events a month of every organization limited on them, in one read.
  const events = await eventsInMonth(
    subscriptions.filter((sub) => states.get(sub.orgId)!.entitlements.eventsPerMonth).map((sub) => sub.orgId),
    monthStart(now),
  );
  let alerts = 0;
  let organizations = 0;
  for (const sub of subscriptions) {
    const uses = await limitUseOf(sub.orgId, states.get(sub.orgId)!, now, events.get(sub.orgId) ?? 0);
    if (!uses.length) continue;
    organizations++;
    const outbox: string[] = [];
    await db.$transaction(async (tx) => {
      for (const use of uses) {
        const crossed = THRESHOLDS.filter((t) => use.percent >= t);
        // Re-armed once the use is below again, but at most a day after the alert: adding and removing around a threshold sends no stream of mail.
        if (use.period === null)
          await tx.limitAlert.deleteMany({
            where: { orgId: sub.orgId, limit: use.limit, period: "", threshold: { notIn: [...crossed] }, createdAt: { lt: new Date(now.getTime() - REARM_AFTER_MS) } },
          });
        const fresh: number[] = [];
        for (const threshold of crossed) {
          const made = await tx.limitAlert.createMany({
            data: [{ orgId: sub.orgId, limit: use.limit, threshold, period: use.period ?? "", used: BigInt(use.used), max: BigInt(use.max) }],
            skipDuplicates: true,
          });
          if (made.count) fresh.push(threshold);
        }
        if (!fresh.length) continue;
        // Crossing both at once sends one mail, about the higher.
        alerts++;
        const threshold = Math.max(...fresh);
        const subject = threshold >= 100 ? `${sub.org.name} has reached its plan's limit of ${LABEL[use.limit]}` : `${sub.org.name} has used ${threshold}% of its plan's limit of ${LABEL[use.limit]}`;
        const text = [
          `Hello,`,
          ``,
          describeLimitUse(use),
          ``,
          `Billing for ${sub.org.name}: ${publicUrl().replace(/\/$/, "")}/${sub.org.slug}/billing`,
          ``,
          `You receive this because you manage billing for ${sub.org.name} on Tollgate.`,
        ].join("\n");
        for (const to of await billingRecipients(sub.orgId)) outbox.push((await queueMail(tx, { to, subject, text, relatedId: sub.orgId })).id);
        await recordAudit(tx, {
          action: "billing.limit_alert",
          orgId: sub.orgId,
          actor: BILLING_ACTOR,
          target: { type: "organization", id: sub.orgId },
          meta: { ip: null, userAgent: null },
          after: { limit: use.limit, threshold, used: use.used, max: use.max, soft: use.soft },
        });
      }
    });
    for (const id of outbox) await deliverMail(id);
  }
  return { organizations, alerts };
}
