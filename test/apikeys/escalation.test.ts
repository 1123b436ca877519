// No privilege escalation through API keys: nobody creates, or rotates (and so
// receives the secret of), a key carrying permissions they do not hold where
// the key applies — members, admins and keys acting on the management API.
import { describe, expect, it } from "vitest";
import { createApiKey, getApiKey, rotateApiKey } from "../../lib/apikeys/api-keys.ts";
import { checkKey } from "../../lib/apikeys/authenticate-api-key.ts";
import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import { db } from "../../lib/db.ts";
import { Forbidden, Invalid } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { builtInRole, createTestOrg, createUser, meta } from "../helpers.ts";
import { useMachineServer } from "./http.ts";

const { call } = useMachineServer();

/** The built-in Billing role (holds billing:write, which admins lack). */
const billingRole = () => db.role.findFirstOrThrow({ where: { orgId: null, key: "billing" } });

async function expectEscalation(promise: Promise<unknown>, ...missing: string[]) {
  const error = await promise.then(
    () => null,
    (e) => e,
  );
  expect(error).toBeInstanceOf(Forbidden);
  expect(error.code).toBe("privilege_escalation");
  for (const p of missing) expect(error.message).toContain(p);
}

describe("creating keys", () => {
  it("an admin cannot create a key carrying organization:delete or billing:write", async () => {
    const { addMember, org } = await createTestOrg();
    const admin = await addMember("admin");
    await expectEscalation(createApiKey(admin, { name: "deleter", permissions: ["organization:delete"] }), "organization:delete");
    await expectEscalation(createApiKey(admin, { name: "payer", permissions: ["projects:read", "billing:write"] }), "billing:write");
    // Through a role that carries it, too.
    await expectEscalation(createApiKey(admin, { name: "billing", roleId: (await billingRole()).id }), "billing:write");
    const owner = await createApiKey(admin, { name: "owner", roleId: (await builtInRole("owner")).id }).catch((e) => e);
    expect(owner).toBeInstanceOf(Invalid);
    expect(owner.code).toBe("owner_role_not_grantable");
    expect(await db.apiKey.count({ where: { orgId: org.id } })).toBe(0);
    // What the admin holds is fine.
    const { apiKey } = await createApiKey(admin, { name: "ok", permissions: ["members:read", "apikeys:write"] });
    expect(apiKey.permissions).toEqual(["apikeys:write", "members:read"]);
  });

  it("a member cannot create keys at all, and with apikeys:write only what they hold", async () => {
    const { owner, org, addMember } = await createTestOrg();
    const member = await addMember("member");
    const refused = await createApiKey(member, { name: "k", permissions: ["authz:check"] }).catch((e) => e);
    expect(refused).toBeInstanceOf(Forbidden);
    expect(refused.code).toBe("forbidden");

    // A custom membership role that may manage keys but holds little else.
    const role = await createRole(owner, { name: "Key manager", permissions: ["organization:read", "apikeys:read", "apikeys:write", "projects:read"] });
    const user = await createUser();
    await authzTransaction(org.id, (tx) => tx.membership.create({ data: { orgId: org.id, userId: user.principal.userId, roleId: role.id } }));
    const manager = await resolveOrgContext(user.principal, org.slug, meta());
    await expectEscalation(createApiKey(manager, { name: "k", permissions: ["projects:read", "projects:delete", "members:remove"] }), "members:remove, projects:delete");
    expect((await createApiKey(manager, { name: "k", permissions: ["projects:read"] })).apiKey.permissions).toEqual(["projects:read"]);
  });

  it("a project grant lets a key carry the permission on that project only", async () => {
    const { owner, org } = await createTestOrg();
    const web = await createProject(owner, { name: "Web", slug: "web" });
    const api = await createProject(owner, { name: "Backend", slug: "backend" });
    const managerRole = await createRole(owner, { name: "Key manager", permissions: ["organization:read", "apikeys:read", "apikeys:write"] });
    const deleterRole = await createRole(owner, { name: "Project deleter", permissions: ["projects:delete"] });
    const user = await createUser();
    await authzTransaction(org.id, (tx) => tx.membership.create({ data: { orgId: org.id, userId: user.principal.userId, roleId: managerRole.id } }));
    // The owner's ctx holds the index from before the roles existed: re-resolve it.
    await createGrant(await resolveOrgContext(owner.principal, org.slug, meta()), { roleId: deleterRole.id, subject: { type: "user", id: user.principal.userId }, projectId: web.id });
    const manager = await resolveOrgContext(user.principal, org.slug, meta());

    const { apiKey } = await createApiKey(manager, { name: "web deleter", permissions: ["projects:delete"], projectId: web.id });
    expect(apiKey.projectId).toBe(web.id);
    await expectEscalation(createApiKey(manager, { name: "all deleter", permissions: ["projects:delete"] }), "projects:delete");
    await expectEscalation(createApiKey(manager, { name: "api deleter", permissions: ["projects:delete"], projectId: api.id }), "projects:delete");
  });
});

describe("rotating keys", () => {
  it("an admin cannot rotate the owner's key carrying organization:delete or billing:write; the owner can", async () => {
    const { owner, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const { key, apiKey } = await createApiKey(owner, { name: "dangerous", permissions: ["organization:delete", "projects:read"] });
    const { apiKey: billingKey } = await createApiKey(owner, { name: "billing", permissions: ["billing:write"] });
    const { apiKey: billingRoleKey } = await createApiKey(owner, { name: "billing role", roleId: (await billingRole()).id });

    await expectEscalation(rotateApiKey(admin, { apiKeyId: apiKey.id }), "organization:delete");
    await expectEscalation(rotateApiKey(admin, { apiKeyId: billingKey.id }), "billing:write");
    await expectEscalation(rotateApiKey(admin, { apiKeyId: billingRoleKey.id }), "billing:write");
    // Nothing changed: the secret still works and no rotation was recorded.
    expect(await checkKey(key, null)).toMatchObject({ ok: true });
    expect((await getApiKey(owner, apiKey.id)).rotatedAt).toBeNull();
    expect(await db.auditEvent.count({ where: { targetId: { in: [apiKey.id, billingKey.id, billingRoleKey.id] }, action: "apikey.rotated" } })).toBe(0);

    const rotated = await rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 0 });
    expect(await checkKey(rotated.key, null)).toMatchObject({ ok: true });
    expect((await rotateApiKey(owner, { apiKeyId: billingRoleKey.id })).key).toMatch(/^tg_live_/);
  });

  it("an admin can rotate a key that carries only what the admin holds", async () => {
    const { owner, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const { apiKey } = await createApiKey(owner, { name: "reader", roleId: (await builtInRole("viewer")).id });
    const rotated = await rotateApiKey(admin, { apiKeyId: apiKey.id });
    expect(await checkKey(rotated.key, null)).toMatchObject({ ok: true });
  });
});

describe("keys acting on the management API", () => {
  it("a key with apikeys:write cannot create or rotate a key carrying more than it does", async () => {
    const { owner } = await createTestOrg();
    const { key } = await createApiKey(owner, { name: "key manager", permissions: ["apikeys:read", "apikeys:write", "projects:read"] });
    const { apiKey: strong } = await createApiKey(owner, { name: "strong", permissions: ["projects:delete"] });

    const create = await call("POST", "/api/v1/api-keys", { key, body: { name: "stronger", permissions: ["projects:read", "projects:delete"] } });
    expect(create).toMatchObject({ status: 403, body: { error: { code: "privilege_escalation" } } });
    expect(create.body.error.message).toContain("projects:delete");
    const rotate = await call("POST", `/api/v1/api-keys/${strong.id}/rotate`, { key, body: {} });
    expect(rotate).toMatchObject({ status: 403, body: { error: { code: "privilege_escalation" } } });
    expect(rotate.body.key).toBeUndefined();

    const ok = await call("POST", "/api/v1/api-keys", { key, body: { name: "weaker", permissions: ["projects:read"] } });
    expect(ok.status).toBe(201);
    expect(ok.body.key).toMatch(/^tg_live_/);
  });

  it("a key creating keys cannot give them a later expiry or a wider IP range than its own", async () => {
    const { owner } = await createTestOrg();
    const expiresAt = new Date(Date.now() + 3 * 86_400_000);
    const { key } = await createApiKey(owner, { name: "limited manager", permissions: ["apikeys:write", "projects:read"], expiresAt, ipAllowList: ["10.0.0.0/8", "2001:db8::/32"] });
    const ip = "10.1.2.3";
    const create = (body: object) => call("POST", "/api/v1/api-keys", { key, ip, body: { name: "child", permissions: ["projects:read"], ...body } });

    expect(await create({ ipAllowList: ["10.1.0.0/16"] })).toMatchObject({ status: 400, body: { error: { code: "expiry_beyond_caller" } } });
    expect(await create({ ipAllowList: ["10.1.0.0/16"], expiresAt: new Date(expiresAt.getTime() + 60_000) })).toMatchObject({ status: 400, body: { error: { code: "expiry_beyond_caller" } } });
    const soon = new Date(expiresAt.getTime() - 60_000);
    expect(await create({ expiresAt: soon })).toMatchObject({ status: 400, body: { error: { code: "ip_beyond_caller" } } });
    expect(await create({ expiresAt: soon, ipAllowList: ["0.0.0.0/0"] })).toMatchObject({ status: 400, body: { error: { code: "ip_beyond_caller" } } });
    expect(await create({ expiresAt: soon, ipAllowList: ["2001:db8:1::/48", "10.9.9.9"] })).toMatchObject({ status: 201 });
  });
});
