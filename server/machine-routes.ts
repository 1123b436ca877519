// The lean router's routes. Later issues add their hot endpoints here
// (authorization check, key verification, usage ingest).
import { db, dbPool } from "../lib/db.ts";
import { readMigrationList } from "../lib/db/schema-engine.ts";
import { LeanRouter, sendJson, throughDoor } from "../lib/http/lean-router.ts";
import { apiRoute, instanceKeyRoute, readRaw } from "../lib/http/api-route.ts";
import { requestMeta } from "../lib/http/request-meta.ts";
import { receiveStripeWebhook } from "../lib/billing/stripe-webhooks.ts";
import { INGEST_MAX_BYTES, IngestInput, ingestUsage } from "../lib/usage/ingest.ts";
import { CheckBatchInput, CheckInput, checkAccess, parseCheckInput } from "../lib/authz/check-access.ts";
import { errorToResponse } from "../lib/errors.ts";
import { openApiDocument, registerApiRoutes } from "../lib/http/api-v1.ts";
import { apiV1Routes } from "../lib/http/api-v1-routes.ts";
import { VerifyKeyInput, verifyKey } from "../lib/apikeys/verify-key.ts";
import { portalOpen, ssoOidcCallback, ssoSamlAcs, ssoSamlFinish, ssoSamlMetadata, ssoStart } from "../lib/http/sso-browser.ts";
import { registerScimRoutes } from "../lib/http/scim-routes.ts";
import { serveMetrics } from "../lib/http/metrics-route.ts";
import { docsAsset } from "../lib/http/docs-assets.ts";
import { isDraining } from "../lib/http/request-observer.ts";
import { jobQueueCounts } from "../lib/jobs/jobs.ts";
import { metrics, onScrape } from "../lib/observability/metrics.ts";

const startedAt = Date.now();

/** What metrics read at scrape time: the database pool of this process, and the job queues (instance-wide). */
function readAtScrape() {
  onScrape("db-pool", () => {
    const pool = dbPool();
    const { dbPool: gauge } = metrics();
    gauge.labels("total").set(pool.totalCount);
    gauge.labels("idle").set(pool.idleCount);
    gauge.labels("waiting").set(pool.waitingCount);
  });
  onScrape("jobs", async () => {
    const { jobsQueued, jobsActive, jobsFailed } = metrics();
    for (const queue of (await jobQueueCounts()) ?? []) {
      jobsQueued.labels(queue.name).set(queue.queued);
      jobsActive.labels(queue.name).set(queue.active);
      jobsFailed.labels(queue.name).set(queue.failed);
    }
  });
}

export async function machineRouter() {
  readAtScrape();
  const expected = (await readMigrationList()).migrationDirectories.map((d) => d.path);
  const router = new LeanRouter();
  registerApiRoutes(router, apiV1Routes);
  // /scim/v2: an organization's identity provider provisioning users and groups.
  registerScimRoutes(router);
  // GET /api/v1/openapi.json: the API described from the same zod schemas.
  const document = openApiDocument(apiV1Routes, process.env.NEXTAUTH_URL ?? "http://localhost:3000");
  router.on(
    "GET",
    "/api/v1/openapi.json",
    throughDoor("public", (_req, res) => sendJson(res, 200, document)),
  );
  // GET /docs/api/assets/{file}: the renderer of the API reference page (Swagger UI), from its package.
  router.on("GET", "/docs/api/assets/:file", throughDoor("public", docsAsset));
  return (
    router
      .on(
        "GET",
        "/api/health",
        throughDoor("public", (_req, res) => sendJson(res, 200, { status: "ok", uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) })),
      )
      .on(
        "GET",
        "/api/ready",
        throughDoor("public", async (_req, res) => {
          if (isDraining()) return sendJson(res, 503, { status: "not_ready", reason: "shutting down" });
          let applied: Set<string>;
          try {
            const rows = await db.$queryRaw<Array<{ migration_name: string }>>`
          SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
            applied = new Set(rows.map((r) => r.migration_name));
          } catch {
            return sendJson(res, 503, { status: "not_ready", reason: "database unreachable" });
          }
          const pending = expected.filter((name) => !applied.has(name));
          if (pending.length) return sendJson(res, 503, { status: "not_ready", reason: "migrations pending", pending });
          sendJson(res, 200, { status: "ready" });
        }),
      )
      // GET /api/metrics: Prometheus, with TOLLGATE_METRICS_TOKEN.
      .on("GET", "/api/metrics", throughDoor("metrics-token", serveMetrics))
      // POST /api/v1/keys/verify: is this key, presented to the customer's own service, good?
      .on(
        "POST",
        "/api/v1/keys/verify",
        apiRoute({ body: VerifyKeyInput }, (ctx, body) => verifyKey(ctx, body)),
      )
      // POST /api/v1/authz/check: may this user do this, here, now?
      .on(
        "POST",
        "/api/v1/authz/check",
        apiRoute({ body: CheckInput, parse: parseCheckInput }, (ctx, body) => checkAccess(ctx, body)),
      )
      // POST /api/v1/usage/events: 1–1,000 usage events, answered one by one.
      .on(
        "POST",
        "/api/v1/usage/events",
        instanceKeyRoute({ body: IngestInput, status: 202, maxBytes: INGEST_MAX_BYTES, textCheckedByHandler: true }, (ctx, body, input) => ingestUsage(ctx, body, input)),
      )
      // POST /api/webhooks/stripe: Stripe's events, signed; stored and acted on once.
      .on(
        "POST",
        "/api/webhooks/stripe",
        throughDoor("stripe-signature", async (req, res) => {
          const signature = req.headers["stripe-signature"];
          sendJson(res, 200, await receiveStripeWebhook(await readRaw(req), typeof signature === "string" ? signature : undefined, requestMeta(req)));
        }),
      )
      // POST /api/sso/start: where a browser goes to sign in with its organization's identity provider.
      .on("POST", "/api/sso/start", throughDoor("identity-provider", ssoStart))
      // GET /api/sso/oidc/{connectionId}/callback: the provider's answer; signed in if it holds.
      .on("GET", "/api/sso/oidc/:connectionId/callback", throughDoor("identity-provider", ssoOidcCallback))
      // GET /api/sso/saml/{connectionId}/metadata: our SAML metadata (entity ID, ACS URL) for the provider's admin.
      .on("GET", "/api/sso/saml/:connectionId/metadata", throughDoor("public", ssoSamlMetadata))
      // POST /api/sso/saml/{connectionId}/acs: the provider's Response, posted by its page; checked and taken once.
      .on("POST", "/api/sso/saml/:connectionId/acs", throughDoor("identity-provider", ssoSamlAcs))
      // GET /api/sso/saml/{connectionId}/finish: the browser that started the sign-in comes back for its session.
      .on("GET", "/api/sso/saml/:connectionId/finish", throughDoor("identity-provider", ssoSamlFinish))
      // GET /api/portal/{token}: an owner's setup link, opened by the IT admin; on to /portal.
      .on("GET", "/api/portal/:token", throughDoor("setup-link", portalOpen))
      // POST /api/v1/authz/check-batch: up to 100 checks, answered in order.
      .on(
        "POST",
        "/api/v1/authz/check-batch",
        apiRoute({ body: CheckBatchInput }, (ctx, body) => ({
          results: body.checks.map((raw) => {
            try {
              return checkAccess(ctx, parseCheckInput(raw), "check-api-batch");
            } catch (error) {
              return { allowed: false, ...errorToResponse(error).body };
            }
          }),
        })),
      )
  );
}
