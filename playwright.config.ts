import { defineConfig } from "@playwright/test";

// Started by scripts/test.ts, which provides a migrated database, a free port
// and a production build. Runs in Debian's Chromium (no browser download).
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`;
// The local Stripe-compatible server (test/stripe/local-stripe.ts): the app bills through it, and it sends webhooks back.
const stripePort = Number(process.env.E2E_STRIPE_PORT ?? port + 1);
// A DNS server the SSO spec starts (test/sso/dns-server.ts): the app verifies domains through it.
process.env.E2E_DNS_PORT ??= String(port + 2);
const E2E_STRIPE = { url: `http://127.0.0.1:${stripePort}`, secretKey: "sk_test_e2e_local_stripe", webhookSecret: "whsec_e2e_local_stripe_signing_secret" };

export default defineConfig({
  testDir: "e2e",
  // Multi-step flows with several axe runs, on a 2-core machine that also runs the app and PostgreSQL.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  workers: 2,
  fullyParallel: false,
  retries: 0,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: [
    {
      command: "node --import tsx test/stripe/main.ts",
      url: `${E2E_STRIPE.url}/_control/health`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: { PORT: String(stripePort), STRIPE_SECRET_KEY: E2E_STRIPE.secretKey, STRIPE_WEBHOOK_SECRET: E2E_STRIPE.webhookSecret, STRIPE_WEBHOOK_URL: `${baseURL}/api/webhooks/stripe` },
    },
    {
      command: "node --import tsx server/main.ts",
      url: `${baseURL}/api/ready`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
        PORT: String(port),
        HOST: "127.0.0.1",
        NEXTAUTH_URL: baseURL,
        NEXTAUTH_SECRET: "e2e-secret-that-is-at-least-32-characters-long",
        TOLLGATE_API_KEY_SECRET: "e2e-api-key-hashing-secret-of-32-characters",
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        TOLLGATE_ADMIN_EMAIL: "admin@e2e.test",
        // Every browser here signs up from 127.0.0.1.
        TOLLGATE_SIGN_UPS_PER_HOUR: "10000",
        NEXT_TELEMETRY_DISABLED: "1",
        STRIPE_SECRET_KEY: E2E_STRIPE.secretKey,
        STRIPE_WEBHOOK_SECRET: E2E_STRIPE.webhookSecret,
        STRIPE_API_URL: E2E_STRIPE.url,
        // The SSO spec's identity provider listens on loopback over http, and its DNS server answers for the domains it claims.
        TOLLGATE_SSO_ALLOW_HTTP: "true",
        TOLLGATE_DNS_SERVERS: `127.0.0.1:${process.env.E2E_DNS_PORT}`,
      },
    },
  ],
});
