// Groups of an organization's members. Grants to a group reach its members;
// SCIM fills groups later through the same functions.
import { z } from "zod";
import { db, type Db, type Tx } from "../db.ts";
import { Conflict, Forbidden, NotFound } from "../errors.ts";
import { actorOf, auditInsert, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { assertMayGive, missingWhereGranted } from "../authz/escalation.ts";
import { grantLimits } from "../authz/holdings.ts";
import { authzChangeStatement, authzChangeTransaction, authzTransaction, getOrgIndex } from "../authz/org-index-cache.ts";
import type { OrgCtx } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import { sql, sqlRows } from "../db/sql.ts";

const GroupName = z.string().trim().min(1, "Enter a name").max(80, "Name must be at most 80 characters");
export const CreateGroupInput = z.strictObject({ name: GroupName, description: z.string().trim().max(500).default("") });
export const UpdateGroupInput = z.strictObject({ groupId: z.uuid("Unknown group"), name: GroupName.optional(), description: z.string().trim().max(500).optional() });
export const GroupIdInput = z.strictObject({ groupId: z.uuid("Unknown group") });
export const GroupMemberInput = z.strictObject({ groupId: z.uuid("Unknown group"), userId: z.uuid("Choose a member") });

const nameTaken = (name: string) => new Conflict("group_name_taken", `A group named "${name}" exists already.`);

async function findGroup(ctx: OrgCtx, groupId: string) {
  const group = await db.group.findFirst({ where: { id: groupId, orgId: ctx.orgId }, select: { id: true, name: true, description: true } });
  if (!group) throw new NotFound("group_not_found", "Group not found.");
  return group;
}

/**
 * Joining or leaving a group (or its deletion) gives or takes away every grant
 * the group holds, so the caller must hold each grant's permissions (its
 * role's includes too) where that grant applies, as when granting directly;
 * and to give, in a way each grant fits inside, with its conditions.
 */
type GroupGrant = { roleId: string; projectId: string | null; validUntil: Date | null; ipCidrs: string[]; requireMfa: boolean; plans: string[] };

function groupGrants(tx: Db | Tx, ctx: OrgCtx, groupId: string): Promise<GroupGrant[]> {
  return tx.grant.findMany({ where: { orgId: ctx.orgId, groupId }, orderBy: { id: "asc" }, select: { roleId: true, projectId: true, validUntil: true, ipCidrs: true, requireMfa: true, plans: true } });
}

/** `reader`: the transaction the change runs in, if any (names for a refusal are read on it, not on a second connection). */
async function assertCanChangeWhatGroupGives(ctx: OrgCtx, group: { id: string; name: string }, grants: GroupGrant[], doing: string, giving: boolean, reader: Db | Tx = db) {
  if (grants.length === 0) return;
  // A role made since the caller's index was built is resolved from a fresh one.
  const roles = grants.every((g) => ctx.authz.roles.has(g.roleId)) ? ctx.authz.roles : (await getOrgIndex(ctx.orgId)).roles;
  // Names only for a refusal's message: read then, not on every change.
  const described = async (grant: (typeof grants)[number]) => {
    const project = grant.projectId ? await reader.project.findFirst({ where: { id: grant.projectId, orgId: ctx.orgId }, select: { name: true } }) : null;
    const roleName = roles.get(grant.roleId)?.name ?? (await reader.role.findUniqueOrThrow({ where: { id: grant.roleId }, select: { name: true } })).name;
    return `the ${roleName} role ${project ? `on project "${project.name}"` : "on the organization"}`;
  };
  for (const grant of grants) {
    const permissions = roles.get(grant.roleId)?.permissions ?? [];
    if (giving) {
      const give = (what: string) => assertMayGive(ctx, { permissions, projectId: grant.projectId, limits: grantLimits(grant) }, what);
      try {
        give("");
      } catch {
        // Refused: asked again to be refused in words that name the grant.
        give(`${doing} "${group.name}", which holds ${await described(grant)}`);
      }
      continue;
    }
    const missing = missingWhereGranted(ctx, permissions, grant.projectId);
    if (missing.length === 0) continue;
    throw new Forbidden("privilege_escalation", `You cannot ${doing} "${group.name}": the group holds ${await described(grant)}, and that needs ${missing.join(", ")}, which you do not hold.`);
  }
}

/**
 * For handing a group's membership to something else (an identity provider's
 * group claims): the caller must be able both to add members to it and to take
 * them out, as if they did each change themselves. Answers the group.
 */
export async function assertMayManageGroupMembers(ctx: OrgCtx, groupId: string, doing: string) {
  assertAllowed(ctx, "groups:write");
  const group = await findGroup(ctx, groupId);
  const grants = await groupGrants(db, ctx, group.id);
  await assertCanChangeWhatGroupGives(ctx, group, grants, doing, true);
  await assertCanChangeWhatGroupGives(ctx, group, grants, doing, false);
  return group;
}

const byName = keysetOrder({ path: "name", kind: "string", direction: "asc" }, { path: "id", kind: "uuid", direction: "asc" });

export async function listGroups<P extends PageRequest | undefined = undefined>(ctx: OrgCtx, page?: P) {
  assertAllowed(ctx, "groups:read");
  return keysetList(
    byName,
    page,
    (q) =>
      db.group.findMany({
        where: { AND: [{ orgId: ctx.orgId }, q.where] },
        orderBy: q.orderBy,
        take: q.take,
        select: { id: true, name: true, description: true, createdAt: true, _count: { select: { members: true } } },
      }),
    ({ _count, ...g }) => ({ ...g, memberCount: _count.members }),
  );
}

/** Whether the organization has this group (any string: a malformed id simply does not exist). */
export async function groupExists(ctx: OrgCtx, groupId: string): Promise<boolean> {
  assertAllowed(ctx, "groups:read");
  if (!z.uuid().safeParse(groupId).success) return false;
  return (await db.group.count({ where: { id: groupId, orgId: ctx.orgId } })) > 0;
}

export async function getGroup(ctx: OrgCtx, groupId: string) {
  assertAllowed(ctx, "groups:read");
  const group = await findGroup(ctx, groupId);
  const members = await db.groupMember.findMany({
    where: { groupId, orgId: ctx.orgId },
    orderBy: { createdAt: "asc" },
    select: { createdAt: true, user: { select: { id: true, email: true, name: true } } },
  });
  return { ...group, members: members.map((m) => ({ ...m.user, addedAt: m.createdAt })) };
}

export async function createGroup(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "groups:write");
  const input = CreateGroupInput.parse(raw);
  try {
    return await db.$transaction(async (tx) => {
      const group = await tx.group.create({ data: { orgId: ctx.orgId, ...input }, select: { id: true, name: true, description: true } });
      await recordAudit(tx, { action: "group.created", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "group", id: group.id }, meta: ctx, after: input });
      return group;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(input.name);
    throw error;
  }
}

export async function updateGroup(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "groups:write");
  const { groupId, ...changes } = UpdateGroupInput.parse(raw);
  const before = await findGroup(ctx, groupId);
  try {
    return await authzTransaction(ctx.orgId, async (tx) => {
      const group = await tx.group.update({ where: { id: groupId, orgId: ctx.orgId }, data: changes, select: { id: true, name: true, description: true } });
      await recordAudit(tx, {
        action: "group.updated",
        orgId: ctx.orgId,
        actor: actorOf(ctx),
        target: { type: "group", id: groupId },
        meta: ctx,
        before: { name: before.name, description: before.description },
        after: { name: group.name, description: group.description },
      });
      return group;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(changes.name ?? "");
    throw error;
  }
}

export async function deleteGroup(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "groups:write");
  const { groupId } = GroupIdInput.parse(raw);
  const before = await findGroup(ctx, groupId);
  await authzTransaction(ctx.orgId, async (tx) => {
    await assertCanChangeWhatGroupGives(ctx, before, await groupGrants(tx, ctx, before.id), "delete the group", false, tx);
    await tx.group.delete({ where: { id: groupId, orgId: ctx.orgId } });
    await recordAudit(tx, { action: "group.deleted", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "group", id: groupId }, meta: ctx, before: { name: before.name } });
  });
}

type GroupMemberFacts = {
  group: { id: string; name: string } | null;
  email: string | null;
  alreadyIn: boolean;
  grants: Array<Omit<GroupGrant, "validUntil"> & { validUntil: string | null }>;
};

export async function addGroupMember(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "groups:write");
  const { groupId, userId } = GroupMemberInput.parse(raw);
  // One read: the group (when it is this organization's), the user's address if a member, and what the group gives.
  const [facts] = await sqlRows<GroupMemberFacts>(sql`
    SELECT (SELECT json_build_object('id', g."id", 'name', g."name") FROM "Group" g WHERE g."id" = ${groupId}::uuid AND g."orgId" = ${ctx.orgId}::uuid) AS "group",
           (SELECT u."email" FROM "User" u JOIN "Membership" m ON m."userId" = u."id" AND m."orgId" = ${ctx.orgId}::uuid WHERE u."id" = ${userId}::uuid) AS "email",
           EXISTS (SELECT 1 FROM "GroupMember" gm WHERE gm."orgId" = ${ctx.orgId}::uuid AND gm."groupId" = ${groupId}::uuid AND gm."userId" = ${userId}::uuid) AS "alreadyIn",
           COALESCE((SELECT json_agg(json_build_object('roleId', gr."roleId", 'projectId', gr."projectId", 'validUntil', gr."validUntil", 'ipCidrs', gr."ipCidrs", 'requireMfa', gr."requireMfa", 'plans', gr."plans") ORDER BY gr."id")
                     FROM "Grant" gr WHERE gr."orgId" = ${ctx.orgId}::uuid AND gr."groupId" = ${groupId}::uuid), '[]'::json) AS "grants"`);
  const { group, email, alreadyIn } = facts!;
  if (!group) throw new NotFound("group_not_found", "Group not found.");
  if (email === null) throw new NotFound("member_not_found", "Only members of this organization can join its groups.");
  const alreadyInGroup = () => new Conflict("already_in_group", `${email} is already in ${group.name}.`);
  // One already in the group hears so before any refusal.
  if (alreadyIn) throw alreadyInGroup();
  const grants = facts!.grants.map((g) => ({ ...g, ipCidrs: g.ipCidrs ?? [], plans: g.plans ?? [], validUntil: g.validUntil ? new Date(g.validUntil) : null }));
  await assertCanChangeWhatGroupGives(ctx, group, grants, "add members to the group", true);
  try {
    await authzChangeStatement(
      ctx.orgId,
      sql`INSERT INTO "GroupMember" ("groupId", "userId", "orgId") VALUES (${groupId}::uuid, ${userId}::uuid, ${ctx.orgId}::uuid) RETURNING "groupId"`,
      [{ type: "group_member_added", groupId, userId }],
      [auditInsert({ action: "group.member_added", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "group", id: groupId }, meta: ctx, after: { group: group.name, email } })],
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyInGroup();
    throw error;
  }
}

export async function removeGroupMember(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "groups:write");
  const { groupId, userId } = GroupMemberInput.parse(raw);
  const group = await findGroup(ctx, groupId);
  await authzChangeTransaction(ctx.orgId, async (tx, changes) => {
    const { count } = await tx.groupMember.deleteMany({ where: { groupId, userId, orgId: ctx.orgId } });
    if (count === 0) throw new NotFound("group_member_not_found", "That user is not in this group.");
    changes.push({ type: "group_member_removed", groupId, userId });
    await assertCanChangeWhatGroupGives(ctx, group, await groupGrants(tx, ctx, group.id), "take members out of the group", false, tx);
    await recordAudit(tx, { action: "group.member_removed", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "group", id: groupId }, meta: ctx, before: { group: group.name, userId } });
  });
}
