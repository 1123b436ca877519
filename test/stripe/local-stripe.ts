// A Stripe-compatible server for tests, benches and e2e: the official SDK,
// unmodified, talks to it as to api.stripe.com. It keeps state in memory and
// speaks Stripe's wire format: form-encoded bracketed bodies (parsed with qs,
// as Stripe's own servers accept them), Stripe's error objects, list
// envelopes with cursor pagination, idempotent replay (and refusal of a reused
// key with other parameters). Tests can make it answer 500 or time out, and it
// sends signed webhooks for what changes. Objects start from Stripe's canned
// ones (../shared/stripe/fixtures3.json).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import qs from "qs";
import Stripe from "stripe";

type Obj = Record<string, unknown> & { id: string; object: string; created: number };
type Params = Record<string, unknown>;
type Answer = { status: number; body: unknown };
/** `after`: matching requests let through first. */
export type Fault = { method?: string; path: RegExp; mode: "error" | "timeout"; times: number; after?: number; delayMs?: number };
export type LoggedRequest = { method: string; path: string; params: Params; idempotencyKey: string | null; status: number; replayed: boolean };
export type SentEvent = { id: string; type: string; created: number; object: Obj; payload: string };

const FIXTURES_FILE = path.resolve(import.meta.dirname, "../../../shared/stripe/fixtures3.json");
const API_VERSION = "2026-11-18.endive";
const OBJECT_ID = /^(cus|ii|in|cs|bps|sub|evt|mev|il|si)_[A-Za-z0-9]+$/;

class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: { type: string; message: string; code?: string; param?: string },
  ) {
    super(error.message);
  }
}
const missing = (kind: string, id: string) => new StripeFailure(404, { type: "invalid_request_error", code: "resource_missing", param: "id", message: `No such ${kind}: '${id}'` });
const required = (param: string) => new StripeFailure(400, { type: "invalid_request_error", code: "parameter_missing", param, message: `Missing required param: ${param}.` });
const invalid = (param: string, message: string) => new StripeFailure(400, { type: "invalid_request_error", code: "parameter_invalid", param, message });

function loadFixtures(): Record<string, Obj> {
  try {
    return JSON.parse(readFileSync(FIXTURES_FILE, "utf8")).resources;
  } catch {
    return {};
  }
}

const now = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
const int = (value: unknown, param: string): number => {
  if (typeof value !== "string" || !/^-?[0-9]+$/.test(value)) throw invalid(param, `Invalid integer: ${String(value)}`);
  return Number(value);
};
const metadataOf = (value: unknown) => (value && typeof value === "object" ? { ...(value as Record<string, string>) } : {});

export type LocalStripeOptions = {
  apiKey?: string;
  /** Where events are POSTed, signed with `webhookSecret`; none: kept, not sent. */
  webhookUrl?: string;
  webhookSecret?: string;
  /** "manual": events are kept until a test sends them (to reorder or repeat them). */
  delivery?: "auto" | "manual";
};

export class LocalStripe {
  readonly apiKey: string;
  webhookUrl: string | undefined;
  readonly webhookSecret: string;
  delivery: "auto" | "manual";
  readonly objects = new Map<string, Obj>();
  private readonly byKind = new Map<string, Map<string, Obj>>();
  private readonly itemsByInvoice = new Map<string, Obj[]>();
  private invoiceNumbers = 0;
  readonly requests: LoggedRequest[] = [];
  readonly events: SentEvent[] = [];
  readonly deliveries: Array<{ eventId: string; status: number }> = [];
  private readonly idempotency = new Map<string, { fingerprint: string; answer: Answer; text: string }>();
  private faults: Fault[] = [];
  private readonly fixtures = loadFixtures();
  private readonly signer = new Stripe("sk_test_signer");
  private server: Server | null = null;
  private pending = new Set<Promise<unknown>>();
  url = "";

  constructor(options: LocalStripeOptions = {}) {
    this.apiKey = options.apiKey ?? "sk_test_tollgate_local";
    this.webhookUrl = options.webhookUrl;
    this.webhookSecret = options.webhookSecret ?? "whsec_tollgate_local_secret";
    this.delivery = options.delivery ?? "auto";
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close() {
    await Promise.allSettled([...this.pending]);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `times` requests matching answer 500 (unprocessed) or are processed and answered after `delayMs` (a timeout). */
  fail(fault: Fault) {
    this.faults.push({ ...fault });
  }

  clearFaults() {
    this.faults = [];
  }

  /** The SDK client pointed here (as the app makes it from STRIPE_API_URL). */
  client(options: { maxNetworkRetries?: number; timeout?: number } = {}): Stripe {
    const url = new URL(this.url);
    return new Stripe(this.apiKey, { host: url.hostname, port: Number(url.port), protocol: "http", maxNetworkRetries: options.maxNetworkRetries ?? 2, timeout: options.timeout ?? 5000 });
  }

  list(object: string): Obj[] {
    return [...(this.byKind.get(object)?.values() ?? [])];
  }

  // --- What Stripe does on its own: payments, Checkout completion ------------

  payInvoice(id: string): Obj {
    const invoice = this.get("invoice", id);
    if (invoice.status !== "open") throw invalid("invoice", `Invoice is ${String(invoice.status)}, not open.`);
    Object.assign(invoice, { status: "paid", paid: true, amount_paid: invoice.amount_due, amount_remaining: 0, attempted: true, attempt_count: (invoice.attempt_count as number) + 1 });
    (invoice.status_transitions as Params).paid_at = now();
    this.emit("invoice.paid", invoice);
    return invoice;
  }

  failInvoicePayment(id: string): Obj {
    const invoice = this.get("invoice", id);
    if (invoice.status !== "open") throw invalid("invoice", `Invoice is ${String(invoice.status)}, not open.`);
    Object.assign(invoice, { attempted: true, attempt_count: (invoice.attempt_count as number) + 1, next_payment_attempt: now() + 3 * 86_400 });
    this.emit("invoice.payment_failed", invoice);
    return invoice;
  }

  completeCheckout(id: string): Obj {
    const session = this.get("checkout.session", id);
    if (session.status !== "open") throw invalid("session", "This Checkout Session is not open.");
    let customer = session.customer as string | null;
    if (!customer) customer = this.create("customer", "cus", { email: session.customer_email ?? null, name: null, metadata: {} }).id;
    if (session.mode !== "subscription") {
      Object.assign(session, { status: "complete", payment_status: "no_payment_required", customer });
      this.emit("checkout.session.completed", session);
      return session;
    }
    const lineItems = (session.line_items_params as Array<Params>) ?? [];
    const subscription = this.create("subscription", "sub", {
      customer,
      status: "active",
      cancel_at_period_end: false,
      canceled_at: null,
      current_period_start: now(),
      metadata: metadataOf((session.subscription_data as Params | undefined)?.metadata),
      items: {
        object: "list",
        data: lineItems.map((item) => ({ id: newId("si"), object: "subscription_item", price: { id: item.price, object: "price" }, quantity: Number(item.quantity ?? 1) })),
        has_more: false,
        url: "/v1/subscription_items",
      },
    });
    Object.assign(session, { status: "complete", payment_status: "paid", customer, subscription: subscription.id });
    this.emit("customer.subscription.created", subscription);
    this.emit("checkout.session.completed", session);
    return session;
  }

  /** A subscription made in Stripe itself (its dashboard, or a product that prices in Stripe). */
  createSubscription(options: { customer?: string; metadata: Record<string, string> }): Obj {
    const customer = options.customer ?? this.create("customer", "cus", { email: null, name: null, metadata: {} }).id;
    const subscription = this.create("subscription", "sub", {
      customer,
      status: "active",
      cancel_at_period_end: false,
      canceled_at: null,
      current_period_start: now(),
      metadata: { ...options.metadata },
      items: { object: "list", data: [], has_more: false, url: "/v1/subscription_items" },
    });
    this.emit("customer.subscription.created", subscription);
    return subscription;
  }

  /** A change made in Stripe (the dashboard, the portal): the subscription's new fields, announced. */
  updateSubscription(id: string, changes: { metadata?: Record<string, string>; status?: string }): Obj {
    const subscription = this.get("subscription", id);
    if (subscription.status === "canceled") throw invalid("subscription", "A canceled subscription can no longer be updated.");
    if (changes.metadata) subscription.metadata = { ...(subscription.metadata as Params), ...changes.metadata };
    if (changes.status) subscription.status = changes.status;
    this.emit("customer.subscription.updated", subscription);
    return subscription;
  }

  /** The customer canceled (in the portal) or Stripe gave up collecting. */
  cancelSubscription(id: string): Obj {
    const subscription = this.get("subscription", id);
    Object.assign(subscription, { status: "canceled", canceled_at: now(), ended_at: now() });
    this.emit("customer.subscription.deleted", subscription);
    return subscription;
  }

  // --- Events -----------------------------------------------------------------

  private emit(type: string, object: Obj) {
    const created = Math.max(now(), (this.events.at(-1)?.created ?? 0) + 0);
    const event = {
      id: newId("evt"),
      object: "event",
      api_version: API_VERSION,
      created,
      type,
      livemode: false,
      pending_webhooks: this.webhookUrl ? 1 : 0,
      request: { id: null, idempotency_key: null },
      data: { object: structuredClone(object) },
    };
    // The payload as Stripe sends it (pretty-printed), made when first needed.
    let payload: string | undefined;
    const sent: SentEvent = {
      id: event.id,
      type,
      created,
      object: event.data.object as Obj,
      get payload() {
        return (payload ??= JSON.stringify(event, null, 2));
      },
      set payload(text: string) {
        payload = text;
      },
    };
    this.events.push(sent);
    this.store(event as unknown as Obj);
    if (this.delivery === "auto" && this.webhookUrl) this.track(this.deliver(sent.id));
  }

  /** The Stripe-Signature header Stripe would send for this payload now. */
  signature(payload: string, timestamp = now(), secret = this.webhookSecret): string {
    return this.signer.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  }

  /** Sends a stored event to the webhook URL (again, if it was sent): retried a few times on failure, as Stripe does. */
  async deliver(eventId: string, attempts = 3): Promise<number> {
    const event = this.events.find((e) => e.id === eventId);
    if (!event || !this.webhookUrl) throw new Error(`local stripe: no event ${eventId} or no webhook URL`);
    let status = 0;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        const response = await fetch(this.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": this.signature(event.payload) },
          body: event.payload,
        });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        status = 0;
      }
      this.deliveries.push({ eventId, status });
      if (status >= 200 && status < 300) break;
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
    return status;
  }

  /** Waits for the webhooks already on their way. */
  async settled() {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private track(promise: Promise<unknown>) {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  // --- Objects ----------------------------------------------------------------

  private create(object: string, prefix: string, fields: Params): Obj {
    const base = structuredClone(this.fixtures[object] ?? {}) as Params;
    const made = { ...base, ...fields, id: newId(prefix), object, created: now(), livemode: false } as Obj;
    this.store(made);
    return made;
  }

  private store(made: Obj) {
    this.objects.set(made.id, made);
    const kind = this.byKind.get(made.object) ?? new Map<string, Obj>();
    kind.set(made.id, made);
    this.byKind.set(made.object, kind);
    if (made.object === "invoiceitem" && typeof made.invoice === "string") this.itemsByInvoice.set(made.invoice, [...(this.itemsByInvoice.get(made.invoice) ?? []), made]);
  }

  private get(object: string, id: string): Obj {
    const found = this.objects.get(id);
    if (!found || found.object !== object || found.deleted) throw missing(object.replace(/^.*\./, "").replace("_", " "), id);
    return found;
  }

  private listOf(object: string, params: Params, url: string, match: (o: Obj) => boolean = () => true) {
    const limit = params.limit === undefined ? 10 : int(params.limit, "limit");
    if (limit < 1 || limit > 100) throw invalid("limit", "This value must be between 1 and 100.");
    // Newest first, as Stripe lists.
    let all = this.list(object)
      .filter(match)
      .sort((a, b) => b.created - a.created || (b.id < a.id ? -1 : 1));
    if (typeof params.starting_after === "string") {
      const at = all.findIndex((o) => o.id === params.starting_after);
      if (at < 0) throw missing(object, params.starting_after);
      all = all.slice(at + 1);
    }
    return { object: "list", data: all.slice(0, limit), has_more: all.length > limit, url };
  }

  private invoiceLines(invoice: Obj) {
    const items = this.itemsByInvoice.get(invoice.id) ?? [];
    const total = items.reduce((sum, i) => sum + (i.amount as number), 0);
    const lines = items.map((i) => ({
      id: newId("il"),
      object: "line_item",
      amount: i.amount,
      currency: i.currency,
      description: i.description,
      metadata: i.metadata,
      invoice: invoice.id,
      period: i.period,
      quantity: i.quantity,
    }));
    Object.assign(invoice, {
      subtotal: total,
      total,
      amount_due: Math.max(total, 0),
      amount_remaining: Math.max(total, 0),
      lines: { object: "list", data: lines, has_more: false, url: `/v1/invoices/${invoice.id}/lines` },
    });
    return invoice;
  }

  private route(method: string, pathname: string, params: Params): Answer {
    const parts = pathname.split("/").filter(Boolean);
    const key = `${method} /${parts.map((p) => (OBJECT_ID.test(p) ? ":id" : p)).join("/")}`;
    const id = parts.find((p) => OBJECT_ID.test(p)) ?? "";
    const ok = (body: unknown) => ({ status: 200, body });
    switch (key) {
      case "POST /v1/customers":
        return ok(
          this.create("customer", "cus", {
            email: params.email ?? null,
            name: params.name ?? null,
            description: params.description ?? null,
            metadata: metadataOf(params.metadata),
            balance: 0,
            discount: null,
          }),
        );
      case "GET /v1/customers":
        return ok(this.listOf("customer", params, "/v1/customers", (c) => !params.email || c.email === params.email));
      case "GET /v1/customers/search": {
        // The one form Tollgate uses: metadata['key']:'value' (Stripe's search query language).
        const match = /^metadata\['([^']+)'\]:'([^']*)'$/.exec(String(params.query ?? "").trim());
        if (!match) throw invalid("query", "This search query is not supported here (only metadata['key']:'value').");
        const data = this.list("customer")
          .filter((c) => (c.metadata as Params)[match[1]!] === match[2])
          .sort((a, b) => (b.created as number) - (a.created as number));
        return ok({ object: "search_result", data, has_more: false, next_page: null, url: "/v1/customers/search" });
      }
      case "GET /v1/customers/:id":
        return ok(this.get("customer", id));
      case "POST /v1/customers/:id": {
        const customer = this.get("customer", id);
        for (const field of ["email", "name", "description"]) if (field in params) customer[field] = params[field];
        if (params.metadata) customer.metadata = { ...(customer.metadata as Params), ...metadataOf(params.metadata) };
        return ok(customer);
      }
      case "POST /v1/invoiceitems": {
        if (!params.customer) throw required("customer");
        this.get("customer", params.customer as string);
        if (params.amount === undefined) throw required("amount");
        if (!params.currency) throw required("currency");
        const invoiceId = params.invoice as string | undefined;
        if (invoiceId) {
          const invoice = this.get("invoice", invoiceId);
          if (invoice.status !== "draft") throw invalid("invoice", `You can only add invoice items to draft invoices; ${invoiceId} is ${String(invoice.status)}.`);
        }
        const period = params.period as Params | undefined;
        const item = this.create("invoiceitem", "ii", {
          customer: params.customer,
          amount: int(params.amount, "amount"),
          currency: params.currency,
          description: params.description ?? null,
          invoice: invoiceId ?? null,
          metadata: metadataOf(params.metadata),
          quantity: 1,
          period: period ? { start: int(period.start, "period[start]"), end: int(period.end, "period[end]") } : { start: now(), end: now() },
        });
        if (invoiceId) this.invoiceLines(this.get("invoice", invoiceId));
        return ok(item);
      }
      case "GET /v1/invoiceitems":
        return ok(this.listOf("invoiceitem", params, "/v1/invoiceitems", (i) => (!params.customer || i.customer === params.customer) && (!params.invoice || i.invoice === params.invoice)));
      case "POST /v1/invoices": {
        if (!params.customer) throw required("customer");
        this.get("customer", params.customer as string);
        const invoice = this.create("invoice", "in", {
          customer: params.customer,
          currency: params.currency ?? "usd",
          description: params.description ?? null,
          metadata: metadataOf(params.metadata),
          status: "draft",
          paid: false,
          amount_paid: 0,
          attempt_count: 0,
          attempted: false,
          auto_advance: params.auto_advance === "true",
          collection_method: params.collection_method ?? "charge_automatically",
          number: null,
          hosted_invoice_url: null,
          invoice_pdf: null,
          status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
        });
        this.invoiceLines(invoice);
        this.emit("invoice.created", invoice);
        return ok(invoice);
      }
      case "GET /v1/invoices":
        return ok(this.listOf("invoice", params, "/v1/invoices", (i) => (!params.customer || i.customer === params.customer) && (!params.status || i.status === params.status)));
      case "GET /v1/invoices/:id":
        return ok(this.get("invoice", id));
      case "POST /v1/invoices/:id/finalize": {
        const invoice = this.get("invoice", id);
        if (invoice.status !== "draft")
          throw new StripeFailure(400, { type: "invalid_request_error", code: "invoice_not_editable", message: `This invoice is already finalized, you can't re-finalize a non-draft invoice.` });
        this.invoiceLines(invoice);
        const count = ++this.invoiceNumbers;
        Object.assign(invoice, {
          status: "open",
          number: `TG-${String(count).padStart(4, "0")}`,
          hosted_invoice_url: `${this.url}/hosted/${invoice.id}`,
          invoice_pdf: `${this.url}/hosted/${invoice.id}.pdf`,
        });
        (invoice.status_transitions as Params).finalized_at = now();
        this.emit("invoice.finalized", invoice);
        if (invoice.amount_due === 0) this.payInvoice(invoice.id);
        return ok(invoice);
      }
      case "POST /v1/invoices/:id/pay":
        return ok(this.payInvoice(id));
      case "POST /v1/invoices/:id/void": {
        const invoice = this.get("invoice", id);
        if (invoice.status !== "open") throw invalid("invoice", "You can only void an open invoice.");
        invoice.status = "void";
        (invoice.status_transitions as Params).voided_at = now();
        this.emit("invoice.voided", invoice);
        return ok(invoice);
      }
      case "POST /v1/checkout/sessions": {
        if (!params.success_url && params.ui_mode !== "embedded") throw required("success_url");
        if (!params.mode) throw required("mode");
        const session = this.create("checkout.session", "cs", {
          mode: params.mode,
          status: "open",
          payment_status: "unpaid",
          customer: params.customer ?? null,
          customer_email: params.customer_email ?? null,
          client_reference_id: params.client_reference_id ?? null,
          success_url: params.success_url,
          cancel_url: params.cancel_url ?? null,
          metadata: metadataOf(params.metadata),
          subscription: null,
          subscription_data: params.subscription_data ?? null,
          line_items_params: params.line_items ?? [],
        });
        session.url = `${this.url}/checkout/${session.id}`;
        return ok(session);
      }
      case "GET /v1/checkout/sessions/:id":
        return ok(this.get("checkout.session", id));
      case "POST /v1/billing_portal/sessions": {
        if (!params.customer) throw required("customer");
        this.get("customer", params.customer as string);
        const session = this.create("billing_portal.session", "bps", { customer: params.customer, return_url: params.return_url ?? null, flow: null });
        session.url = `${this.url}/portal/${session.id}`;
        return ok(session);
      }
      case "GET /v1/subscriptions/:id":
        return ok(this.get("subscription", id));
      case "POST /v1/billing/meter_events": {
        if (!params.event_name) throw required("event_name");
        const payload = params.payload as Params | undefined;
        if (!payload?.stripe_customer_id) throw required("payload[stripe_customer_id]");
        const identifier = (params.identifier as string | undefined) ?? newId("mev");
        if (this.list("billing.meter_event").some((e) => e.identifier === identifier))
          throw new StripeFailure(400, { type: "invalid_request_error", code: "duplicate_meter_event", message: `A meter event with identifier ${identifier} already exists.` });
        const timestamp = params.timestamp ? int(params.timestamp, "timestamp") : now();
        // As Stripe: within the past 35 days and at most 5 minutes ahead.
        if (timestamp < now() - 35 * 86_400 || timestamp > now() + 300) throw invalid("timestamp", "Meter event timestamps must be within the past 35 days and no more than 5 minutes in the future.");
        const event = this.create("billing.meter_event", "mev", { event_name: params.event_name, identifier, payload, timestamp });
        return ok(event);
      }
      case "GET /v1/events":
        return ok(this.listOf("event", params, "/v1/events", (e) => !params.type || e.type === params.type));
      case "GET /v1/events/:id":
        return ok(this.get("event", id));
      default:
        throw new StripeFailure(404, {
          type: "invalid_request_error",
          message: `Unrecognized request URL (${method}: ${pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        });
    }
  }

  // --- HTTP -------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://local");
    const method = req.method ?? "GET";
    if (url.pathname.startsWith("/_control/")) return this.control(method, url.pathname, Buffer.concat(chunks).toString("utf8"), res);
    if (/^\/(hosted|portal|checkout)\//.test(url.pathname)) return this.page(method, url.pathname, res);
    const raw = method === "GET" || method === "DELETE" ? url.search.slice(1) : Buffer.concat(chunks).toString("utf8");
    const params = qs.parse(raw, { depth: 10, arrayLimit: 1000, parameterLimit: 10_000 }) as Params;
    const idempotencyKey = method === "POST" ? ((req.headers["idempotency-key"] as string | undefined) ?? null) : null;
    const log = (status: number, replayed = false) => this.requests.push({ method, path: url.pathname, params, idempotencyKey, status, replayed });
    const send = (answer: Answer, headers: Record<string, string> = {}, text = JSON.stringify(answer.body)) => {
      if (res.destroyed) return;
      res.writeHead(answer.status, { "content-type": "application/json", "request-id": newId("req"), "stripe-version": API_VERSION, ...headers });
      res.end(text);
    };

    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      log(401);
      return send({ status: 401, body: { error: { type: "invalid_request_error", message: "Invalid API Key provided." } } });
    }
    let fault = this.faults.find((f) => f.times > 0 && f.path.test(url.pathname) && (!f.method || f.method === method));
    if (fault?.after) {
      fault.after--;
      fault = undefined;
    }
    if (fault) fault.times--;
    if (fault?.mode === "error") {
      log(500);
      return send({ status: 500, body: { error: { type: "api_error", message: "An unknown error occurred (injected by the test)." } } });
    }

    let answer: Answer;
    let text: string | undefined;
    let replayed = false;
    const fingerprint = `${method} ${url.pathname} ${JSON.stringify(params)}`;
    const earlier = idempotencyKey ? this.idempotency.get(idempotencyKey) : undefined;
    if (earlier && earlier.fingerprint !== fingerprint) {
      answer = {
        status: 400,
        body: {
          error: {
            type: "idempotency_error",
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          },
        },
      };
    } else if (earlier) {
      answer = earlier.answer;
      text = earlier.text;
      replayed = true;
    } else {
      try {
        answer = this.route(method, url.pathname, params);
      } catch (error) {
        if (!(error instanceof StripeFailure)) throw error;
        answer = { status: error.status, body: { error: error.error } };
      }
      // Serialized now: the objects change later, the answer to this request does not.
      text = JSON.stringify(answer.body);
      // Stripe keeps the result of a request that ran (also an error) for its key; a 500 is not kept.
      if (idempotencyKey && answer.status < 500) this.idempotency.set(idempotencyKey, { fingerprint, answer, text });
    }
    log(answer.status, replayed);
    const headers: Record<string, string> = replayed ? { "idempotent-replayed": "true" } : {};
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    if (fault?.mode === "timeout") {
      setTimeout(() => send(answer, headers, text), fault.delayMs ?? 30_000).unref();
      return;
    }
    send(answer, headers, text);
  }

  /** Stand-ins for Stripe's hosted pages (e2e): the invoice page, the portal, Checkout with a "Pay" button. */
  private page(method: string, pathname: string, res: ServerResponse) {
    const [, area, id, action] = pathname.split("/");
    const html = (status: number, title: string, body: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`);
    };
    const escape = (text: unknown) => String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const found = this.objects.get(id ?? "");
    if (!found) return html(404, "Not found", "<p>No such object.</p>");
    if (area === "hosted")
      return html(200, `Invoice ${escape(found.number)}`, `<p>Status: <strong>${escape(found.status)}</strong></p><p>Amount due: ${escape(found.amount_due)} ${escape(found.currency)}</p>`);
    if (area === "portal") return html(200, "Customer portal", `<p>Customer ${escape(found.customer)}</p><p><a href="${escape(found.return_url)}">Return</a></p>`);
    if (method === "POST" && action === "complete") {
      this.completeCheckout(found.id);
      res.writeHead(303, { location: String(found.success_url) });
      return res.end();
    }
    return html(200, "Checkout", `<form method="post" action="/checkout/${escape(found.id)}/complete"><button type="submit">Pay</button></form>`);
  }

  /** For tests in other processes (e2e): pay or fail an invoice, complete a Checkout, read what was made. */
  private control(method: string, pathname: string, body: string, res: ServerResponse) {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    try {
      const [, , area, id, action] = pathname.split("/");
      if (method === "GET" && area === "health") return reply(200, { ok: true });
      if (method === "GET" && area === "objects") return reply(200, this.list(id!));
      if (method === "POST" && area === "invoices" && action === "pay") return reply(200, this.payInvoice(id!));
      if (method === "POST" && area === "invoices" && action === "fail") return reply(200, this.failInvoicePayment(id!));
      if (method === "POST" && area === "checkout" && action === "complete") return reply(200, this.completeCheckout(id!));
      if (method === "POST" && area === "faults") {
        const fault = JSON.parse(body) as Omit<Fault, "path"> & { path: string };
        this.fail({ ...fault, path: new RegExp(fault.path) });
        return reply(200, { ok: true });
      }
      reply(404, { error: "no such control" });
    } catch (error) {
      reply(error instanceof StripeFailure ? error.status : 500, { error: (error as Error).message });
    }
  }
}
