// Instance-admin (provisioning) keys get what organization keys have:
// expiry shown with a status, rotation with an overlap window, an IP allow
// list and rate limits enforced on every use, the same refusal codes and
// audits, all for instance admins only, and no reach into any organization's keys.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { createInstanceKey, listInstanceKeys, revokeInstanceKey, rotateInstanceKey } from "../../lib/admin/instance-keys.ts";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from "../../lib/apikeys/api-keys.ts";
import { authenticateAnyKey } from "../../lib/apikeys/authenticate-api-key.ts";
import { flushKeyUsage } from "../../lib/apikeys/key-usage.ts";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, NotFound } from "../../lib/errors.ts";
import { createTestOrg, createUser } from "../helpers.ts";
import { policyRequest, useMachineServer } from "../apikeys/http.ts";

const { call } = useMachineServer();
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A cheap provisioning request: find users by an email nobody has. */
const provisioningRequest = (key: string, ip?: string) => call("GET", "/api/v1/users?email=nobody%40example.test", { key, ip });
/** An instance key acts in the organization this header names. */
const inOrg = (slug: string) => ({ "tollgate-organization": slug });
/** A unique test-range address, so audit throttling (per address) never spans tests. */
const uniqueIp = () => `198.18.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

async function instanceAdmin() {
  return createUser({ isInstanceAdmin: true });
}

async function viewOf(admin: Awaited<ReturnType<typeof instanceAdmin>>, id: string) {
  return (await listInstanceKeys(admin)).find((k) => k.id === id)!;
}

describe("instance key expiry", () => {
  it("lists expiry with a status (active, expiring soon, expired, revoked) and last use", async () => {
    const admin = await instanceAdmin();
    const forever = await createInstanceKey(admin, { name: "forever" });
    const soon = await createInstanceKey(admin, { name: "soon", expiresAt: new Date(Date.now() + 2 * DAY) });
    const later = await createInstanceKey(admin, { name: "later", expiresAt: new Date(Date.now() + 60 * DAY) });
    expect(await viewOf(admin, forever.apiKey.id)).toMatchObject({ status: "active", expiresAt: null, lastUsedAt: null });
    expect(await viewOf(admin, soon.apiKey.id)).toMatchObject({ status: "expiring", expiresAt: soon.apiKey.expiresAt });
    expect((await viewOf(admin, later.apiKey.id)).status).toBe("active");

    const ip = uniqueIp();
    expect((await provisioningRequest(forever.key, ip)).status).toBe(200);
    await flushKeyUsage();
    expect(await viewOf(admin, forever.apiKey.id)).toMatchObject({ lastUsedIp: ip, requestCount: 1 });
    expect((await viewOf(admin, forever.apiKey.id)).lastUsedAt).toBeInstanceOf(Date);

    await db.apiKey.update({ where: { id: soon.apiKey.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect((await viewOf(admin, soon.apiKey.id)).status).toBe("expired");
    const refused = await provisioningRequest(soon.key);
    expect(refused).toMatchObject({ status: 401, body: { error: { code: "expired_api_key" } } });

    await revokeInstanceKey(admin, later.apiKey.id);
    expect((await viewOf(admin, later.apiKey.id)).status).toBe("revoked");
  });

  it("refuses an expiry in the past", async () => {
    const error = await createInstanceKey(await instanceAdmin(), { name: "past", expiresAt: new Date(Date.now() - HOUR) }).catch((e) => e);
    expect(error.code).toBe("expires_in_past");
  });
});

describe("instance key rotation", () => {
  it("gives a new secret; the old one works for the overlap window, then is refused as rotated_api_key", async () => {
    const admin = await instanceAdmin();
    const { key: oldKey, apiKey } = await createInstanceKey(admin, { name: "rotating" });
    const before = Date.now();
    const { key: newKey, apiKey: rotated } = await rotateInstanceKey(admin, { apiKeyId: apiKey.id, overlapHours: 2 });
    expect(newKey).not.toBe(oldKey);
    expect(newKey.slice(0, 24)).toBe(oldKey.slice(0, 24)); // the same key: its public id stays
    expect(rotated.previousSecretValidUntil!.getTime()).toBeGreaterThanOrEqual(before + 2 * HOUR);
    expect((await provisioningRequest(newKey)).status).toBe(200);
    expect((await provisioningRequest(oldKey)).status).toBe(200);

    const meta = { ip: null, userAgent: "vitest" };
    const after = rotated.previousSecretValidUntil!.getTime() + 1;
    await expect(authenticateAnyKey(oldKey, meta, after)).rejects.toMatchObject({ code: "rotated_api_key" });
    await expect(authenticateAnyKey(newKey, meta, after)).resolves.toMatchObject({ type: "instance_key", keyId: apiKey.id });

    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "apikey.rotated", targetId: apiKey.id } });
    expect(event).toMatchObject({ orgId: null, actorId: admin.principal.userId, after: { overlapHours: 2, display: rotated.display } });
  });

  it("with overlapHours 0 refuses the old secret at once with 401 rotated_api_key", async () => {
    const admin = await instanceAdmin();
    const { key: oldKey, apiKey } = await createInstanceKey(admin, { name: "rotate now" });
    const { key: newKey, apiKey: rotated } = await rotateInstanceKey(admin, { apiKeyId: apiKey.id, overlapHours: 0 });
    expect(rotated.previousSecretValidUntil).toBeNull();
    expect((await provisioningRequest(newKey)).status).toBe(200);
    expect(await provisioningRequest(oldKey)).toMatchObject({ status: 401, body: { error: { code: "rotated_api_key" } } });
  });

  it("refuses revoked and expired keys, non-admins, and bad input", async () => {
    const admin = await instanceAdmin();
    const revoked = await createInstanceKey(admin, { name: "revoked" });
    await revokeInstanceKey(admin, revoked.apiKey.id);
    await expect(rotateInstanceKey(admin, { apiKeyId: revoked.apiKey.id })).rejects.toBeInstanceOf(Conflict);
    const expired = await createInstanceKey(admin, { name: "expired", expiresAt: new Date(Date.now() + HOUR) });
    await db.apiKey.update({ where: { id: expired.apiKey.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    await expect(rotateInstanceKey(admin, { apiKeyId: expired.apiKey.id })).rejects.toMatchObject({ code: "api_key_expired" });
    const live = await createInstanceKey(admin, { name: "live" });
    await expect(rotateInstanceKey(await createUser(), { apiKeyId: live.apiKey.id })).rejects.toBeInstanceOf(Forbidden);
    await expect(rotateInstanceKey(admin, { apiKeyId: live.apiKey.id, overlapHours: 721 })).rejects.toBeInstanceOf(ZodError);
    // Nothing changed: the original secret still works alone.
    expect((await provisioningRequest(live.key)).status).toBe(200);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: live.apiKey.id } })).rotatedAt).toBeNull();
  });
});

describe("instance key IP allow list", () => {
  it("allows listed addresses and refuses others with 401 ip_not_allowed, audited at instance level", async () => {
    const admin = await instanceAdmin();
    const { key, apiKey } = await createInstanceKey(admin, { name: "from the back end", ipAllowList: ["198.51.100.0/24", "2001:db8::/32"] });
    expect((await provisioningRequest(key, "198.51.100.7")).status).toBe(200);
    expect((await provisioningRequest(key, "2001:db8::5")).status).toBe(200);
    const ip = "203.0.113.77";
    expect(await provisioningRequest(key, ip)).toMatchObject({ status: 401, body: { error: { code: "ip_not_allowed" } } });
    expect(apiKey.ipAllowList).toEqual(["198.51.100.0/24", "2001:db8::/32"]);
    await flushKeyUsage();
    const refusal = await db.auditEvent.findFirstOrThrow({ where: { action: "apikey.refused", targetId: apiKey.id, ip } });
    expect(refusal).toMatchObject({ orgId: null, after: { reason: "ip_not_allowed", key: apiKey.display } });
    const created = await db.auditEvent.findFirstOrThrow({ where: { action: "apikey.created", targetId: apiKey.id } });
    expect(created.after).toMatchObject({ instanceAdmin: true, ipAllowList: ["198.51.100.0/24", "2001:db8::/32"], rateLimitPerSecond: null, rateLimitPerDay: null });
  });

  it("refuses a bad range and creates nothing", async () => {
    const admin = await instanceAdmin();
    const name = `bad range ${randomBytes(4).toString("hex")}`;
    await expect(createInstanceKey(admin, { name, ipAllowList: ["300.1.1.1/8"] })).rejects.toBeInstanceOf(ZodError);
    expect(await db.apiKey.count({ where: { name } })).toBe(0);
  });
});

describe("instance key rate limits", () => {
  it("answers 429 rate_limited with Retry-After over HTTP, for provisioning and in an organization alike; other keys untouched", async () => {
    const admin = await instanceAdmin();
    const { key, apiKey } = await createInstanceKey(admin, { name: "limited", rateLimitPerDay: 2 });
    const { owner, org } = await createTestOrg({ slugPrefix: "tenant" });
    const orgKey = await createApiKey(owner, { name: "tenant key", permissions: ["apikeys:read"], rateLimitPerDay: 2 });
    const other = await createInstanceKey(admin, { name: "unlimited" });

    expect((await provisioningRequest(key)).status).toBe(200);
    expect((await call("GET", "/api/v1/api-key-policy", { key, headers: inOrg(org.slug) })).status).toBe(200);
    const midnight = Math.floor(Date.now() / DAY) * DAY + DAY;
    const before = Date.now();
    const limited = await provisioningRequest(key);
    expect(limited).toMatchObject({ status: 429, body: { error: { code: "rate_limited" } } });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((midnight - before) / 1000));
    expect((await call("GET", "/api/v1/api-key-policy", { key, headers: inOrg(org.slug) })).status).toBe(429);
    expect(apiKey.rateLimitPerDay).toBe(2);

    // The tenant's own key and another instance key keep their own allowances.
    expect((await policyRequest(call, orgKey.key)).status).toBe(200);
    expect((await policyRequest(call, orgKey.key)).status).toBe(200);
    expect((await provisioningRequest(other.key)).status).toBe(200);
    // Refusals are not use, and are audited outside the organization the key acted in.
    await flushKeyUsage();
    expect((await viewOf(admin, apiKey.id)).requestCount).toBe(2);
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "apikey.refused" } })).toBe(0);
    expect(await db.auditEvent.count({ where: { orgId: null, action: "apikey.refused", targetId: apiKey.id } })).toBeGreaterThan(0);
  });
});

describe("instance keys and organizations", () => {
  it("are managed by instance admins only, and never through or into an organization's keys", async () => {
    const admin = await instanceAdmin();
    const { owner } = await createTestOrg();
    const instance = await createInstanceKey(admin, { name: "provisioning" });
    const orgKey = await createApiKey(owner, { name: "tenant key", permissions: ["apikeys:read"] });

    await expect(listInstanceKeys(await createUser())).rejects.toBeInstanceOf(Forbidden);
    await expect(createInstanceKey(await createUser(), { name: "nope" })).rejects.toBeInstanceOf(Forbidden);
    await expect(revokeInstanceKey(await createUser(), instance.apiKey.id)).rejects.toBeInstanceOf(Forbidden);
    // An organization cannot see, rotate or revoke an instance key...
    expect((await listApiKeys(owner)).map((k) => k.id)).not.toContain(instance.apiKey.id);
    await expect(rotateApiKey(owner, { apiKeyId: instance.apiKey.id })).rejects.toBeInstanceOf(NotFound);
    await expect(revokeApiKey(owner, { apiKeyId: instance.apiKey.id })).rejects.toBeInstanceOf(NotFound);
    // ...and the instance-key functions do not reach organization keys.
    await expect(rotateInstanceKey(admin, { apiKeyId: orgKey.apiKey.id })).rejects.toBeInstanceOf(NotFound);
    await expect(revokeInstanceKey(admin, orgKey.apiKey.id)).rejects.toBeInstanceOf(NotFound);
    expect((await listInstanceKeys(admin)).map((k) => k.id)).not.toContain(orgKey.apiKey.id);
    expect((await policyRequest(call, orgKey.key)).status).toBe(200);
    expect((await provisioningRequest(instance.key)).status).toBe(200);
  });
});
