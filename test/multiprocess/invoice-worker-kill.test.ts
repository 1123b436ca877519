// A billing worker killed (SIGKILL) while it sends an invoice to Stripe, after
// Stripe made the invoice and an item but before the worker saved the item's
// id, then the job run again: one Stripe invoice, each line once, finalized.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDuePeriods } from "../../lib/billing/invoicing.ts";
import { periodAt } from "../../lib/billing/periods.ts";
import { stripeFrom } from "../../lib/billing/stripe-client.ts";
import { sendDraftInvoices } from "../../lib/billing/stripe-sync.ts";
import { db } from "../../lib/db.ts";
import { DAY, meteredPlan, sendTokens, subscribedOrg, tokenMeter } from "../billing/billing-fixtures.ts";
import { until } from "../helpers.ts";
import { LocalStripe } from "../stripe/local-stripe.ts";

let stripe: LocalStripe;
beforeAll(async () => {
  stripe = new LocalStripe();
  await stripe.listen();
});
afterAll(() => stripe.close());

describe("a billing worker killed midway", () => {
  it("leaves one Stripe invoice once the job runs again", { timeout: 60_000 }, async () => {
    const meter = await tokenMeter();
    const plan = await meteredPlan(meter);
    const { org, subscription } = await subscribedOrg(plan.key, 45);
    const first = periodAt(subscription.anchorAt, "month", subscription.anchorAt);
    await sendTokens(org.id, meter, [{ at: new Date(first.start.getTime() + DAY), tokens: 900 }]);
    const [invoiceId] = await closeDuePeriods(new Date(), [org.id]);

    // Stripe takes the second item but does not answer: the worker waits on it, and is killed.
    stripe.fail({ method: "POST", path: /^\/v1\/invoiceitems$/, mode: "timeout", after: 1, times: 1, delayMs: 60_000 });
    const items = () => stripe.requests.filter((r) => r.path === "/v1/invoiceitems" && r.method === "POST").length;
    const worker = spawn(process.execPath, ["--import", "tsx", "test/fixtures/send-invoices-process.ts"], {
      env: { ...process.env, INVOICE_ID: invoiceId, STRIPE_API_URL: stripe.url, STRIPE_SECRET_KEY: stripe.apiKey, LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    await until("the worker sent the second item", async () => items() >= 2, 30_000);
    worker.kill("SIGKILL");
    await new Promise((resolve) => worker.once("exit", resolve));

    const remoteInvoices = () => stripe.list("invoice").filter((i) => (i.metadata as Record<string, string>).tollgate_invoice_id === invoiceId);
    expect(remoteInvoices()).toHaveLength(1);
    expect(remoteInvoices()[0]!.status).toBe("draft");
    expect(await db.invoiceLine.count({ where: { invoiceId, stripeInvoiceItemId: { not: null } } })).toBe(0);

    // The job runs again (another worker).
    await sendDraftInvoices([invoiceId!], 1, stripeFrom(stripe.apiKey, stripe.url));
    const [remote] = remoteInvoices();
    expect(remoteInvoices()).toHaveLength(1);
    expect(remote).toMatchObject({ status: "open", total: 2000 + 400 });
    expect(stripe.list("invoiceitem").filter((i) => i.invoice === remote!.id)).toHaveLength(2);
    expect(await db.invoice.findUniqueOrThrow({ where: { id: invoiceId! } })).toMatchObject({ status: "open", stripeInvoiceId: remote!.id, sendAttempts: 2 });
  });
});
