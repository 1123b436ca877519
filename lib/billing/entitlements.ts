// What an organization may have now: its plan's entitlements, or, once a
// failed payment's grace period is over (or the plan was canceled), the
// plan's fallback entitlements. No plan: no limits (billing not in use).
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { env } from "../env.ts";
import type { Entitlements, LimitName } from "./plans.ts";

const DAY = 86_400_000;

export type EntitlementState = {
  plan: string | null;
  entitlements: Entitlements;
  source: "plan" | "fallback" | "none";
  pastDueSince: Date | null;
  /** When the fallback applies (a payment failed and is still unpaid). */
  graceEndsAt: Date | null;
};

type SubscriptionFacts = { status: string; pastDueSince: Date | null; plan: { key: string; entitlements: unknown; fallbackEntitlements: unknown } };
export const subscriptionFacts = { status: true, pastDueSince: true, plan: { select: { key: true, entitlements: true, fallbackEntitlements: true } } } as const;

/** What a subscription entitles to at `now` (no subscription: no limits). */
export function effectiveEntitlements(sub: SubscriptionFacts | null, now: Date): EntitlementState {
  if (!sub) return { plan: null, entitlements: {}, source: "none", pastDueSince: null, graceEndsAt: null };
  const own = sub.plan.entitlements as Entitlements;
  const fallback = (sub.plan.fallbackEntitlements as Entitlements | null) ?? { ...own, sso: false };
  const graceEndsAt = sub.pastDueSince ? new Date(sub.pastDueSince.getTime() + env().TOLLGATE_BILLING_GRACE_DAYS * DAY) : null;
  const limited = sub.status === "canceled" || (graceEndsAt !== null && now >= graceEndsAt);
  return { plan: sub.plan.key, entitlements: limited ? fallback : own, source: limited ? "fallback" : "plan", pastDueSince: sub.pastDueSince, graceEndsAt };
}

export async function entitlementsOf(orgId: string, now = new Date()): Promise<EntitlementState> {
  return effectiveEntitlements(await db.subscription.findUnique({ where: { orgId }, select: subscriptionFacts }), now);
}

/** For the organization's own admins (and its product, through the API). */
export async function organizationEntitlements(ctx: OrgCtx): Promise<EntitlementState> {
  assertAllowed(ctx, "billing:read");
  return entitlementsOf(ctx.orgId);
}

/** The limit to refuse at: null when there is none, or when the plan only warns at it (a soft limit). */
export function hardLimit(entitlements: Entitlements, name: LimitName): number | null {
  const max = entitlements[name];
  if (max === undefined || max === null || entitlements.soft?.includes(name)) return null;
  return max;
}
