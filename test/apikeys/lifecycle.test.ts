// The API key lifecycle over real HTTP and PostgreSQL: expiry, malformed and
// unknown keys, revocation, rotation with its overlap window, the
// organization's key policy, audit of every change and refusal, last use.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApiKey, getApiKey, revokeApiKey, rotateApiKey, updateApiKeyPolicy } from "../../lib/apikeys/api-keys.ts";
import { authenticateApiKey, checkKey } from "../../lib/apikeys/authenticate-api-key.ts";
import { parseKey } from "../../lib/apikeys/key-format.ts";
import { hashSecret } from "../../lib/secrets/key-hashing.ts";
import { flushKeyUsage } from "../../lib/apikeys/key-usage.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Invalid, Unauthenticated } from "../../lib/errors.ts";
import { atTime, createTestOrg } from "../helpers.ts";
import { orgWithAdminKey, policyRequest, useMachineServer } from "./http.ts";

const { call } = useMachineServer();
const HOUR = 3_600_000;

const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v));
const secretOf = (key: string) => parseKey(key)!.secret;
/** A unique documentation-range address, so audit throttling (per address) never spans tests. */
const uniqueIp = () => `198.18.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

async function readerKey(owner: Awaited<ReturnType<typeof createTestOrg>>["owner"], extra: Record<string, unknown> = {}) {
  return createApiKey(owner, { name: "reader", permissions: ["apikeys:read"], ...extra });
}

describe("expiry", () => {
  it("refuses a key after its expiresAt over HTTP with 401 expired_api_key", async () => {
    const { owner } = await createTestOrg();
    const expiresAt = new Date(Date.now() + HOUR);
    const { key } = await readerKey(owner, { expiresAt });
    // Good until then (decided at an explicit moment, so a slow machine cannot make this flaky).
    expect(await checkKey(key, null, expiresAt.getTime() - 1)).toMatchObject({ ok: true });
    expect((await policyRequest(call, key)).status).toBe(200);
    const res = await atTime(expiresAt.getTime() + 1, () => policyRequest(call, key));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("expired_api_key");
  });

  it("decides expiry against the `now` it is given", async () => {
    const { owner } = await createTestOrg();
    const expiresAt = new Date(Date.now() + HOUR);
    const { key, apiKey } = await readerKey(owner, { expiresAt });
    expect(await checkKey(key, null, expiresAt.getTime() - 1)).toMatchObject({ ok: true });
    expect(await checkKey(key, null, expiresAt.getTime())).toMatchObject({ ok: false, code: "expired_api_key" });
    const error = await authenticateApiKey(key, expiresAt.getTime() + 1).catch((e) => e);
    expect(error).toBeInstanceOf(Unauthenticated);
    expect(error.code).toBe("expired_api_key");
    expect((await authenticateApiKey(key)).keyId).toBe(apiKey.id);
  });

  it("refuses to create a key that has already expired", async () => {
    const { owner } = await createTestOrg();
    const error = await readerKey(owner, { expiresAt: new Date(Date.now() - 1_000) }).catch((e) => e);
    expect(error).toBeInstanceOf(Invalid);
    expect(error.code).toBe("expires_in_past");
  });
});

describe("malformed, unknown and revoked keys", () => {
  it("answers 401 with missing_api_key, malformed_api_key and invalid_api_key", async () => {
    const { owner } = await createTestOrg();
    const { key } = await readerKey(owner);
    const code = async (k: string | null) => (await policyRequest(call, k)).body.error?.code;
    expect((await policyRequest(call, null)).status).toBe(401);
    expect(await code(null)).toBe("missing_api_key");
    for (const malformed of ["sk_live_123", "tg_live_", `tg_live_${"a".repeat(16)}_short`, `tg_live_${"A".repeat(16)}_${"a".repeat(43)}`, key + "x"]) {
      const res = await policyRequest(call, malformed);
      expect(res.status, malformed).toBe(401);
      expect(res.body.error.code, malformed).toBe("malformed_api_key");
    }
    // Well formed, but no such public id.
    expect(await code(`tg_live_${"q".repeat(16)}_${randomBytes(32).toString("base64url")}`)).toBe("invalid_api_key");
    // A known public id with the wrong secret.
    expect(await code(key.slice(0, -4) + (key.endsWith("AAAA") ? "BBBB" : "AAAA"))).toBe("invalid_api_key");
    expect((await checkKey("tg_live_nope", null)).ok).toBe(false);
    expect(await checkKey("tg_live_nope", null)).toMatchObject({ code: "malformed_api_key" });
  });

  it("refuses a revoked key at once with revoked_api_key", async () => {
    const { owner } = await createTestOrg();
    const { key, apiKey } = await readerKey(owner);
    expect((await policyRequest(call, key)).status).toBe(200); // remembered by the hot path before the revocation
    await revokeApiKey(owner, { apiKeyId: apiKey.id });
    const res = await policyRequest(call, key);
    expect(res).toMatchObject({ status: 401, body: { error: { code: "revoked_api_key" } } });
    expect(await checkKey(key, null)).toMatchObject({ ok: false, code: "revoked_api_key" });
    expect((await getApiKey(owner, apiKey.id)).status).toBe("revoked");
    const again = await revokeApiKey(owner, { apiKeyId: apiKey.id }).catch((e) => e);
    expect(again).toBeInstanceOf(Conflict);
    expect(again.code).toBe("api_key_revoked");
    const rotate = await rotateApiKey(owner, { apiKeyId: apiKey.id }).catch((e) => e);
    expect(rotate).toBeInstanceOf(Conflict);
    expect(rotate.code).toBe("api_key_revoked");
  });

  it("refuses the secret a rotation replaced, still in its overlap window, as revoked_api_key once the key is revoked", async () => {
    const { owner } = await createTestOrg();
    const { key: oldKey, apiKey } = await readerKey(owner);
    const { key: newKey } = await rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 24 });
    expect((await policyRequest(call, oldKey)).status).toBe(200);
    await revokeApiKey(owner, { apiKeyId: apiKey.id });
    expect((await policyRequest(call, newKey)).body.error.code).toBe("revoked_api_key");
    const res = await policyRequest(call, oldKey);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("revoked_api_key");
  });
});

describe("rotation", () => {
  it("keeps both secrets working during a 24 h overlap, and only the new one after it", async () => {
    const { owner } = await createTestOrg();
    const { key: oldKey, apiKey } = await readerKey(owner);
    expect((await policyRequest(call, oldKey)).status).toBe(200); // remembered by the hot path before the rotation
    const before = Date.now();
    const { key: newKey, apiKey: rotated } = await rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 24 });
    expect(newKey).not.toBe(oldKey);
    expect(parseKey(newKey)!.publicId).toBe(parseKey(oldKey)!.publicId);
    expect(rotated.id).toBe(apiKey.id);
    expect((await policyRequest(call, oldKey)).status).toBe(200);
    expect((await policyRequest(call, newKey)).status).toBe(200);
    const until = rotated.previousSecretValidUntil!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + 24 * HOUR);
    expect(until).toBeLessThanOrEqual(Date.now() + 24 * HOUR);

    expect(await checkKey(oldKey, null, until - 1)).toMatchObject({ ok: true });
    expect(await checkKey(oldKey, null, until)).toMatchObject({ ok: false, code: "rotated_api_key" });
    expect(await checkKey(oldKey, null, until + HOUR)).toMatchObject({ ok: false, code: "rotated_api_key" });
    expect(await checkKey(newKey, null, until + HOUR)).toMatchObject({ ok: true });
    const error = await authenticateApiKey(oldKey, until + 1).catch((e) => e);
    expect(error.code).toBe("rotated_api_key");
  });

  it("stops the old secret at once with overlapHours 0 (rotated_api_key)", async () => {
    const { owner } = await createTestOrg();
    const { key: oldKey, apiKey } = await readerKey(owner);
    expect((await policyRequest(call, oldKey)).status).toBe(200);
    const { key: newKey, apiKey: rotated } = await rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 0 });
    expect(rotated.previousSecretValidUntil).toBeNull();
    expect((await policyRequest(call, newKey)).status).toBe(200);
    const res = await policyRequest(call, oldKey);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("rotated_api_key");
  });

  it("shows the new display form and stores neither secret, only their HMACs", async () => {
    const { owner } = await createTestOrg();
    const { key: oldKey, apiKey } = await readerKey(owner);
    const { key: newKey, apiKey: rotated } = await rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 1 });
    const publicId = parseKey(newKey)!.publicId;
    expect(rotated.display).toBe(`tg_live_${publicId}_…${newKey.slice(-4)}`);
    expect(rotated.lastFour).toBe(newKey.slice(-4));
    expect((await getApiKey(owner, apiKey.id)).display).toBe(rotated.display);
    expect(rotated.rotatedAt).toBeInstanceOf(Date);

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    const stored = json(row);
    for (const secret of [secretOf(oldKey), secretOf(newKey)]) expect(stored).not.toContain(secret);
    expect(row.secretHash).toBe(hashSecret(secretOf(newKey)));
    expect(row.previousSecretHash).toBe(hashSecret(secretOf(oldKey)));
    // Nothing handed back by the domain or the audit log carries a secret either.
    const events = await db.auditEvent.findMany({ where: { targetId: apiKey.id } });
    for (const secret of [secretOf(oldKey), secretOf(newKey)]) {
      expect(json(rotated)).not.toContain(secret);
      expect(json(events)).not.toContain(secret);
    }
  });

  it("refuses to rotate an expired key", async () => {
    const { owner } = await createTestOrg();
    const expiresAt = new Date(Date.now() + HOUR);
    const { apiKey } = await readerKey(owner, { expiresAt });
    const error = await rotateApiKey(owner, { apiKeyId: apiKey.id }, expiresAt).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error.code).toBe("api_key_expired");
  });
});

describe("organization key policy", () => {
  it("requireExpiry refuses a key without expiresAt with 400 expiry_required", async () => {
    const { adminKey, org } = await orgWithAdminKey();
    const put = await call("PUT", "/api/v1/api-key-policy", { key: adminKey, body: { requireExpiry: true } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ requireExpiry: true, maxLifetimeDays: null, rateLimitPerSecond: null, rateLimitPerDay: null });
    expect((await call("GET", "/api/v1/api-key-policy", { key: adminKey })).body.requireExpiry).toBe(true);

    const refused = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "forever", permissions: ["apikeys:read"] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("expiry_required");
    expect(refused.body.error.message).toMatch(/^expiresAt: /);
    const ok = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "dated", permissions: ["apikeys:read"], expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString() } });
    expect(ok.status).toBe(201);
    expect(await db.apiKey.count({ where: { orgId: org.id } })).toBe(2);
  });

  it("maxLifetimeDays refuses an expiry too far away (expiry_too_far) and a missing one", async () => {
    const { adminKey } = await orgWithAdminKey();
    expect((await call("PUT", "/api/v1/api-key-policy", { key: adminKey, body: { requireExpiry: false, maxLifetimeDays: 30 } })).status).toBe(200);
    const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
    const tooFar = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "long", permissions: ["apikeys:read"], expiresAt: days(31) } });
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.error.code).toBe("expiry_too_far");
    const missing = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "none", permissions: ["apikeys:read"] } });
    expect(missing.body.error.code).toBe("expiry_required");
    const within = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "ok", permissions: ["apikeys:read"], expiresAt: days(29) } });
    expect(within.status).toBe(201);
    const bad = await call("PUT", "/api/v1/api-key-policy", { key: adminKey, body: { requireExpiry: false, maxLifetimeDays: 0 } });
    expect(bad.status).toBe(400);
  });

  it("needs organization:update to change the policy", async () => {
    const { owner } = await createTestOrg();
    const { key } = await createApiKey(owner, { name: "keys only", permissions: ["apikeys:read", "apikeys:write"] });
    const res = await call("PUT", "/api/v1/api-key-policy", { key, body: { requireExpiry: true } });
    expect(res.status).toBe(403);
  });
});

describe("audit", () => {
  it("records create, rotate, revoke and policy changes", async () => {
    const { owner, org } = await createTestOrg();
    const { apiKey, key } = await readerKey(owner);
    const rotated = await rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 2 });
    await revokeApiKey(owner, { apiKeyId: apiKey.id });
    await updateApiKeyPolicy(owner, { requireExpiry: true, maxLifetimeDays: 90, rateLimitPerDay: 1000 });

    const events = await db.auditEvent.findMany({ where: { orgId: org.id, action: { startsWith: "apikey." } }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["apikey.created", "apikey.rotated", "apikey.revoked", "apikey.policy_updated"]);
    const [created, rotatedEvent, revoked, policy] = events;
    for (const e of [created!, rotatedEvent!, revoked!]) expect(e).toMatchObject({ targetType: "api_key", targetId: apiKey.id, actorId: owner.principal.userId });
    expect(created!.after).toMatchObject({ name: "reader", display: apiKey.display, permissions: ["apikeys:read"], ipAllowList: [] });
    expect(rotatedEvent!.before).toEqual({ display: apiKey.display });
    expect(rotatedEvent!.after).toMatchObject({ display: rotated.apiKey.display, overlapHours: 2 });
    expect(revoked!.before).toMatchObject({ name: "reader", display: rotated.apiKey.display });
    expect(policy).toMatchObject({ targetType: "organization", targetId: org.id });
    expect(policy!.before).toEqual({ requireExpiry: false, maxLifetimeDays: null, rateLimitPerSecond: null, rateLimitPerDay: null });
    expect(policy!.after).toEqual({ requireExpiry: true, maxLifetimeDays: 90, rateLimitPerSecond: null, rateLimitPerDay: 1000 });
    for (const secret of [secretOf(key), secretOf(rotated.key)]) expect(json(events)).not.toContain(secret);
  });

  it("audits refused attempts as apikey.refused with the reason, never the secret", async () => {
    const { owner, org } = await createTestOrg();
    const { key: revokedKey, apiKey: revoked } = await readerKey(owner);
    await revokeApiKey(owner, { apiKeyId: revoked.id });
    const { key: good, apiKey: goodRow } = await readerKey(owner);
    const wrongSecret = good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
    const unknown = `tg_live_${"z".repeat(8)}${randomBytes(4).toString("hex")}_${randomBytes(32).toString("base64url")}`;
    const ip = uniqueIp();
    for (let i = 0; i < 3; i++) expect((await policyRequest(call, revokedKey, ip)).status).toBe(401);
    expect((await policyRequest(call, wrongSecret, ip)).body.error.code).toBe("invalid_api_key");
    expect((await policyRequest(call, unknown, ip)).body.error.code).toBe("invalid_api_key");
    expect((await policyRequest(call, "tg_live_garbage", ip)).body.error.code).toBe("malformed_api_key");
    expect((await policyRequest(call, null, ip)).body.error.code).toBe("missing_api_key");
    await flushKeyUsage();

    const events = await db.auditEvent.findMany({ where: { action: "apikey.refused", ip } });
    const byReason = (reason: string) => events.filter((e) => (e.after as { reason?: string }).reason === reason);
    // Repeats of one (key, reason) are folded into one event.
    expect(byReason("revoked_api_key")).toHaveLength(1);
    const rev = byReason("revoked_api_key")[0]!;
    expect(rev).toMatchObject({ orgId: org.id, targetType: "api_key", targetId: revoked.id, actorId: null, actorEmail: `API key ${revoked.display}` });
    expect(rev.after).toMatchObject({ reason: "revoked_api_key", via: "api", key: revoked.display });
    expect((rev.after as { attempts: number }).attempts).toBeGreaterThanOrEqual(1);
    const invalid = byReason("invalid_api_key");
    expect(invalid.map((e) => e.targetId).sort()).toEqual([goodRow.id, null].sort());
    expect(invalid.find((e) => e.targetId === goodRow.id)!.orgId).toBe(org.id);
    expect(invalid.find((e) => e.targetId === null)!.after).toMatchObject({ key: `tg_live_${parseKey(unknown)!.publicId}_…` });
    expect(byReason("malformed_api_key")).toHaveLength(1);
    expect(byReason("missing_api_key")).toHaveLength(0);
    const stored = json(events);
    for (const secret of [secretOf(revokedKey), secretOf(wrongSecret), secretOf(unknown), secretOf(good)]) expect(stored).not.toContain(secret);
  });
});

describe("last use", () => {
  it("writes requestCount, lastUsedAt and lastUsedIp in a batch", async () => {
    const { owner } = await createTestOrg();
    const { key, apiKey } = await readerKey(owner);
    const { apiKey: idle } = await readerKey(owner);
    const started = Date.now();
    await policyRequest(call, key, "203.0.113.10");
    await policyRequest(call, key, "203.0.113.11");
    await policyRequest(call, key, "203.0.113.12");
    await flushKeyUsage();
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(Number(row.requestCount)).toBe(3);
    expect(row.lastUsedIp).toBe("203.0.113.12");
    expect(row.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(started - 5);
    expect(row.lastUsedAt!.getTime()).toBeLessThanOrEqual(Date.now());
    const view = await getApiKey(owner, apiKey.id);
    expect(view).toMatchObject({ requestCount: 3, lastUsedIp: "203.0.113.12" });
    const untouched = await db.apiKey.findUniqueOrThrow({ where: { id: idle.id } });
    expect(untouched).toMatchObject({ lastUsedAt: null, lastUsedIp: null });
    expect(Number(untouched.requestCount)).toBe(0);
    // Refused requests are not counted as use.
    await revokeApiKey(owner, { apiKeyId: apiKey.id });
    await policyRequest(call, key, "203.0.113.13");
    await flushKeyUsage();
    expect(Number((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).requestCount)).toBe(3);
  });
});
