// Members of an organization: list, change role, remove, leave.
import { db, type Tx } from "../db.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { actorOf, auditInsert, recordAudit, type AuditEventInput } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { assertHoldsAll, assertMayGive } from "../authz/escalation.ts";
import { UNCONDITIONED } from "../authz/holdings.ts";
import { authzChangeStatement, authzChangeTransaction, getOrgIndex } from "../authz/org-index-cache.ts";
import { userIdOf, type OrgCtx } from "../context.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import { sql, sqlRows, type Sql } from "../db/sql.ts";
import { countOwners, lockOrganization } from "../orgs/lock-organization.ts";
import { assertCallerIsOwner } from "./owner-only.ts";
import { ChangeMemberRoleInput, RemoveMemberInput } from "./schemas.ts";

/** A role's permissions including those of the roles it includes (from a fresh index if the caller's predates the role). */
export async function rolePermissions(ctx: OrgCtx, role: { id: string; name: string }): Promise<string[]> {
  const indexed = ctx.authz.roles.get(role.id) ?? (await getOrgIndex(ctx.orgId)).roles.get(role.id);
  if (!indexed) throw new NotFound("role_not_found", "Role not found.");
  return [...indexed.permissions];
}

/**
 * A membership role has no end date, networks or MFA condition: whoever gives
 * one (changing a member's role, inviting) must hold its permissions in the same way.
 */
export function assertMayGiveMembershipRole(ctx: OrgCtx, permissions: Iterable<string>, what: string) {
  assertMayGive(ctx, { permissions, projectId: null, limits: UNCONDITIONED }, what, {
    note: "A member's role has no end date, network limit or MFA condition: ask someone who holds these permissions without one.",
  });
}

const byRoleThenAge = keysetOrder({ path: "role.position", kind: "int", direction: "asc" }, { path: "createdAt", kind: "date", direction: "asc" }, { path: "id", kind: "uuid", direction: "asc" });

/** Members whose email or name holds `search` (any case); all of them without one. */
function memberFilter(ctx: OrgCtx, search?: string) {
  // Prisma's contains is a LIKE: its wildcards in the text are matched as themselves.
  const text = search?.trim().replace(/[\\%_]/g, "\\$&");
  return {
    orgId: ctx.orgId,
    ...(text && { user: { OR: [{ email: { contains: text, mode: "insensitive" as const } }, { name: { contains: text, mode: "insensitive" as const } }] } }),
  };
}

export async function listMembers<P extends PageRequest | undefined = undefined>(ctx: OrgCtx, page?: P, search?: string) {
  assertAllowed(ctx, "members:read");
  return keysetList(
    byRoleThenAge,
    page,
    (q) =>
      db.membership.findMany({
        where: { AND: [memberFilter(ctx, search), q.where] },
        orderBy: q.orderBy,
        take: q.take,
        select: {
          id: true,
          createdAt: true,
          user: { select: { id: true, email: true, name: true } },
          role: { select: { id: true, name: true, isOwner: true, position: true } },
        },
      }),
    ({ role: { position: _position, ...role }, ...member }) => ({ ...member, role }),
  );
}

/** How many members match `search` (all of them without one). */
export async function countMembers(ctx: OrgCtx, search?: string) {
  assertAllowed(ctx, "members:read");
  return db.membership.count({ where: memberFilter(ctx, search) });
}

/** Roles this organization can assign: built-in ones and its own. */
export async function listAssignableRoles(ctx: OrgCtx) {
  assertAllowed(ctx, "roles:read");
  return db.role.findMany({
    where: { OR: [{ orgId: null, isBuiltIn: true }, { orgId: ctx.orgId }] },
    orderBy: [{ position: "asc" }, { name: "asc" }],
    select: { id: true, key: true, name: true, description: true, permissions: true, isOwner: true },
  });
}

export type AssignableRole = { id: string; name: string; isOwner: boolean; permissions: string[] };

/** The role as JSON (NULL when there is none) if the organization may give it: a built-in one or its own. */
export function assignableRoleJson(orgId: string, roleId: string): Sql {
  return sql`(SELECT json_build_object('id', r."id", 'name', r."name", 'isOwner', r."isOwner", 'permissions', r."permissions") FROM "Role" r
              WHERE r."id" = ${roleId}::uuid AND ((r."orgId" IS NULL AND r."isBuiltIn") OR r."orgId" = ${orgId}::uuid))`;
}

export async function findAssignableRole(ctx: OrgCtx, roleId: string): Promise<AssignableRole> {
  const [row] = await sqlRows<{ role: AssignableRole | null }>(sql`SELECT ${assignableRoleJson(ctx.orgId, roleId)} AS "role"`);
  if (!row?.role) throw new NotFound("role_not_found", "Role not found.");
  return row.role;
}

type MemberRow = { id: string; userId: string; email: string; roleId: string; roleName: string; isOwner: boolean };

/** The member a change is about, with their address and role, in one read. */
async function findMember(tx: Tx, orgId: string, ref: { userId?: string; membershipId?: string }) {
  const [row] = ref.userId
    ? await tx.$queryRaw<MemberRow[]>`
        SELECT m."id", m."userId", u."email", r."id" AS "roleId", r."name" AS "roleName", r."isOwner"
        FROM "Membership" m JOIN "User" u ON u."id" = m."userId" JOIN "Role" r ON r."id" = m."roleId"
        WHERE m."orgId" = ${orgId}::uuid AND m."userId" = ${ref.userId}::uuid`
    : await tx.$queryRaw<MemberRow[]>`
        SELECT m."id", m."userId", u."email", r."id" AS "roleId", r."name" AS "roleName", r."isOwner"
        FROM "Membership" m JOIN "User" u ON u."id" = m."userId" JOIN "Role" r ON r."id" = m."roleId"
        WHERE m."orgId" = ${orgId}::uuid AND m."id" = ${ref.membershipId}::uuid`;
  return row ? { id: row.id, user: { id: row.userId, email: row.email }, role: { id: row.roleId, name: row.roleName, isOwner: row.isOwner } } : null;
}

type RoleChangeFacts = {
  role: AssignableRole | null;
  member: { id: string; userId: string; email: string; roleId: string; roleName: string; isOwner: boolean } | null;
};

export async function changeMemberRole(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "members:update");
  const input = ChangeMemberRoleInput.parse(raw);
  // One read: the role (built-in or this organization's) and the member with their current role.
  const memberIs = input.userId ? sql`m."userId" = ${input.userId}::uuid` : sql`m."id" = ${input.membershipId}::uuid`;
  const [facts] = await sqlRows<RoleChangeFacts>(sql`
    SELECT ${assignableRoleJson(ctx.orgId, input.roleId)} AS "role",
           (SELECT json_build_object('id', m."id", 'userId', m."userId", 'email', u."email", 'roleId', r."id", 'roleName', r."name", 'isOwner', r."isOwner")
            FROM "Membership" m JOIN "User" u ON u."id" = m."userId" JOIN "Role" r ON r."id" = m."roleId"
            WHERE m."orgId" = ${ctx.orgId}::uuid AND ${memberIs}) AS "member"`);
  const { role, member } = facts!;
  if (!role) throw new NotFound("role_not_found", "Role not found.");
  if (!member) throw new NotFound("member_not_found", "Member not found.");
  if (member.roleId === role.id) return { id: member.id, userId: member.userId, roleId: role.id };
  // Ownership changes count the owners and check the caller under the organization's lock.
  if (member.isOwner || role.isOwner) return changeRoleUnderLock(ctx, input, role);
  assertHoldsAll(ctx, await rolePermissions(ctx, { id: member.roleId, name: member.roleName }), `change the role of a member who is ${member.roleName}`);
  assertMayGiveMembershipRole(ctx, await rolePermissions(ctx, role), `give the ${role.name} role`);
  // Only if the role is still the one read: one changed meanwhile (perhaps to owner) is decided again under the lock.
  const changed = await authzChangeStatement(
    ctx.orgId,
    // The organization's lock first, as every ownership change takes it (the other order could deadlock with one).
    sql`UPDATE "Membership" SET "roleId" = ${role.id}::uuid, "updatedAt" = now()
        WHERE "id" = ${member.id}::uuid AND "orgId" = ${ctx.orgId}::uuid AND "roleId" = ${member.roleId}::uuid
          AND EXISTS (SELECT 1 FROM "Organization" o WHERE o."id" = ${ctx.orgId}::uuid FOR NO KEY UPDATE)
        RETURNING "id"`,
    [{ type: "member_set", userId: member.userId, roleId: role.id, email: member.email }],
    [auditInsert(roleChanged(ctx, { userId: member.userId, email: member.email, roleName: member.roleName }, role))],
  );
  if (!changed) return changeRoleUnderLock(ctx, input, role);
  return { id: member.id, userId: member.userId, roleId: role.id };
}

function roleChanged(ctx: OrgCtx, member: { userId: string; email: string; roleName: string }, role: { name: string }): AuditEventInput {
  return {
    action: "member.role_changed",
    orgId: ctx.orgId,
    actor: actorOf(ctx),
    target: { type: "user", id: member.userId },
    meta: ctx,
    before: { email: member.email, role: member.roleName },
    after: { email: member.email, role: role.name },
  };
}

async function changeRoleUnderLock(ctx: OrgCtx, input: { userId?: string; membershipId?: string }, role: { id: string; name: string; isOwner: boolean }) {
  return authzChangeTransaction(ctx.orgId, async (tx, changes) => {
    await lockOrganization(tx, ctx.orgId);
    const member = await findMember(tx, ctx.orgId, input);
    if (!member) throw new NotFound("member_not_found", "Member not found.");
    if (member.role.id === role.id) return { id: member.id, userId: member.user.id, roleId: role.id };
    assertHoldsAll(ctx, await rolePermissions(ctx, member.role), `change the role of a member who is ${member.role.name}`);
    assertMayGiveMembershipRole(ctx, await rolePermissions(ctx, role), `give the ${role.name} role`);
    if (member.role.isOwner && !role.isOwner && (await countOwners(tx, ctx.orgId)) <= 1) {
      throw new Conflict("last_owner", "The last owner cannot lose ownership. Make someone else an owner first.");
    }
    if (member.role.isOwner) await assertCallerIsOwner(tx, ctx, "change the role of an owner");
    if (role.isOwner) await assertCallerIsOwner(tx, ctx, "make someone an owner");
    await tx.membership.update({ where: { id: member.id, orgId: ctx.orgId }, data: { roleId: role.id } });
    changes.push({ type: "member_set", userId: member.user.id, roleId: role.id, email: member.user.email });
    await recordAudit(tx, roleChanged(ctx, { userId: member.user.id, email: member.user.email, roleName: member.role.name }, role));
    return { id: member.id, userId: member.user.id, roleId: role.id };
  });
}

export async function removeMember(ctx: OrgCtx, raw: unknown) {
  const input = RemoveMemberInput.parse(raw);
  const isSelf = ctx.membership !== null && (input.membershipId === ctx.membership.id || input.userId === userIdOf(ctx));
  if (!isSelf) assertAllowed(ctx, "members:remove");
  await authzChangeTransaction(ctx.orgId, async (tx, changes) => {
    await lockOrganization(tx, ctx.orgId);
    const member = await findMember(tx, ctx.orgId, input);
    if (!member) throw new NotFound("member_not_found", "Member not found.");
    if (!isSelf) assertHoldsAll(ctx, await rolePermissions(ctx, member.role), `remove a member who is ${member.role.name}`);
    if (member.role.isOwner && (await countOwners(tx, ctx.orgId)) <= 1) {
      throw new Conflict("last_owner", isSelf ? "You are the last owner: make someone else an owner before leaving." : "The last owner cannot be removed.");
    }
    if (member.role.isOwner && !isSelf) await assertCallerIsOwner(tx, ctx, "remove an owner");
    await tx.membership.delete({ where: { id: member.id, orgId: ctx.orgId } });
    // Access through groups and direct grants ends with the membership.
    await tx.groupMember.deleteMany({ where: { orgId: ctx.orgId, userId: member.user.id } });
    await tx.grant.deleteMany({ where: { orgId: ctx.orgId, userId: member.user.id } });
    changes.push({ type: "member_removed", userId: member.user.id, email: member.user.email });
    await recordAudit(tx, {
      action: isSelf ? "member.left" : "member.removed",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "user", id: member.user.id },
      meta: ctx,
      before: { email: member.user.email, role: member.role.name },
    });
  });
}

export function leaveOrganization(ctx: OrgCtx) {
  if (!ctx.membership) throw new Invalid("not_a_member", "Only members can leave an organization.");
  return removeMember(ctx, { membershipId: ctx.membership.id });
}
