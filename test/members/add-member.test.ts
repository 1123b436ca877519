// POST /api/v1/members with a provisioning key: the role must be one the
// organization may give (built-in or its own); another organization's custom
// role, or a user that does not exist, is NotFound and adds nobody.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { db } from "../../lib/db.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createTestOrg, createUser } from "../helpers.ts";

const { call } = useMachineServer();

describe("adding an existing user to an organization", () => {
  it("refuses another organization's custom role and an unknown user, and adds with the organization's own role", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const { key } = await createInstanceKey(admin, { name: "provisioning" });
    const a = await createTestOrg();
    const b = await createTestOrg();
    const theirs = await createRole(b.owner, { name: "Theirs", permissions: ["audit:read"] });
    const ours = await createRole(a.owner, { name: "Ours", permissions: ["audit:read"] });
    const user = await createUser();
    const add = (body: unknown) => call("POST", "/api/v1/members", { key, body, headers: { "tollgate-organization": a.org.id } });

    expect(await add({ userId: user.principal.userId, roleId: theirs.id })).toMatchObject({ status: 404, body: { error: { code: "role_not_found" } } });
    expect(await add({ userId: randomUUID(), roleId: (await builtInRole("viewer")).id })).toMatchObject({ status: 404, body: { error: { code: "user_not_found" } } });
    expect(await db.membership.count({ where: { orgId: a.org.id, userId: user.principal.userId } })).toBe(0);

    const added = await add({ userId: user.principal.userId, roleId: ours.id });
    expect(added).toMatchObject({ status: 201, body: { userId: user.principal.userId, role: { id: ours.id, name: "Ours", isOwner: false } } });
    expect(await db.auditEvent.count({ where: { orgId: a.org.id, action: "member.added", targetId: user.principal.userId } })).toBe(1);
  });

  it("names a user by email as people paste it: spaces around and capitals are fine", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const { key } = await createInstanceKey(admin, { name: "provisioning" });
    const { org } = await createTestOrg();
    const user = await createUser();
    const pasted = `  ${user.principal.email.toUpperCase()} `;
    const added = await call("POST", "/api/v1/members", { key, body: { email: pasted, roleId: (await builtInRole("viewer")).id }, headers: { "tollgate-organization": org.id } });
    expect(added).toMatchObject({ status: 201, body: { userId: user.principal.userId } });
  });
});
