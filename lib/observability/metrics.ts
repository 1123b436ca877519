// Prometheus metrics (prom-client), served at /api/metrics. One registry per
// process, kept on globalThis: the Next.js bundle and the lean router are two
// module graphs in one process, and both count into it. Counting is cheap and
// synchronous; what needs the database (job queues) is read at scrape time.
import client from "prom-client";

type Collector = () => Promise<void> | void;

function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "tollgate_" });
  const scrapeCollectors = new Map<string, Collector>();
  const metrics = {
    registry,
    scrapeCollectors,
    httpRequests: new client.Counter({
      name: "tollgate_http_requests_total",
      help: "HTTP requests answered, by method, route and status.",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    httpDuration: new client.Histogram({
      name: "tollgate_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its answer, by method and route.",
      labelNames: ["method", "route"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    decisions: new client.Counter({
      name: "tollgate_authz_decisions_total",
      help: "Authorization decisions logged, by outcome (allow or deny) and source (api, check, ui, …).",
      labelNames: ["decision", "source"] as const,
      registers: [registry],
    }),
    keyRefusals: new client.Counter({
      name: "tollgate_api_key_refusals_total",
      help: "API keys refused, by reason (invalid_api_key, expired, revoked, rate_limited, …) and route kind.",
      labelNames: ["reason", "via"] as const,
      registers: [registry],
    }),
    usageEvents: new client.Counter({
      name: "tollgate_usage_events_total",
      help: "Usage events received, by result: accepted, duplicate or rejected.",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    stripeErrors: new client.Counter({
      name: "tollgate_stripe_errors_total",
      help: "Calls to Stripe answered with an error status, or that got no answer, by status (0: no answer).",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    jobsQueued: new client.Gauge({
      name: "tollgate_jobs_queue_depth",
      help: "Jobs waiting to run (created or waiting for a retry), by queue.",
      labelNames: ["queue"] as const,
      registers: [registry],
    }),
    jobsActive: new client.Gauge({ name: "tollgate_jobs_active", help: "Jobs running now, by queue.", labelNames: ["queue"] as const, registers: [registry] }),
    jobsFailed: new client.Gauge({
      name: "tollgate_jobs_failed",
      help: "Jobs that failed for good (every retry used) in the last 7 days, by queue.",
      labelNames: ["queue"] as const,
      registers: [registry],
    }),
    dbPool: new client.Gauge({
      name: "tollgate_db_pool_connections",
      help: "Connections of this process's database pool, by state: total, idle, or waiting (requests queued for one).",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
  };
  return metrics;
}

type Metrics = ReturnType<typeof createMetrics>;
const globalForMetrics = globalThis as unknown as { __tollgateMetrics?: Metrics };

export function metrics(): Metrics {
  return (globalForMetrics.__tollgateMetrics ??= createMetrics());
}

/** Runs before every scrape, to read what is not counted as it happens (queue depths, pool use); one per name. */
export function onScrape(name: string, collect: Collector) {
  metrics().scrapeCollectors.set(name, collect);
}

/** The text exposition format, after the scrape-time readings (one failing reading does not stop the others). */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  const m = metrics();
  await Promise.all(
    [...m.scrapeCollectors.values()].map(async (collect) => {
      try {
        await collect();
      } catch {
        /* that reading is left as it was */
      }
    }),
  );
  return { contentType: m.registry.contentType, body: await m.registry.metrics() };
}

// Hot paths count through children made once per label set, not a label lookup per call.
const decisionChildren = new Map<string, client.Counter.Internal>();
export function countDecision(allowed: boolean, source: string) {
  const key = allowed ? `allow|${source}` : `deny|${source}`;
  let child = decisionChildren.get(key);
  if (!child) decisionChildren.set(key, (child = metrics().decisions.labels(allowed ? "allow" : "deny", source)));
  child.inc();
}

export function countUsageEvents(accepted: number, duplicates: number, rejected: number) {
  const { usageEvents } = metrics();
  if (accepted) usageEvents.labels("accepted").inc(accepted);
  if (duplicates) usageEvents.labels("duplicate").inc(duplicates);
  if (rejected) usageEvents.labels("rejected").inc(rejected);
}
