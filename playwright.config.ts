import { defineConfig } from "@playwright/test";

// Started by scripts/test.ts, which provides a migrated database, a free port
// and a production build. Runs in Debian's Chromium (no browser download).
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`;

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
  webServer: {
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
    },
  },
});
