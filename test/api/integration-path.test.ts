// The path a product takes to integrate, driven over HTTP with a provisioning
// (instance-admin) key only: create an organization, put existing users in
// it, make groups and grants, then ask the check API about users and keys,
// now and at other times. Also: the strictness an integrator relies on.
import { describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { flushDecisionLog } from "../../lib/authz/decision-log.ts";
import { db } from "../../lib/db.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createUser, uniqueEmail } from "../helpers.ts";
import { countDecisions, loggedDecisions } from "../fixtures/logged-decisions.ts";

const { call } = useMachineServer();

async function provisioningKey() {
  const admin = await createUser({ isInstanceAdmin: true });
  return (await createInstanceKey(admin, { name: "product backend" })).key;
}

describe("integrating a product with a provisioning key only", () => {
  it("creates an organization, adds existing users, groups and grants them, and checks users and keys now and at other times", async () => {
    const key = await provisioningKey();
    const slug = `integ-${Date.now().toString(36)}`;
    const as = (method: string, path: string, body?: unknown) => call(method, path, { key, body, headers: { "tollgate-organization": slug } });

    const org = await call("POST", "/api/v1/organizations", { key, body: { name: "Integrated Inc", slug, owner: { email: uniqueEmail("owner"), externalId: `${slug}-owner` } } });
    expect(org.status).toBe(201);

    // The product's own sign-up made these users; they join without an invitation.
    const ada = (await call("POST", "/api/v1/users", { key, body: { email: uniqueEmail("ada"), externalId: `${slug}-ada` } })).body.user;
    const bob = (await call("POST", "/api/v1/users", { key, body: { email: uniqueEmail("bob") } })).body.user;
    const viewer = (await builtInRole("viewer")).id;
    const byExternal = await as("POST", "/api/v1/members", { externalId: `${slug}-ada`, roleId: viewer });
    expect(byExternal).toMatchObject({ status: 201, body: { userId: ada.id, role: { name: "Viewer" } } });
    expect((await as("POST", "/api/v1/members", { email: bob.email, roleId: viewer })).status).toBe(201);
    expect((await as("POST", "/api/v1/members", { userId: bob.id, roleId: viewer })).body.error.code).toBe("already_member");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.body.id, action: "member.added", targetId: ada.id } });
    expect(audit.actorEmail).toMatch(/^API key product backend/);

    // A group with a grant, and a grant that ends.
    const editors = (await as("POST", "/api/v1/groups", { name: "Editors" })).body;
    expect((await as("POST", `/api/v1/groups/${editors.id}/members`, { userId: ada.id })).status).toBe(204);
    const member = (await builtInRole("member")).id;
    expect((await as("POST", "/api/v1/grants", { roleId: member, subject: { type: "group", id: editors.id } })).status).toBe(201);
    const ends = new Date(Date.now() + 60 * 60_000);
    expect((await as("POST", "/api/v1/grants", { roleId: member, subject: { type: "user", id: bob.id }, conditions: { validUntil: ends.toISOString() } })).status).toBe(201);
    const appKey = (await as("POST", "/api/v1/api-keys", { name: "reporting", permissions: ["projects:read"] })).body;

    // The check API, asked by the provisioning key in the organization it names.
    const check = (subject: { type: string; id: string }, permission: string, time?: Date) =>
      as("POST", "/api/v1/authz/check", { subject, permission, ...(time ? { context: { time: time.toISOString() } } : {}) });
    expect((await check({ type: "user", id: ada.id }, "authz:check")).body).toMatchObject({ allowed: true, reason: expect.stringContaining('via group "Editors"') });
    expect((await check({ type: "user", id: bob.email }, "authz:check")).body.allowed).toBe(true);
    expect((await check({ type: "user", id: bob.id }, "authz:check", new Date(ends.getTime() - 1000))).body.allowed).toBe(true);
    const after = await check({ type: "user", id: bob.id }, "authz:check", new Date(ends.getTime() + 1000));
    expect(after.body).toMatchObject({ allowed: false, reason: expect.stringContaining("expired") });
    expect((await check({ type: "api_key", id: appKey.apiKey.id }, "projects:read")).body.allowed).toBe(true);
    expect((await check({ type: "api_key", id: appKey.apiKey.id }, "authz:check")).body.allowed).toBe(false);

    // Members are addressed by user id; removing one ends their access.
    expect((await as("DELETE", `/api/v1/members/${bob.id}`)).status).toBe(204);
    expect((await check({ type: "user", id: bob.id }, "organization:read")).body.error.code).toBe("subject_not_found");
  });

  it("adding an existing user is for instance admins only: an organization's own key invites instead", async () => {
    const key = await provisioningKey();
    const slug = `integ-own-${Date.now().toString(36)}`;
    await call("POST", "/api/v1/organizations", { key, body: { name: "Own", slug, owner: { email: uniqueEmail("own") } } });
    const orgKey = (await call("POST", "/api/v1/api-keys", { key, headers: { "tollgate-organization": slug }, body: { name: "all", roleId: (await builtInRole("admin")).id } })).body.key;
    const stranger = await createUser();
    const refused = await call("POST", "/api/v1/members", { key: orgKey, body: { userId: stranger.principal.userId, roleId: (await builtInRole("viewer")).id } });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "instance_admin_only" } } });
    expect(await db.membership.count({ where: { userId: stranger.principal.userId } })).toBe(0);
    // An organization key never reaches provisioning routes either.
    expect((await call("GET", "/api/v1/organizations", { key: orgKey })).body.error.code).toBe("instance_admin_only");
  });
});

describe("what an integrator can rely on", () => {
  async function orgWithKey() {
    const key = await provisioningKey();
    const slug = `strict-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const org = (await call("POST", "/api/v1/organizations", { key, body: { name: "Strict", slug, owner: { email: uniqueEmail("strict") } } })).body;
    const as = (method: string, path: string, body?: unknown, asKey = key) => call(method, path, { key: asKey, body, headers: { "tollgate-organization": slug } });
    return { key, slug, org, as };
  }

  it("refuses unknown fields, naming them, and unknown permissions with 400", async () => {
    const { org, as } = await orgWithKey();
    const owner = (await db.membership.findFirstOrThrow({ where: { orgId: org.id } })).userId;
    const typo = await as("POST", "/api/v1/authz/check", { subject: { type: "user", id: owner }, permission: "projects:raed" });
    expect(typo).toMatchObject({ status: 400, body: { error: { code: "unknown_permission" } } });
    const extra = await as("POST", "/api/v1/authz/check", { subject: { type: "user", id: owner }, permission: "projects:read", context: { tiem: "2030-01-01T00:00:00Z" } });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toContain("tiem");
    const extraGroup = await as("POST", "/api/v1/groups", { name: "G", colour: "red" });
    expect(extraGroup.status).toBe(400);
    expect(extraGroup.body.error.message).toContain("colour");
    expect(await db.group.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("names a project key's scope when it is denied outside its project", async () => {
    const { org, as } = await orgWithKey();
    const project = (await as("POST", "/api/v1/projects", { name: "Alpha", slug: "alpha" })).body;
    const other = (await as("POST", "/api/v1/projects", { name: "Beta", slug: "beta" })).body;
    const scoped = (await as("POST", "/api/v1/api-keys", { name: "alpha only", permissions: ["projects:read"], projectId: project.id })).body.apiKey;
    const ask = (resource: unknown) => as("POST", "/api/v1/authz/check", { subject: { type: "api_key", id: scoped.id }, permission: "projects:read", resource });
    expect((await ask({ type: "project", id: project.id })).body.allowed).toBe(true);
    const denied = (await ask({ type: "project", id: other.id })).body;
    expect(denied).toMatchObject({ allowed: false, reason: expect.stringContaining(`limited to project ${project.id}`) });
    expect((await ask(undefined)).body.reason).toContain("the whole organization");
    expect(org.id).toBeTruthy();
  });

  it("logs one decision per permission a request checks, and unknown API paths answer JSON 404", async () => {
    const { org, as } = await orgWithKey();
    const orgKey = (await as("POST", "/api/v1/api-keys", { name: "admin", roleId: (await builtInRole("admin")).id })).body.key;
    await flushDecisionLog();
    const before = await countDecisions(org.id, { permission: "groups:write" });
    expect((await call("POST", "/api/v1/groups", { key: orgKey, body: { name: "Once" } })).status).toBe(201);
    await flushDecisionLog();
    const rows = await loggedDecisions(org.id, { permission: "groups:write" });
    expect(rows.length - before).toBe(1);
    expect(rows.at(-1)).toMatchObject({ source: "api", allowed: true, principalType: "api_key" });
  });

  it("declares, edits and retires product permissions; a retired one leaves roles and becomes unknown", async () => {
    const { key, org, as } = await orgWithKey();
    const name = `reports${Date.now().toString(36)}:read`;
    expect((await call("POST", "/api/v1/product-permissions", { key, body: { key: name, description: "Read reports" } })).status).toBe(201);
    expect((await call("PATCH", `/api/v1/product-permissions/${name}`, { key, body: { description: "Read every report" } })).body.description).toBe("Read every report");
    const role = (await as("POST", "/api/v1/roles", { name: "Reporter", permissions: [name] })).body;
    const owner = (await db.membership.findFirstOrThrow({ where: { orgId: org.id } })).userId;
    expect((await as("POST", "/api/v1/authz/check", { subject: { type: "user", id: owner }, permission: name })).body.allowed).toBe(true);
    const retired = await call("DELETE", `/api/v1/product-permissions/${name}`, { key });
    expect(retired.body).toMatchObject({ key: name, rolesChanged: 1 });
    expect((await db.role.findUniqueOrThrow({ where: { id: role.id } })).permissions).toEqual([]);
    expect((await as("POST", "/api/v1/authz/check", { subject: { type: "user", id: owner }, permission: name })).body.error.code).toBe("unknown_permission");
    expect((await call("GET", "/api/v1/product-permissions", { key })).body.data.map((p: { key: string }) => p.key)).not.toContain(name);
  });
});
