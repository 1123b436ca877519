// Which plan an organization is on, set by instance admins (provisioning) and,
// later, by Stripe Checkout. One subscription per organization; its periods
// run from the anchor (the trial's end, or the start), in whole hours.
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import { invalidateOrgIndex } from "../authz/org-index-cache.ts";
import type { InstanceCtx } from "../context.ts";
import { db } from "../db.ts";
import { Conflict, NotFound } from "../errors.ts";
import { changePlanIn, onTheHour } from "./plan-change.ts";
import { getPlan, PlanKey } from "./plans.ts";

const DAY = 86_400_000;

export const SubscribeInput = z.strictObject({
  plan: PlanKey,
  /** When it starts (default now); rounded down to the hour, since usage is kept by the hour. */
  startAt: z.iso
    .datetime({ offset: true, error: "startAt: an ISO 8601 date-time" })
    .refine((at) => Math.abs(Date.parse(at) - Date.now()) <= 366 * DAY, "startAt: within a year of now")
    .optional(),
});

/** Puts the organization on a plan, or moves it to another (prorated: see plan-change.ts). */
export async function subscribeOrganization(ctx: InstanceCtx, orgId: string, raw: unknown) {
  assertInstanceAdmin(ctx, "change organizations' plans");
  const input = SubscribeInput.parse(raw);
  const plan = await getPlan(input.plan);
  if (plan.archivedAt) throw new Conflict("plan_archived", `The plan "${plan.key}" is archived and takes no new subscriptions.`);
  const org = await db.organization.findUnique({ where: { id: orgId }, select: { id: true } });
  if (!org) throw new NotFound("organization_not_found", "Organization not found.");
  const at = onTheHour(input.startAt ? new Date(input.startAt) : new Date());
  const subscription = await db.$transaction(
    async (tx) => {
      const change = await changePlanIn(tx, orgId, { plan, at });
      const subscription = await tx.subscription.findUniqueOrThrow({ where: { orgId }, select: subscriptionSelect });
      await recordAudit(tx, {
        action: "subscription.changed",
        orgId,
        actor: actorOf(ctx),
        target: { type: "subscription", id: subscription.id },
        meta: ctx,
        before: change.before ? { plan: change.before } : undefined,
        after: { plan: plan.key, startedAt: at.toISOString(), trialEndsAt: subscription.trialEndsAt?.toISOString() ?? null, invoicesMade: change.invoiceIds.length },
      });
      return present(subscription);
    },
    { timeout: 60_000 },
  );
  invalidateOrgIndex(orgId);
  return subscription;
}

const subscriptionSelect = { id: true, orgId: true, status: true, startedAt: true, trialEndsAt: true, anchorAt: true, canceledAt: true, pastDueSince: true, plan: { select: { key: true } } } as const;
type SubscriptionRow = {
  id: string;
  orgId: string;
  status: string;
  startedAt: Date;
  trialEndsAt: Date | null;
  anchorAt: Date;
  canceledAt: Date | null;
  pastDueSince: Date | null;
  plan: { key: string };
};
const present = ({ plan, ...row }: SubscriptionRow) => ({ ...row, plan: plan.key });
export type Subscription = ReturnType<typeof present>;

/** The organization's subscription, or null (no plan yet). Callers check the permission. */
export async function subscriptionOf(orgId: string): Promise<Subscription | null> {
  const row = await db.subscription.findUnique({ where: { orgId }, select: subscriptionSelect });
  return row ? present(row) : null;
}
