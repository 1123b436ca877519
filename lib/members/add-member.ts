// Adding an existing user to an organization without an invitation: how the
// product that runs Tollgate puts the users of its own sign-up into their
// organizations. Only instance admins (provisioning keys) may: anyone else
// invites, and the invitee accepts.
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import { authzChangeTransaction } from "../authz/org-index-cache.ts";
import type { OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Conflict, NotFound } from "../errors.ts";
import { findAssignableRole } from "./members.ts";
import { AddMemberInput } from "./schemas.ts";

const userSelect = { id: true, email: true, name: true, externalId: true, emailVerifiedAt: true, origin: true } as const;

async function findUser(input: { userId?: string; email?: string; externalId?: string }) {
  if (input.userId) return db.user.findUnique({ where: { id: input.userId }, select: userSelect });
  if (input.externalId) return db.user.findUnique({ where: { externalId: input.externalId }, select: userSelect });
  const user = await db.user.findUnique({ where: { email: input.email! }, select: userSelect });
  // An address alone proves nothing until its owner confirmed it (see provisioning's upsertUser).
  if (user && !user.emailVerifiedAt && user.origin !== "provisioning") {
    throw new Conflict(
      "email_unverified",
      `The account of ${user.email} has not confirmed its address, so it cannot be found by email. Add it by userId or externalId, or wait until it is confirmed.`,
    );
  }
  return user;
}

export async function addMember(ctx: OrgCtx, raw: unknown) {
  assertInstanceAdmin(ctx, "add existing users to an organization; invite them instead");
  const input = AddMemberInput.parse(raw);
  // Read at once; refused in the same order as if read one after the other (the role first).
  const [roleRead, userRead] = await Promise.allSettled([findAssignableRole(ctx, input.roleId), findUser(input)]);
  if (roleRead.status === "rejected") throw roleRead.reason;
  if (userRead.status === "rejected") throw userRead.reason;
  const [role, user] = [roleRead.value, userRead.value];
  if (!user) throw new NotFound("user_not_found", "user: no such user. Create it first with POST /api/v1/users.");
  try {
    return await authzChangeTransaction(ctx.orgId, async (tx, changes) => {
      const membership = await tx.membership.create({ data: { orgId: ctx.orgId, userId: user.id, roleId: role.id }, select: { id: true, createdAt: true } });
      changes.push({ type: "member_set", userId: user.id, roleId: role.id, email: user.email });
      await recordAudit(tx, {
        action: "member.added",
        orgId: ctx.orgId,
        actor: actorOf(ctx),
        target: { type: "user", id: user.id },
        meta: ctx,
        after: { email: user.email, role: role.name },
      });
      return {
        id: membership.id,
        userId: user.id,
        createdAt: membership.createdAt,
        user: { id: user.id, email: user.email, name: user.name },
        role: { id: role.id, name: role.name, isOwner: role.isOwner },
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("already_member", `${user.email} is already a member. Change their role with PATCH /api/v1/members/${user.id}.`);
    throw error;
  }
}
