// `docker compose up` as a self-hoster runs it: the image built from the
// Dockerfile, PostgreSQL 17, the app and the worker. A person signs up and
// makes an organization in a browser; the stack is stopped (each service
// must exit by itself), taken down (its volume kept) and brought up again,
// and the person signs in and finds it. Then a backup is taken with pg_dump,
// the volume is deleted, the dump restored, and the organization is there.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { randomBytes, randomUUID } from "node:crypto";
import { compose, dockerUnavailable, exitCodeOf, freeHostPorts, waitReady, type Compose } from "./compose";

const PASSWORD = "stack password that is long";
const unavailable = dockerUnavailable();
test.skip(unavailable !== null, `the stack needs a Docker engine: ${unavailable}`);

let stack: Compose;
let baseUrl: string;
let stackEnv: Record<string, string>;

test.beforeAll(async () => {
  const [port] = await freeHostPorts(1);
  baseUrl = `http://localhost:${port}`;
  stack = compose(
    (stackEnv = {
      COMPOSE_PROJECT_NAME: `tollgate-stack-${process.pid}`,
      TOLLGATE_PORT: String(port),
      NEXTAUTH_URL: baseUrl,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      TOLLGATE_API_KEY_SECRET: randomBytes(32).toString("base64url"),
      TOLLGATE_ADMIN_EMAIL: "owner@stack.test",
      TOLLGATE_IMAGE: "tollgate:stack-test",
      POSTGRES_PASSWORD: randomBytes(24).toString("hex"),
      LOG_LEVEL: "warn",
    }),
  );
});

test.afterAll(async () => {
  await stack?.run(["down", "--volumes", "--remove-orphans"]).catch((error) => console.error(error.message));
});

/** The newest link to `page` in mail to `email`, read from the outbox inside the stack's database. */
async function mailedLink(email: string, page: string) {
  for (let attempt = 0; attempt < 30; attempt++) {
    const sql = `SELECT text FROM "OutboxEmail" WHERE "to" = '${email}' ORDER BY "createdAt" DESC LIMIT 1`;
    const text = await stack.run(["exec", "-T", "postgres", "psql", "-U", "tollgate", "-d", "tollgate", "-At", "-c", sql]);
    const link = new RegExp(`https?://\\S+${page}/[A-Za-z0-9_-]{43}`).exec(text)?.[0];
    if (link) return new URL(link).pathname;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no mail to ${email} with a ${page} link`);
}

async function signIn(page: Page, email: string) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
}

test("the compose stack builds, serves a sign-up, stops cleanly, and keeps its data across a restart and through a backup restored", async ({ browser }) => {
  await stack.run(["build"], { timeoutMs: 25 * 60_000 });
  await stack.run(["up", "-d"], { timeoutMs: 5 * 60_000 });
  await waitReady(baseUrl);
  expect(await stack.run(["ps", "--services", "--filter", "status=running"])).toMatch(/worker/);

  const email = "owner@stack.test";
  const orgName = `Stack ${randomUUID().slice(0, 6)}`;
  const first = await browser.newContext();
  const page = await first.newPage();
  await page.goto(`${baseUrl}/sign-up`);
  await page.getByLabel("Name").fill("Stack Owner");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("check-inbox")).toContainText(email);
  await page.goto(`${baseUrl}${await mailedLink(email, "/verify-email")}`);
  await page.getByLabel("Your password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm and continue" }).click();
  await page.waitForURL("**/orgs/new");
  await page.getByLabel("Name").fill(orgName);
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL(/\/[a-z0-9-]+\/members$/);
  const slug = new URL(page.url()).pathname.split("/")[1]!;
  await first.close();

  // Stopped as Compose stops it (SIGTERM, then SIGKILL after the grace period): both Tollgate services end by themselves.
  await stack.run(["stop"], { timeoutMs: 2 * 60_000 });
  expect(await exitCodeOf(stack, "app"), "the app exits on SIGTERM").toBe(0);
  expect(await exitCodeOf(stack, "worker"), "the worker exits on SIGTERM").toBe(0);

  // Down and up again: containers are new, the database volume is the same.
  await stack.run(["down"], { timeoutMs: 2 * 60_000 });
  await stack.run(["up", "-d"], { timeoutMs: 5 * 60_000 });
  await waitReady(baseUrl);

  await expectOrganizationThere(browser, email, slug, orgName);

  // Backup and restore as docs/self-hosting.md says: a dump of the running stack; the volume
  // deleted; a new database started alone, the dump restored into it, then the rest of the stack.
  const dump = await stack.runForBytes(["exec", "-T", "postgres", "pg_dump", "-U", "tollgate", "-d", "tollgate", "--format=custom"]);
  expect(dump.subarray(0, 5).toString(), "a pg_dump archive").toBe("PGDMP");
  await stack.run(["down", "--volumes"], { timeoutMs: 2 * 60_000 });
  await stack.run(["up", "-d", "postgres"]);
  await expect(async () => {
    await stack.run(["exec", "-T", "postgres", "psql", "-h", "127.0.0.1", "-U", "tollgate", "-d", "tollgate", "-c", "SELECT 1"]);
  }).toPass({ timeout: 60_000 });
  await stack.run(["exec", "-T", "postgres", "pg_restore", "-U", "tollgate", "-d", "tollgate", "--no-owner", "--exit-on-error"], { input: dump });
  await stack.run(["up", "-d"], { timeoutMs: 5 * 60_000 });
  await waitReady(baseUrl);
  await expectOrganizationThere(browser, email, slug, orgName);

  // Scaled out: two app replicas start at once on an empty database, each published on a
  // port of a range. One applies the migrations under the advisory lock; both serve.
  await stack.run(["down", "--volumes"], { timeoutMs: 2 * 60_000 });
  const [firstPort, lastPort] = await freeHostPorts(2);
  const scaled = compose({ ...stackEnv, TOLLGATE_PORT: `${firstPort}-${lastPort}` });
  await scaled.run(["up", "-d", "--scale", "app=2"], { timeoutMs: 5 * 60_000 });
  for (const index of [1, 2]) {
    const published = (await scaled.run(["port", "--index", String(index), "app", "3000"])).trim().split("\n").at(-1)!;
    await waitReady(`http://127.0.0.1:${published.split(":").at(-1)}`);
  }
});

/** Signs in with a fresh browser and finds the organization with its owner. */
async function expectOrganizationThere(browser: Browser, email: string, slug: string, orgName: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email);
  await page.goto(`${baseUrl}/${slug}/members`);
  await expect(page.getByText(orgName).first()).toBeVisible();
  await expect(page.getByText(email).first()).toBeVisible();
  await context.close();
}
