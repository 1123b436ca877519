// Small writes (grants, group members, memberships) move the cached index
// forward instead of reloading it, and what they make is exactly what a
// reload would: in the writing process at once, and in another process from
// the NOTIFY.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { authzTransaction, loadOrgIndex, getOrgIndex, startAuthzListener, stopAuthzListener } from "../../lib/authz/org-index-cache.ts";
import { grantChangeRow, type AuthzChange } from "../../lib/authz/org-index-changes.ts";
import type { OrgIndex } from "../../lib/authz/org-index.ts";
import type { OrgCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { createGrant, deleteGrant } from "../../lib/grants/grants.ts";
import { addGroupMember, createGroup, removeGroupMember } from "../../lib/groups/groups.ts";
import { addMember } from "../../lib/members/add-member.ts";
import { changeMemberRole, removeMember } from "../../lib/members/members.ts";
import { builtInRole, createTestOrg, createUser, meta } from "../helpers.ts";

afterAll(() => stopAuthzListener());

/** What decide() reads of an index, in a stable order, for comparing. */
function picture(index: OrgIndex) {
  const sorted = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    version: index.version,
    memberRole: sorted([...index.memberRole].map(([user, role]) => [user, role.id])),
    userByEmail: sorted(index.userByEmail),
    userGroups: sorted([...index.userGroups].map(([user, groups]) => [user, [...groups].sort()])),
    grantsBySubject: sorted(
      [...index.grantsBySubject].map(([subject, grants]) => [
        subject,
        grants.map((g) => ({ ...g, role: g.role.id, ipRanges: g.ipRanges?.map(([range, bits]) => `${range.toString()}/${bits}`) ?? null })),
      ]),
    ),
  };
}

async function expectSameAsReload(orgId: string, index: OrgIndex) {
  expect(picture(index)).toEqual(picture(await loadOrgIndex(orgId)));
}

function instanceKeyCtx(org: { id: string; slug: string }, authz: OrgIndex): OrgCtx {
  return {
    ...meta(),
    principal: { type: "api_key", keyId: randomUUID(), name: "provisioning", display: "tg_live_x_…abcd", projectId: null, instance: true },
    orgId: org.id,
    orgSlug: org.slug,
    membership: null,
    authz,
    mfa: false,
    decided: new Map(),
  };
}

describe("small authorization writes", () => {
  it("move the writer's cached index forward to what a reload gives, without reloading", async () => {
    const { org, owner, addMember: join } = await createTestOrg();
    const viewer = await join("viewer");
    const member = await join("member");
    const [viewerRole, memberRole] = [await builtInRole("viewer"), await builtInRole("member")];
    const project = await authzTransaction(org.id, (tx) => tx.project.create({ data: { orgId: org.id, name: "P", slug: "p" } }));
    const group = await createGroup(owner, { name: "Team" });
    const first = await getOrgIndex(org.id);
    const ctx = () => ({ ...owner, authz: first, decided: new Map() });
    // A reload builds new roles; moving forward keeps them.
    const step = async (write: () => Promise<unknown>) => {
      const before = await getOrgIndex(org.id);
      await write();
      const after = await getOrgIndex(org.id);
      expect(after.version).toBe(before.version + 1);
      expect(after.roles).toBe(first.roles);
      await expectSameAsReload(org.id, after);
      return after;
    };

    await step(() => createGrant(ctx(), { roleId: memberRole.id, subject: { type: "user", id: viewer.principal.userId }, projectId: project.id }));
    const toUser = await db.grant.findFirstOrThrow({ where: { orgId: org.id, userId: viewer.principal.userId } });
    await step(() =>
      createGrant(ctx(), {
        roleId: viewerRole.id,
        subject: { type: "group", id: group.id },
        conditions: { validUntil: new Date(Date.now() + 86_400_000).toISOString(), ipCidrs: ["10.0.0.0/8"], requireMfa: true },
      }),
    );
    await step(() => addGroupMember(ctx(), { groupId: group.id, userId: member.principal.userId }));
    await step(() => addGroupMember(ctx(), { groupId: group.id, userId: viewer.principal.userId }));
    const index = await step(() => changeMemberRole(ctx(), { userId: member.principal.userId, roleId: viewerRole.id }));
    expect(index.memberRole.get(member.principal.userId)?.id).toBe(viewerRole.id);
    const outsider = await createUser();
    await step(() => addMember(instanceKeyCtx(org, first), { userId: outsider.principal.userId, roleId: memberRole.id }));
    await step(() => removeGroupMember(ctx(), { groupId: group.id, userId: member.principal.userId }));
    await step(() => deleteGrant(ctx(), { grantId: toUser.id }));
    const last = await step(() => removeMember(ctx(), { userId: viewer.principal.userId }));
    expect(last.memberRole.has(viewer.principal.userId)).toBe(false);
    expect(last.userGroups.has(viewer.principal.userId)).toBe(false);
  });

  it("move another process's index forward from the NOTIFY, and make it reload when a version is missing", async () => {
    await startAuthzListener(process.env.DATABASE_URL!);
    const { org, addMember: join } = await createTestOrg();
    const viewer = await join("viewer");
    const memberRole = await builtInRole("member");
    const before = await getOrgIndex(org.id);
    const version = before.version;
    // Another process writes a grant and announces it with its change.
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    const announce = async (sql: string, params: unknown[], change: (row: Record<string, unknown>) => AuthzChange | null) => {
      await other.query("BEGIN");
      const { rows } = await other.query(sql, params);
      const change_ = change(rows[0]);
      const { rows: bumped } = await other.query(`UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1 WHERE id = $1 RETURNING "authzVersion"`, [org.id]);
      await other.query(`SELECT pg_notify('tollgate_authz', $1)`, [JSON.stringify({ org: org.id, version: bumped[0].authzVersion, changes: change_ ? [change_] : null })]);
      await other.query("COMMIT");
    };
    await announce(
      `INSERT INTO "Grant" (id, "orgId", "roleId", "userId", "ipCidrs") VALUES (gen_random_uuid(), $1, $2, $3, '{}') RETURNING *`,
      [org.id, memberRole.id, viewer.principal.userId],
      (row) => ({
        type: "grant_added",
        grant: grantChangeRow(row as never),
      }),
    );
    await expect.poll(async () => (await getOrgIndex(org.id)).version, { timeout: 2_000, interval: 20 }).toBe(version + 1);
    const moved = await getOrgIndex(org.id);
    expect(moved.roles).toBe(before.roles);
    expect(moved.grantsBySubject.get(`user:${viewer.principal.userId}`)).toHaveLength(1);
    await expectSameAsReload(org.id, moved);

    // A change whose predecessor was never announced (a lost NOTIFY): the index is not moved past the gap, it is reloaded.
    await other.query(`INSERT INTO "Project" (id, "orgId", name, slug, "updatedAt") VALUES (gen_random_uuid(), $1, 'Remote', 'remote', now())`, [org.id]);
    await other.query(`UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1 WHERE id = $1`, [org.id]);
    await announce(
      `INSERT INTO "Grant" (id, "orgId", "roleId", "userId", "ipCidrs") VALUES (gen_random_uuid(), $1, $2, $3, '{}') RETURNING *`,
      [org.id, memberRole.id, viewer.principal.userId],
      (row) => ({
        type: "grant_added",
        grant: grantChangeRow(row as never),
      }),
    );
    await expect.poll(async () => (await getOrgIndex(org.id)).version, { timeout: 2_000, interval: 20 }).toBe(version + 3);
    const reloaded = await getOrgIndex(org.id);
    expect(reloaded.projects.size).toBe(1);
    expect(reloaded.grantsBySubject.get(`user:${viewer.principal.userId}`)).toHaveLength(2);
    expect(reloaded.roles).not.toBe(before.roles);
    await other.end();
    await stopAuthzListener();
  });

  it("move an index forward when versions are learned out of order (the writer's own commits can finish so)", async () => {
    await startAuthzListener(process.env.DATABASE_URL!);
    const { org, addMember: join } = await createTestOrg();
    const viewer = await join("viewer");
    const memberRole = await builtInRole("member");
    // The member's join may still be on its way to this process's index: start from the version the database holds.
    const { authzVersion } = await db.organization.findUniqueOrThrow({ where: { id: org.id }, select: { authzVersion: true } });
    await expect.poll(async () => (await getOrgIndex(org.id)).version, { timeout: 2_000, interval: 20 }).toBe(authzVersion);
    const before = await getOrgIndex(org.id);
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    await other.query("BEGIN");
    const insert = `INSERT INTO "Grant" (id, "orgId", "roleId", "userId", "ipCidrs") VALUES (gen_random_uuid(), $1, $2, $3, '{}') RETURNING *`;
    const [first, second] = [
      (await other.query(insert, [org.id, memberRole.id, viewer.principal.userId])).rows[0],
      (await other.query(insert, [org.id, memberRole.id, viewer.principal.userId])).rows[0],
    ];
    await other.query(`UPDATE "Organization" SET "authzVersion" = "authzVersion" + 2 WHERE id = $1`, [org.id]);
    await other.query("COMMIT");
    const notify = (version: number, row: Record<string, unknown>) =>
      other.query(`SELECT pg_notify('tollgate_authz', $1)`, [JSON.stringify({ org: org.id, version, changes: [{ type: "grant_added", grant: grantChangeRow(row as never) }] })]);
    await notify(before.version + 2, second);
    await notify(before.version + 1, first);
    await expect.poll(async () => (await getOrgIndex(org.id)).version, { timeout: 2_000, interval: 20 }).toBe(before.version + 2);
    const moved = await getOrgIndex(org.id);
    expect(moved.roles).toBe(before.roles);
    expect(moved.grantsBySubject.get(`user:${viewer.principal.userId}`)).toHaveLength(2);
    await expectSameAsReload(org.id, moved);
    await other.end();
    await stopAuthzListener();
  });
});
