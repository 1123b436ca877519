// `npm start` as a self-hoster runs it: the server process itself, started
// with different environments, on the production build the suite made.
import { expect, test } from "@playwright/test";
import { expectAccessible } from "./helpers";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { buildKeyring, hashSecret } from "../lib/secrets/key-hashing.ts";

test.describe.configure({ mode: "serial" });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const started = new Set<ChildProcess>();
// A server that should have stopped but did not (a failing test) must not outlive its test.
test.afterEach(() => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGTERM");
  started.clear();
});

function startServer(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NEXT_TELEMETRY_DISABLED: "1", LOG_LEVEL: "warn", ...env } as unknown as NodeJS.ProcessEnv,
  });
  started.add(child);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { child, exited, output: () => output };
}

async function waitReady(port: number, exited: Promise<number>) {
  const deadline = Date.now() + 120_000;
  let done = false;
  void exited.then(() => (done = true));
  while (Date.now() < deadline && !done) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/ready`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("server did not become ready");
}

test("a bad DATABASE_URL stops start-up with one line naming it", async () => {
  const server = startServer({ DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none", NEXTAUTH_SECRET: "x".repeat(40), TOLLGATE_API_KEY_SECRET: "k".repeat(40), PORT: String(await freePort()) });
  expect(await server.exited).toBe(1);
  expect(server.output().trim()).toMatch(/^tollgate: DATABASE_URL: cannot connect to the database/);
  expect(server.output().trim().split("\n")).toHaveLength(1);
});

test("an unreachable or malformed REDIS_URL stops start-up with one line naming it", async () => {
  const down = startServer({
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    NEXTAUTH_SECRET: "x".repeat(40),
    TOLLGATE_API_KEY_SECRET: "k".repeat(40),
    REDIS_URL: "redis://127.0.0.1:1",
    PORT: String(await freePort()),
  });
  expect(await down.exited).toBe(1);
  expect(down.output().trim()).toMatch(/^tollgate: REDIS_URL: cannot connect to Redis/);
  expect(down.output().trim().split("\n")).toHaveLength(1);
  const malformed = startServer({ REDIS_URL: "http://cache", PORT: String(await freePort()) });
  expect(await malformed.exited).toBe(1);
  expect(malformed.output().trim()).toBe("tollgate: REDIS_URL: must be a redis:// or rediss:// URL");
});

test("a malformed DATABASE_URL or PORT is named", async () => {
  const bad = startServer({ DATABASE_URL: "mysql://x", PORT: "3000" });
  expect(await bad.exited).toBe(1);
  expect(bad.output().trim()).toBe("tollgate: DATABASE_URL: must be a postgresql:// URL");
  const port = startServer({ PORT: "not-a-port" });
  expect(await port.exited).toBe(1);
  expect(port.output().trim()).toMatch(/^tollgate: PORT: /);
});

test("a missing or short NEXTAUTH_SECRET in production stops start-up", async () => {
  for (const secret of [undefined, "too-short"]) {
    const server = startServer({
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      NEXTAUTH_SECRET: secret,
      TOLLGATE_API_KEY_SECRET: "k".repeat(40),
      NODE_ENV: "production",
      PORT: String(await freePort()),
    });
    expect(await server.exited).toBe(1);
    expect(server.output().trim()).toMatch(/^tollgate: NEXTAUTH_SECRET: set it to a random string of at least 32 characters/);
  }
});

test("a missing or short TOLLGATE_API_KEY_SECRET in production stops start-up with one line naming it", async () => {
  for (const secret of [undefined, "too-short"]) {
    const server = startServer({
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      NEXTAUTH_SECRET: "x".repeat(40),
      TOLLGATE_API_KEY_SECRET: secret,
      NODE_ENV: "production",
      PORT: String(await freePort()),
    });
    expect(await server.exited).toBe(1);
    expect(server.output().trim()).toMatch(/^tollgate: TOLLGATE_API_KEY_SECRET: set it to a random string of at least 32 characters/);
    expect(server.output().trim().split("\n")).toHaveLength(1);
  }
  const previous = startServer({
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    NEXTAUTH_SECRET: "x".repeat(40),
    TOLLGATE_API_KEY_SECRET: "k".repeat(40),
    TOLLGATE_API_KEY_SECRET_PREVIOUS: `${"p".repeat(40)},short`,
    PORT: String(await freePort()),
  });
  expect(await previous.exited).toBe(1);
  expect(previous.output().trim()).toBe("tollgate: TOLLGATE_API_KEY_SECRET_PREVIOUS: each secret (comma-separated) must be at least 32 characters");
});

test("a port already in use stops start-up with one line naming it", async () => {
  const blocker = net.createServer();
  const port = await freePort();
  await new Promise<void>((r) => blocker.listen(port, "0.0.0.0", () => r()));
  try {
    const server = startServer({ DATABASE_URL: process.env.E2E_DATABASE_URL, NEXTAUTH_SECRET: "x".repeat(40), TOLLGATE_API_KEY_SECRET: "k".repeat(40), PORT: String(port) });
    expect(await server.exited).toBe(1);
    expect(server.output().trim()).toBe(`tollgate: PORT: port ${port} is already in use; stop the other process or set PORT`);
  } finally {
    blocker.close();
  }
});

test("an embedded PostgreSQL that cannot start stops start-up with one line saying what to do", async () => {
  const blocker = net.createServer();
  const pgPort = await freePort();
  await new Promise<void>((r) => blocker.listen(pgPort, "127.0.0.1", () => r()));
  const home = await mkdtemp(path.join(os.tmpdir(), "tollgate-private-"));
  try {
    const taken = startServer({ TOLLGATE_DATA_DIR: path.join(home, "data"), TOLLGATE_PG_PORT: String(pgPort), PORT: String(await freePort()) });
    expect(await taken.exited).toBe(1);
    expect(taken.output().trim()).toBe(`tollgate: embedded PostgreSQL: port ${pgPort} is already in use; stop the other process, set TOLLGATE_PG_PORT, or set DATABASE_URL to use your own PostgreSQL`);
    if (process.getuid?.() === 0) {
      // As root, PostgreSQL runs as "postgres", who cannot enter a 0700 folder such as root's home.
      const unreachable = startServer({ TOLLGATE_DATA_DIR: path.join(home, "data"), TOLLGATE_PG_PORT: String(await freePort()), PORT: String(await freePort()) });
      expect(await unreachable.exited).toBe(1);
      expect(unreachable.output().trim()).toBe(
        `tollgate: embedded PostgreSQL: as root it runs as the postgres user, who cannot enter ${home} on the way to ${path.join(home, "data")}; set TOLLGATE_DATA_DIR to a folder outside it, or set DATABASE_URL to use your own PostgreSQL`,
      );
    }
  } finally {
    blocker.close();
    await rm(home, { recursive: true, force: true });
  }
});

test("with no DATABASE_URL it runs on an embedded PostgreSQL that keeps data, secrets and API keys across restarts", async () => {
  test.setTimeout(240_000);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tollgate-start-"));
  const env = { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  try {
    const first = startServer(env);
    await waitReady(Number(env.PORT), first.exited);
    expect(first.output()).toContain("(embedded PostgreSQL)");
    // A new instance is set up through a link only its operator sees.
    expect(first.output()).toMatch(new RegExp(`tollgate: set up this instance at http://localhost:${env.PORT}/setup\\?token=[A-Za-z0-9_-]{43}`));
    const home = await fetch(`http://127.0.0.1:${env.PORT}/`, { redirect: "manual" });
    expect(home.headers.get("location")).toMatch(/\/setup$/);
    const signUpPage = await fetch(`http://127.0.0.1:${env.PORT}/sign-up`);
    expect(signUpPage.status).toBe(200);
    expect(await signUpPage.text()).toContain("Create your account");

    const password = (await readFile(path.join(dataDir, "postgres.password"), "utf8")).trim();
    const url = `postgresql://tollgate:${encodeURIComponent(password)}@127.0.0.1:${env.TOLLGATE_PG_PORT}/tollgate`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`INSERT INTO "User" (id, email, name, "updatedAt") VALUES (gen_random_uuid(), 'kept@example.test', 'Kept', now())`);
    const { rows: orgs } = await client.query(`INSERT INTO "Organization" (id, name, slug, "updatedAt") VALUES (gen_random_uuid(), 'Kept Org', 'kept-org', now()) RETURNING id`);
    const secret = await readFile(path.join(dataDir, "nextauth-secret"), "utf8");
    // The API key hashing secret was generated too, readable by its owner only;
    // a key hashed with it works now and after the restart.
    const apiKeySecret = await readFile(path.join(dataDir, "api-key-secret"), "utf8");
    expect(apiKeySecret.trim().length).toBeGreaterThanOrEqual(32);
    expect(apiKeySecret.trim()).not.toBe(secret.trim());
    expect((await stat(path.join(dataDir, "api-key-secret"))).mode & 0o777).toBe(0o600);
    const publicId = [...randomBytes(16)].map((b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");
    const keySecret = randomBytes(32).toString("base64url");
    await client.query(`INSERT INTO "ApiKey" (id, "orgId", name, "publicId", "secretHash", "lastFour", permissions) VALUES (gen_random_uuid(), $1, 'kept key', $2, $3, $4, ARRAY['apikeys:read'])`, [
      orgs[0].id,
      publicId,
      hashSecret(keySecret, buildKeyring({ current: apiKeySecret.trim() })),
      keySecret.slice(-4),
    ]);
    await client.end();
    const useKey = async () => (await fetch(`http://127.0.0.1:${env.PORT}/api/v1/api-key-policy`, { headers: { authorization: `Bearer tg_live_${publicId}_${keySecret}` } })).status;
    expect(await useKey()).toBe(200);

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    const second = startServer(env);
    await waitReady(Number(env.PORT), second.exited);
    const again = new pg.Client({ connectionString: url });
    await again.connect();
    const { rows } = await again.query(`SELECT (SELECT count(*) FROM "User" WHERE email = 'kept@example.test') AS users, (SELECT count(*) FROM "Organization" WHERE slug = 'kept-org') AS orgs`);
    await again.end();
    expect(rows[0]).toEqual({ users: "1", orgs: "1" });
    expect(await readFile(path.join(dataDir, "nextauth-secret"), "utf8")).toBe(secret);
    expect(await readFile(path.join(dataDir, "api-key-secret"), "utf8")).toBe(apiKeySecret);
    expect(await useKey()).toBe(200);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("a fresh instance's home page is the setup page, which refuses a wrong token and sets up the admin and first organization with the printed one", async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = new URL(process.env.E2E_ADMIN_DATABASE_URL!);
  admin.pathname = "/postgres";
  const name = `tollgate_fresh_${process.pid}_${Date.now()}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const port = await freePort();
  const server = startServer({ DATABASE_URL: url.toString(), NEXTAUTH_SECRET: "x".repeat(40), TOLLGATE_API_KEY_SECRET: "k".repeat(40), PORT: String(port), HOST: "127.0.0.1" });
  try {
    await waitReady(port, server.exited);
    const link = /tollgate: set up this instance at (\S+)/.exec(server.output())![1]!;
    const page = await (await browser.newContext()).newPage();
    const base = `http://localhost:${port}`;

    await page.goto(`${base}/`);
    await page.waitForURL("**/setup");
    await expect(page.getByText("Open the setup link")).toBeVisible();
    await page.goto(`${base}/sign-in`);
    await expect(page.getByRole("heading", { name: "Sign in to Tollgate" })).toBeVisible();

    await page.goto(`${base}/setup?token=${"w".repeat(43)}`);
    await expect(page.getByText("This setup link is not valid")).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveCount(0);

    await page.goto(link.replace(/^http:\/\/localhost:\d+/, base));
    await expect(page.getByRole("heading", { name: "Set up Tollgate" })).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel("Your name").fill("Ada Admin");
    await page.getByLabel("Email").fill("ada@fresh.test");
    await page.getByLabel("Password").fill("a long admin password");
    await page.getByLabel("Organization name").fill("Fresh Co");
    await page.getByRole("button", { name: "Create admin and organization" }).click();
    await page.waitForURL("**/fresh-co/members");
    await page.goto(`${base}/admin`);
    await expect(page.getByRole("table", { name: "All organizations" })).toContainText("fresh-co");
    // The link is spent, and the home page is no longer the setup page.
    await page.goto(link.replace(/^http:\/\/localhost:\d+/, base));
    await page.waitForURL("**/sign-in**");
    await page.context().close();
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
    const drop = new pg.Client({ connectionString: admin.toString() });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await drop.end();
  }
});
