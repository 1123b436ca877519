// A change made as one SQL statement (authzChangeStatement) is all or
// nothing: its row, the statements alongside it (the audit row) and the
// version bump happen together, or none of them does.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { auditInsert } from "../../lib/audit/record-audit.ts";
import { authzChangeStatement, getOrgIndex } from "../../lib/authz/org-index-cache.ts";
import { db } from "../../lib/db.ts";
import { sql } from "../../lib/db/sql.ts";
import { createTestOrg } from "../helpers.ts";

async function versionOf(orgId: string) {
  return (await db.organization.findUniqueOrThrow({ where: { id: orgId }, select: { authzVersion: true } })).authzVersion;
}

const insertGroup = (orgId: string, id: string, name: string) =>
  sql`INSERT INTO "Group" ("id", "orgId", "name", "updatedAt") VALUES (${id}::uuid, ${orgId}::uuid, ${name}, now()) RETURNING "id", "name"`;

const audit = (orgId: string, id: string) =>
  auditInsert({ action: "group.created", orgId, actor: { userId: null, email: "test" }, target: { type: "group", id }, meta: { ip: null, userAgent: null }, after: { id } });

describe("authzChangeStatement", () => {
  it("writes the row, the audit row and the new version together, and the process learns the version", async () => {
    const { org } = await createTestOrg();
    const before = await versionOf(org.id);
    const id = randomUUID();
    const row = await authzChangeStatement<{ id: string; name: string }>(org.id, insertGroup(org.id, id, "Editors"), [], [audit(org.id, id)]);
    expect(row).toEqual({ id, name: "Editors" });
    expect(await versionOf(org.id)).toBe(before + 1);
    expect(await db.auditEvent.count({ where: { orgId: org.id, targetId: id } })).toBe(1);
    expect((await getOrgIndex(org.id)).version).toBe(before + 1);
  });

  it("changes nothing when the change finds no row", async () => {
    const { org } = await createTestOrg();
    const before = await versionOf(org.id);
    const id = randomUUID();
    const row = await authzChangeStatement(org.id, sql`UPDATE "Group" SET "name" = 'x' WHERE "id" = ${id}::uuid RETURNING "id"`, [], [audit(org.id, id)]);
    expect(row).toBeNull();
    expect(await versionOf(org.id)).toBe(before);
    expect(await db.auditEvent.count({ where: { orgId: org.id, targetId: id } })).toBe(0);
  });

  it("changes nothing when a statement alongside fails", async () => {
    const { org } = await createTestOrg();
    const before = await versionOf(org.id);
    const id = randomUUID();
    const failing = sql`INSERT INTO "AuditEvent" ("id", "action", "targetType") SELECT ${"not a uuid"}::uuid, 'x', 'y'`;
    await expect(authzChangeStatement(org.id, insertGroup(org.id, id, "Editors"), [], [failing])).rejects.toMatchObject({ code: "22P02" });
    expect(await db.group.count({ where: { id } })).toBe(0);
    expect(await versionOf(org.id)).toBe(before);
  });

  it("leaves nothing behind when the database refuses the change (here: no such organization)", async () => {
    const { org } = await createTestOrg();
    const missingOrg = randomUUID();
    await expect(authzChangeStatement(org.id, insertGroup(missingOrg, randomUUID(), "Elsewhere"), [])).rejects.toMatchObject({ code: "23503" });
    expect(await db.group.count({ where: { orgId: missingOrg } })).toBe(0);
  });
});
