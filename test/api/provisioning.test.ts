// Tenant provisioning over HTTP with instance-admin keys.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertDocumentedAnswer } from "../api-contract.ts";
import { createInstanceKey, revokeInstanceKey } from "../../lib/admin/instance-keys.ts";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { setRequestMeta } from "../../lib/http/request-meta.ts";
import { machineRouter } from "../../server/machine-routes.ts";
import { builtInRole, createTestOrg, createUser, uniqueEmail } from "../helpers.ts";

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

async function call(key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const answer = { status: res.status, body: text ? JSON.parse(text) : null };
  assertDocumentedAnswer(method, path, answer.status, answer.body);
  return answer;
}

async function instanceKey() {
  const admin = await createUser({ isInstanceAdmin: true });
  const created = await createInstanceKey(admin, { name: "product sign-up" });
  return { admin, key: created.key, id: created.apiKey.id };
}

describe("provisioning with an instance-admin key", () => {
  it("creates an organization with its owner, found or created by externalId and email", async () => {
    const { key } = await instanceKey();
    const email = uniqueEmail("customer");
    const slug = `cust-${Date.now().toString(36)}`;
    const created = await call(key, "POST", "/api/v1/organizations", { name: "Customer Inc", slug, owner: { email, name: "Cara", externalId: `ext-${slug}` } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Customer Inc", slug, owner: { email, externalId: `ext-${slug}` } });
    const owner = await db.membership.findFirstOrThrow({ where: { orgId: created.body.id }, include: { role: true, user: { omit: { passwordHash: false } } } });
    expect(owner.role.isOwner).toBe(true);
    expect(owner.user.passwordHash).toBeNull();
    const again = await call(key, "POST", "/api/v1/users", { email, externalId: `ext-${slug}` });
    expect(again.body).toMatchObject({ created: false, user: { id: owner.userId } });
    expect((await call(key, "GET", `/api/v1/users?externalId=ext-${slug}`)).body.data.map((u: { id: string }) => u.id)).toEqual([owner.userId]);
    expect((await call(key, "GET", `/api/v1/users/${owner.userId}`)).body.memberships[0].org.slug).toBe(slug);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { orgId: created.body.id, action: "organization.created" } });
    expect(audit.actorEmail).toMatch(/^API key product sign-up/);
    expect((await call(key, "POST", "/api/v1/organizations", { name: "Again", slug, owner: { email } })).body.error.code).toBe("slug_taken");
  });

  it("acts in any organization named by the Tollgate-Organization header", async () => {
    const { key } = await instanceKey();
    const { org } = await createTestOrg();
    const missing = await call(key, "POST", "/api/v1/projects", { name: "Web", slug: "web" });
    expect(missing.body.error.code).toBe("organization_required");
    const created = await call(key, "POST", "/api/v1/projects", { name: "Web", slug: "web" }, { "tollgate-organization": org.slug });
    expect(created.status).toBe(201);
    expect((await call(key, "GET", "/api/v1/projects", undefined, { "tollgate-organization": org.id })).body.data).toHaveLength(1);
    expect((await call(key, "GET", "/api/v1/projects", undefined, { "tollgate-organization": "no-such-org" })).status).toBe(404);
  });

  it("renames and deletes organizations", async () => {
    const { key } = await instanceKey();
    const { org } = await createTestOrg();
    expect((await call(key, "PATCH", `/api/v1/organizations/${org.id}`, { name: "Renamed" })).body.name).toBe("Renamed");
    expect((await call(key, "DELETE", `/api/v1/organizations/${org.id}`)).status).toBe(204);
    expect((await call(key, "GET", `/api/v1/organizations/${org.id}`)).status).toBe(404);
  });

  it("is refused to organization keys, and to revoked instance keys", async () => {
    const { owner } = await createTestOrg();
    const orgKey = await createApiKey(owner, { name: "admin key", roleId: (await builtInRole("admin")).id });
    const refused = await call(orgKey.key, "GET", "/api/v1/organizations");
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "instance_admin_only" } } });
    const { admin, key, id } = await instanceKey();
    await revokeInstanceKey(admin, id);
    expect((await call(key, "GET", "/api/v1/organizations")).body.error.code).toBe("revoked_api_key");
  });

  it("never hands an organization or an externalId to whoever registered the owner's address first", async () => {
    const { key } = await instanceKey();
    const slug = () => `victim-${Math.random().toString(36).slice(2, 10)}`;
    // An attacker's account with the customer's address, never verified (as sign-ups made before verification).
    const ceo = uniqueEmail("ceo");
    const squatter = await createUser({ email: ceo, verified: false });
    const takeover = await call(key, "POST", "/api/v1/organizations", { name: "Victim Inc", slug: slug(), owner: { email: ceo, externalId: "cust_123" } });
    expect(takeover).toMatchObject({ status: 409, body: { error: { code: "email_unverified" } } });
    expect(takeover.body.error.message).toContain("has not confirmed its address");
    const row = await db.user.findUniqueOrThrow({ where: { id: squatter.principal.userId } });
    expect(row.externalId).toBeNull();
    expect(await db.membership.count({ where: { userId: row.id } })).toBe(0);
    expect(await db.organization.count({ where: { name: "Victim Inc" } })).toBe(0);
    expect((await call(key, "POST", "/api/v1/users", { email: ceo, externalId: "cust_123" })).status).toBe(409);

    // A verified account someone made themselves: it may own the organization, but gets no externalId.
    const self = await createUser({ email: uniqueEmail("self") });
    const withId = await call(key, "POST", "/api/v1/organizations", { name: "Self Inc", slug: slug(), owner: { email: self.principal.email, externalId: "cust_456" } });
    expect(withId).toMatchObject({ status: 409, body: { error: { code: "external_id_not_attachable" } } });
    expect((await db.user.findUniqueOrThrow({ where: { id: self.principal.userId } })).externalId).toBeNull();
    const plain = await call(key, "POST", "/api/v1/organizations", { name: "Self Inc", slug: slug(), owner: { email: self.principal.email, name: "Renamed By Product" } });
    expect(plain.status).toBe(201);
    expect(plain.body.owner).toMatchObject({ id: self.principal.userId, name: "Test User", externalId: null });

    // An account another externalId already names is refused too.
    const made = await call(key, "POST", "/api/v1/users", { email: uniqueEmail("made"), externalId: `ext-${slug()}` });
    expect(made.body.created).toBe(true);
    const clash = await call(key, "POST", "/api/v1/users", { email: made.body.user.email, externalId: "another-id" });
    expect(clash).toMatchObject({ status: 409, body: { error: { code: "external_id_mismatch" } } });
  });

  it("can only be created by instance admins", async () => {
    const user = await createUser();
    await expect(createInstanceKey(user, { name: "nope" })).rejects.toBeInstanceOf(Forbidden);
  });
});
