// The check API over real HTTP: the lean router on node:http, a real
// database, keys made by the domain functions.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertDocumentedAnswer } from "../api-contract.ts";
import { createApiKey, revokeApiKey } from "../../lib/apikeys/api-keys.ts";
import { flushDecisionLog } from "../../lib/authz/decision-log.ts";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { setRequestMeta } from "../../lib/http/request-meta.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { machineRouter } from "../../server/machine-routes.ts";
import { createTestOrg } from "../helpers.ts";
import { loggedDecisions } from "../fixtures/logged-decisions.ts";

let server: http.Server;
let base: string;

beforeAll(async () => {
  const router = await machineRouter();
  server = http.createServer((req, res) => {
    setRequestMeta(req, { requestId: crypto.randomUUID(), ip: "127.0.0.1", userAgent: req.headers["user-agent"] ?? null });
    if (!router.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function post(path: string, body: unknown, key?: string) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const answer = { status: res.status, body: (await res.json()) as any };
  assertDocumentedAnswer("POST", path, answer.status, answer.body);
  return answer;
}

async function orgWithCheckKey() {
  const t = await createTestOrg();
  const viewer = await t.addMember("viewer");
  const project = await createProject(t.owner, { name: "Web", slug: "web" });
  const { key, apiKey } = await createApiKey(t.owner, { name: "product backend", permissions: ["authz:check"] });
  return { ...t, viewer, project, key, apiKey };
}

describe("POST /api/v1/authz/check", () => {
  it("answers allowed with the reason and the authorization version", async () => {
    const { key, viewer, org } = await orgWithCheckKey();
    const res = await post("/api/v1/authz/check", { subject: { type: "user", id: viewer.principal.userId }, permission: "members:read" }, key);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ allowed: true, reason: 'membership role "Viewer" grants members:read' });
    expect(res.body.version).toBe((await db.organization.findUniqueOrThrow({ where: { id: org.id } })).authzVersion);
  });

  it("finds subjects by email and explains a denial", async () => {
    const { key, viewer, project } = await orgWithCheckKey();
    const res = await post(
      "/api/v1/authz/check",
      { subject: { type: "user", id: viewer.principal.email.toUpperCase() }, permission: "members:invite", resource: { type: "project", id: project.id } },
      key,
    );
    expect(res.body).toEqual({ allowed: false, reason: `no role of user ${viewer.principal.userId} grants members:invite on project ${project.id}`, version: expect.any(Number) });
  });

  it("answers 404 for another organization's users and projects, never their decision", async () => {
    const a = await orgWithCheckKey();
    const b = await orgWithCheckKey();
    const user = await post("/api/v1/authz/check", { subject: { type: "user", id: a.viewer.principal.userId }, permission: "members:read" }, b.key);
    expect(user).toEqual({ status: 404, body: { error: { code: "subject_not_found", message: `subject: no user ${a.viewer.principal.userId} in this organization` } } });
    const byEmail = await post("/api/v1/authz/check", { subject: { type: "user", id: a.viewer.principal.email }, permission: "members:read" }, b.key);
    expect(byEmail.status).toBe(404);
    const project = await post("/api/v1/authz/check", { subject: { type: "user", id: b.viewer.principal.userId }, permission: "members:read", resource: { type: "project", id: a.project.id } }, b.key);
    expect(project.body.error.code).toBe("resource_not_found");
    const org = await post("/api/v1/authz/check", { subject: { type: "user", id: b.viewer.principal.userId }, permission: "members:read", resource: { type: "organization", id: a.org.id } }, b.key);
    expect(org.status).toBe(404);
  });

  it("refuses missing, malformed, unknown and revoked keys with 401 and a reason code", async () => {
    const { key, apiKey, owner, viewer } = await orgWithCheckKey();
    const body = { subject: { type: "user", id: viewer.principal.userId }, permission: "members:read" };
    expect((await post("/api/v1/authz/check", body)).body.error.code).toBe("missing_api_key");
    expect((await post("/api/v1/authz/check", body, "sk_live_123")).body.error.code).toBe("malformed_api_key");
    expect((await post("/api/v1/authz/check", body, key.slice(0, -4) + "AAAA")).body.error.code).toBe("invalid_api_key");
    await revokeApiKey(owner, { apiKeyId: apiKey.id });
    const revoked = await post("/api/v1/authz/check", body, key);
    expect(revoked).toEqual({ status: 401, body: { error: { code: "revoked_api_key", message: "This API key was revoked." } } });
  });

  it("needs authz:check on the key", async () => {
    const { owner, viewer } = await orgWithCheckKey();
    const { key } = await createApiKey(owner, { name: "reader", permissions: ["members:read"] });
    const res = await post("/api/v1/authz/check", { subject: { type: "user", id: viewer.principal.userId }, permission: "members:read" }, key);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain("authz:check");
  });

  it("names the bad field of a malformed body and rejects non-JSON", async () => {
    const { key } = await orgWithCheckKey();
    const res = await post("/api/v1/authz/check", { subject: { type: "group", id: "x" }, permission: "a:b" }, key);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^subject\.type: /);
    expect((await post("/api/v1/authz/check", "{not json", key)).body.error).toEqual({ code: "invalid_json", message: "The request body is not valid JSON." });
  });

  it("logs each decision with its reason", async () => {
    const { key, viewer, org } = await orgWithCheckKey();
    await post("/api/v1/authz/check", { subject: { type: "user", id: viewer.principal.userId }, permission: "billing:write" }, key);
    await flushDecisionLog();
    const row = (await loggedDecisions(org.id, { source: "check-api" }))[0]!;
    expect(row).toMatchObject({ principalId: viewer.principal.userId, permission: "billing:write", allowed: false });
  });
});

describe("POST /api/v1/authz/check-batch", () => {
  it("answers up to 100 checks in order, with per-check errors", async () => {
    const { key, viewer, owner } = await orgWithCheckKey();
    const res = await post(
      "/api/v1/authz/check-batch",
      {
        checks: [
          { subject: { type: "user", id: owner.principal.userId }, permission: "organization:delete" },
          { subject: { type: "user", id: viewer.principal.userId }, permission: "organization:delete" },
          { subject: { type: "user", id: "nobody@example.test" }, permission: "organization:read" },
        ],
      },
      key,
    );
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { allowed: boolean }) => r.allowed)).toEqual([true, false, false]);
    expect(res.body.results[2].error.code).toBe("subject_not_found");
    const tooMany = await post("/api/v1/authz/check-batch", { checks: Array(101).fill({}) }, key);
    expect(tooMany.body.error.message).toBe("checks: at most 100 checks a request");
  });
});

describe("createApiKey", () => {
  it("refuses a key carrying more than its creator holds", async () => {
    const { addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const error = await createApiKey(admin, { name: "too strong", permissions: ["organization:delete"] }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.code).toBe("privilege_escalation");
  });

  it("stores only a keyed hash of the secret", async () => {
    const { owner } = await createTestOrg();
    const { key, apiKey } = await createApiKey(owner, { name: "k", permissions: ["authz:check"] });
    expect(key).toMatch(/^tg_live_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(key.slice(25));
    expect(row.secretHash).toMatch(/^v2:[0-9a-f]{8}:[0-9a-f]{64}$/);
    expect(apiKey.display).toBe(`tg_live_${row.publicId}_…${key.slice(-4)}`);
  });
});
