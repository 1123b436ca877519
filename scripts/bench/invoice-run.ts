// The invoice run of npm run bench:ingest: 10 million usage events (by
// default; BENCH_INVOICE_EVENTS) across the bench's 1,000 organizations, in a
// billing period that has ended, turned into finalized invoices in a
// Stripe-compatible server (test/stripe/local-stripe.ts, its own process) by
// the same code the billing jobs run. Timed: closing the periods (usage read
// from the rollups and the events not folded yet, priced, stored) and sending
// every invoice to Stripe, as the billing-send-invoice job does (eight at a time). The fold
// of the loaded events into rollups, which ingest does continuously as events
// arrive, is timed apart (fold_seconds).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import pg from "pg";
import { freePort } from "../../lib/db/embedded-postgres.ts";
import { round } from "./harness.ts";

const EVENTS = Number(process.env.BENCH_INVOICE_EVENTS ?? 10_000_000);
const CHUNK = 250_000;
const LOADERS = 4;
const DAY = 86_400_000;
const STRIPE_KEY = "sk_test_bench_local_stripe";

async function startLocalStripe() {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "test/stripe/main.ts"], {
    env: { ...process.env, PORT: String(port), STRIPE_SECRET_KEY: STRIPE_KEY },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  const { url } = JSON.parse(line) as { url: string };
  return { url, stop: () => child.kill("SIGTERM") };
}

/** A plan pricing the bench's three meters, every organization on it since 33 days ago: its first month has ended. */
async function subscribeAll(c: pg.Client, anchor: Date) {
  const [{ id: planId }] = (
    await c.query(`INSERT INTO "Plan" (id, key, name, currency, interval, "baseFee", "updatedAt") VALUES (gen_random_uuid(), 'bench-pro', 'Pro', 'usd', 'month', 4900, now()) RETURNING id`)
  ).rows;
  await c.query(
    `INSERT INTO "PlanPrice" (id, "planId", "meterId", pricing)
     SELECT gen_random_uuid(), $1, id, CASE key
       WHEN 'api_calls' THEN '{"price":{"model":"package","packageSize":"1000","packagePrice":25},"includedQuantity":"1000"}'::jsonb
       WHEN 'tokens' THEN '{"price":{"model":"graduated","tiers":[{"upTo":"100000","unitPrice":"0.01","flatPrice":0},{"upTo":null,"unitPrice":"0.005","flatPrice":0}]},"includedQuantity":"0"}'::jsonb
       ELSE '{"price":{"model":"per_unit","unitPrice":"100"},"includedQuantity":"5"}'::jsonb END
     FROM "Meter" WHERE key IN ('api_calls', 'tokens', 'active_users')`,
    [planId],
  );
  await c.query(`INSERT INTO "Subscription" (id, "orgId", "planId", status, "startedAt", "anchorAt", "updatedAt") SELECT gen_random_uuid(), id, $1, 'active', $2, $2, now() FROM "Organization"`, [
    planId,
    anchor,
  ]);
}

/** EVENTS events spread over the ended period, loaded server-side in transactions of CHUNK (claims with their events, as ingest stores them). */
async function loadEvents(url: string, orgIds: string[], from: Date, seconds: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: LOADERS }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      while (next < EVENTS) {
        const start = next;
        next += CHUNK;
        const end = Math.min(start + CHUNK, EVENTS) - 1;
        await c.query("BEGIN");
        const rows = `FROM generate_series(${start}, ${end}) g`;
        const org = `($1::uuid[])[1 + g % ${orgIds.length}]`;
        await c.query(`INSERT INTO usage.event_id (org_id, id) SELECT ${org}, 'inv-' || g ${rows}`, [orgIds]);
        await c.query(
          `INSERT INTO usage.event (org_id, id, type, ts, properties)
           SELECT ${org}, 'inv-' || g, 'api_call', $2::timestamptz + (g % ${seconds}) * interval '1 second',
             jsonb_build_object('tokens', 1 + g % 977, 'model', (ARRAY['small', 'medium', 'large'])[1 + g % 3], 'user', 'u' || g % 50) ${rows}`,
          [orgIds, from],
        );
        await c.query("COMMIT");
      }
      await c.end();
    }),
  );
}

export async function invoiceRun(url: string, orgIds: string[]) {
  process.env.DATABASE_URL = url;
  const { prepareMonths, foldEvents } = await import("../../lib/usage/event-store.ts");
  const { closeDuePeriods, draftInvoices } = await import("../../lib/billing/invoicing.ts");
  const { sendDraftInvoices } = await import("../../lib/billing/stripe-sync.ts");
  const { stripeFrom } = await import("../../lib/billing/stripe-client.ts");
  const { disconnectDb } = await import("../../lib/db.ts");

  const anchor = new Date(Math.floor((Date.now() - 33 * DAY) / 3_600_000) * 3_600_000);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await subscribeAll(c, anchor);
  await prepareMonths(anchor, 2);
  const loadStarted = performance.now();
  await loadEvents(url, orgIds, anchor, 28 * 86_400);
  console.error(`bench: ${EVENTS} events loaded in ${round((performance.now() - loadStarted) / 1000, 1)} s`);
  // What autovacuum does after a bulk load: BRIN ranges summarized (until then a range matches every search), statistics.
  await c.query("VACUUM ANALYZE usage.event");
  await c.end();

  const foldStarted = performance.now();
  while (((await foldEvents()) ?? 1) > 0);
  const foldSeconds = (performance.now() - foldStarted) / 1000;

  const stripe = await startLocalStripe();
  try {
    const client = stripeFrom(STRIPE_KEY, stripe.url, { maxNetworkRetries: 2, timeout: 30_000 });
    const started = performance.now();
    const made = await closeDuePeriods(new Date(), orgIds);
    const closedSeconds = (performance.now() - started) / 1000;
    await sendDraftInvoices(await draftInvoices(), 8, client);
    const seconds = (performance.now() - started) / 1000;
    const remote = (await (await fetch(`${stripe.url}/_control/objects/invoice`)).json()) as Array<{ status: string }>;
    if (made.length !== orgIds.length || remote.length !== orgIds.length || remote.some((i) => i.status !== "open" && i.status !== "paid")) {
      throw new Error(`invoice run: ${made.length} invoices made, ${remote.length} in Stripe, for ${orgIds.length} organizations`);
    }
    console.log(JSON.stringify({ bench: "invoice.run", orgs: orgIds.length, events: EVENTS, seconds: round(seconds, 2), fold_seconds: round(foldSeconds, 2) }));
    console.error(`bench: invoice run: periods closed in ${round(closedSeconds, 2)} s, ${remote.length} invoices finalized in Stripe in ${round(seconds, 2)} s in all`);
  } finally {
    stripe.stop();
    await disconnectDb();
  }
}
