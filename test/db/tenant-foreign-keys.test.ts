// The database itself keeps a grant or key inside its organization: a grant's
// group, API key and project, a key's project and an invitation's project
// roles are foreign keys that include orgId. They hold even for raw SQL that bypasses the domain code.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { createGroup } from "../../lib/groups/groups.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { builtInRole, createTestOrg } from "../helpers.ts";

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
});
afterAll(() => client.end());

async function orgWithThings(name: string) {
  const { org, owner } = await createTestOrg();
  const group = await createGroup(owner, { name });
  const project = await createProject(owner, { name, slug: name.toLowerCase() });
  const { apiKey } = await createApiKey(owner, { name, permissions: ["projects:read"] });
  return { orgId: org.id, userId: owner.principal.userId, groupId: group.id, projectId: project.id, apiKeyId: apiKey.id };
}

type GrantRow = { userId?: string; groupId?: string; apiKeyId?: string; projectId?: string };
const insertGrant = async (orgId: string, row: GrantRow) =>
  client.query(`INSERT INTO "Grant" (id, "orgId", "roleId", "userId", "groupId", "apiKeyId", "projectId", "ipCidrs") VALUES ($1, $2, $3, $4, $5, $6, $7, '{}')`, [
    randomUUID(),
    orgId,
    (await builtInRole("viewer")).id,
    row.userId ?? null,
    row.groupId ?? null,
    row.apiKeyId ?? null,
    row.projectId ?? null,
  ]);
const grantCount = async (orgId: string) => Number((await client.query(`SELECT count(*) FROM "Grant" WHERE "orgId" = $1`, [orgId])).rows[0].count);

describe("foreign keys that include the organization", () => {
  it("take a grant of the organization's own group, key and project", async () => {
    const a = await orgWithThings("Alpha");
    await insertGrant(a.orgId, { groupId: a.groupId, projectId: a.projectId });
    await insertGrant(a.orgId, { apiKeyId: a.apiKeyId, projectId: a.projectId });
    await insertGrant(a.orgId, { userId: a.userId, projectId: a.projectId });
    expect(await grantCount(a.orgId)).toBe(3);
  });

  it("refuse a grant that names another organization's group, key or project, and write nothing", async () => {
    const a = await orgWithThings("Alpha");
    const b = await orgWithThings("Bravo");
    await expect(insertGrant(a.orgId, { userId: a.userId, projectId: b.projectId })).rejects.toMatchObject({ code: "23503", constraint: "Grant_projectId_orgId_fkey" });
    await expect(insertGrant(a.orgId, { groupId: b.groupId })).rejects.toMatchObject({ code: "23503", constraint: "Grant_groupId_orgId_fkey" });
    await expect(insertGrant(a.orgId, { apiKeyId: b.apiKeyId })).rejects.toMatchObject({ code: "23503", constraint: "Grant_apiKeyId_orgId_fkey" });
    expect(await grantCount(a.orgId)).toBe(0);
  });

  it("refuse to scope a key to another organization's project", async () => {
    const a = await orgWithThings("Alpha");
    const b = await orgWithThings("Bravo");
    await expect(client.query(`UPDATE "ApiKey" SET "projectId" = $1 WHERE id = $2`, [b.projectId, a.apiKeyId])).rejects.toMatchObject({ code: "23503", constraint: "ApiKey_projectId_orgId_fkey" });
    await client.query(`UPDATE "ApiKey" SET "projectId" = $1 WHERE id = $2`, [a.projectId, a.apiKeyId]);
  });

  it("still go with what they name: deleting a project deletes its grants and the keys scoped to it", async () => {
    const a = await orgWithThings("Alpha");
    await insertGrant(a.orgId, { groupId: a.groupId, projectId: a.projectId });
    await client.query(`UPDATE "ApiKey" SET "projectId" = $1 WHERE id = $2`, [a.projectId, a.apiKeyId]);
    await client.query(`DELETE FROM "Project" WHERE id = $1`, [a.projectId]);
    expect(await grantCount(a.orgId)).toBe(0);
    expect((await client.query(`SELECT count(*)::int AS n FROM "ApiKey" WHERE id = $1`, [a.apiKeyId])).rows[0].n).toBe(0);
  });
  it("refuse an invitation's project role on another organization's project", async () => {
    const a = await orgWithThings("Alpha");
    const b = await orgWithThings("Bravo");
    const viewer = (await builtInRole("viewer")).id;
    const invitationId = randomUUID();
    await client.query(`INSERT INTO "Invitation" (id, "orgId", email, "roleId", "tokenHash", "expiresAt") VALUES ($1, $2, 'fk@example.test', $3, $4, now() + interval '1 day')`, [
      invitationId,
      a.orgId,
      viewer,
      randomUUID(),
    ]);
    const insert = (orgId: string, projectId: string) =>
      client.query(`INSERT INTO "InvitationGrant" (id, "orgId", "invitationId", "roleId", "projectId") VALUES ($1, $2, $3, $4, $5)`, [randomUUID(), orgId, invitationId, viewer, projectId]);
    await expect(insert(a.orgId, b.projectId)).rejects.toMatchObject({ code: "23503", constraint: "InvitationGrant_projectId_orgId_fkey" });
    // Nor by claiming the other organization: the invitation is not of it.
    await expect(insert(b.orgId, b.projectId)).rejects.toMatchObject({ code: "23503", constraint: "InvitationGrant_invitationId_orgId_fkey" });
    await insert(a.orgId, a.projectId);
  });
  it("still go with what they name: deleting a group or a key deletes its grants", async () => {
    const a = await orgWithThings("Alpha");
    await insertGrant(a.orgId, { groupId: a.groupId });
    await insertGrant(a.orgId, { apiKeyId: a.apiKeyId });
    await client.query(`DELETE FROM "Group" WHERE id = $1`, [a.groupId]);
    expect(await grantCount(a.orgId)).toBe(1);
    await client.query(`DELETE FROM "ApiKey" WHERE id = $1`, [a.apiKeyId]);
    expect(await grantCount(a.orgId)).toBe(0);
  });

  it("never move a project, group or key to another organization under the grants that name it", async () => {
    const a = await orgWithThings("Alpha");
    const b = await orgWithThings("Bravo");
    await insertGrant(a.orgId, { groupId: a.groupId, projectId: a.projectId });
    await expect(client.query(`UPDATE "Project" SET "orgId" = $1 WHERE id = $2`, [b.orgId, a.projectId])).rejects.toMatchObject({ code: "23503" });
    await expect(client.query(`UPDATE "Group" SET "orgId" = $1 WHERE id = $2`, [b.orgId, a.groupId])).rejects.toMatchObject({ code: "23503" });
  });

  it("refuse an instance key (no organization) scoped to a project, which the key above could not check", async () => {
    const a = await orgWithThings("Alpha");
    await expect(client.query(`UPDATE "ApiKey" SET "orgId" = NULL, "projectId" = $1 WHERE id = $2`, [a.projectId, a.apiKeyId])).rejects.toMatchObject({
      code: "23514",
      constraint: "ApiKey_project_needs_org",
    });
  });
});
