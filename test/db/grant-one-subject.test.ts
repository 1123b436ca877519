// The database itself refuses a grant without exactly one subject (user,
// group or API key): the Grant_one_subject CHECK constraint, added by hand in
// a migration because Prisma cannot express it, holds even for raw SQL that
// bypasses the domain code.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { createGroup } from "../../lib/groups/groups.ts";
import { builtInRole, createTestOrg } from "../helpers.ts";

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
});
afterAll(() => client.end());

type Subject = { userId: string | null; groupId: string | null; apiKeyId: string | null };

async function orgWithSubjects() {
  const { org, owner } = await createTestOrg();
  const group = await createGroup(owner, { name: "Ops" });
  const { apiKey } = await createApiKey(owner, { name: "ci", permissions: ["projects:read"] });
  const role = await builtInRole("viewer");
  return { orgId: org.id, roleId: role.id, userId: owner.principal.userId, groupId: group.id, apiKeyId: apiKey.id };
}

const insertGrant = (orgId: string, roleId: string, s: Subject) =>
  client.query(`INSERT INTO "Grant" (id, "orgId", "roleId", "userId", "groupId", "apiKeyId", "ipCidrs") VALUES ($1, $2, $3, $4, $5, $6, '{}')`, [
    randomUUID(),
    orgId,
    roleId,
    s.userId,
    s.groupId,
    s.apiKeyId,
  ]);

const grantCount = async (orgId: string) => Number((await client.query(`SELECT count(*) FROM "Grant" WHERE "orgId" = $1`, [orgId])).rows[0].count);

describe("the Grant_one_subject constraint", () => {
  it("accepts a grant to exactly one user, group or API key", async () => {
    const { orgId, roleId, userId, groupId, apiKeyId } = await orgWithSubjects();
    await insertGrant(orgId, roleId, { userId, groupId: null, apiKeyId: null });
    await insertGrant(orgId, roleId, { userId: null, groupId, apiKeyId: null });
    await insertGrant(orgId, roleId, { userId: null, groupId: null, apiKeyId });
    expect(await grantCount(orgId)).toBe(3);
  });

  it("refuses raw inserts with no subject or more than one, and writes nothing", async () => {
    const { orgId, roleId, userId, groupId, apiKeyId } = await orgWithSubjects();
    const wrong: Subject[] = [
      { userId: null, groupId: null, apiKeyId: null },
      { userId, groupId, apiKeyId: null },
      { userId, groupId: null, apiKeyId },
      { userId: null, groupId, apiKeyId },
      { userId, groupId, apiKeyId },
    ];
    for (const subject of wrong) {
      const error = await insertGrant(orgId, roleId, subject).catch((e: unknown) => e);
      expect(error, JSON.stringify(subject)).toMatchObject({ code: "23514", constraint: "Grant_one_subject" });
    }
    expect(await grantCount(orgId)).toBe(0);
  });

  it("refuses an update that takes a grant's subject away or adds a second one", async () => {
    const { orgId, roleId, userId, groupId } = await orgWithSubjects();
    await insertGrant(orgId, roleId, { userId, groupId: null, apiKeyId: null });
    const cleared = await client.query(`UPDATE "Grant" SET "userId" = NULL WHERE "orgId" = $1`, [orgId]).catch((e: unknown) => e);
    expect(cleared).toMatchObject({ code: "23514", constraint: "Grant_one_subject" });
    const doubled = await client.query(`UPDATE "Grant" SET "groupId" = $2 WHERE "orgId" = $1`, [orgId, groupId]).catch((e: unknown) => e);
    expect(doubled).toMatchObject({ code: "23514", constraint: "Grant_one_subject" });
    const { rows } = await client.query(`SELECT "userId", "groupId", "apiKeyId" FROM "Grant" WHERE "orgId" = $1`, [orgId]);
    expect(rows).toEqual([{ userId, groupId: null, apiKeyId: null }]);
  });
});
