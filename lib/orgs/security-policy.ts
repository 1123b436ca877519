// An organization's rules for the sessions that reach it: two-step sign-in
// required, a maximum session age and an idle time (enforced by the door,
// lib/auth/request-context.ts). And ending a member's sessions, for the
// people of its own verified domains.
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed, can } from "../authz/authorize.ts";
import { assertHoldsAll } from "../authz/escalation.ts";
import { forgetCachedSession } from "../auth/sessions.ts";
import type { OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { Conflict, Forbidden, NotFound } from "../errors.ts";
import { rolePermissions } from "../members/members.ts";
import { assertCallerIsOwner } from "../members/owner-only.ts";
import { organizationOfVerifiedDomain } from "../sso/domains.ts";

export const SecurityPolicyInput = z.strictObject({
  mfaRequired: z.boolean(),
  sessionMaxHours: z.number().int().min(1, "at least 1 hour").max(8760, "at most 8,760 hours (a year)").nullable(),
  sessionIdleMinutes: z.number().int().min(5, "at least 5 minutes").max(43_200, "at most 43,200 minutes (30 days)").nullable(),
});
export type SecurityPolicy = z.infer<typeof SecurityPolicyInput>;
export const EndSessionsInput = z.strictObject({ userId: z.uuid("Unknown member") });

const policySelect = { mfaRequired: true, sessionMaxHours: true, sessionIdleMinutes: true } as const;

export async function getSecurityPolicy(ctx: OrgCtx): Promise<SecurityPolicy> {
  assertAllowed(ctx, "organization:read");
  return db.organization.findUniqueOrThrow({ where: { id: ctx.orgId }, select: policySelect });
}

export async function updateSecurityPolicy(ctx: OrgCtx, raw: unknown): Promise<SecurityPolicy> {
  assertAllowed(ctx, "organization:update");
  const input = SecurityPolicyInput.parse(raw);
  // Whoever turns it on from a browser uses it themselves first, or they would lock themselves out.
  if (input.mfaRequired && ctx.principal.type === "user" && !ctx.mfa) {
    throw new Conflict("mfa_first", "Use two-step sign-in yourself first: set it up on your account page and sign in again with its code.");
  }
  return db.$transaction(async (tx) => {
    const before = await tx.organization.findUniqueOrThrow({ where: { id: ctx.orgId }, select: policySelect });
    const after = await tx.organization.update({ where: { id: ctx.orgId }, data: input, select: policySelect });
    await recordAudit(tx, { action: "organization.security_policy.updated", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "organization", id: ctx.orgId }, meta: ctx, before, after });
    return after;
  });
}

/**
 * Ends every session of a member whose address is in one of this
 * organization's verified domains (it is their employer; anyone else's
 * sessions are theirs). Needs members:remove and all that the member holds.
 */
export async function endMemberSessions(ctx: OrgCtx, raw: unknown): Promise<{ ended: number }> {
  assertAllowed(ctx, "members:remove");
  const { userId } = EndSessionsInput.parse(raw);
  const member = await db.membership.findUnique({
    where: { orgId_userId: { orgId: ctx.orgId, userId } },
    select: { user: { select: { id: true, email: true } }, role: { select: { id: true, name: true, isOwner: true } } },
  });
  if (!member) throw new NotFound("member_not_found", "Member not found.");
  assertHoldsAll(ctx, await rolePermissions(ctx, member.role), `end the sessions of a member who is ${member.role.name}`);
  if ((await organizationOfVerifiedDomain(member.user.email)) !== ctx.orgId) {
    throw new Forbidden(
      "not_your_domain",
      `${member.user.email} is not in one of this organization's verified domains, so their sessions are not the organization's to end. Remove them from the organization instead.`,
    );
  }
  const ended = await db.$transaction(async (tx) => {
    if (member.role.isOwner) await assertCallerIsOwner(tx, ctx, "end an owner's sessions");
    const open = await tx.session.findMany({ where: { userId, revokedAt: null }, select: { id: true } });
    await tx.session.updateMany({ where: { id: { in: open.map((s) => s.id) } }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      action: "member.sessions_ended",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "user", id: userId },
      meta: ctx,
      after: { email: member.user.email, ended: open.length },
    });
    return open.map((s) => s.id);
  });
  ended.forEach(forgetCachedSession);
  return { ended: ended.length };
}

/**
 * The members whose sessions the caller may end from the Members page (a
 * hint: endMemberSessions decides again): those in one of the organization's
 * verified domains, when the caller holds members:remove.
 */
export async function membersWithEndableSessions(ctx: OrgCtx, members: { user: { id: string; email: string } }[]): Promise<Set<string>> {
  if (!can(ctx, "members:remove")) return new Set();
  const domains = new Set((await db.ssoDomain.findMany({ where: { orgId: ctx.orgId, verifiedAt: { not: null } }, select: { domain: true } })).map((d) => d.domain));
  return new Set(members.filter((m) => domains.has(m.user.email.split("@").pop()!.toLowerCase())).map((m) => m.user.id));
}
