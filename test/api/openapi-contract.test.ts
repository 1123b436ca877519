// The check that every answer matches the OpenAPI document (test/api-contract.ts),
// and the routes no other test reaches with a success, answered as documented.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { assertDocumentedAnswer } from "../api-contract.ts";
import { orgWithAdminKey, useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createUser, uniqueEmail } from "../helpers.ts";

const { call } = useMachineServer();

const project = { id: "0b6c1a5e-4a4e-4c57-9d3f-2a8a4f1f6e01", name: "Web", slug: "web", createdAt: "2026-01-02T03:04:05.000Z", updatedAt: "2026-01-02T03:04:05.000Z" };

describe("the contract check", () => {
  it("passes an answer as documented, and paths that are not /api/v1 routes", () => {
    expect(() => assertDocumentedAnswer("GET", `/api/v1/projects/${project.id}?x=1`, 200, project)).not.toThrow();
    expect(() => assertDocumentedAnswer("DELETE", `/api/v1/projects/${project.id}`, 204, null)).not.toThrow();
    expect(() => assertDocumentedAnswer("GET", "/api/health", 200, { status: "ok" })).not.toThrow();
  });

  it("refuses an undocumented field, a missing one, a wrong format, status or error", () => {
    const at = `/api/v1/projects/${project.id}`;
    expect(() => assertDocumentedAnswer("GET", at, 200, { ...project, secret: "x" })).toThrow(/Unrecognized key: "secret"/);
    expect(() => assertDocumentedAnswer("GET", at, 200, { ...project, slug: undefined })).toThrow(/slug/);
    expect(() => assertDocumentedAnswer("GET", at, 200, { ...project, createdAt: "yesterday" })).toThrow(/createdAt/);
    expect(() => assertDocumentedAnswer("POST", "/api/v1/projects", 200, project)).toThrow(/it documents 201/);
    expect(() => assertDocumentedAnswer("DELETE", `/api/v1/grants/${project.id}`, 409, { error: { code: "x", message: "y" } })).toThrow(/it documents 400, 401, 403, 404, 429/);
    expect(() => assertDocumentedAnswer("GET", at, 404, { error: { code: "x" } })).toThrow(/message/);
  });
});

describe("routes answered as documented", () => {
  it("groups, roles and invitations: list, get, change, resend, delete", async () => {
    const { adminKey: key } = await orgWithAdminKey();
    const group = (await call("POST", "/api/v1/groups", { key, body: { name: "Support", description: "First line" } })).body;
    expect((await call("GET", "/api/v1/groups", { key })).body.data).toEqual([expect.objectContaining({ id: group.id, memberCount: 0 })]);
    expect((await call("PATCH", `/api/v1/groups/${group.id}`, { key, body: { name: "Help" } })).body.name).toBe("Help");
    expect((await call("DELETE", `/api/v1/groups/${group.id}`, { key })).status).toBe(204);

    const role = (await call("POST", "/api/v1/roles", { key, body: { name: "Reader", permissions: ["projects:read"] } })).body;
    expect((await call("GET", `/api/v1/roles/${role.id}`, { key })).body).toMatchObject({ name: "Reader", isBuiltIn: false, includes: [] });
    expect((await call("PATCH", `/api/v1/roles/${role.id}`, { key, body: { description: "Reads projects" } })).body.description).toBe("Reads projects");
    expect((await call("DELETE", `/api/v1/roles/${role.id}`, { key })).status).toBe(204);

    const invitation = (await call("POST", "/api/v1/invitations", { key, body: { email: uniqueEmail("again"), roleId: (await builtInRole("viewer")).id } })).body;
    const resent = await call("POST", `/api/v1/invitations/${invitation.id}/resend`, { key });
    expect(resent.body.url).not.toBe(invitation.url);
  });

  it("organizations: list and get with a provisioning key", async () => {
    const { key } = await createInstanceKey(await createUser({ isInstanceAdmin: true }), { name: "sign-up" });
    const slug = `contract-${randomUUID().slice(0, 8)}`;
    const org = (await call("POST", "/api/v1/organizations", { key, body: { name: "Contract", slug, owner: { email: uniqueEmail("contract") } } })).body;
    expect((await call("GET", `/api/v1/organizations/${org.id}`, { key })).body).toMatchObject({ slug, memberCount: 1 });
    expect((await call("GET", "/api/v1/organizations?limit=200", { key })).status).toBe(200);
  });
});
