// npm test: every suite against a real PostgreSQL (TEST_DATABASE_URL, or an
// embedded server started here), then one closing line summing them all.
import { spawn } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import pg from "pg";
import { createDatabaseIfMissing, EmbeddedPostgresError, freePort, startTemporaryPostgres } from "../lib/db/embedded-postgres.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";
import { node24 } from "./node24.ts";

type Counts = { passed: number; failed: number; skipped: number };
const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
const problems: string[] = [];
/** The name of every failed test, printed again just above the closing line so a log's tail says what failed. */
const failures: string[] = [];

function run(command: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

function databaseUrl(base: string, name: string) {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(base: string, name: string) {
  const client = new pg.Client({ connectionString: databaseUrl(base, "postgres") });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
}

async function readJson(file: string): Promise<any | null> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    return null;
  }
}

/** Runs the vitest suites with one Node binary and adds their counts to the totals. */
async function runVitest(name: string, node: string, databaseUrl: string, report: string) {
  const vitestJson = path.resolve(report);
  await rm(vitestJson, { force: true });
  const code = await run(node, ["node_modules/vitest/vitest.mjs", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`], {
    TEST_DATABASE_URL: databaseUrl,
    NODE_ENV: "test",
  });
  const v = await readJson(vitestJson);
  if (v) {
    totals.passed += v.numPassedTests;
    totals.failed += v.numFailedTests;
    totals.skipped += v.numPendingTests + (v.numTodoTests ?? 0);
    for (const file of v.testResults ?? []) {
      const where = path.relative(process.cwd(), file.name);
      for (const test of file.assertionResults ?? []) {
        if (test.status === "failed") failures.push(`${name}: ${where} › ${test.fullName}${firstLine(test.failureMessages?.[0])}`);
      }
      if (file.status === "failed" && !(file.assertionResults ?? []).some((test: any) => test.status === "failed")) {
        failures.push(`${name}: ${where}${firstLine(file.message)}`);
      }
    }
    if (code !== 0 && v.numFailedTests === 0) problems.push(`${name} exited with ${code}`);
  } else {
    problems.push(`${name} produced no report (exit ${code})`);
  }
}

function firstLine(message: string | undefined) {
  const line = stripVTControlCharacters(message ?? "")
    .split("\n")
    .find((text) => text.trim() !== "");
  return line ? ` (${line.trim().slice(0, 200)})` : "";
}

/** Playwright's JSON report nests suites by file and describe block; a test failed when its last result did not pass as expected. */
function collectPlaywrightFailures(name: string, suites: any[], titles: string[] = []) {
  for (const suite of suites) {
    const trail = suite.file && titles.length === 0 ? [suite.file] : [...titles, suite.title];
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status === "unexpected") {
          const last = test.results?.at(-1);
          const project = test.projectName ? ` [${test.projectName}]` : "";
          failures.push(`${name}: ${[...trail, spec.title].join(" › ")}${project}${firstLine(last?.error?.message ?? last?.errors?.[0]?.message)}`);
        }
      }
    }
    collectPlaywrightFailures(name, suite.suites ?? [], trail);
  }
}

/** Runs one Playwright suite and adds its counts to the totals. */
async function runPlaywright(name: string, args: string[], env: Record<string, string>, report: string) {
  const playwrightJson = path.resolve(report);
  await rm(playwrightJson, { force: true });
  const code = await run(process.execPath, ["node_modules/@playwright/test/cli.js", "test", ...args], {
    ...env,
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
    NEXT_TELEMETRY_DISABLED: "1",
  });
  const p = await readJson(playwrightJson);
  if (p?.stats) {
    totals.passed += p.stats.expected + (p.stats.flaky ?? 0);
    totals.failed += p.stats.unexpected;
    totals.skipped += p.stats.skipped;
    collectPlaywrightFailures(name, p.suites ?? []);
    if (code !== 0 && p.stats.unexpected === 0) problems.push(`${name} exited with ${code}${p.errors?.length ? `: ${p.errors[0].message?.split("\n")[0]}` : ""}`);
  } else {
    problems.push(`${name} produced no report (exit ${code})`);
  }
}

async function main() {
  const node = process.execPath;
  const tsx = "node_modules/tsx/dist/cli.mjs";
  await mkdir("test-results", { recursive: true });

  let base = process.env.TEST_DATABASE_URL;
  let stopPostgres = async () => {};
  if (!base) {
    const server = await startTemporaryPostgres("tollgate-test-");
    base = server.url;
    stopPostgres = server.stop;
    console.log("test: embedded PostgreSQL started");
  }

  try {
    // 0. Static checks, each counted as one test: formatting, lint (with the
    // layer rules), types of app, server, tests and SDK, and the SDK's build.
    const staticChecks: Array<[string, string[]]> = [
      ["formatting (npm run format)", ["node_modules/prettier/bin/prettier.cjs", "--check", "--log-level=warn", "."]],
      ["lint and layer rules (npm run lint)", ["node_modules/eslint/bin/eslint.js", "--max-warnings=0", "."]],
      ["types (npm run typecheck)", ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.check.json"]],
      ["the SDK build (sdk/)", ["node_modules/typescript/bin/tsc", "-p", "sdk/tsconfig.json"]],
    ];
    for (const [name, args] of staticChecks) {
      if ((await run(node, args, {})) === 0) totals.passed++;
      else {
        totals.failed++;
        failures.push(name);
        console.error(`test: ${name} failed`);
      }
    }

    // 1. Unit, integration and SDK tests (vitest).
    await runVitest("vitest", node, base, "test-results/vitest.json");
    // 1b. The same on Node 24 LTS, the Node of the Docker image (CI sets TOLLGATE_TEST_NODE24=1; `npm run test:node24` alone).
    if (process.env.TOLLGATE_TEST_NODE24 === "1") {
      const node24Binary = await node24();
      if (node24Binary) await runVitest("vitest on Node 24", node24Binary, base, "test-results/vitest-node24.json");
      else problems.push("vitest on Node 24: npm has no Node 24 build for this machine");
    }

    // 2. Browser and HTTP tests (Playwright) against a production build.
    const buildCode = await run(node, [tsx, "-e", "import('./server/ensure-build.ts').then((m) => m.ensureBuild())"], { NEXT_TELEMETRY_DISABLED: "1" });
    if (buildCode !== 0) {
      problems.push("the app build failed; browser tests did not run");
    } else {
      const e2eDb = `tollgate_e2e_${process.pid}`;
      await createDatabaseIfMissing(databaseUrl(base, "postgres"), e2eDb);
      const e2eUrl = databaseUrl(base, e2eDb);
      await migrateDatabase(e2eUrl);
      await runPlaywright(
        "playwright",
        [],
        { E2E_DATABASE_URL: e2eUrl, E2E_ADMIN_DATABASE_URL: base, E2E_PORT: String(await freePort()), E2E_STRIPE_PORT: String(await freePort()) },
        "test-results/playwright.json",
      );
      await dropDatabase(base, e2eDb).catch(() => {});
    }

    // 3. The self-hosting stack (docker-compose.yml) built and run on a Docker
    // engine and driven in a browser; it reports itself skipped without one.
    await runPlaywright("the compose stack", ["-c", "playwright.stack.config.ts"], {}, "test-results/playwright-stack.json");
  } finally {
    await stopPostgres().catch(() => {});
  }

  for (const failure of failures) console.log(`test: failed: ${failure}`);
  for (const problem of problems) console.log(`test: ${problem}`);
  const failed = totals.failed + problems.length;
  console.log(`${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(error instanceof EmbeddedPostgresError ? `test: ${error.message}` : error);
  console.log(`${totals.passed} passed, ${totals.failed + 1} failed`);
  process.exit(1);
});
