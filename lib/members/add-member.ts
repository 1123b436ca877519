// Adding an existing user to an organization without an invitation: how the
// product that runs Tollgate puts the users of its own sign-up into their
// organizations. Only instance admins (provisioning keys) may: anyone else
// invites, and the invitee accepts.
import { withRoomFor } from "../billing/limits.ts";
import { randomUUID } from "node:crypto";
import { actorOf, auditInsert } from "../audit/record-audit.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import { authzChangeStatement } from "../authz/org-index-cache.ts";
import type { OrgCtx } from "../context.ts";
import { sql, sqlRows } from "../db/sql.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Conflict, NotFound } from "../errors.ts";
import { assignableRoleJson, type AssignableRole } from "./members.ts";
import { AddMemberInput } from "./schemas.ts";

type UserFacts = { id: string; email: string; name: string | null; emailVerifiedAt: string | null; origin: string; member: boolean };
type MemberFacts = { role: AssignableRole | null; user: UserFacts | null };

/** The role (built-in or this organization's) and the user, read in one query. */
async function readFacts(ctx: OrgCtx, input: { roleId: string; userId?: string; email?: string; externalId?: string }) {
  const where = input.userId ? sql`u."id" = ${input.userId}::uuid` : input.externalId ? sql`u."externalId" = ${input.externalId}` : sql`u."email" = ${input.email!}`;
  const [facts] = await sqlRows<MemberFacts>(sql`
    SELECT ${assignableRoleJson(ctx.orgId, input.roleId)} AS "role",
           (SELECT json_build_object('id', u."id", 'email', u."email", 'name', u."name", 'emailVerifiedAt', u."emailVerifiedAt", 'origin', u."origin",
             'member', EXISTS (SELECT 1 FROM "Membership" m WHERE m."orgId" = ${ctx.orgId}::uuid AND m."userId" = u."id")) FROM "User" u WHERE ${where}) AS "user"`);
  return facts!;
}

export async function addMember(ctx: OrgCtx, raw: unknown) {
  assertInstanceAdmin(ctx, "add existing users to an organization; invite them instead");
  const input = AddMemberInput.parse(raw);
  const { role, user } = await readFacts(ctx, input);
  // Refused in this order: the role first.
  if (!role) throw new NotFound("role_not_found", "Role not found.");
  // An address alone proves nothing until its owner confirmed it (see provisioning's upsertUser).
  if (user && !input.userId && !input.externalId && !user.emailVerifiedAt && user.origin !== "provisioning") {
    throw new Conflict(
      "email_unverified",
      `The account of ${user.email} has not confirmed its address, so it cannot be found by email. Add it by userId or externalId, or wait until it is confirmed.`,
    );
  }
  if (!user) throw new NotFound("user_not_found", "user: no such user. Create it first with POST /api/v1/users.");
  const alreadyMember = () => new Conflict("already_member", `${user.email} is already a member. Change their role with PATCH /api/v1/members/${user.id}.`);
  // Said before any plan limit: a member already in takes no new seat.
  if (user.member) throw alreadyMember();
  try {
    const membership = await withRoomFor(ctx.orgId, "members", 1, () =>
      authzChangeStatement<{ id: string; createdAt: Date }>(
        ctx.orgId,
        sql`INSERT INTO "Membership" ("id", "orgId", "userId", "roleId", "updatedAt") VALUES (${randomUUID()}::uuid, ${ctx.orgId}::uuid, ${user.id}::uuid, ${role.id}::uuid, now())
          RETURNING "id", "createdAt"`,
        [{ type: "member_set", userId: user.id, roleId: role.id, email: user.email }],
        [auditInsert({ action: "member.added", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "user", id: user.id }, meta: ctx, after: { email: user.email, role: role.name } })],
      ),
    );
    return {
      id: membership!.id,
      userId: user.id,
      createdAt: membership!.createdAt,
      user: { id: user.id, email: user.email, name: user.name },
      role: { id: role.id, name: role.name, isOwner: role.isOwner },
    };
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyMember();
    throw error;
  }
}
