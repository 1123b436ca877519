// /api/metrics scraped as Prometheus would, from the same HTTP server as
// `npm start` (without Next.js): only with the token, and holding every
// family the self-hosting guide lists, with the traffic just sent counted.
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { stripeFrom } from "../../lib/billing/stripe-client.ts";
import { loggablePath } from "../../lib/http/request-observer.ts";
import { enqueueJob, startJobs, stopJobs } from "../../lib/jobs/jobs.ts";
import { createTollgateServer } from "../../server/http-server.ts";
import { machineRouter } from "../../server/machine-routes.ts";
import { orgWithAdminKey } from "../apikeys/http.ts";
import { createUser } from "../helpers.ts";

const TOKEN = process.env.TOLLGATE_METRICS_TOKEN!;
let server: http.Server;
let base = "";

beforeAll(async () => {
  // pg-boss makes its tables; nothing is worked here, so a queued job stays queued.
  await startJobs({ databaseUrl: process.env.DATABASE_URL!, work: false, schedule: false });
  server = createTollgateServer(await machineRouter());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await stopJobs();
});

const post = (path: string, key: string, body: unknown) =>
  fetch(base + path, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
const scrape = (token?: string) => fetch(`${base}/api/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

describe("/api/metrics", () => {
  it("answers only the scraper holding the token", async () => {
    const missing = await scrape();
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect((await scrape("a-token-that-is-not-the-one")).status).toBe(401);
    expect((await scrape(TOKEN)).status).toBe(200);
  });

  it("holds every listed family, with this traffic counted", async () => {
    const { adminKey, owner, org, addMember } = await orgWithAdminKey();
    const allowed = await post("/api/v1/authz/check", adminKey, { subject: { type: "user", id: (owner.principal as { userId: string }).userId }, permission: "organization:read" });
    expect(allowed.status, await allowed.clone().text()).toBe(200);
    const viewer = await addMember("viewer");
    const denied = await post("/api/v1/authz/check", adminKey, { subject: { type: "user", id: (viewer.principal as { userId: string }).userId }, permission: "apikeys:write" });
    expect(await denied.json()).toMatchObject({ allowed: false });
    expect((await post("/api/v1/authz/check", "tg_nope_notakey", {})).status).toBe(401);

    const admin = await createUser({ isInstanceAdmin: true });
    const usageKey = (await createInstanceKey(admin, { name: "usage", access: "usage" })).key;
    const event = { id: randomUUID(), type: "api_call", timestamp: new Date().toISOString(), organization: org.id, properties: {} };
    const ingest = await post("/api/v1/usage/events", usageKey, { events: [event, event, { ...event, id: randomUUID(), timestamp: "2001-01-01T00:00:00Z" }] });
    expect(ingest.status).toBe(202);

    // A Stripe that does not answer: the call fails, and is counted.
    await expect(stripeFrom("sk_test_metrics", "http://127.0.0.1:9", { maxNetworkRetries: 0, timeout: 2_000 }).customers.list()).rejects.toThrow();
    await enqueueJob("billing-close-periods", {}, { singletonKey: `metrics-${randomUUID()}` });

    const answer = await scrape(TOKEN);
    expect(answer.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await answer.text();
    expect(sample(text, "tollgate_http_requests_total", { method: "POST", route: "/api/v1/authz/check", status: "200" })).toBeGreaterThanOrEqual(2);
    expect(sample(text, "tollgate_http_requests_total", { route: "/api/v1/authz/check", status: "401" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_http_request_duration_seconds_count", { method: "POST", route: "/api/v1/usage/events" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_authz_decisions_total", { decision: "allow" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_authz_decisions_total", { decision: "deny" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_api_key_refusals_total", { via: "api" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_usage_events_total", { result: "accepted" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_usage_events_total", { result: "duplicate" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_usage_events_total", { result: "rejected" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_stripe_errors_total", { status: "0" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_jobs_queue_depth", { queue: "billing-close-periods" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_jobs_failed", { queue: "billing-close-periods" })).toBeGreaterThanOrEqual(0);
    expect(sample(text, "tollgate_jobs_active", { queue: "billing-close-periods" })).toBeGreaterThanOrEqual(0);
    expect(sample(text, "tollgate_db_pool_connections", { state: "total" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "tollgate_db_pool_connections", { state: "waiting" })).toBeGreaterThanOrEqual(0);
    expect(sample(text, "tollgate_process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(sample(text, "tollgate_nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
  });
});

describe("counting between scrapes", () => {
  it("adds what came in since the last scrape to every counter and bucket", async () => {
    const { countDecision, countRequest, metricsText } = await import("../../lib/observability/metrics.ts");
    const route = `/test/${randomUUID()}`;
    const source = `test-${randomUUID().slice(0, 8)}`;
    countRequest("GET", route, 200, 0.0005);
    countRequest("GET", route, 200, 0.003);
    countDecision(true, source);
    const first = (await metricsText()).body;
    countRequest("GET", route, 200, 0.003);
    countRequest("GET", route, 200, 30);
    countRequest("GET", route, 404, 0.0001);
    countDecision(true, source);
    countDecision(false, source);
    const second = (await metricsText()).body;

    expect(sample(first, "tollgate_http_requests_total", { route, status: "200" })).toBe(2);
    expect(sample(first, "tollgate_http_request_duration_seconds_count", { route })).toBe(2);
    expect(sample(second, "tollgate_http_requests_total", { route, status: "200" })).toBe(4);
    expect(sample(second, "tollgate_http_requests_total", { route, status: "404" })).toBe(1);
    expect(sample(second, "tollgate_http_request_duration_seconds_count", { route })).toBe(5);
    expect(sample(second, "tollgate_http_request_duration_seconds_sum", { route })).toBeCloseTo(30.0066, 6);
    // Buckets are cumulative: two answers within 1 ms, four within 5 ms, the 30 s one only in +Inf.
    expect(sample(second, "tollgate_http_request_duration_seconds_bucket", { route, le: "0.001" })).toBe(2);
    expect(sample(second, "tollgate_http_request_duration_seconds_bucket", { route, le: "0.005" })).toBe(4);
    expect(sample(second, "tollgate_http_request_duration_seconds_bucket", { route, le: "10" })).toBe(4);
    expect(sample(second, "tollgate_http_request_duration_seconds_bucket", { route, le: "+Inf" })).toBe(5);
    expect(sample(second, "tollgate_authz_decisions_total", { decision: "allow", source })).toBe(2);
    expect(sample(second, "tollgate_authz_decisions_total", { decision: "deny", source })).toBe(1);
  });
});

describe("the access log", () => {
  it("leaves tokens in paths out, and keeps ids", () => {
    expect(loggablePath("/api/portal/9Qm2xk3BZlnG0yZz9Rr1s0c4hA8xKcXbq1o7dWf2u0M")).toBe("/api/portal/[token]");
    expect(loggablePath("/verify-email/9Qm2xk3BZlnG0yZz9Rr1s0c4hA8xKcXbq1o7dWf2u0M")).toBe("/verify-email/[token]");
    expect(loggablePath("/api/v1/roles/0b0e7f3c-9a55-4f8e-8a4e-2b8f1c3d4e5f")).toBe("/api/v1/roles/0b0e7f3c-9a55-4f8e-8a4e-2b8f1c3d4e5f");
    expect(loggablePath("/acme/members")).toBe("/acme/members");
  });
});
