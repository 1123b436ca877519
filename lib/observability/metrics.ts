// Prometheus metrics (prom-client), served at /api/metrics. One registry per
// process, kept on globalThis: the Next.js bundle and the lean router are two
// module graphs in one process, and both count into it. Counting is cheap and
// synchronous; what needs the database (job queues) is read at scrape time.
import client from "prom-client";
import { logger } from "../logger.ts";

type Collector = () => Promise<void> | void;

// Hot paths (every request, every decision) count in plain numbers, added to
// prom-client's metrics when they are scraped: a labelled inc() or observe()
// hashes and validates its labels on every call, which a batch of 100 checks
// would pay 100 times.
type PendingCount = { labels: Record<string, string>; n: number; times?: PendingTimes };
type PendingTimes = { labels: Record<string, string>; buckets: Float64Array; sum: number; count: number };
/**
 * Counts waiting for the next scrape: the lists the scrape reads, and maps that find an entry without a key
 * string built per request or decision (building and hashing one was most of counting's cost).
 */
type Pending = {
  requests: PendingCount[];
  requestsByRoute: Map<string, Map<string, Map<number, PendingCount>>>;
  decisions: PendingCount[];
  decisionsBySource: Map<string, [PendingCount, PendingCount]>;
  times: Map<string, PendingTimes>;
};

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function addPendingCounts(counter: client.Counter, counts: readonly PendingCount[]) {
  for (const entry of counts) {
    if (entry.n === 0) continue;
    counter.inc(entry.labels, entry.n);
    entry.n = 0;
  }
}

// prom-client has no public call that adds many observations at once: the
// pending counts go into its per-label-set values (the shape of its zero()).
type HistogramValues = { bucketValues: Record<number, number>; sum: number; count: number };
let warnedHistogramShape = false;
function addPendingTimes(histogram: client.Histogram, times: Map<string, PendingTimes>) {
  const values = (histogram as unknown as { hashMap: Record<string, HistogramValues> }).hashMap;
  for (const entry of times.values()) {
    if (entry.count === 0) continue;
    const hash = histogramHash(entry.labels);
    if (!values[hash]) histogram.zero(entry.labels);
    const target = values[hash];
    // A prom-client whose keys differ: the scrape still answers (these times are left out), and says why once.
    if (!target) {
      if (!warnedHistogramShape) logger.warn("prom-client's histogram keys changed: request durations are left out of the metrics");
      warnedHistogramShape = true;
      continue;
    }
    for (let i = 0; i < DURATION_BUCKETS.length; i++) target.bucketValues[DURATION_BUCKETS[i]!]! += entry.buckets[i]!;
    target.sum += entry.sum;
    target.count += entry.count;
    entry.buckets.fill(0);
    entry.sum = 0;
    entry.count = 0;
  }
}

// prom-client's key for a label set: "name:value," for each label, in name order
// (a test scrapes twice and checks the sums, so a change in prom-client shows).
const histogramHash = (labels: Record<string, string>) =>
  Object.keys(labels)
    .sort()
    .map((name) => `${name}:${labels[name]},`)
    .join("");

function createMetrics() {
  const registry = new client.Registry();
  const pending: Pending = { requests: [], requestsByRoute: new Map(), decisions: [], decisionsBySource: new Map(), times: new Map() };
  client.collectDefaultMetrics({ register: registry, prefix: "tollgate_" });
  const scrapeCollectors = new Map<string, Collector>();
  const metrics = {
    registry,
    pending,
    scrapeCollectors,
    httpRequests: new client.Counter({
      name: "tollgate_http_requests_total",
      help: "HTTP requests answered, by method, route and status.",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
      collect() {
        addPendingCounts(this, pending.requests);
      },
    }),
    httpDuration: new client.Histogram({
      name: "tollgate_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its answer, by method and route.",
      labelNames: ["method", "route"] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
      collect() {
        addPendingTimes(this, pending.times);
      },
    }),
    decisions: new client.Counter({
      name: "tollgate_authz_decisions_total",
      help: "Authorization decisions logged, by outcome (allow or deny) and source (api, check, ui, …).",
      labelNames: ["decision", "source"] as const,
      registers: [registry],
      collect() {
        addPendingCounts(this, pending.decisions);
      },
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

function newCount(counts: PendingCount[], labels: Record<string, string>): PendingCount {
  const entry = { labels, n: 0 };
  counts.push(entry);
  return entry;
}

export function countDecision(allowed: boolean, source: string) {
  const { pending } = metrics();
  let counts = pending.decisionsBySource.get(source);
  if (!counts) {
    counts = [newCount(pending.decisions, { decision: "allow", source }), newCount(pending.decisions, { decision: "deny", source })];
    pending.decisionsBySource.set(source, counts);
  }
  counts[allowed ? 0 : 1].n++;
}

/** One answered request: counted by method, route and status, timed by method and route. Label values must come from bounded sets. */
export function countRequest(method: string, route: string, status: number, seconds: number) {
  if (!Number.isFinite(seconds)) return;
  const { pending } = metrics();
  // The count of this method, route and status holds its route's times.
  let byMethod = pending.requestsByRoute.get(route);
  if (!byMethod) pending.requestsByRoute.set(route, (byMethod = new Map()));
  let byStatus = byMethod.get(method);
  if (!byStatus) byMethod.set(method, (byStatus = new Map()));
  let entry = byStatus.get(status);
  if (!entry) {
    const timesKey = `${method} ${route}`;
    let times = pending.times.get(timesKey);
    if (!times) pending.times.set(timesKey, (times = { labels: { method, route }, buckets: new Float64Array(DURATION_BUCKETS.length), sum: 0, count: 0 }));
    entry = newCount(pending.requests, { method, route, status: String(status) });
    entry.times = times;
    byStatus.set(status, entry);
  }
  entry.n++;
  const times = entry.times!;
  // Buckets hold what fell in them alone (prom-client's own shape); the text format adds them up.
  let bucket = 0;
  while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
  if (bucket < DURATION_BUCKETS.length) times.buckets[bucket]!++;
  times.sum += seconds;
  times.count++;
}

export function countUsageEvents(accepted: number, duplicates: number, rejected: number) {
  const { usageEvents } = metrics();
  if (accepted) usageEvents.labels("accepted").inc(accepted);
  if (duplicates) usageEvents.labels("duplicate").inc(duplicates);
  if (rejected) usageEvents.labels("rejected").inc(rejected);
}
