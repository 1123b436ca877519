// Sending a stored invoice to Stripe: the customer, the invoice, one invoice
// item per line, finalize. Each call carries an idempotency key made of our
// own ids, and each Stripe id is saved as soon as it is known, so a run that
// crashed or timed out anywhere is simply run again: Stripe replays what it
// did (within its 24 hours of idempotency), and beyond that the invoice and
// its items are found again by the ids in their metadata. One Stripe invoice
// per invoice, whatever happens.
import type Stripe from "stripe";
import { recordAudit } from "../audit/record-audit.ts";
import { db } from "../db.ts";
import { logger } from "../logger.ts";
import { BILLING_ACTOR } from "./invoicing.ts";
import { stripeClient } from "./stripe-client.ts";

const NO_META = { ip: null, userAgent: null };
const unix = (d: Date) => Math.floor(d.getTime() / 1000);

/** The organization's Stripe customer, made once (the idempotency key and the guarded save keep it one). */
export async function stripeCustomerFor(stripe: Stripe, orgId: string): Promise<string> {
  const org = await db.organization.findUniqueOrThrow({ where: { id: orgId }, select: { id: true, name: true, slug: true, stripeCustomerId: true } });
  if (org.stripeCustomerId) return org.stripeCustomerId;
  // One made by a run that stopped before saving it, beyond Stripe's 24 hours of idempotency, is found by its metadata.
  const [made] = (await stripe.customers.search({ query: `metadata['tollgate_org_id']:'${org.id}'`, limit: 1 })).data;
  const customer = made ?? (await stripe.customers.create({ name: org.name, metadata: { tollgate_org_id: org.id, tollgate_org_slug: org.slug } }, { idempotencyKey: `tollgate-customer-${org.id}` }));
  // Only if still unset: a Checkout may have set one meanwhile.
  const saved = await db.organization.updateMany({ where: { id: org.id, stripeCustomerId: null }, data: { stripeCustomerId: customer.id } });
  if (saved.count) return customer.id;
  return (await db.organization.findUniqueOrThrow({ where: { id: org.id }, select: { stripeCustomerId: true } })).stripeCustomerId!;
}

/** The Stripe invoice made for ours earlier, found by its metadata (when the idempotency key has expired). */
async function findStripeInvoice(stripe: Stripe, customer: string, invoiceId: string): Promise<Stripe.Invoice | null> {
  for await (const invoice of stripe.invoices.list({ customer, limit: 100 })) {
    if (invoice.metadata?.tollgate_invoice_id === invoiceId) return invoice;
  }
  return null;
}

export type SendResult = { status: "sent" | "already_sent" | "kept_here"; stripeInvoiceId: string | null };

/** Sends a draft invoice to Stripe and finalizes it there. Safe to run again at any point. */
export async function sendInvoice(invoiceId: string, stripe: Stripe | null = stripeClient()): Promise<SendResult> {
  const invoice = await db.invoice.findUnique({
    where: { id: invoiceId },
    include: { lines: { orderBy: { position: "asc" } } },
  });
  if (!invoice) return { status: "already_sent", stripeInvoiceId: null };
  if (invoice.status !== "draft") return { status: "already_sent", stripeInvoiceId: invoice.stripeInvoiceId };
  if (!stripe) {
    // No Stripe: the invoice is final here, and collected by other means.
    await db.$transaction(async (tx) => {
      const moved = await tx.invoice.updateMany({ where: { id: invoiceId, status: "draft" }, data: { status: "open", sentAt: new Date() } });
      if (moved.count)
        await recordAudit(tx, {
          action: "invoice.finalized",
          orgId: invoice.orgId,
          actor: BILLING_ACTOR,
          target: { type: "invoice", id: invoiceId },
          meta: NO_META,
          after: { stripe: false, total: invoice.total },
        });
    });
    return { status: "kept_here", stripeInvoiceId: null };
  }

  // On a first run nothing of it can be in Stripe yet: no need to look for what a crashed run made.
  const [claimed] = await db.$queryRaw<Array<{ sendAttempts: number }>>`UPDATE "Invoice" SET "sendAttempts" = "sendAttempts" + 1 WHERE "id" = ${invoice.id}::uuid RETURNING "sendAttempts"`;
  const firstRun = claimed?.sendAttempts === 1;
  const customer = await stripeCustomerFor(stripe, invoice.orgId);
  let stripeInvoiceId = invoice.stripeInvoiceId;
  if (!stripeInvoiceId) {
    const made =
      (firstRun ? null : await findStripeInvoice(stripe, customer, invoice.id)) ??
      (await stripe.invoices.create(
        {
          customer,
          currency: invoice.currency,
          collection_method: "charge_automatically",
          auto_advance: false,
          pending_invoice_items_behavior: "exclude",
          description: `Tollgate ${invoice.planKey}: ${invoice.periodStart.toISOString().slice(0, 10)} to ${new Date(invoice.periodEnd.getTime() - 1).toISOString().slice(0, 10)}`,
          metadata: { tollgate_invoice_id: invoice.id, tollgate_org_id: invoice.orgId },
        },
        { idempotencyKey: `tollgate-invoice-${invoice.id}` },
      ));
    stripeInvoiceId = made.id;
    await db.invoice.update({ where: { id: invoice.id }, data: { stripeInvoiceId } });
  }

  const unsent = invoice.lines.filter((line) => !line.stripeInvoiceItemId);
  if (unsent.length) {
    // Items made by a run that crashed before it saved their ids.
    const present = new Map<string, string>();
    if (!firstRun) {
      for await (const item of stripe.invoiceItems.list({ invoice: stripeInvoiceId, limit: 100 })) {
        if (item.metadata?.tollgate_line_id) present.set(item.metadata.tollgate_line_id, item.id);
      }
    }
    const made: Array<{ id: string; itemId: string }> = [];
    try {
      for (const line of unsent) {
        const itemId =
          present.get(line.id) ??
          (
            await stripe.invoiceItems.create(
              {
                customer,
                invoice: stripeInvoiceId,
                amount: line.amount,
                currency: invoice.currency,
                description: line.quantity !== null && line.kind !== "credit" ? `${line.description} (${line.quantity})` : line.description,
                period: { start: unix(line.servicePeriodStart), end: unix(line.servicePeriodEnd) },
                metadata: { tollgate_line_id: line.id, tollgate_kind: line.kind, ...(line.meterKey ? { tollgate_meter: line.meterKey } : {}) },
              },
              { idempotencyKey: `tollgate-line-${line.id}` },
            )
          ).id;
        made.push({ id: line.id, itemId });
      }
    } finally {
      // Saved together (what failed midway is found again by the next run's listing).
      if (made.length)
        await db.$executeRaw`UPDATE "InvoiceLine" l SET "stripeInvoiceItemId" = m.item FROM unnest(${made.map((m) => m.id)}::uuid[], ${made.map((m) => m.itemId)}::text[]) AS m(id, item) WHERE l."id" = m.id`;
    }
  }

  // Checked before finalizing, which cannot be undone: Stripe's draft must add up to ours.
  const draft = await stripe.invoices.retrieve(stripeInvoiceId);
  if (draft.status === "draft" && draft.total !== invoice.total) {
    logger.error({ invoiceId, stripeInvoiceId, ours: invoice.total, stripe: draft.total }, "billing: Stripe's draft invoice total differs from ours; not finalized");
    throw new Error(`billing: Stripe's draft ${stripeInvoiceId} totals ${draft.total}, ours ${invoice.total}: not finalized`);
  }
  const finalized = draft.status === "draft" ? await stripe.invoices.finalizeInvoice(stripeInvoiceId, { auto_advance: true }, { idempotencyKey: `tollgate-finalize-${invoice.id}` }) : draft;
  await db.$transaction(async (tx) => {
    // A webhook may have moved it on already (paid): only a draft becomes open here.
    const moved = await tx.invoice.updateMany({
      where: { id: invoice.id, status: "draft" },
      data: { status: "open", sentAt: new Date(), number: finalized.number ?? null, hostedInvoiceUrl: finalized.hosted_invoice_url ?? null },
    });
    await tx.invoice.updateMany({ where: { id: invoice.id, hostedInvoiceUrl: null }, data: { number: finalized.number ?? null, hostedInvoiceUrl: finalized.hosted_invoice_url ?? null } });
    if (moved.count)
      await recordAudit(tx, {
        action: "invoice.finalized",
        orgId: invoice.orgId,
        actor: BILLING_ACTOR,
        target: { type: "invoice", id: invoice.id },
        meta: NO_META,
        after: { stripeInvoiceId, number: finalized.number ?? null, total: invoice.total },
      });
  });
  return { status: "sent", stripeInvoiceId };
}

/**
 * Sends every draft invoice, `concurrency` at a time (the billing-send-invoice
 * job). Throws at the end if any failed, so that the job is retried with
 * backoff; a retry sends only those still drafts.
 */
export async function sendDraftInvoices(ids: string[], concurrency = 8, stripe: Stripe | null = stripeClient()): Promise<{ sent: number }> {
  const queue = [...ids];
  const failed: string[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          await sendInvoice(id, stripe);
        } catch (error) {
          logger.warn({ err: error, invoiceId: id }, "billing: sending an invoice to Stripe failed (will be retried)");
          failed.push(id);
        }
      }
    }),
  );
  if (failed.length) throw new Error(`billing: ${failed.length} of ${ids.length} invoices could not be sent to Stripe yet: ${failed.slice(0, 5).join(", ")}`);
  return { sent: ids.length };
}
