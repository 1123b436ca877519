// `npm start` as a self-hoster runs it: the server process itself, started
// with different environments, on the production build the suite made.
import { expect, test } from "@playwright/test";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

test.describe.configure({ mode: "serial" });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function startServer(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "server/main.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NEXT_TELEMETRY_DISABLED: "1", LOG_LEVEL: "warn", ...env } as unknown as NodeJS.ProcessEnv,
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { child, exited, output: () => output };
}

async function waitReady(port: number, exited: Promise<number>) {
  const deadline = Date.now() + 120_000;
  let done = false;
  exited.then(() => (done = true));
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
  const server = startServer({ DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none", NEXTAUTH_SECRET: "x".repeat(40), PORT: String(await freePort()) });
  expect(await server.exited).toBe(1);
  expect(server.output().trim()).toMatch(/^tollgate: DATABASE_URL: cannot connect to the database/);
  expect(server.output().trim().split("\n")).toHaveLength(1);
});

test("an unreachable or malformed REDIS_URL stops start-up with one line naming it", async () => {
  const down = startServer({ DATABASE_URL: process.env.E2E_DATABASE_URL, NEXTAUTH_SECRET: "x".repeat(40), REDIS_URL: "redis://127.0.0.1:1", PORT: String(await freePort()) });
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
    const server = startServer({ DATABASE_URL: process.env.E2E_DATABASE_URL, NEXTAUTH_SECRET: secret, NODE_ENV: "production", PORT: String(await freePort()) });
    expect(await server.exited).toBe(1);
    expect(server.output().trim()).toMatch(/^tollgate: NEXTAUTH_SECRET: set it to a random string of at least 32 characters/);
  }
});

test("a port already in use stops start-up with one line naming it", async () => {
  const blocker = net.createServer();
  const port = await freePort();
  await new Promise<void>((r) => blocker.listen(port, "0.0.0.0", () => r()));
  try {
    const server = startServer({ DATABASE_URL: process.env.E2E_DATABASE_URL, NEXTAUTH_SECRET: "x".repeat(40), PORT: String(port) });
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
    expect(taken.output().trim()).toBe(
      `tollgate: embedded PostgreSQL: port ${pgPort} is already in use; stop the other process, set TOLLGATE_PG_PORT, or set DATABASE_URL to use your own PostgreSQL`,
    );
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

test("with no DATABASE_URL it runs on an embedded PostgreSQL that keeps data across restarts", async () => {
  test.setTimeout(240_000);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tollgate-start-"));
  const env = { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
  try {
    const first = startServer(env);
    await waitReady(Number(env.PORT), first.exited);
    expect(first.output()).toContain("(embedded PostgreSQL)");
    const signUpPage = await fetch(`http://127.0.0.1:${env.PORT}/sign-up`);
    expect(signUpPage.status).toBe(200);
    expect(await signUpPage.text()).toContain("Create your account");

    const password = (await readFile(path.join(dataDir, "postgres.password"), "utf8")).trim();
    const url = `postgresql://tollgate:${encodeURIComponent(password)}@127.0.0.1:${env.TOLLGATE_PG_PORT}/tollgate`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`INSERT INTO "User" (id, email, name, "updatedAt") VALUES (gen_random_uuid(), 'kept@example.test', 'Kept', now())`);
    await client.query(`INSERT INTO "Organization" (id, name, slug, "updatedAt") VALUES (gen_random_uuid(), 'Kept Org', 'kept-org', now())`);
    await client.end();
    const secret = await readFile(path.join(dataDir, "nextauth-secret"), "utf8");

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
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
