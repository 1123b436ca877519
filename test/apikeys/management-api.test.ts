// /api/v1/api-keys over real HTTP: create, get, rotate and revoke through the
// management API, list filters, and other organizations' keys as 404.
import { describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "../../lib/apikeys/api-keys.ts";
import { parseKey } from "../../lib/apikeys/key-format.ts";
import { db } from "../../lib/db.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { meta } from "../helpers.ts";
import { orgWithAdminKey, policyRequest, useMachineServer } from "./http.ts";

const { call } = useMachineServer();

const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((k) => k.id).sort();

describe("/api/v1/api-keys", () => {
  it("creates, gets, rotates and revokes a key, never showing its secret again", async () => {
    const { adminKey, org } = await orgWithAdminKey();
    const created = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "ci", permissions: ["projects:read"], rateLimitPerSecond: 10 } });
    expect(created.status).toBe(201);
    const { key, apiKey } = created.body;
    expect(key).toMatch(/^tg_live_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: "ci", status: "active", permissions: ["projects:read"], rateLimitPerSecond: 10, rateLimitPerDay: null, requestCount: 0 });
    expect(apiKey.display).toBe(`tg_live_${parseKey(key)!.publicId}_…${key.slice(-4)}`);

    const got = await call("GET", `/api/v1/api-keys/${apiKey.id}`, { key: adminKey });
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.body)).not.toContain(parseKey(key)!.secret);
    expect(got.body).not.toHaveProperty("secretHash");
    expect(got.body).not.toHaveProperty("previousSecretHash");

    const rotated = await call("POST", `/api/v1/api-keys/${apiKey.id}/rotate`, { key: adminKey, body: { overlapHours: 1 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).not.toBe(key);
    expect(rotated.body.apiKey).toMatchObject({ id: apiKey.id, previousSecretValidUntil: expect.any(String) });
    const tooLong = await call("POST", `/api/v1/api-keys/${apiKey.id}/rotate`, { key: adminKey, body: { overlapHours: 721 } });
    expect(tooLong.status).toBe(400);

    expect((await call("DELETE", `/api/v1/api-keys/${apiKey.id}`, { key: adminKey })).status).toBe(204);
    expect((await call("GET", `/api/v1/api-keys/${apiKey.id}`, { key: adminKey })).body.status).toBe("revoked");
    expect((await call("DELETE", `/api/v1/api-keys/${apiKey.id}`, { key: adminKey })).status).toBe(409);
    const audit = await db.auditEvent.findMany({ where: { orgId: org.id, targetId: apiKey.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["apikey.created", "apikey.rotated", "apikey.revoked"]);
    expect(audit[0]!.actorEmail).toMatch(/^API key automation \(tg_live_/);
  });

  it("gives another organization's key ids 404 on get, rotate and revoke, and changes nothing", async () => {
    const a = await orgWithAdminKey();
    const b = await orgWithAdminKey();
    const { key: aKey, apiKey: aRow } = await createApiKey(a.owner, { name: "a's key", permissions: ["apikeys:read"] });
    const before = await db.auditEvent.count({ where: { orgId: a.org.id } });
    const attempts: Array<[string, string, unknown?]> = [
      ["GET", `/api/v1/api-keys/${aRow.id}`],
      ["POST", `/api/v1/api-keys/${aRow.id}/rotate`, { overlapHours: 0 }],
      ["DELETE", `/api/v1/api-keys/${aRow.id}`],
      ["GET", `/api/v1/api-keys/${a.adminKeyRow.id}`],
      ["DELETE", `/api/v1/api-keys/${a.adminKeyRow.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(method, path, { key: b.adminKey, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code, `${method} ${path}`).toBe("api_key_not_found");
      expect(JSON.stringify(res.body)).not.toContain("a's key");
    }
    expect((await call("GET", "/api/v1/api-keys/not-a-uuid", { key: b.adminKey })).status).toBe(404);
    // Org A's key is untouched.
    expect(await db.auditEvent.count({ where: { orgId: a.org.id } })).toBe(before);
    expect((await policyRequest(call, aKey)).status).toBe(200);
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: aRow.id } });
    expect(row).toMatchObject({ revokedAt: null, rotatedAt: null });
  });

  it("lists only the organization's own keys", async () => {
    const a = await orgWithAdminKey();
    const b = await orgWithAdminKey();
    const { apiKey: aRow } = await createApiKey(a.owner, { name: "a", permissions: ["apikeys:read"] });
    const { apiKey: bRow } = await createApiKey(b.owner, { name: "b", permissions: ["apikeys:read"] });
    const listA = await call("GET", "/api/v1/api-keys", { key: a.adminKey });
    expect(listA.status).toBe(200);
    expect(ids(listA)).toEqual([a.adminKeyRow.id, aRow.id].sort());
    expect(ids(await call("GET", "/api/v1/api-keys", { key: b.adminKey }))).toEqual([b.adminKeyRow.id, bRow.id].sort());
    // Another organization's project as scope finds nothing.
    const bProject = await createProject(b.owner, { name: "Web", slug: "web" });
    expect((await call("GET", `/api/v1/api-keys?scope=${bProject.id}`, { key: a.adminKey })).body.data).toEqual([]);
  });

  it("filters by status and scope", async () => {
    const { owner: ownerBefore, org, adminKey, adminKeyRow } = await orgWithAdminKey();
    const web = await createProject(ownerBefore, { name: "Web", slug: "web" });
    const docs = await createProject(ownerBefore, { name: "Manual", slug: "manual" });
    const owner = await resolveOrgContext(ownerBefore.principal, org.slug, meta());
    const { apiKey: plain } = await createApiKey(owner, { name: "plain", permissions: ["projects:read"] });
    const { apiKey: expiring } = await createApiKey(owner, { name: "expiring", permissions: ["projects:read"], projectId: web.id, expiresAt: new Date(Date.now() + 3 * 86_400_000) });
    const { apiKey: later } = await createApiKey(owner, { name: "later", permissions: ["projects:read"], expiresAt: new Date(Date.now() + 30 * 86_400_000) });
    const { apiKey: expired } = await createApiKey(owner, { name: "expired", permissions: ["projects:read"], expiresAt: new Date(Date.now() + 60_000) });
    // Test data: move its expiry into the past (the API refuses to create an expired key).
    await db.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    const { apiKey: revoked } = await createApiKey(owner, { name: "revoked", permissions: ["projects:read"], projectId: web.id });
    await revokeApiKey(owner, { apiKeyId: revoked.id });

    const list = (query: string) => call("GET", `/api/v1/api-keys${query}`, { key: adminKey });
    const all = await list("");
    expect(ids(all)).toEqual([adminKeyRow.id, plain.id, expiring.id, later.id, expired.id, revoked.id].sort());
    const statusOf = Object.fromEntries(all.body.data.map((k: { name: string; status: string }) => [k.name, k.status]));
    expect(statusOf).toEqual({ automation: "active", plain: "active", expiring: "expiring", later: "active", expired: "expired", revoked: "revoked" });

    expect(ids(await list("?status=active"))).toEqual([adminKeyRow.id, plain.id, expiring.id, later.id].sort());
    expect(ids(await list("?status=expiring"))).toEqual([expiring.id]);
    expect(ids(await list("?status=expired"))).toEqual([expired.id]);
    expect(ids(await list("?status=revoked"))).toEqual([revoked.id]);
    expect(ids(await list("?scope=organization"))).toEqual([adminKeyRow.id, plain.id, later.id, expired.id].sort());
    expect(ids(await list("?scope=project"))).toEqual([expiring.id, revoked.id].sort());
    expect(ids(await list(`?scope=${web.id}`))).toEqual([expiring.id, revoked.id].sort());
    expect(ids(await list(`?scope=${docs.id}`))).toEqual([]);
    expect(ids(await list(`?status=active&scope=${web.id}`))).toEqual([expiring.id]);
    expect(ids(await list("?status=revoked&scope=organization"))).toEqual([]);
    // Pagination still applies.
    const page = await list("?limit=2");
    expect(page.body.data).toHaveLength(2);
    expect(page.body.nextCursor).toBeTruthy();

    expect((await list("?status=dormant")).status).toBe(400);
    expect((await list("?scope=everything")).status).toBe(400);
  });
});
