import { defineConfig } from "@playwright/test";

// The self-hosting stack (Dockerfile + docker-compose.yml) built and run on a
// Docker engine, then driven in a browser. Started by scripts/test.ts after
// the other suites; it skips itself where no engine answers.
export default defineConfig({
  testDir: "e2e-stack",
  // Its own folder: Playwright empties its output folder when it starts, and
  // test-results/ keeps the screenshots of every page from the run before.
  outputDir: "test-results/stack",
  // Building the image (npm install, next build) dominates: minutes on 2 cores.
  timeout: 30 * 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  use: {
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
});
