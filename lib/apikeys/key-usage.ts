// Last-used time, IP and request count of API keys, hashes to bring up to
// the current hashing secret, and audit events of refused keys: gathered in
// memory on the request path and written in batches every few seconds (and
// on shutdown), never one write per request.
import pg from "pg";
import { db } from "../db.ts";
import { logger } from "../logger.ts";

/** Last-used figures are minutes-grade information; a 10 s batch keeps the database's share small. */
const USAGE_FLUSH_MS = 10_000;
/** Refusals are security events: written sooner. */
const FAILURE_FLUSH_MS = 2_000;
/** One audit event per (key or address, reason) per this long; repeats are counted into it. */
const FAILURE_THROTTLE_MS = 60_000;
const MAX_PENDING_FAILURES = 1_000;

type Usage = { count: number; lastUsedAt: number; lastUsedIp: string | null };
export type KeyFailure = {
  code: string;
  orgId: string | null;
  keyId: string | null;
  /** Display form of the key (prefix + public id); never the secret. */
  display: string | null;
  ip: string | null;
  userAgent: string | null;
  via: "api" | "verify";
};
type PendingFailure = KeyFailure & { at: number; attempts: number };
/** Which stored hash to replace: [the hash the secret matched, the same secret hashed with the current secret]. */
export type Rehash = { secret?: [from: string, to: string]; previous?: [from: string, to: string] };

type Refusals = { count: number; at: number };
type State = {
  pool?: pg.Pool;
  usage: Map<string, Usage>;
  /** Refusals of known keys, every one counted (the audit events of them are throttled). */
  refusals: Map<string, Refusals>;
  rehash: Map<string, Rehash>;
  failures: Map<string, PendingFailure>;
  lastAudited: Map<string, number>;
  timer?: NodeJS.Timeout;
  timerDueAt?: number;
  flushing?: Promise<void>;
};
const state: State = ((globalThis as { __tollgateKeyUsage?: State }).__tollgateKeyUsage ??= { usage: new Map(), refusals: new Map(), rehash: new Map(), failures: new Map(), lastAudited: new Map() });
state.rehash ??= new Map();
state.refusals ??= new Map();

function schedule(delayMs: number) {
  if (state.timer) {
    if (state.timerDueAt! <= Date.now() + delayMs) return;
    clearTimeout(state.timer);
  }
  state.timerDueAt = Date.now() + delayMs;
  state.timer = setTimeout(() => {
    state.timer = undefined;
    void flushKeyUsage().catch((error) => logger.warn({ err: error }, "API key usage flush failed"));
  }, delayMs);
  state.timer.unref();
}

export function recordKeyUse(keyId: string, ip: string | null, now: number) {
  const usage = state.usage.get(keyId);
  if (usage) {
    usage.count++;
    usage.lastUsedAt = now;
    usage.lastUsedIp = ip;
  } else {
    state.usage.set(keyId, { count: 1, lastUsedAt: now, lastUsedIp: ip });
    schedule(USAGE_FLUSH_MS);
  }
}

/**
 * Queues replacing a key's stored hash (its current secret's, or the one a
 * rotation replaced) by one made with the current hashing secret. Written
 * only if the stored hash is still the one that matched, so a rotation in
 * between is never undone.
 */
export function recordKeyRehash(keyId: string, which: keyof Rehash, from: string, to: string) {
  const pending = state.rehash.get(keyId);
  if (pending) pending[which] = [from, to];
  else {
    state.rehash.set(keyId, { [which]: [from, to] });
    schedule(USAGE_FLUSH_MS);
  }
}

export function recordKeyFailure(failure: KeyFailure, now = Date.now()) {
  if (failure.keyId) countRefusal(failure.keyId, now);
  const throttleKey = `${failure.orgId ?? ""}|${failure.keyId ?? failure.ip ?? ""}|${failure.code}|${failure.via}`;
  const pending = state.failures.get(throttleKey);
  if (pending) {
    pending.attempts++;
    return;
  }
  const last = state.lastAudited.get(throttleKey);
  if (last !== undefined && now - last < FAILURE_THROTTLE_MS) return;
  if (state.failures.size >= MAX_PENDING_FAILURES) return;
  state.failures.set(throttleKey, { ...failure, at: now, attempts: 1 });
  state.lastAudited.set(throttleKey, now);
  if (state.lastAudited.size > 50_000) state.lastAudited.clear();
  schedule(FAILURE_FLUSH_MS);
}

function countRefusal(keyId: string, now: number) {
  const refusals = state.refusals.get(keyId);
  if (refusals) {
    refusals.count++;
    refusals.at = now;
  } else {
    state.refusals.set(keyId, { count: 1, at: now });
    schedule(USAGE_FLUSH_MS);
  }
}

function usagePool(): pg.Pool {
  if (!state.pool) {
    state.pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    state.pool.on("error", (error) => logger.warn({ err: error }, "API key usage connection lost"));
  }
  return state.pool;
}

async function writeUsage(usage: Array<[string, Usage]>) {
  if (!usage.length) return;
  // One statement on a connection of its own: thousands of keys cost the
  // request path nothing (a Prisma query of this size would hold the event loop).
  const rows = JSON.stringify(usage.map(([id, u]) => [id, u.count, u.lastUsedAt, u.lastUsedIp]));
  // The key's totals and its day's count in one statement (both or neither). A batch
  // counts on the UTC day of its last request: it spans one flush interval, or, when
  // writes failed and were retried, the whole time until one succeeded. Keys deleted
  // meanwhile are skipped.
  await usagePool().query(
    `WITH u AS (
       SELECT (r->>0)::uuid AS id, (r->>1)::int AS count, to_timestamp((r->>2)::double precision / 1000) AS at, r->>3 AS ip
       FROM jsonb_array_elements($1::jsonb) AS r
     ), updated AS (
       UPDATE "ApiKey" AS k SET
         "requestCount" = k."requestCount" + u.count,
         "lastUsedAt" = GREATEST(k."lastUsedAt", u.at),
         "lastUsedIp" = CASE WHEN k."lastUsedAt" IS NULL OR u.at >= k."lastUsedAt" THEN u.ip ELSE k."lastUsedIp" END
       FROM u WHERE k.id = u.id
       RETURNING k.id
     )
     INSERT INTO "ApiKeyDailyUsage" ("keyId", day, requests)
     SELECT u.id, (u.at AT TIME ZONE 'UTC')::date, u.count FROM u JOIN updated ON updated.id = u.id
     ON CONFLICT ("keyId", day) DO UPDATE SET requests = "ApiKeyDailyUsage".requests + excluded.requests`,
    [rows],
  );
}

async function writeRefusals(refusals: Array<[string, Refusals]>) {
  if (!refusals.length) return;
  const rows = JSON.stringify(refusals.map(([id, r]) => [id, r.count, r.at]));
  await usagePool().query(
    `INSERT INTO "ApiKeyDailyUsage" ("keyId", day, refusals)
     SELECT k.id, (to_timestamp((r->>2)::double precision / 1000) AT TIME ZONE 'UTC')::date, (r->>1)::int
     FROM jsonb_array_elements($1::jsonb) AS r JOIN "ApiKey" AS k ON k.id = (r->>0)::uuid
     ON CONFLICT ("keyId", day) DO UPDATE SET refusals = "ApiKeyDailyUsage".refusals + excluded.refusals`,
    [rows],
  );
}

async function writeRehash(rehash: Array<[string, Rehash]>) {
  if (!rehash.length) return;
  const rows = JSON.stringify(rehash.map(([id, r]) => [id, r.secret?.[0] ?? null, r.secret?.[1] ?? null, r.previous?.[0] ?? null, r.previous?.[1] ?? null]));
  // No authzVersion bump: the old hash keeps verifying in every process's
  // index until it reloads, and the new one is what the next load reads.
  await usagePool().query(
    `UPDATE "ApiKey" AS k SET
       "secretHash" = CASE WHEN k."secretHash" = u.secret_from THEN u.secret_to ELSE k."secretHash" END,
       "previousSecretHash" = CASE WHEN k."previousSecretHash" = u.previous_from THEN u.previous_to ELSE k."previousSecretHash" END
     FROM (SELECT (r->>0)::uuid AS id, r->>1 AS secret_from, r->>2 AS secret_to, r->>3 AS previous_from, r->>4 AS previous_to
           FROM jsonb_array_elements($1::jsonb) AS r) AS u
     WHERE k.id = u.id AND (k."secretHash" = u.secret_from OR k."previousSecretHash" = u.previous_from)`,
    [rows],
  );
}

async function writeFailures(failures: PendingFailure[]) {
  if (!failures.length) return;
  await db.auditEvent.createMany({
    data: failures.map((f) => ({
      createdAt: new Date(f.at),
      orgId: f.orgId,
      actorId: null,
      actorEmail: f.display ? `API key ${f.display}` : null,
      action: "apikey.refused",
      targetType: "api_key",
      targetId: f.keyId,
      ip: f.ip,
      userAgent: f.userAgent?.slice(0, 512) ?? null,
      after: { reason: f.code, via: f.via, attempts: f.attempts, key: f.display },
    })),
  });
}

/** Writes what has gathered; safe to call at any time (tests, shutdown). */
export async function flushKeyUsage(): Promise<void> {
  while (state.flushing) await state.flushing;
  if (!state.usage.size && !state.refusals.size && !state.rehash.size && !state.failures.size) return;
  const usage = [...state.usage.entries()];
  const refusals = [...state.refusals.entries()];
  const rehash = [...state.rehash.entries()];
  const failures = [...state.failures.values()];
  state.usage = new Map();
  state.refusals = new Map();
  state.rehash = new Map();
  state.failures = new Map();
  state.flushing = (async () => {
    // Each batch on its own: a failure puts it back for the next flush, so nothing is lost.
    const results = await Promise.allSettled([writeUsage(usage), writeRehash(rehash), writeFailures(failures), writeRefusals(refusals)]);
    if (results[0].status === "rejected") {
      for (const [id, u] of usage) {
        const now = state.usage.get(id);
        state.usage.set(id, now ? { count: now.count + u.count, lastUsedAt: Math.max(now.lastUsedAt, u.lastUsedAt), lastUsedIp: now.lastUsedAt >= u.lastUsedAt ? now.lastUsedIp : u.lastUsedIp } : u);
      }
    }
    if (results[1].status === "rejected") for (const [id, r] of rehash) if (!state.rehash.has(id)) state.rehash.set(id, r);
    if (results[3].status === "rejected") {
      for (const [id, r] of refusals) {
        const now = state.refusals.get(id);
        state.refusals.set(id, now ? { count: now.count + r.count, at: Math.max(now.at, r.at) } : r);
      }
    }
    if (results[2].status === "rejected") for (const f of failures) if (state.failures.size < MAX_PENDING_FAILURES) state.failures.set(`retry|${f.at}|${f.code}|${f.keyId ?? f.ip}`, f);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) {
      schedule(FAILURE_FLUSH_MS);
      throw failed.reason;
    }
  })();
  try {
    await state.flushing;
  } finally {
    state.flushing = undefined;
  }
}

export function stopKeyUsageTimer() {
  if (state.timer) clearTimeout(state.timer);
  state.timer = undefined;
}

/** Flushes, then closes the connection (shutdown). */
export async function closeKeyUsage() {
  stopKeyUsageTimer();
  await flushKeyUsage();
  const pool = state.pool;
  state.pool = undefined;
  await pool?.end();
}
