import { afterAll, inject } from "vitest";

process.env.DATABASE_URL = inject("databaseUrl");
process.env.TEST_ADMIN_DATABASE_URL = inject("adminDatabaseUrl");
process.env.NEXTAUTH_URL ??= "http://localhost:3000";
process.env.NEXTAUTH_SECRET ??= "vitest-secret-that-is-at-least-32-characters";
// The tests' identity providers listen on loopback over plain http.
process.env.TOLLGATE_SSO_ALLOW_HTTP ??= "true";
process.env.TOLLGATE_API_KEY_SECRET ??= "vitest-api-key-hashing-secret-of-32-characters";
// Webhooks are checked against this; the local Stripe of the tests signs with it.
process.env.STRIPE_WEBHOOK_SECRET ??= "whsec_vitest_local_stripe_signing_secret";
// /api/metrics answers scrapers holding it.
process.env.TOLLGATE_METRICS_TOKEN ??= "vitest-metrics-token-of-some-length";

const { syncBuiltInRoles } = await import("../lib/authz/sync-built-in-roles.ts");
await syncBuiltInRoles();

afterAll(async () => {
  const { disconnectDb } = await import("../lib/db.ts");
  await disconnectDb();
});
