// The management API over real HTTP with API keys: CRUD through the same
// domain functions as the UI, pagination, errors, audit, other tenants' ids.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertDocumentedAnswer } from "../api-contract.ts";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db } from "../../lib/db.ts";
import { apiV1Routes } from "../../lib/http/api-v1-routes.ts";
import { setRequestMeta } from "../../lib/http/request-meta.ts";
import { machineRouter } from "../../server/machine-routes.ts";
import { builtInRole, createTestOrg, uniqueEmail } from "../helpers.ts";

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

async function call(key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const answer = { status: res.status, body: text ? JSON.parse(text) : null };
  assertDocumentedAnswer(method, path, answer.status, answer.body);
  return answer;
}

async function orgWithAdminKey() {
  const t = await createTestOrg();
  const { key } = await createApiKey(t.owner, { name: "automation", roleId: (await builtInRole("admin")).id });
  return { ...t, key };
}

describe("/api/v1 with an API key", () => {
  it("creates, pages, updates and deletes projects, and audits the changes as the key", async () => {
    const { key, org } = await orgWithAdminKey();
    for (const slug of ["alpha", "beta", "gamma"]) expect((await call(key, "POST", "/api/v1/projects", { name: slug.toUpperCase(), slug })).status).toBe(201);
    const first = await call(key, "GET", "/api/v1/projects?limit=2");
    expect(first.body.data.map((p: { slug: string }) => p.slug)).toEqual(["alpha", "beta"]);
    const second = await call(key, "GET", `/api/v1/projects?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ data: [{ slug: "gamma" }], nextCursor: null });
    const gamma = second.body.data[0];
    expect((await call(key, "PATCH", `/api/v1/projects/${gamma.id}`, { name: "Gamma rays" })).body).toMatchObject({ name: "Gamma rays", slug: "gamma" });
    expect((await call(key, "DELETE", `/api/v1/projects/${gamma.id}`)).status).toBe(204);
    expect((await call(key, "GET", `/api/v1/projects/${gamma.id}`)).status).toBe(404);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "project.created" } });
    expect(audit.actorEmail).toMatch(/^API key automation \(tg_live_[a-z0-9]{16}_…/);
    expect(audit.actorId).toBeNull();
  });

  it("manages groups, roles and grants end to end", async () => {
    const { key, addMember, owner } = await orgWithAdminKey();
    const member = await addMember("member");
    const project = (await call(key, "POST", "/api/v1/projects", { name: "Web", slug: "web" })).body;
    const group = (await call(key, "POST", "/api/v1/groups", { name: "Support" })).body;
    expect((await call(key, "POST", `/api/v1/groups/${group.id}/members`, { userId: member.principal.userId })).status).toBe(204);
    expect((await call(key, "GET", `/api/v1/groups/${group.id}`)).body.members.map((m: { id: string }) => m.id)).toEqual([member.principal.userId]);
    const role = await call(key, "POST", "/api/v1/roles", { name: "Auditor", permissions: ["audit:read"] });
    expect(role.status).toBe(201);
    const grant = await call(key, "POST", "/api/v1/grants", { roleId: role.body.id, subject: { type: "group", id: group.id }, projectId: project.id });
    expect(grant.status).toBe(201);
    expect((await call(key, "GET", `/api/v1/grants?projectId=${project.id}`)).body.data.map((g: { id: string }) => g.id)).toEqual([grant.body.id]);
    const roles = await call(key, "GET", "/api/v1/roles?limit=200");
    expect(roles.body.data.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(["Owner", "Admin", "Auditor"]));
    expect((await call(key, "DELETE", `/api/v1/grants/${grant.body.id}`)).status).toBe(204);
    expect((await call(key, "DELETE", `/api/v1/groups/${group.id}/members/${member.principal.userId}`)).status).toBe(204);
    expect(owner.orgId).toBeTruthy();
  });

  it("manages members and invitations", async () => {
    const { key, addMember } = await orgWithAdminKey();
    const viewer = await addMember("viewer");
    const members = await call(key, "GET", "/api/v1/members");
    expect(members.body.data).toHaveLength(2);
    const changed = await call(key, "PATCH", `/api/v1/members/${viewer.principal.userId}`, { roleId: (await builtInRole("member")).id });
    expect(changed.status).toBe(200);
    const invitation = await call(key, "POST", "/api/v1/invitations", { email: uniqueEmail("api"), roleId: (await builtInRole("viewer")).id });
    expect(invitation.status).toBe(201);
    expect(invitation.body.url).toMatch(/\/invite\//);
    expect((await call(key, "GET", "/api/v1/invitations")).body.data).toHaveLength(1);
    expect((await call(key, "DELETE", `/api/v1/invitations/${invitation.body.id}`)).status).toBe(204);
    expect((await call(key, "DELETE", `/api/v1/members/${viewer.principal.userId}`)).status).toBe(204);
  });

  it("refuses what the key does not carry with 403, and more than it holds as escalation", async () => {
    const { owner } = await createTestOrg();
    const { key } = await createApiKey(owner, { name: "reader", permissions: ["projects:read", "roles:write", "roles:read"] });
    const denied = await call(key, "POST", "/api/v1/projects", { name: "X", slug: "x" });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain("projects:create");
    const escalation = await call(key, "POST", "/api/v1/roles", { name: "Deleter", permissions: ["organization:delete"] });
    expect(escalation).toMatchObject({ status: 403, body: { error: { code: "privilege_escalation" } } });
  });

  it("answers bad input with 400 naming the field, and ids that cannot exist with 404", async () => {
    const { key } = await orgWithAdminKey();
    const bad = await call(key, "POST", "/api/v1/projects", { name: "X", slug: "Not A Slug" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^slug: /);
    expect((await call(key, "GET", "/api/v1/projects/not-a-uuid")).status).toBe(404);
    expect((await call(key, "GET", "/api/v1/projects?limit=0")).status).toBe(400);
    // A misspelt parameter is refused, not ignored (and so is one on a route that takes none).
    const typo = await call(key, "GET", "/api/v1/projects?limt=2");
    expect(typo.status).toBe(400);
    expect(typo.body.error).toEqual({ code: "unknown_parameter", message: "Unknown query parameter limt (this route takes: cursor, limit)." });
    // Names every object has (its prototype's) are not parameters either.
    expect((await call(key, "GET", "/api/v1/projects?toString=1")).body.error.code).toBe("unknown_parameter");
    const extra = await call(key, "POST", "/api/v1/projects?dryRun=1", { name: "Y", slug: "y" });
    expect(extra.body.error.code).toBe("unknown_parameter");
    expect((await call(key, "GET", "/api/v1/projects")).body.data.map((p: { slug: string }) => p.slug)).not.toContain("y");
  });

  it("gives another organization's ids 404 and changes nothing", async () => {
    const a = await orgWithAdminKey();
    const b = await orgWithAdminKey();
    const viewer = await a.addMember("viewer");
    const project = (await call(a.key, "POST", "/api/v1/projects", { name: "Secret", slug: "secret" })).body;
    const group = (await call(a.key, "POST", "/api/v1/groups", { name: "Secret team" })).body;
    const role = (await call(a.key, "POST", "/api/v1/roles", { name: "Secret role", permissions: ["audit:read"] })).body;
    const grant = (await call(a.key, "POST", "/api/v1/grants", { roleId: role.id, subject: { type: "group", id: group.id } })).body;
    const invitation = (await call(a.key, "POST", "/api/v1/invitations", { email: uniqueEmail("x"), roleId: (await builtInRole("viewer")).id })).body;
    const before = await db.auditEvent.count({ where: { orgId: a.org.id } });
    const attempts: Array<[string, string, unknown?]> = [
      ["GET", `/api/v1/projects/${project.id}`],
      ["PATCH", `/api/v1/projects/${project.id}`, { name: "Pwned" }],
      ["DELETE", `/api/v1/projects/${project.id}`],
      ["GET", `/api/v1/groups/${group.id}`],
      ["PATCH", `/api/v1/groups/${group.id}`, { name: "Pwned" }],
      ["DELETE", `/api/v1/groups/${group.id}`],
      ["POST", `/api/v1/groups/${group.id}/members`, { userId: viewer.principal.userId }],
      ["GET", `/api/v1/roles/${role.id}`],
      ["PATCH", `/api/v1/roles/${role.id}`, { name: "Pwned" }],
      ["DELETE", `/api/v1/roles/${role.id}`],
      ["DELETE", `/api/v1/grants/${grant.id}`],
      ["PATCH", `/api/v1/members/${viewer.principal.userId}`, { roleId: (await builtInRole("admin")).id }],
      ["DELETE", `/api/v1/members/${viewer.principal.userId}`],
      ["DELETE", `/api/v1/invitations/${invitation.id}`],
      ["POST", `/api/v1/invitations/${invitation.id}/resend`],
      ["POST", "/api/v1/grants", { roleId: role.id, subject: { type: "group", id: group.id } }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(b.key, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect(await db.auditEvent.count({ where: { orgId: a.org.id } })).toBe(before);
    expect((await call(a.key, "GET", `/api/v1/projects/${project.id}`)).body.name).toBe("Secret");
    expect((await call(a.key, "GET", `/api/v1/groups/${group.id}`)).body.name).toBe("Secret team");
  });
});

describe("GET /api/v1/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document that lists every /api/v1 route", async () => {
    const res = await fetch(`${base}/api/v1/openapi.json`);
    const document = await res.json();
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
    const listed = Object.entries(document.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(listed.sort()).toEqual(apiV1Routes.map((r) => `${r.method} ${r.path}`).sort());
    expect(document.paths["/api/v1/projects"].post.requestBody.content["application/json"].schema.properties.slug).toBeDefined();
  });

  it("describes every success body with a named, strict schema in its formats", async () => {
    const document = await (await fetch(`${base}/api/v1/openapi.json`)).json();
    for (const route of apiV1Routes) {
      const success = document.paths[route.path][route.method.toLowerCase()].responses[String(route.status ?? 200)];
      if (route.status === 204) expect(success.content, `${route.method} ${route.path}`).toBeUndefined();
      else expect(success.content["application/json"].schema.$ref, `${route.method} ${route.path}`).toMatch(/^#\/components\/schemas\/\w+$/);
    }
    const schemas = document.components.schemas;
    for (const name of ["Project", "Member", "Invitation", "Group", "Role", "Grant", "ApiKey", "ApiKeyWithSecret", "ApiKeyPolicy", "Organization", "User", "ProductPermission"]) {
      expect(schemas[name]?.additionalProperties, name).toBe(false);
    }
    for (const name of ["CheckInput", "CheckResult", "BatchResult", "VerifyKeyInput", "VerifyResult", "ProjectPage", "Error"]) expect(schemas[name], name).toBeDefined();
    expect(schemas.Project.properties.createdAt).toEqual({ type: "string", format: "date-time" });
    expect(schemas.Project.properties.id).toEqual({ type: "string", format: "uuid" });
    expect(schemas.Grant.properties.validUntil.anyOf).toEqual([{ type: "string", format: "date-time" }, { type: "null" }]);
    expect(schemas.ApiKey.properties.status.enum).toEqual(["active", "expiring", "expired", "revoked"]);
    // An email is trimmed before it is checked: the document still says what it is checked against.
    const addMember = document.paths["/api/v1/members"].post.requestBody.content["application/json"].schema;
    const addMemberBody = addMember.$ref ? schemas[addMember.$ref.split("/").pop()] : addMember;
    expect(addMemberBody.properties.email).toMatchObject({ type: "string", format: "email" });
    expect(document.paths["/api/v1/projects"].post.responses["409"]).toBeDefined();
    // Every route may find the database unreachable: a 503 to send again after Retry-After.
    for (const route of apiV1Routes) expect(document.paths[route.path][route.method.toLowerCase()].responses["503"], `${route.method} ${route.path}`).toBeDefined();
    expect(document.components.responses.Unavailable.headers["Retry-After"]).toBeDefined();
    expect(document.paths["/api/v1/grants/{grantId}"].delete.responses["409"]).toBeUndefined();
  });
});
