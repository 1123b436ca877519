import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, Invalid, NotFound } from "../../lib/errors.ts";
import { createRole, getRole, listRoles, updateRole } from "../../lib/roles/roles.ts";
import { auditActions, builtInRole, createTestOrg } from "../helpers.ts";
import { auditEvent, declarePermission, thrown } from "../grants/fixtures.ts";

describe("createRole", () => {
  it("creates a custom role with sorted, de-duplicated permissions and records role.created", async () => {
    const { org, owner } = await createTestOrg();
    const role = await createRole(owner, { name: "  Auditor ", description: "Reads the log", permissions: ["audit:read", "organization:read", "audit:read"] });

    expect(role).toMatchObject({
      name: "Auditor",
      key: "auditor",
      description: "Reads the log",
      permissions: ["audit:read", "organization:read"],
      includes: [],
      isBuiltIn: false,
      isOwner: false,
      orgId: org.id,
    });
    expect(await auditActions(org.id)).toEqual(["organization.created", "role.created"]);
    const event = await auditEvent(org.id, "role.created");
    expect(event).toMatchObject({ actorId: owner.principal.userId, targetType: "role", targetId: role.id, after: { name: "Auditor", permissions: ["audit:read", "organization:read"], includes: [] } });
  });

  it("refuses a permission that is neither Tollgate's nor declared with Invalid unknown_permission and creates nothing", async () => {
    const { org, owner } = await createTestOrg();
    const error = await thrown(() => createRole(owner, { name: "Widgets", permissions: ["organization:read", "widgets:fly"] }));
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: "unknown_permission" });
    expect(error.message).toContain('"widgets:fly"');
    expect(await db.role.count({ where: { orgId: org.id } })).toBe(0);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("rejects a permission that is not shaped resource:action with a ZodError", async () => {
    const { owner } = await createTestOrg();
    await expect(createRole(owner, { name: "Odd", permissions: ["Traces Read"] })).rejects.toBeInstanceOf(ZodError);
    await expect(createRole(owner, { name: "", permissions: [] })).rejects.toBeInstanceOf(ZodError);
  });

  it("lets an owner use a product permission once an instance admin has declared it", async () => {
    const { org, owner } = await createTestOrg();
    const permission = await declarePermission("traces", "read");
    // Regression test for a bug found in review (see the commit that fixed it).
    const role = await createRole(owner, { name: "Trace reader", permissions: [permission] });
    expect(role.permissions).toEqual([permission]);
    expect(await db.role.count({ where: { orgId: org.id } })).toBe(1);
  });

  it("refuses a second role with the same name, also when only case and punctuation differ, with Conflict role_name_taken", async () => {
    const { org, owner } = await createTestOrg();
    await createRole(owner, { name: "Trace Reader", permissions: ["organization:read"] });
    for (const name of ["Trace Reader", "trace-reader"]) {
      const error = await thrown(() => createRole(owner, { name, permissions: ["organization:read"] }));
      expect(error).toBeInstanceOf(Conflict);
      expect(error).toMatchObject({ code: "role_name_taken" });
    }
    expect(await db.role.count({ where: { orgId: org.id } })).toBe(1);
  });

  it("allows the same role name in two organizations", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    await createRole(a.owner, { name: "Support", permissions: ["members:read"] });
    await expect(createRole(b.owner, { name: "Support", permissions: ["members:read"] })).resolves.toMatchObject({ orgId: b.org.id });
  });

  it("keeps two distinct names that have no latin letters apart", async () => {
    const { org, owner } = await createTestOrg();
    await createRole(owner, { name: "Бухгалтер", permissions: ["billing:read"] });
    // Regression test for a bug found in review (see the commit that fixed it).
    await expect(createRole(owner, { name: "Аудитор", permissions: ["audit:read"] })).resolves.toMatchObject({ name: "Аудитор" });
    expect(await db.role.count({ where: { orgId: org.id } })).toBe(2);
  });

  it.each(["member", "viewer"] as const)("answers a %s with Forbidden and creates nothing", async (key) => {
    const { org, addMember } = await createTestOrg();
    const caller = await addMember(key);
    const error = await thrown(() => createRole(caller, { name: "Mine", permissions: ["organization:read"] }));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
    expect(await db.role.count({ where: { orgId: org.id } })).toBe(0);
  });
});

describe("updateRole", () => {
  it("renames a role, changes its permissions and records role.updated with before and after", async () => {
    const { org, owner } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", description: "old", permissions: ["audit:read"] });
    const updated = await updateRole(owner, { roleId: role.id, name: "Log reader", description: "new", permissions: ["decisions:read", "audit:read"] });

    expect(updated).toMatchObject({ id: role.id, name: "Log reader", key: "log-reader", description: "new", permissions: ["audit:read", "decisions:read"] });
    const event = await auditEvent(org.id, "role.updated");
    expect(event).toMatchObject({
      targetType: "role",
      targetId: role.id,
      before: { name: "Auditor", description: "old", permissions: ["audit:read"], includes: [] },
      after: { name: "Log reader", description: "new", permissions: ["audit:read", "decisions:read"], includes: [] },
    });
  });

  it("keeps what is not given: a description-only change leaves name and permissions", async () => {
    const { owner } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const updated = await updateRole(owner, { roleId: role.id, description: "Reads the audit log" });
    expect(updated).toMatchObject({ name: "Auditor", key: "auditor", permissions: ["audit:read"], description: "Reads the audit log" });
  });

  it("refuses an unknown permission with Invalid unknown_permission and changes nothing", async () => {
    const { owner } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const error = await thrown(() => updateRole(owner, { roleId: role.id, permissions: ["audit:read", "widgets:fly"] }));
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: "unknown_permission" });
    expect((await db.role.findUniqueOrThrow({ where: { id: role.id } })).permissions).toEqual(["audit:read"]);
  });

  it("refuses renaming onto another role's name with Conflict role_name_taken", async () => {
    const { owner } = await createTestOrg();
    await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const other = await createRole(owner, { name: "Support", permissions: ["members:read"] });
    const error = await thrown(() => updateRole(owner, { roleId: other.id, name: "auditor" }));
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "role_name_taken" });
    expect((await db.role.findUniqueOrThrow({ where: { id: other.id } })).name).toBe("Support");
  });

  it.each(["owner", "admin", "member", "viewer"] as const)("refuses to change the built-in %s role with Invalid built_in_role", async (key) => {
    const { owner } = await createTestOrg();
    const builtIn = await builtInRole(key);
    const error = await thrown(() => updateRole(owner, { roleId: builtIn.id, name: "Renamed", permissions: ["organization:read"] }));
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: "built_in_role" });
    expect(await db.role.findUniqueOrThrow({ where: { id: builtIn.id } })).toMatchObject({ name: builtIn.name, permissions: builtIn.permissions });
  });

  it("answers a viewer with Forbidden and changes nothing", async () => {
    const { owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const viewer = await addMember("viewer");
    const error = await thrown(() => updateRole(viewer, { roleId: role.id, name: "Hacked" }));
    expect(error).toBeInstanceOf(Forbidden);
    expect((await db.role.findUniqueOrThrow({ where: { id: role.id } })).name).toBe("Auditor");
  });

  it("answers another organization's role id with NotFound role_not_found and leaves it alone", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const theirs = await createRole(b.owner, { name: "Theirs", permissions: ["audit:read"] });
    const error = await thrown(() => updateRole(a.owner, { roleId: theirs.id, name: "Mine now" }));
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "role_not_found" });
    expect((await db.role.findUniqueOrThrow({ where: { id: theirs.id } })).name).toBe("Theirs");
  });
});

describe("listRoles and getRole", () => {
  it("lists the built-in roles first, then this organization's own, never another organization's", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    await createRole(a.owner, { name: "Zeta", permissions: ["audit:read"] });
    await createRole(a.owner, { name: "Alpha", permissions: ["audit:read"] });
    await createRole(b.owner, { name: "Other org role", permissions: ["audit:read"] });
    const viewer = await a.addMember("viewer");

    const names = (await listRoles(viewer)).map((r) => r.name);
    expect(names).toEqual(["Owner", "Admin", "Member", "Billing", "Viewer", "Alpha", "Zeta"]);
  });

  it("gets one role with its included role ids, and answers unknown or foreign ids with NotFound", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const base = await createRole(a.owner, { name: "Base", permissions: ["audit:read"] });
    const top = await createRole(a.owner, { name: "Top", permissions: ["decisions:read"], includes: [base.id] });
    expect(await getRole(a.owner, top.id)).toMatchObject({ id: top.id, name: "Top", includes: [base.id] });
    expect(await getRole(a.owner, (await builtInRole("viewer")).id)).toMatchObject({ name: "Viewer", isBuiltIn: true });

    const theirs = await createRole(b.owner, { name: "Theirs", permissions: ["audit:read"] });
    for (const id of [theirs.id, randomUUID()]) {
      const error = await thrown(() => getRole(a.owner, id));
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({ code: "role_not_found" });
    }
  });
});
