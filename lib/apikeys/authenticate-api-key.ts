// Bearer API key -> the key's principal, served from the organization's
// index (revocation and rotation reload it in every process through
// authzTransaction's NOTIFY). Unknown public ids are cached as misses briefly,
// so floods of bad keys do not reach the database. Every refusal carries a
// reason code and is audited (in batches, without the secret).
import { metrics } from "../observability/metrics.ts";
import { sql, sqlRows } from "../db/sql.ts";
import { RateLimited, Unauthenticated } from "../errors.ts";
import { freshOrgIndex, getOrgIndex, onAuthzChange } from "../authz/org-index-cache.ts";
import { ipInRanges } from "../authz/cidr.ts";
import { indexApiKey, type IndexedApiKey, type OrgIndex } from "../authz/org-index.ts";
import type { RequestMeta } from "../context.ts";
import { KEY_PREFIX, parseKey } from "./key-format.ts";
import { rehashOf, storedHashMatches } from "../secrets/key-hashing.ts";
import { recordKeyFailure, recordKeyRehash, recordKeyUse, type Rehash } from "./key-usage.ts";
import { counterStore } from "./rate-limit.ts";

const MISS_TTL_MS = 1_000;
const VERIFIED_CACHE_SIZE = 100_000;

// `verified` remembers which full key strings matched which index entry (and
// whether through the secret a rotation replaced), so a repeat request skips
// the HMAC; a reloaded index has new entries, so any change to the key forces
// a fresh comparison.
type Verified = { entry: IndexedApiKey; previous: boolean };
type State = {
  orgOf: Map<string, string>;
  misses: Map<string, number>;
  verified: Map<string, Verified>;
  /** Public ids being looked up: concurrent requests with one new key share one query. */
  lookups: Map<string, Promise<string | null>>;
  /** Indexes whose keys are already in orgOf. */
  /** The key maps already learned (a small change to an index keeps its key maps). */
  learned: WeakSet<object>;
  subscribed: boolean;
};
const state: State = ((globalThis as { __tollgateKeyLookup?: State }).__tollgateKeyLookup ??= {
  orgOf: new Map(),
  misses: new Map(),
  verified: new Map(),
  lookups: new Map(),
  learned: new WeakSet(),
  subscribed: false,
});
state.lookups ??= new Map();
state.learned ??= new WeakSet();
if (!state.subscribed) {
  state.subscribed = true;
  onAuthzChange(() => state.misses.clear());
}

export type ApiKeyPrincipal = { type: "api_key"; keyId: string; orgId: string; projectId: string | null; authz: OrgIndex };
/** An instance-admin key: belongs to no organization, may act in any (provisioning). */
/** An instance-level key: an instance admin's (provisioning, `admin`), or one holding only the instance permissions listed (usage ingest). */
export type InstanceKeyPrincipal = { type: "instance_key"; keyId: string; name: string; display: string; admin: boolean; permissions: readonly string[] };

export const KEY_FAILURES = {
  missing_api_key: "Send an API key as `Authorization: Bearer <key>`.",
  malformed_api_key: "This is not a Tollgate API key.",
  invalid_api_key: "This API key is not valid.",
  rotated_api_key: "This API key was rotated and its old secret no longer works; use the new one.",
  revoked_api_key: "This API key was revoked.",
  expired_api_key: "This API key has expired.",
  ip_not_allowed: "This API key may not be used from this IP address.",
  rate_limited: "This API key has made too many requests.",
} as const;
export type KeyFailureCode = keyof typeof KEY_FAILURES;

export type KeyCheck =
  { ok: true; entry: IndexedApiKey; index: OrgIndex } | { ok: false; code: KeyFailureCode; entry?: IndexedApiKey; index?: OrgIndex; publicId?: string; retryAfterSeconds?: number };

export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

function orgOfPublicId(publicId: string): string | null | Promise<string | null> {
  const known = state.orgOf.get(publicId);
  if (known) return known;
  const missedAt = state.misses.get(publicId);
  if (missedAt && Date.now() - missedAt < MISS_TTL_MS) return null;
  let lookup = state.lookups.get(publicId);
  if (!lookup) {
    lookup = sqlRows<{ orgId: string | null }>(sql`SELECT "orgId" FROM "ApiKey" WHERE "publicId" = ${publicId}`)
      .then(([row]) => {
        if (!row || !row.orgId) {
          if (state.misses.size > 100_000) state.misses.clear();
          state.misses.set(publicId, Date.now());
          return null;
        }
        state.orgOf.set(publicId, row.orgId); // a key never changes organization
        return row.orgId;
      })
      .finally(() => state.lookups.delete(publicId));
    state.lookups.set(publicId, lookup);
  }
  return lookup;
}

/** An organization's index lists all its keys: learn them all, so its other keys need no lookup. */
async function indexOf(orgId: string): Promise<OrgIndex> {
  const index = await getOrgIndex(orgId);
  if (!state.learned.has(index.apiKeysByPublicId)) {
    state.learned.add(index.apiKeysByPublicId);
    for (const publicId of index.apiKeysByPublicId.keys()) state.orgOf.set(publicId, orgId);
  }
  return index;
}

/** Why a key whose secret matched may not be used now from this address (the rate limit aside); null when it may. */
function refusalOf(entry: IndexedApiKey, previous: boolean, ip: string | null, now: number): KeyFailureCode | null {
  if (entry.revoked) return "revoked_api_key";
  if (entry.expiresAtMs !== null && now >= entry.expiresAtMs) return "expired_api_key";
  if (previous && (entry.previousExpiresAtMs === null || now >= entry.previousExpiresAtMs)) return "rotated_api_key";
  if (entry.ipRanges && !ipInRanges(ip, entry.ipRanges)) return "ip_not_allowed";
  return null;
}

function statusOf(entry: IndexedApiKey, index: OrgIndex, previous: boolean, ip: string | null, now: number): KeyCheck {
  const code = refusalOf(entry, previous, ip, now);
  return code ? { ok: false, code, entry, index } : { ok: true, entry, index };
}

/**
 * Which of the key's secrets this is: its current one, the one its last
 * rotation replaced, or neither (null). A match on a hash made with an older
 * hashing secret queues its re-hashing with the current one.
 */
function matchSecret(entry: IndexedApiKey, secret: string): keyof Rehash | null {
  let which: keyof Rehash = "secret";
  let stored = entry.secretHash;
  if (!storedHashMatches(secret, stored)) {
    if (!entry.previousSecretHash || !storedHashMatches(secret, entry.previousSecretHash)) return null;
    which = "previous";
    stored = entry.previousSecretHash;
  }
  const rehashed = rehashOf(stored, secret);
  if (rehashed) recordKeyRehash(entry.id, which, stored.text, rehashed);
  return which;
}

function match(publicId: string, secret: string, token: string, index: OrgIndex | null | undefined, ip: string | null, now: number): KeyCheck {
  const entry = index?.apiKeysByPublicId.get(publicId);
  if (!index || !entry) return { ok: false, code: "invalid_api_key", publicId };
  const which = matchSecret(entry, secret);
  if (!which) return { ok: false, code: "invalid_api_key", entry, index };
  const previous = which === "previous";
  if (state.verified.size >= VERIFIED_CACHE_SIZE) state.verified.clear();
  state.verified.set(token, { entry, previous });
  return statusOf(entry, index, previous, ip, now);
}

/**
 * The key's standing from the in-memory indexes, without a single await: a
 * KeyCheck, or null when the key's organization is not cached yet.
 */
export function checkKeyCached(token: string | null, ip: string | null, now = Date.now()): KeyCheck | null {
  if (!token) return { ok: false, code: "missing_api_key" };
  const remembered = state.verified.get(token);
  if (remembered) {
    const orgId = state.orgOf.get(remembered.entry.publicId);
    const index = orgId ? freshOrgIndex(orgId, now) : undefined;
    if (index && index.apiKeysByPublicId.get(remembered.entry.publicId) === remembered.entry) return statusOf(remembered.entry, index, remembered.previous, ip, now);
  }
  const parsed = parseKey(token);
  if (!parsed) return { ok: false, code: "malformed_api_key" };
  const orgId = state.orgOf.get(parsed.publicId);
  const index = orgId ? freshOrgIndex(orgId, now) : undefined;
  return index ? match(parsed.publicId, parsed.secret, token, index, ip, now) : null;
}

/** For a token checkKeyCached answered null for: loads the key's organization, then checks. */
export async function checkKeyAfterLoading(token: string, ip: string | null, now = Date.now()): Promise<KeyCheck> {
  const parsed = parseKey(token)!;
  const orgId = await orgOfPublicId(parsed.publicId);
  return match(parsed.publicId, parsed.secret, token, orgId ? await indexOf(orgId) : null, ip, now);
}

/** The key's standing, from memory when it can be, else after loading its organization. */
export async function checkKey(token: string | null, ip: string | null, now = Date.now()): Promise<KeyCheck> {
  return checkKeyCached(token, ip, now) ?? checkKeyAfterLoading(token!, ip, now);
}

/**
 * Counts a usable key's request against its rate limits (an await only when
 * it has limits) and records its use; a refused one comes back as a failure.
 */
export function admitKey(check: KeyCheck & { ok: true }, ip: string | null, now = Date.now()): KeyCheck | Promise<KeyCheck> {
  const { entry } = check;
  if (entry.rateLimitPerSecond === null && entry.rateLimitPerDay === null) {
    recordKeyUse(entry.id, ip, now);
    return check;
  }
  return counterStore()
    .hit(entry.id, { perSecond: entry.rateLimitPerSecond, perDay: entry.rateLimitPerDay }, now)
    .then((verdict): KeyCheck => {
      if (!verdict.allowed) return { ok: false, code: "rate_limited", entry, index: check.index, retryAfterSeconds: verdict.retryAfterSeconds };
      recordKeyUse(entry.id, ip, now);
      return check;
    });
}

/** Audits a refused key (batched and throttled); never with its secret. */
export function auditKeyFailure(check: KeyCheck & { ok: false }, meta: Pick<RequestMeta, "ip" | "userAgent">, via: "api" | "verify", orgId = check.index?.orgId ?? null) {
  metrics().keyRefusals.labels(check.code, via).inc();
  if (check.code === "missing_api_key") return;
  const publicId = check.entry?.publicId ?? check.publicId;
  recordKeyFailure({
    code: check.code,
    orgId,
    keyId: check.entry?.id ?? null,
    display: check.entry?.display ?? (publicId ? `${KEY_PREFIX}${publicId}_…` : null),
    ip: meta.ip,
    userAgent: meta.userAgent,
    via,
  });
}

export function failureError(check: KeyCheck & { ok: false }) {
  const message = KEY_FAILURES[check.code];
  return check.code === "rate_limited" ? new RateLimited("rate_limited", message, check.retryAfterSeconds ?? 1) : new Unauthenticated(check.code, message);
}

function principalOf(check: KeyCheck & { ok: true }): ApiKeyPrincipal {
  return { type: "api_key", keyId: check.entry.id, orgId: check.index.orgId, projectId: check.entry.projectId, authz: check.index };
}

function settle(check: KeyCheck, meta: Pick<RequestMeta, "ip" | "userAgent">): ApiKeyPrincipal {
  if (check.ok) return principalOf(check);
  auditKeyFailure(check, meta, "api");
  throw failureError(check);
}

/**
 * The one authentication of an API request by an organization's key: checks,
 * rate limit, usage. Returns without awaiting when nothing needs the
 * database (the hot path); throws Unauthenticated or RateLimited.
 */
export function authenticateRequest(token: string | null, meta: Pick<RequestMeta, "ip" | "userAgent">, now = Date.now()): ApiKeyPrincipal | Promise<ApiKeyPrincipal> {
  return authenticateCachedRequest(token, meta, now) ?? checkKeyAfterLoading(token!, meta.ip, now).then(async (check) => settle(check.ok ? await admitKey(check, meta.ip, now) : check, meta));
}

/** authenticateRequest when the key's organization is in memory; null when it is not (or the key is not an organization's). */
export function authenticateCachedRequest(token: string | null, meta: Pick<RequestMeta, "ip" | "userAgent">, now = Date.now()): ApiKeyPrincipal | Promise<ApiKeyPrincipal> | null {
  const cached = checkKeyCached(token, meta.ip, now);
  if (!cached) return null;
  if (!cached.ok) return settle(cached, meta);
  const admitted = admitKey(cached, meta.ip, now);
  return admitted instanceof Promise ? admitted.then((c) => settle(c, meta)) : settle(admitted, meta);
}

/** Verifies a full key string without meta (tests and tools); throws with a reason code. */
export async function authenticateApiKey(key: string | null, now = Date.now(), ip: string | null = null): Promise<ApiKeyPrincipal> {
  const check = await checkKey(key, ip, now);
  if (!check.ok) throw failureError(check);
  return principalOf(check);
}

const INSTANCE_KEY_PERMISSIONS: ReadonlySet<string> = new Set();

/**
 * Any key: an organization's key, or an instance-admin key. Instance keys are
 * rare and used for provisioning, so they are read from the database on each
 * request (revocation and rotation are immediate), and checked like
 * organization keys: secret (or the rotated one in its overlap window),
 * expiry, IP allow list, then rate limits. Their refusals are audited at
 * instance level (no organization).
 */
type InstanceKeyRow = {
  id: string;
  name: string;
  lastFour: string;
  publicId: string;
  secretHash: string;
  isInstanceAdmin: boolean;
  permissions: string[];
  orgId: string | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  ipAllowList: string[];
  rateLimitPerSecond: number | null;
  rateLimitPerDay: number | null;
  previousSecretHash: string | null;
  previousSecretExpiresAt: Date | null;
};

export async function authenticateAnyKey(token: string | null, meta: Pick<RequestMeta, "ip" | "userAgent">, now = Date.now()): Promise<ApiKeyPrincipal | InstanceKeyPrincipal> {
  const parsed = token ? parseKey(token) : null;
  if (!parsed || (await orgOfPublicId(parsed.publicId))) return authenticateRequest(token, meta, now);
  const [row] = await sqlRows<InstanceKeyRow>(sql`
    SELECT "id", "name", "lastFour", "publicId", "secretHash", "isInstanceAdmin", "permissions", "orgId", "revokedAt", "expiresAt", COALESCE("ipAllowList", '{}') AS "ipAllowList",
           "rateLimitPerSecond", "rateLimitPerDay", "previousSecretHash", "previousSecretExpiresAt"
    FROM "ApiKey" WHERE "publicId" = ${parsed.publicId}`);
  const entry =
    row && !row.orgId && (row.isInstanceAdmin || row.permissions.length > 0) ? indexApiKey({ ...row, projectId: null, roleId: null, permissions: [] }, INSTANCE_KEY_PERMISSIONS) : undefined;
  const fail = (code: KeyFailureCode, retryAfterSeconds?: number) => {
    const check = { ok: false as const, code, entry, publicId: parsed.publicId, retryAfterSeconds };
    auditKeyFailure(check, meta, "api", null);
    return failureError(check);
  };
  if (!entry) throw fail("invalid_api_key");
  const which = matchSecret(entry, parsed.secret);
  if (!which) throw fail("invalid_api_key");
  const refusal = refusalOf(entry, which === "previous", meta.ip, now);
  if (refusal) throw fail(refusal);
  if (entry.rateLimitPerSecond !== null || entry.rateLimitPerDay !== null) {
    const verdict = await counterStore().hit(entry.id, { perSecond: entry.rateLimitPerSecond, perDay: entry.rateLimitPerDay }, now);
    if (!verdict.allowed) throw fail("rate_limited", verdict.retryAfterSeconds);
  }
  recordKeyUse(entry.id, meta.ip, now);
  return { type: "instance_key", keyId: entry.id, name: entry.name, display: entry.display, admin: row!.isInstanceAdmin, permissions: row!.isInstanceAdmin ? [] : row!.permissions };
}
