// Per-key rate limits: both counter stores (PostgreSQL and Redis) under
// concurrency and across "processes" (separate store instances), refused
// requests never eating the daily allowance, Retry-After, and 429 over HTTP.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, updateApiKeyPolicy } from "../../lib/apikeys/api-keys.ts";
import { flushKeyUsage } from "../../lib/apikeys/key-usage.ts";
import { closeCounterStore, type CounterStore, type Limits, PostgresCounterStore, RedisCounterStore } from "../../lib/apikeys/rate-limit.ts";
import { db } from "../../lib/db.ts";
import { createTestOrg } from "../helpers.ts";
import { checkRequest, policyRequest, useMachineServer } from "./http.ts";

const { call } = useMachineServer();
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const DAY = 86_400_000;

/** Redis's own clock, in ms: Redis expires counters by it, not by ours. */
async function redisTime(redis: Redis) {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

// A fixed moment 10 s into the current UTC day (by Redis's clock), so every
// explicit `now` below stays inside that day. It starts a whole second: a
// second's counter then lives its full window plus margin (2 s of Redis's
// time) after its first request, the most a burst on a slow machine can have.
let DAY_START = 0;
let T0 = 0;
beforeAll(async () => {
  const redis = new Redis(REDIS_URL);
  try {
    DAY_START = Math.floor((await redisTime(redis)) / DAY) * DAY;
    T0 = DAY_START + 10_000;
  } finally {
    redis.disconnect();
  }
});

type Factory = () => CounterStore;
const stores: Array<[string, Factory]> = [
  ["PostgresCounterStore", () => new PostgresCounterStore(process.env.DATABASE_URL!)],
  ["RedisCounterStore", () => new RedisCounterStore(REDIS_URL)],
];

describe.each(stores)("%s", (_name, make) => {
  let a: CounterStore;
  let b: CounterStore;
  beforeAll(() => {
    a = make();
    b = make();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  const allowedOf = (verdicts: Array<{ allowed: boolean }>) => verdicts.filter((v) => v.allowed).length;
  const burst = (store: CounterStore, keyId: string, limits: Limits, now: number, n: number) => Promise.all(Array.from({ length: n }, () => store.hit(keyId, limits, now)));

  it("allows exactly perDay of 50 simultaneous requests", async () => {
    const keyId = randomUUID();
    const limits = { perSecond: null, perDay: 10 };
    const verdicts = await burst(a, keyId, limits, T0, 50);
    expect(allowedOf(verdicts)).toBe(10);
    for (const v of verdicts.filter((x) => !x.allowed)) expect(v).toEqual({ allowed: false, window: "day", limit: 10, retryAfterSeconds: Math.ceil((DAY_START + DAY - T0) / 1000) });
    // Later the same day: still full.
    expect(allowedOf(await burst(a, keyId, limits, T0 + 3_600_000, 5))).toBe(0);
    // The next UTC day starts afresh.
    expect(allowedOf(await burst(a, keyId, limits, DAY_START + DAY + 5, 12))).toBe(10);
  });

  it("shares counters between two processes (two store instances) on the same key", async () => {
    const keyId = randomUUID();
    const limits = { perSecond: null, perDay: 10 };
    const [fromA, fromB] = await Promise.all([burst(a, keyId, limits, T0, 25), burst(b, keyId, limits, T0, 25)]);
    expect(allowedOf(fromA) + allowedOf(fromB)).toBe(10);
    expect(allowedOf(await burst(b, keyId, limits, T0 + 1_000, 3))).toBe(0);
  });

  it("allows exactly perSecond in one second, with both windows, from two processes at once", async () => {
    const keyId = randomUUID();
    const limits = { perSecond: 3, perDay: 100 };
    const [s0a, s0b] = await Promise.all([burst(a, keyId, limits, T0, 20), burst(b, keyId, limits, T0 + 100, 20)]);
    expect(allowedOf(s0a) + allowedOf(s0b)).toBe(3);
    for (const v of [...s0a, ...s0b].filter((x) => !x.allowed)) expect(v).toMatchObject({ window: "second", limit: 3 });
    const [s1a, s1b] = await Promise.all([burst(a, keyId, limits, T0 + 1_000, 20), burst(b, keyId, limits, T0 + 1_200, 20)]);
    expect(allowedOf(s1a) + allowedOf(s1b)).toBe(3);
  });

  it("does not count refused requests against the day (perSecond 2, perDay 5)", async () => {
    const keyId = randomUUID();
    const limits = { perSecond: 2, perDay: 5 };
    const perSecond: number[] = [];
    const windows: string[][] = [];
    for (let s = 0; s < 4; s++) {
      const verdicts = await burst(a, keyId, limits, T0 + s * 1_000, 4);
      perSecond.push(allowedOf(verdicts));
      windows.push(verdicts.filter((v) => !v.allowed).map((v) => (v.allowed ? "" : v.window)));
    }
    // Had the six refusals of seconds 0 and 1 counted, the day would be full after second 0.
    expect(perSecond).toEqual([2, 2, 1, 0]);
    expect(windows[0]).toEqual(["second", "second"]);
    // Sequential requests from the other process agree.
    expect((await b.hit(keyId, limits, T0 + 10_000)).allowed).toBe(false);
  });

  it("gives Retry-After to the end of the second or of the UTC day", async () => {
    const keyId = randomUUID();
    const second = { perSecond: 1, perDay: null };
    const at = T0 + 250; // 0.75 s before the second ends
    expect(await a.hit(keyId, second, at)).toEqual({ allowed: true });
    expect(await a.hit(keyId, second, at)).toEqual({ allowed: false, window: "second", limit: 1, retryAfterSeconds: 1 });

    const dayKey = randomUUID();
    const day = { perSecond: null, perDay: 1 };
    const late = DAY_START + DAY - 90_500; // 90.5 s before midnight UTC
    expect((await a.hit(dayKey, day, late)).allowed).toBe(true);
    expect(await a.hit(dayKey, day, late)).toEqual({ allowed: false, window: "day", limit: 1, retryAfterSeconds: 91 });
    expect(await b.hit(dayKey, day, DAY_START + DAY - 200)).toEqual({ allowed: false, window: "day", limit: 1, retryAfterSeconds: 1 });
  });

  it("gives Retry-After to the end of the day when the day is exhausted, even if the second is too", async () => {
    const keyId = randomUUID();
    const limits = { perSecond: 1, perDay: 1 };
    expect((await a.hit(keyId, limits, T0)).allowed).toBe(true);
    // Retrying after 1 s could not succeed: only midnight UTC frees the key.
    expect(await a.hit(keyId, limits, T0)).toEqual({ allowed: false, window: "day", limit: 1, retryAfterSeconds: Math.ceil((DAY_START + DAY - T0) / 1000) });
  });

  it("never throws under heavy concurrency on both windows (4 processes, 120 requests at once)", async () => {
    const more = [make(), make()];
    try {
      const all = [a, b, ...more];
      const keyId = randomUUID();
      const limits = { perSecond: 1, perDay: 1_000_000 };
      for (let round = 0; round < 5; round++) {
        const first = T0 + round * 2_000;
        const settled = await Promise.allSettled(Array.from({ length: 120 }, (_, i) => all[i % 4]!.hit(keyId, limits, first + (i % 2) * 1_000)));
        const failed = settled.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason?.message ?? r));
        expect(failed, `round ${round}`).toEqual([]);
        // One request in each of the two seconds.
        expect(allowedOf(settled.map((r) => (r as PromiseFulfilledResult<{ allowed: boolean }>).value))).toBe(2);
      }
    } finally {
      await Promise.all(more.map((s) => s.close()));
    }
  });

  it("a flood refused by the second window never refuses another second's request on the day window", async () => {
    for (let trial = 0; trial < 5; trial++) {
      const keyId = randomUUID();
      const limits = { perSecond: 1, perDay: 6 };
      for (let s = 0; s < 5; s++) expect((await a.hit(keyId, limits, T0 + s * 1_000)).allowed).toBe(true);
      // Second 4 is full, the day has one request left; a flood in second 4 must not take it.
      const flood = Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).hit(keyId, limits, T0 + 4_000));
      const next = b.hit(keyId, limits, T0 + 5_000);
      const [verdict, ...flooded] = await Promise.all([next, ...flood]);
      expect(allowedOf(flooded)).toBe(0);
      expect(verdict, `trial ${trial}`).toEqual({ allowed: true });
    }
  });

  it("allows everything without limits", async () => {
    const verdicts = await burst(a, randomUUID(), { perSecond: null, perDay: null }, T0, 5);
    expect(allowedOf(verdicts)).toBe(5);
  });
});

describe("RedisCounterStore expiry", () => {
  let redis: Redis;
  let store: RedisCounterStore;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    store = new RedisCounterStore(REDIS_URL);
  });
  afterAll(async () => {
    await store.close();
    redis.disconnect();
  });

  // Expiry instants are read as Redis sees them (TIME + PTTL), so neither our
  // clock nor a slow machine between the calls can make this fail.
  it("expires each window's counter 1 s after the window ends, on Redis's clock", async () => {
    const keyId = randomUUID();
    const before = await redisTime(redis);
    expect(await store.hit(keyId, { perSecond: 5, perDay: 5 }, before)).toEqual({ allowed: true });
    const after = await redisTime(redis);
    const second = Math.floor(before / 1000);
    const day = Math.floor(before / DAY);
    const [[, now], [, secondTtl], [, dayTtl]] = (await redis.multi().time().pttl(`tollgate:rl:{${keyId}}:s:${second}`).pttl(`tollgate:rl:{${keyId}}:d:${day}`).exec()) as [
      [null, [string, string]],
      [null, number],
      [null, number],
    ];
    const readAt = Number(now[0]) * 1000 + Math.floor(Number(now[1]) / 1000);
    // The store set each expiry when its script ran, between `before` and `after`.
    const elapsed = after - before;
    for (const [ttl, windowEnd] of [
      [secondTtl, (second + 1) * 1000],
      [dayTtl, (day + 1) * DAY],
    ] as const) {
      expect(ttl).toBeGreaterThan(0);
      const expiresAt = readAt + ttl;
      expect(expiresAt).toBeGreaterThanOrEqual(windowEnd + 1000 - 1);
      expect(expiresAt).toBeLessThanOrEqual(windowEnd + 1000 + elapsed + 1);
    }
  });

  it("counts a window afresh once Redis has expired its counter", async () => {
    const keyId = randomUUID();
    const limits = { perSecond: 1, perDay: null };
    const now = await redisTime(redis);
    expect((await store.hit(keyId, limits, now)).allowed).toBe(true);
    expect((await store.hit(keyId, limits, now)).allowed).toBe(false);
    // Expire it now, rather than waiting for Redis's clock to pass the window.
    expect(await redis.pexpire(`tollgate:rl:{${keyId}}:s:${Math.floor(now / 1000)}`, 0)).toBe(1);
    expect((await store.hit(keyId, limits, now)).allowed).toBe(true);
  });
});

describe.each([
  ["PostgreSQL", undefined],
  ["Redis", REDIS_URL],
])("429 over HTTP with counters in %s", (_name, redisUrl) => {
  const saved = process.env.REDIS_URL;
  beforeAll(async () => {
    await closeCounterStore();
    if (redisUrl) process.env.REDIS_URL = redisUrl;
    else delete process.env.REDIS_URL;
  });
  afterAll(async () => {
    await closeCounterStore();
    if (saved === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = saved;
  });

  it("answers 429 rate_limited with Retry-After once a key is over its daily limit", async () => {
    const { owner } = await createTestOrg();
    const { key, apiKey } = await createApiKey(owner, { name: "limited", permissions: ["apikeys:read", "authz:check"], rateLimitPerDay: 3 });
    for (let i = 0; i < 3; i++) expect((await policyRequest(call, key)).status).toBe(200);
    const midnight = Math.floor(Date.now() / DAY) * DAY + DAY;
    const before = Date.now();
    const limited = await policyRequest(call, key);
    const after = Date.now();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    // Seconds until midnight UTC, as seen at some moment during the request.
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(Math.max(1, Math.ceil((midnight - after) / 1000)));
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((midnight - before) / 1000));
    // The lean route refuses it the same way.
    const check = await checkRequest(call, key, owner.principal.userId);
    expect(check.status).toBe(429);
    expect(check.headers.get("retry-after")).toBeTruthy();
    // Refused requests are not use.
    await flushKeyUsage();
    expect(Number((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).requestCount)).toBe(3);
  });

  it("applies the organization's default limit to keys without their own; a key's own limit wins", async () => {
    const { owner } = await createTestOrg();
    await updateApiKeyPolicy(owner, { requireExpiry: false, rateLimitPerDay: 2 });
    const { key: plain } = await createApiKey(owner, { name: "plain", permissions: ["apikeys:read"] });
    const { key: own } = await createApiKey(owner, { name: "own", permissions: ["apikeys:read"], rateLimitPerDay: 4 });
    expect((await policyRequest(call, plain)).status).toBe(200);
    expect((await policyRequest(call, plain)).status).toBe(200);
    expect((await policyRequest(call, plain)).status).toBe(429);
    for (let i = 0; i < 4; i++) expect((await policyRequest(call, own)).status).toBe(200);
    expect((await policyRequest(call, own)).status).toBe(429);
  });
});
