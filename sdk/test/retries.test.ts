// Failure modes a healthy Tollgate does not produce on demand (5xx, 429,
// hangs, dropped connections), played by a tiny local node:http stand-in.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backoffDelay } from "../src/client.ts";
import { NetworkError, RateLimitError, ServerError, Tollgate, ValidationError } from "../src/index.ts";

type Reply = { status: number; body?: string; headers?: Record<string, string> } | "hang" | "drop";
let replies: Reply[] = [];
let hits = 0;
let base: string;
const ok = { status: 200, body: JSON.stringify({ allowed: true, reason: "ok", version: 1 }) };
const fail = (status: number, code: string, headers?: Record<string, string>) => ({ status, headers, body: JSON.stringify({ error: { code, message: code } }) });

const server = http.createServer((req, res) => {
  req.resume();
  const reply = replies[Math.min(hits++, replies.length - 1)]!;
  if (reply === "hang") return;
  if (reply === "drop") return req.socket.destroy();
  res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers }).end(reply.body);
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  hits = 0;
});

const input = { subject: { type: "user" as const, id: "u1" }, permission: "a:b" };
const client = (options: { retries?: number; timeoutMs?: number } = {}) => new Tollgate({ baseUrl: base, apiKey: "tg_live_test", cacheTtlMs: 0, ...options });

describe("retries", () => {
  it("retries 5xx and succeeds, backing off between attempts", async () => {
    replies = [fail(503, "unavailable"), fail(500, "internal"), ok];
    const started = Date.now();
    expect(await client().check(input)).toEqual({ allowed: true, reason: "ok", version: 1 });
    expect(hits).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50 + 100 - 10); // at least half of 100ms + 200ms
  });

  it("gives up after `retries` extra attempts with a ServerError carrying the request id", async () => {
    replies = [{ status: 502, body: "<html>Bad gateway</html>", headers: { "x-request-id": "req-42" } }];
    const error = await client({ retries: 1 })
      .check(input)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 502, code: "http_502", requestId: "req-42" });
    expect(hits).toBe(2);
  });

  it("honours Retry-After on 429", async () => {
    replies = [fail(429, "rate_limited", { "retry-after": "1" }), ok];
    const started = Date.now();
    expect((await client().check(input)).allowed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(hits).toBe(2);
  });

  it("honours Retry-After on 503 (a database restarting), and carries it on the ServerError when out of retries", async () => {
    replies = [fail(503, "database_unavailable", { "retry-after": "1" }), ok];
    const started = Date.now();
    expect((await client().check(input)).allowed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(hits).toBe(2);
    hits = 0;
    replies = [fail(503, "database_unavailable", { "retry-after": "2" })];
    const error = await client({ retries: 0 })
      .check(input)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 503, code: "database_unavailable", retryAfterSeconds: 2 });
  });

  it("throws RateLimitError with retryAfterSeconds when out of retries or asked to wait too long", async () => {
    replies = [fail(429, "rate_limited", { "retry-after": "7" })];
    const error = await client({ retries: 0 })
      .check(input)
      .catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 7 });
    hits = 0;
    replies = [fail(429, "rate_limited", { "retry-after": "3600" })];
    expect(
      await client()
        .check(input)
        .catch((e) => e),
    ).toBeInstanceOf(RateLimitError);
    expect(hits).toBe(1);
  });

  it("never retries other 4xx", async () => {
    replies = [fail(400, "invalid")];
    expect(
      await client()
        .check(input)
        .catch((e) => e),
    ).toBeInstanceOf(ValidationError);
    expect(hits).toBe(1);
  });

  it("times out each attempt and retries, then throws NetworkError", async () => {
    replies = ["hang"];
    const error = await client({ timeoutMs: 100, retries: 1 })
      .check(input)
      .catch((e) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ status: 0, code: "timeout" });
    expect(hits).toBe(2);
    hits = 0;
    replies = ["hang", ok];
    expect((await client({ timeoutMs: 100 }).check(input)).allowed).toBe(true);
  });

  it("retries dropped connections and reports unreachable servers as NetworkError", async () => {
    replies = ["drop", ok];
    expect((await client().check(input)).allowed).toBe(true);
    expect(hits).toBe(2);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await new Tollgate({ baseUrl: `http://127.0.0.1:${port}`, apiKey: "k", retries: 0 }).check(input).catch((e) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.code).toBe("network_error");
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("rejects a 200 that is not a decision instead of returning garbage", async () => {
    replies = [{ status: 200, body: "{}" }];
    const error = await client()
      .check(input)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.code).toBe("invalid_response");
    expect(hits).toBe(1);
  });
});

describe("backoffDelay", () => {
  it("doubles from 100ms, caps at 2s, and jitters within the upper half of each step", () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, () => 0))).toEqual([50, 100, 200, 400, 1000]);
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, () => 1))).toEqual([100, 200, 400, 800, 2000]);
  });
});
