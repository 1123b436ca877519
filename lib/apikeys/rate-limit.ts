// Per-key rate limits: fixed windows of one second and one UTC day, counted
// in Redis when REDIS_URL is set, else in PostgreSQL, so every app process
// shares the same counters. A request refused by either window counts in
// neither, so a flood of refused requests never eats the daily allowance.
import { Redis } from "ioredis";
import pg from "pg";
import { sqlTransaction } from "../db/sql.ts";
import { logger } from "../logger.ts";

export type Limits = { perSecond: number | null; perDay: number | null };
export type LimitVerdict = { allowed: true } | { allowed: false; window: "second" | "day"; limit: number; retryAfterSeconds: number };

const DAY_MS = 86_400_000;

type Window = { name: "second" | "day"; limit: number; start: number; endsAtMs: number };

function windowsOf(limits: Limits, now: number): Window[] {
  const windows: Window[] = [];
  if (limits.perSecond !== null) {
    const start = Math.floor(now / 1000);
    windows.push({ name: "second", limit: limits.perSecond, start, endsAtMs: (start + 1) * 1000 });
  }
  if (limits.perDay !== null) {
    const start = Math.floor(now / DAY_MS);
    windows.push({ name: "day", limit: limits.perDay, start, endsAtMs: (start + 1) * DAY_MS });
  }
  return windows;
}

/** `counts` include the request being decided; when several windows are full, wait for the last to reopen. */
function verdict(windows: Window[], counts: number[], now: number): LimitVerdict {
  const full = windows.filter((w, i) => counts[i]! > w.limit);
  if (!full.length) return { allowed: true };
  const w = full.reduce((a, b) => (b.endsAtMs > a.endsAtMs ? b : a));
  return { allowed: false, window: w.name, limit: w.limit, retryAfterSeconds: Math.max(1, Math.ceil((w.endsAtMs - now) / 1000)) };
}

export interface CounterStore {
  /** Counts one request in every window unless one is full. */
  hit(keyId: string, limits: Limits, now: number): Promise<LimitVerdict>;
  close(): Promise<void>;
}

const bucketOf = (keyId: string, w: Window) => `${keyId}:${w.name === "second" ? "s" : "d"}`;

export class PostgresCounterStore implements CounterStore {
  private pool: pg.Pool;
  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 4 });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    this.pool.on("error", (error) => logger.warn({ err: error }, "rate-limit counter connection lost"));
  }

  async hit(keyId: string, limits: Limits, now: number): Promise<LimitVerdict> {
    const windows = windowsOf(limits, now);
    if (!windows.length) return { allowed: true };
    const buckets = windows.map((w) => bucketOf(keyId, w));
    const starts = windows.map((w) => w.start);
    return sqlTransaction(async (client) => {
      // Every caller creates, then locks, the rows in the same order (by
      // bucket), so concurrent requests queue instead of deadlocking; the
      // count moves only when every window has room.
      await client.query(
        `INSERT INTO "RateLimitCounter" (bucket, "windowStart", count, "expiresAt")
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::timestamptz[]) ORDER BY 1
         ON CONFLICT (bucket, "windowStart") DO NOTHING`,
        [buckets, starts, windows.map(() => 0), windows.map((w) => new Date(w.endsAtMs))],
      );
      const { rows } = await client.query<{ bucket: string; count: number }>(
        `SELECT bucket, count FROM "RateLimitCounter" WHERE (bucket, "windowStart") IN (SELECT * FROM unnest($1::text[], $2::bigint[])) ORDER BY bucket FOR UPDATE`,
        [buckets, starts],
      );
      const counts = buckets.map((b) => rows.find((r) => r.bucket === b)!.count + 1);
      const result = verdict(windows, counts, now);
      if (result.allowed) {
        await client.query(`UPDATE "RateLimitCounter" SET count = count + 1 WHERE (bucket, "windowStart") IN (SELECT * FROM unnest($1::text[], $2::bigint[]))`, [buckets, starts]);
      }
      return result;
    }, this.pool);
  }

  async purgeExpired() {
    // A margin, so a clock difference between app and database never resets a live window.
    await this.pool.query(`DELETE FROM "RateLimitCounter" WHERE "expiresAt" < now() - interval '10 minutes'`);
  }

  async close() {
    await this.pool.end();
  }
}

// KEYS: one counter per window; ARGV: limit and expiry (ms) per window.
// Atomic in Redis, so the refused request is never visible to others.
const HIT_SCRIPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('PEXPIRE', key, ARGV[i * 2]) end
end
for i, key in ipairs(KEYS) do
  if counts[i] > tonumber(ARGV[i * 2 - 1]) then
    for j, k in ipairs(KEYS) do redis.call('DECR', k) end
    return counts
  end
end
return counts`;

export class RedisCounterStore implements CounterStore {
  private redis: Redis;
  constructor(url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    this.redis.on("error", (error) => logger.warn({ err: error }, "Redis (rate-limit counters) unavailable"));
    this.redis.defineCommand("tollgateHit", { lua: HIT_SCRIPT });
  }

  async hit(keyId: string, limits: Limits, now: number): Promise<LimitVerdict> {
    const windows = windowsOf(limits, now);
    if (!windows.length) return { allowed: true };
    // {keyId} is a hash tag: a key's counters share one Redis Cluster slot, as a script needs.
    const keys = windows.map((w) => `tollgate:rl:{${keyId}}:${w.name === "second" ? "s" : "d"}:${w.start}`);
    const args = windows.flatMap((w) => [w.limit, w.endsAtMs - now + 1000]);
    const counts = (await (this.redis as unknown as { tollgateHit(n: number, ...a: Array<string | number>): Promise<number[]> }).tollgateHit(keys.length, ...keys, ...args)).map(Number);
    return verdict(windows, counts, now);
  }

  async close() {
    await this.redis.quit().catch(() => {});
  }
}

type State = { store?: CounterStore };
const state: State = ((globalThis as { __tollgateRateLimit?: State }).__tollgateRateLimit ??= {});

/** The process's counter store: Redis when REDIS_URL is set, else PostgreSQL. */
export function counterStore(): CounterStore {
  if (!state.store) {
    const redisUrl = process.env.REDIS_URL;
    if (redisUrl) state.store = new RedisCounterStore(redisUrl);
    else {
      const url = process.env.DATABASE_URL;
      if (!url) throw new Error("DATABASE_URL is not set");
      state.store = new PostgresCounterStore(url);
    }
  }
  return state.store;
}

export async function purgeExpiredCounters() {
  const store = counterStore();
  if (store instanceof PostgresCounterStore) await store.purgeExpired();
}

export async function closeCounterStore() {
  const store = state.store;
  state.store = undefined;
  await store?.close();
}
