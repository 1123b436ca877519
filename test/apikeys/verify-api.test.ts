// POST /api/v1/keys/verify over real HTTP: the customer's services ask whether
// a key presented to them is good. Needs apikeys:verify; answers with reason
// codes; never says anything about another organization's keys.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "../../lib/apikeys/api-keys.ts";
import { flushKeyUsage } from "../../lib/apikeys/key-usage.ts";
import { db } from "../../lib/db.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { atTime, builtInRole, createTestOrg, meta } from "../helpers.ts";
import { useMachineServer } from "./http.ts";

const { call } = useMachineServer();

const verify = (callerKey: string | null, body: unknown, ip?: string) => call("POST", "/api/v1/keys/verify", { key: callerKey, body, ip });

async function orgWithVerifier() {
  const t = await createTestOrg({ slugPrefix: "verify" });
  const { key: verifier, apiKey: verifierRow } = await createApiKey(t.owner, { name: "gateway", permissions: ["apikeys:verify"] });
  return { ...t, verifier, verifierRow };
}

const refused = (reason: string) => ({ valid: false, keyId: null, orgId: null, projectId: null, name: null, permissions: [], expiresAt: null, reason });

describe("POST /api/v1/keys/verify", () => {
  it("needs a caller key (401) with apikeys:verify (403)", async () => {
    const { owner } = await orgWithVerifier();
    const { key: other } = await createApiKey(owner, { name: "checker", permissions: ["authz:check", "apikeys:read"] });
    const missing = await verify(null, { key: other });
    expect(missing).toMatchObject({ status: 401, body: { error: { code: "missing_api_key" } } });
    const forbidden = await verify(other, { key: other });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe("forbidden");
    expect(forbidden.body.error.message).toContain("apikeys:verify");
  });

  it("answers a valid key with its id, organization, project, sorted permissions and expiry", async () => {
    const { owner: before, org, verifier } = await orgWithVerifier();
    const project = await createProject(before, { name: "Web", slug: "web" });
    // A ctx's index is a snapshot: the owner needs one that knows the project.
    const owner = await resolveOrgContext(before.principal, org.slug, meta());
    const expiresAt = new Date(Date.now() + 3 * 86_400_000);
    const { key, apiKey } = await createApiKey(owner, { name: "web backend", permissions: ["usage:read", "authz:check", "projects:read"], projectId: project.id, expiresAt });
    const res = await verify(verifier, { key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      valid: true,
      keyId: apiKey.id,
      orgId: org.id,
      projectId: project.id,
      name: "web backend",
      permissions: ["authz:check", "projects:read", "usage:read"],
      expiresAt: expiresAt.toISOString(),
      reason: null,
    });

    // A role's permissions, sorted too; no expiry.
    const { key: roleKey, apiKey: roleRow } = await createApiKey(owner, { name: "viewer key", roleId: (await builtInRole("viewer")).id });
    const viewer = await verify(verifier, { key: roleKey });
    const permissions = (await builtInRole("viewer")).permissions;
    expect(viewer.body).toMatchObject({ valid: true, keyId: roleRow.id, projectId: null, expiresAt: null, reason: null });
    expect(viewer.body.permissions).toEqual([...permissions].sort());
  });

  it("answers revoked, expired, malformed and unknown keys with valid:false and the reason", async () => {
    const { owner, verifier } = await orgWithVerifier();
    const expiresAt = new Date(Date.now() + 3_600_000);
    const { key: expiring, apiKey: expiringRow } = await createApiKey(owner, { name: "short", permissions: ["authz:check"], expiresAt });
    const { key: revoked, apiKey: revokedRow } = await createApiKey(owner, { name: "gone", permissions: ["authz:check"] });
    await revokeApiKey(owner, { apiKeyId: revokedRow.id });

    const r = await verify(verifier, { key: revoked });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ valid: false, keyId: revokedRow.id, reason: "revoked_api_key", permissions: [] });
    expect((await verify(verifier, { key: "sk_test_123" })).body).toEqual(refused("malformed_api_key"));
    const unknown = `tg_live_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}`;
    expect((await verify(verifier, { key: unknown })).body).toEqual(refused("invalid_api_key"));
    const wrongSecret = revoked.slice(0, -4) + (revoked.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect((await verify(verifier, { key: wrongSecret })).body).toMatchObject({ valid: false, reason: "invalid_api_key" });
    expect((await verify(verifier, {})).status).toBe(400);

    expect((await verify(verifier, { key: expiring })).body).toMatchObject({ valid: true });
    expect((await atTime(expiresAt.getTime() + 1, () => verify(verifier, { key: expiring }))).body).toMatchObject({
      valid: false,
      keyId: expiringRow.id,
      reason: "expired_api_key",
      expiresAt: expiresAt.toISOString(),
    });
  });

  it("checks the ip given in the body (else the caller's) against the key's allow list", async () => {
    const { owner, verifier } = await orgWithVerifier();
    const { key } = await createApiKey(owner, { name: "office", permissions: ["authz:check"], ipAllowList: ["203.0.113.0/24", "2001:db8::/32"] });
    expect((await verify(verifier, { key, ip: "203.0.113.5" })).body).toMatchObject({ valid: true, reason: null });
    expect((await verify(verifier, { key, ip: "2001:db8::7" })).body.valid).toBe(true);
    expect((await verify(verifier, { key, ip: "::ffff:203.0.113.5" })).body.valid).toBe(true);
    expect((await verify(verifier, { key, ip: "198.51.100.1" })).body).toMatchObject({ valid: false, reason: "ip_not_allowed" });
    expect((await verify(verifier, { key, ip: "not an address" })).status).toBe(400);
    // Without an ip in the body, the address the verify request came from.
    expect((await verify(verifier, { key }, "203.0.113.77")).body.valid).toBe(true);
    expect((await verify(verifier, { key }, "198.51.100.2")).body.reason).toBe("ip_not_allowed");
  });

  it("refuses another organization's keys as invalid_api_key without naming them", async () => {
    const a = await orgWithVerifier();
    const b = await orgWithVerifier();
    const { key: good, apiKey: goodRow } = await createApiKey(a.owner, { name: "a's key", permissions: ["authz:check"] });
    const { key: gone, apiKey: goneRow } = await createApiKey(a.owner, { name: "a's old key", permissions: ["authz:check"] });
    await revokeApiKey(a.owner, { apiKeyId: goneRow.id });
    const { key: fenced } = await createApiKey(a.owner, { name: "a's fenced key", permissions: ["authz:check"], ipAllowList: ["192.0.2.0/24"] });

    // Org A sees its own key as valid...
    expect((await verify(a.verifier, { key: good })).body).toMatchObject({ valid: true, keyId: goodRow.id, orgId: a.org.id });
    // ...org B learns nothing: not valid, not revoked, not which key or organization.
    for (const key of [good, gone, fenced, a.verifier]) {
      const res = await verify(b.verifier, { key, ip: "198.51.100.9" });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(refused("invalid_api_key"));
    }
    expect((await verify(b.verifier, { key: good })).body).toEqual(refused("invalid_api_key"));
    await flushKeyUsage();
    // Org B's refusals are audited in org B, without org A's key ids.
    const inB = await db.auditEvent.findMany({ where: { orgId: b.org.id, action: "apikey.refused" } });
    expect(inB.length).toBeGreaterThan(0);
    for (const e of inB) {
      expect(e.targetId).toBeNull();
      expect(e.after).toMatchObject({ reason: "invalid_api_key", via: "verify" });
      expect(JSON.stringify(e)).not.toContain(goodRow.id);
    }
    expect(await db.auditEvent.count({ where: { orgId: a.org.id, action: "apikey.refused" } })).toBe(0);
    // Org B's verifications never counted as use of org A's key.
    expect(Number((await db.apiKey.findUniqueOrThrow({ where: { id: goodRow.id } })).requestCount)).toBe(1);
  });

  it("audits a refusal in each asking organization, even for the same address and reason", async () => {
    const a = await orgWithVerifier();
    const b = await orgWithVerifier();
    const ip = `192.0.2.${randomBytes(1)[0]}`;
    const unknown = () => `tg_live_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}`;
    expect((await verify(a.verifier, { key: unknown(), ip })).body.reason).toBe("invalid_api_key");
    expect((await verify(b.verifier, { key: unknown(), ip })).body.reason).toBe("invalid_api_key");
    await flushKeyUsage();
    for (const org of [a.org, b.org]) {
      const events = await db.auditEvent.findMany({ where: { orgId: org.id, action: "apikey.refused", ip } });
      expect(events, `audit of ${org.id === a.org.id ? "a" : "b"}`).toHaveLength(1);
    }
  });

  it("counts a verified key's use and applies its rate limit", async () => {
    const { owner, verifier } = await orgWithVerifier();
    const { key, apiKey } = await createApiKey(owner, { name: "metered", permissions: ["authz:check"], rateLimitPerDay: 2 });
    expect((await verify(verifier, { key })).body.valid).toBe(true);
    expect((await verify(verifier, { key })).body.valid).toBe(true);
    const limited = await verify(verifier, { key });
    expect(limited.status).toBe(200);
    expect(limited.body).toMatchObject({ valid: false, keyId: apiKey.id, reason: "rate_limited" });
    expect(limited.body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await flushKeyUsage();
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(Number(row.requestCount)).toBe(2);
  });

  it("tells nothing about a key of its own organization when the secret is wrong, and rejects an ip that is not an address", async () => {
    const { owner, verifier } = await orgWithVerifier();
    const { key } = await createApiKey(owner, { name: "secret name", permissions: ["projects:read"] });
    const guessed = key.slice(0, -43) + randomBytes(32).toString("base64url");
    const res = await verify(verifier, { key: guessed });
    expect(res).toMatchObject({ status: 200, body: refused("invalid_api_key") });
    expect(JSON.stringify(res.body)).not.toContain("secret name");
    expect(await verify(verifier, { key, ip: "not-an-ip" })).toMatchObject({ status: 400, body: { error: { message: "ip: must be an IPv4 or IPv6 address" } } });
  });
});
