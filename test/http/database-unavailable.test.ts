// A database that is down, saturated or out of connections is answered as
// 503 with Retry-After (try again soon), not 500 (our bug): the errors come
// from a real PostgreSQL, pg pool and Prisma client, as the app builds them.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { errorToResponse, isDatabaseUnavailable } from "../../lib/errors.ts";
import { PrismaClient } from "../../lib/generated/prisma/client.ts";
import { LeanRouter } from "../../lib/http/lean-router.ts";
import { scimFailure } from "../../lib/http/scim-routes.ts";
import { freePort } from "../../lib/db/embedded-postgres.ts";

const url = process.env.DATABASE_URL!;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

function clientOn(pool: pg.Pool) {
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  cleanups.push(() => client.$disconnect());
  return client;
}

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected the work to fail");
}

function expect503(error: unknown) {
  expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  const answer = errorToResponse(error, "req_1");
  expect(answer.status).toBe(503);
  expect(answer.headers).toEqual({ "Retry-After": "2" });
  expect(answer.body.error).toMatchObject({ code: "database_unavailable", requestId: "req_1" });
  expect(answer.body.error.message).not.toMatch(/timeout exceeded|ECONN|Prisma/);
}

describe("a database that cannot answer now", () => {
  it("no pool connection free in time: 503, through Prisma and through plain SQL", async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 100 });
    cleanups.push(() => pool.end());
    const held = await pool.connect();
    try {
      const prisma = clientOn(pool);
      expect503(await failureOf(() => prisma.$queryRaw`SELECT 1`));
      expect503(await failureOf(() => prisma.organization.findFirst()));
      expect503(await failureOf(() => pool.query("SELECT 1")));
    } finally {
      held.release();
    }
  });

  it("nothing listening: 503", async () => {
    const pool = new pg.Pool({ connectionString: `postgresql://postgres@127.0.0.1:${await freePort()}/postgres`, max: 1 });
    cleanups.push(() => pool.end());
    expect503(await failureOf(() => clientOn(pool).$queryRaw`SELECT 1`));
    expect503(await failureOf(() => pool.query("SELECT 1")));
  });

  it("a connection lost mid-query is not claimed: its write may have committed, so it stays a 500", async () => {
    const victim = new pg.Client({ connectionString: url });
    victim.on("error", () => undefined);
    await victim.connect();
    cleanups.push(() => victim.end());
    const { rows } = await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    const running = failureOf(() => victim.query("SELECT pg_sleep(30)"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await admin.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
    const lost = await running;
    expect(isDatabaseUnavailable(lost)).toBe(false);
    expect(errorToResponse(lost).status).toBe(500);
  });

  it("is answered by the lean router as 503 with Retry-After; other failures stay 500 with no detail", async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 100 });
    cleanups.push(() => pool.end());
    const held = await pool.connect();
    const router = new LeanRouter()
      .on("GET", "/busy", async () => {
        await pool.query("SELECT 1");
      })
      .on("GET", "/broken", async () => {
        await Promise.resolve();
        throw new Error("a bug of ours");
      });
    const server = http.createServer((req, res) => {
      if (!router.handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const busy = await fetch(`${base}/busy`);
      expect(busy.status).toBe(503);
      expect(busy.headers.get("retry-after")).toBe("2");
      expect((await busy.json()).error.code).toBe("database_unavailable");
      const broken = await fetch(`${base}/broken`);
      expect(broken.status).toBe(500);
      expect(broken.headers.get("retry-after")).toBeNull();
      expect(JSON.stringify(await broken.json())).not.toContain("a bug of ours");
    } finally {
      held.release();
    }
  });

  it("is answered to SCIM as a SCIM 503 with Retry-After", async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 100 });
    cleanups.push(() => pool.end());
    const held = await pool.connect();
    try {
      const answer = scimFailure(await failureOf(() => pool.query("SELECT 1")), "req_1");
      expect(answer).toMatchObject({ status: 503, retryAfter: "2", body: { status: "503" } });
      const bug = scimFailure(new Error("a bug of ours"), "req_1");
      expect(bug.status).toBe(500);
      expect(bug.retryAfter).toBeUndefined();
    } finally {
      held.release();
    }
  });

  it("is not claimed for errors that are not about reaching the database", async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    cleanups.push(() => pool.end());
    const prisma = clientOn(pool);
    expect(isDatabaseUnavailable(await failureOf(() => prisma.$queryRawUnsafe("SELECT * FROM no_such_table")))).toBe(false);
    expect(isDatabaseUnavailable(await failureOf(() => pool.query("SELECT 1/0")))).toBe(false);
    expect(isDatabaseUnavailable(new Error("timeout exceeded when trying to connect to Stripe"))).toBe(false);
    // An outbound call that could not connect (fetch puts the socket's error in its cause) is not the database.
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    expect(isDatabaseUnavailable(new TypeError("fetch failed", { cause: refused }))).toBe(false);
    // A protocol violation (class 08 too) is a bug of ours, not a database to wait for.
    expect(isDatabaseUnavailable(Object.assign(new Error("bind message supplies 1 parameters"), { code: "08P01" }))).toBe(false);
    expect(errorToResponse(new Error("boom")).status).toBe(500);
  });
});
