// An organization's billing as its admins see it: past invoices, credits, and
// the ways into Stripe (Checkout to change plan with a card on file, the
// customer portal for payment methods and receipts). Instance admins grant
// credits.
import type Stripe from "stripe";
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed, assertInstanceAdmin } from "../authz/authorize.ts";
import type { InstanceCtx, OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { env } from "../env.ts";
import { Conflict, Forbidden, NotFound, Unavailable } from "../errors.ts";
import { getPlan, PlanKey } from "./plans.ts";
import { stripeClient } from "./stripe-client.ts";
import { stripeCustomerFor } from "./stripe-sync.ts";

const invoiceSelect = {
  id: true,
  planKey: true,
  currency: true,
  periodStart: true,
  periodEnd: true,
  status: true,
  subtotal: true,
  creditsApplied: true,
  total: true,
  number: true,
  hostedInvoiceUrl: true,
  sentAt: true,
  paidAt: true,
  paymentFailedAt: true,
  createdAt: true,
  lines: { orderBy: { position: "asc" }, select: { kind: true, description: true, meterKey: true, quantity: true, amount: true, servicePeriodStart: true, servicePeriodEnd: true } },
} as const;

export type InvoiceView = Awaited<ReturnType<typeof listInvoices>>["data"][number];

/** The organization's invoices, newest period first. */
export async function listInvoices(ctx: OrgCtx, limit = 24) {
  assertAllowed(ctx, "billing:read");
  const rows = await db.invoice.findMany({ where: { orgId: ctx.orgId }, orderBy: { periodStart: "desc" }, take: limit, select: invoiceSelect });
  return { data: rows.map(({ lines, ...invoice }) => ({ ...invoice, lines: lines.map(({ meterKey, ...line }) => ({ ...line, meter: meterKey })) })) };
}

export const GrantCreditInput = z.strictObject({
  kind: z.enum(["prepaid", "promotional"], "kind: prepaid or promotional"),
  amount: z.number().int("amount: a whole number of minor units (e.g. cents)").min(1, "amount: at least 1").max(2_147_483_647, "amount: at most 2,147,483,647 minor units"),
  currency: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{3}$/, "currency: a three-letter ISO 4217 code, e.g. usd"),
  description: z.string().trim().min(1, "description: required").max(120, "description: at most 120 characters"),
  expiresAt: z.iso
    .datetime({ offset: true, error: "expiresAt: an ISO 8601 date-time" })
    .refine((at) => Date.parse(at) > Date.now(), "expiresAt: in the future")
    .optional(),
});

const creditSelect = { id: true, kind: true, currency: true, amount: true, remaining: true, description: true, expiresAt: true, voidedAt: true, createdAt: true } as const;

/** Gives an organization credit toward its invoices (an instance admin: sold or given). */
export async function grantCredit(ctx: InstanceCtx, orgId: string, raw: unknown) {
  assertInstanceAdmin(ctx, "grant credits");
  const input = GrantCreditInput.parse(raw);
  const org = await db.organization.findUnique({ where: { id: orgId }, select: { id: true } });
  if (!org) throw new NotFound("organization_not_found", "Organization not found.");
  return db.$transaction(async (tx) => {
    const grant = await tx.creditGrant.create({
      data: {
        orgId,
        kind: input.kind,
        currency: input.currency,
        amount: input.amount,
        remaining: input.amount,
        description: input.description,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      },
      select: creditSelect,
    });
    await recordAudit(tx, {
      action: "credit.granted",
      orgId,
      actor: actorOf(ctx),
      target: { type: "credit", id: grant.id },
      meta: ctx,
      after: { kind: grant.kind, amount: grant.amount, currency: grant.currency, expiresAt: input.expiresAt ?? null },
    });
    return grant;
  });
}

/** The organization's credits, and what is left to use now (by currency). */
export async function listCredits(ctx: OrgCtx, now = new Date()) {
  assertAllowed(ctx, "billing:read");
  const data = await db.creditGrant.findMany({ where: { orgId: ctx.orgId }, orderBy: { createdAt: "desc" }, take: 100, select: creditSelect });
  const available: Record<string, number> = {};
  for (const grant of data) {
    if (grant.voidedAt || (grant.expiresAt && grant.expiresAt <= now)) continue;
    available[grant.currency] = (available[grant.currency] ?? 0) + grant.remaining;
  }
  return { data, available };
}

function requireStripe(stripe: Stripe | null): Stripe {
  if (!stripe) throw new Unavailable("stripe_not_configured", "Payments through Stripe are not set up on this Tollgate (STRIPE_SECRET_KEY).");
  return stripe;
}

const appUrl = (path: string) => new URL(path, env().NEXTAUTH_URL ?? "http://localhost:3000").toString();

export const CheckoutInput = z.strictObject({ plan: PlanKey });

/**
 * Stripe Checkout to move to another plan: it takes a card for the
 * organization's customer, and its completion (the webhook) switches the plan.
 */
export async function startCheckout(ctx: OrgCtx, raw: unknown, stripe = stripeClient()): Promise<{ url: string }> {
  assertAllowed(ctx, "billing:write");
  const input = CheckoutInput.parse(raw);
  const client = requireStripe(stripe);
  const plan = await getPlan(input.plan);
  if (plan.archivedAt) throw new Conflict("plan_archived", `The plan "${plan.key}" is archived and takes no new subscriptions.`);
  // Only plans the instance offers to everyone: another would be a price or limits nobody agreed to give this organization.
  if (!plan.selfServe) throw new Forbidden("plan_not_self_serve", `The plan "${plan.key}" is not offered for self-service; ask your provider to change your plan.`);
  const customer = await stripeCustomerFor(client, ctx.orgId);
  const session = await client.checkout.sessions.create({
    mode: "setup",
    currency: plan.currency,
    customer,
    client_reference_id: ctx.orgId,
    metadata: { tollgate_org_id: ctx.orgId, tollgate_plan: plan.key },
    success_url: appUrl(`/${ctx.orgSlug}/billing?checkout=done`),
    cancel_url: appUrl(`/${ctx.orgSlug}/billing?checkout=canceled`),
  });
  return { url: session.url! };
}

/** Stripe's customer portal: payment methods, billing details, receipts. */
export async function openCustomerPortal(ctx: OrgCtx, client = stripeClient()): Promise<{ url: string }> {
  assertAllowed(ctx, "billing:write");
  const stripe = requireStripe(client);
  const customer = await stripeCustomerFor(stripe, ctx.orgId);
  const session = await stripe.billingPortal.sessions.create({ customer, return_url: appUrl(`/${ctx.orgSlug}/billing`) });
  return { url: session.url };
}
