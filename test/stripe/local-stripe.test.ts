// The local Stripe answers the official SDK as Stripe does: the wire format,
// errors, pagination, idempotency, injected faults and signed webhooks.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStripe } from "./local-stripe.ts";

let stripe: LocalStripe;
let client: Stripe;

beforeAll(async () => {
  stripe = new LocalStripe();
  await stripe.listen();
  client = stripe.client({ maxNetworkRetries: 2, timeout: 1000 });
});
afterAll(() => stripe.close());

describe("local Stripe", () => {
  it("takes bracketed form bodies and answers Stripe's objects", async () => {
    const customer = await client.customers.create({ name: "Acme", metadata: { orgId: "o1", "with space": "a&b=c" } });
    expect(customer).toMatchObject({ object: "customer", name: "Acme", metadata: { orgId: "o1", "with space": "a&b=c" } });
    expect(customer.id).toMatch(/^cus_/);
    const invoice = await client.invoices.create({ customer: customer.id, auto_advance: false, metadata: { tollgateInvoice: "i1" } });
    await client.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 1250, currency: "usd", description: "Base fee", period: { start: 1, end: 2 } });
    await client.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 75, currency: "usd", description: "API calls" });
    const finalized = await client.invoices.finalizeInvoice(invoice.id);
    expect(finalized).toMatchObject({ status: "open", amount_due: 1325, total: 1325 });
    expect(finalized.lines.data.map((l) => l.amount)).toEqual([1250, 75]);
    expect(finalized.hosted_invoice_url).toContain(invoice.id);
  });

  it("answers Stripe's error objects", async () => {
    const missing = await client.invoices.retrieve("in_doesnotexist").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id" });
    const noParam = await client.invoiceItems.create({ amount: 1, currency: "usd" } as Stripe.InvoiceItemCreateParams).catch((e: unknown) => e);
    expect(noParam).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "customer" });
    const badKey = await new Stripe("sk_test_wrong", { host: new URL(stripe.url).hostname, port: Number(new URL(stripe.url).port), protocol: "http" }).customers.list().catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it("pages lists newest first with starting_after", async () => {
    for (let i = 0; i < 5; i++) await client.customers.create({ email: `page-${i}@example.com` });
    const first = await client.customers.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const all = await client.customers.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    expect(all.length).toBe(stripe.list("customer").length);
  });

  it("replays an idempotent request and refuses its key with other parameters", async () => {
    const a = await client.customers.create({ name: "Once" }, { idempotencyKey: "idem-1" });
    const b = await client.customers.create({ name: "Once" }, { idempotencyKey: "idem-1" });
    expect(b.id).toBe(a.id);
    expect(stripe.requests.at(-1)).toMatchObject({ replayed: true });
    const other = await client.customers.create({ name: "Twice" }, { idempotencyKey: "idem-1" }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(stripe.list("customer").filter((c) => c.name === "Once")).toHaveLength(1);
  });

  it("answers 500 or times out when told to; the SDK's retries with the same key make one object", async () => {
    const before = stripe.list("customer").length;
    stripe.fail({ method: "POST", path: /^\/v1\/customers$/, mode: "error", times: 1 });
    await client.customers.create({ name: "After a 500" });
    stripe.fail({ method: "POST", path: /^\/v1\/customers$/, mode: "timeout", times: 1, delayMs: 3000 });
    await client.customers.create({ name: "After a timeout" });
    expect(stripe.list("customer").length).toBe(before + 2);
    const keys = stripe.requests.filter((r) => r.params.name === "After a timeout").map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  it("sends webhooks signed so that constructEvent accepts them", async () => {
    const received: Array<{ body: string; signature: string }> = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ body: Buffer.concat(chunks).toString("utf8"), signature: String(req.headers["stripe-signature"]) });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    stripe.webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const customer = await client.customers.create({ name: "Payer" });
      const invoice = await client.invoices.create({ customer: customer.id });
      await client.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 500, currency: "usd" });
      await client.invoices.finalizeInvoice(invoice.id);
      stripe.payInvoice(invoice.id);
      await stripe.settled();
      const events = received.map((r) => client.webhooks.constructEvent(r.body, r.signature, stripe.webhookSecret));
      expect(events.map((e) => e.type)).toEqual(["invoice.created", "invoice.finalized", "invoice.paid"]);
      expect(events[2]!.data.object).toMatchObject({ id: invoice.id, status: "paid", amount_paid: 500 });
      expect(() => client.webhooks.constructEvent(received[0]!.body, received[0]!.signature, "whsec_other")).toThrow(Stripe.errors.StripeSignatureVerificationError);
    } finally {
      stripe.webhookUrl = undefined;
      receiver.close();
    }
  });
});
