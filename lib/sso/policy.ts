// "Require single sign-on": people of an organization's verified domains
// sign in through its identity provider only, while one of its connections
// is on; owners it names (break-glass) may still use a password, so that a
// broken provider cannot lock everyone out. Only owners name them.
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { Conflict, Forbidden, Invalid, NotFound } from "../errors.ts";
import { assertCallerIsOwner } from "../members/owner-only.ts";
import { lockOrganization } from "../orgs/lock-organization.ts";
import { entitlementsOf } from "../billing/entitlements.ts";
import { domainOfEmail } from "./domains.ts";

export const SsoPolicyInput = z.strictObject({
  requireSso: z.boolean(),
  /** Owners who may still sign in with a password. Without it, the list stays as it is. */
  breakGlassUserIds: z.array(z.uuid("Unknown user")).max(50, "at most 50 owners").optional(),
});

export type SsoPolicy = { requireSso: boolean; breakGlassOwners: Array<{ userId: string; email: string; name: string }> };

async function readPolicy(orgId: string): Promise<SsoPolicy> {
  const [org, bypass] = await Promise.all([
    db.organization.findUniqueOrThrow({ where: { id: orgId }, select: { ssoRequired: true } }),
    db.membership.findMany({ where: { orgId, ssoBypass: true, role: { isOwner: true } }, orderBy: { createdAt: "asc" }, select: { user: { select: { id: true, email: true, name: true } } } }),
  ]);
  return { requireSso: org.ssoRequired, breakGlassOwners: bypass.map((m) => ({ userId: m.user.id, email: m.user.email, name: m.user.name })) };
}

export async function getSsoPolicy(ctx: OrgCtx): Promise<SsoPolicy> {
  assertAllowed(ctx, "sso:read");
  return readPolicy(ctx.orgId);
}

/** The organization's owners: who can be named break-glass owners (the policy form lists them). */
export async function ownersForBreakGlass(ctx: OrgCtx): Promise<Array<{ userId: string; email: string; name: string; breakGlass: boolean }>> {
  assertAllowed(ctx, "members:read");
  const rows = await db.membership.findMany({
    where: { orgId: ctx.orgId, role: { isOwner: true } },
    orderBy: { createdAt: "asc" },
    select: { ssoBypass: true, user: { select: { id: true, email: true, name: true } } },
  });
  return rows.map((r) => ({ userId: r.user.id, email: r.user.email, name: r.user.name, breakGlass: r.ssoBypass }));
}

export async function updateSsoPolicy(ctx: OrgCtx, raw: unknown): Promise<SsoPolicy> {
  assertAllowed(ctx, "sso:write");
  // Who must use single sign-on is the organization's decision, not the IT admin's holding a setup link.
  if (ctx.principal.setupLink) throw new Forbidden("forbidden", "A setup link sets up single sign-on; requiring it is for an owner in Tollgate.");
  const input = SsoPolicyInput.parse(raw);
  const before = await readPolicy(ctx.orgId);
  await db.$transaction(async (tx) => {
    await lockOrganization(tx, ctx.orgId);
    // Requiring SSO takes the password from everyone of the domains, owners too: an owner decides it.
    if (input.requireSso && !before.requireSso) await assertCallerIsOwner(tx, ctx, "require single sign-on");
    if (input.requireSso && !(await tx.ssoConnection.findFirst({ where: { orgId: ctx.orgId, enabled: true }, select: { id: true } }))) {
      throw new Conflict("no_enabled_connection", "Turn on an SSO connection (and test it) before requiring single sign-on.");
    }
    const wanted = input.breakGlassUserIds === undefined ? null : new Set(input.breakGlassUserIds);
    const current = new Set(before.breakGlassOwners.map((o) => o.userId));
    const listChanged = wanted !== null && (wanted.size !== current.size || [...wanted].some((id) => !current.has(id)));
    if (listChanged) {
      await assertCallerIsOwner(tx, ctx, "choose who may still sign in with a password");
      const members = await tx.membership.findMany({
        where: { orgId: ctx.orgId, userId: { in: [...wanted] } },
        select: { userId: true, user: { select: { email: true } }, role: { select: { isOwner: true } } },
      });
      const strangers = [...wanted].filter((id) => !members.some((m) => m.userId === id));
      if (strangers.length) throw new NotFound("member_not_found", `breakGlassUserIds: no member ${strangers.join(", ")} here.`);
      const notOwners = members.filter((m) => !m.role.isOwner).map((m) => m.user.email);
      if (notOwners.length) throw new Invalid("not_an_owner", `breakGlassUserIds: only owners may keep a password, and ${notOwners.join(", ")} ${notOwners.length === 1 ? "is not one" : "are not"}.`);
      await tx.membership.updateMany({ where: { orgId: ctx.orgId, ssoBypass: true, userId: { notIn: [...wanted] } }, data: { ssoBypass: false } });
      await tx.membership.updateMany({ where: { orgId: ctx.orgId, userId: { in: [...wanted] } }, data: { ssoBypass: true } });
    }
    await tx.organization.update({ where: { id: ctx.orgId }, data: { ssoRequired: input.requireSso } });
    await recordAudit(tx, {
      action: "sso.policy.updated",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "organization", id: ctx.orgId },
      meta: ctx,
      before: { requireSso: before.requireSso, breakGlass: before.breakGlassOwners.map((o) => o.email) },
      after: { requireSso: input.requireSso, ...(listChanged ? { breakGlassUserIds: [...wanted!] } : {}) },
    });
  });
  return readPolicy(ctx.orgId);
}

/**
 * Before a password is even checked: refuses an address whose domain an
 * organization verified and requires SSO for (with a connection on), unless
 * its owner is a named break-glass owner there. Asked before the password, so
 * the answer is the same whether the account exists or not.
 */
export async function assertPasswordSignInAllowed(email: string) {
  const domain = domainOfEmail(email);
  const requiring = await db.ssoDomain.findFirst({
    where: { domain, verifiedAt: { not: null }, org: { ssoRequired: true, ssoConnections: { some: { enabled: true } } } },
    select: { orgId: true },
  });
  if (!requiring) return;
  // A plan without SSO (or its fallback after a failed payment) stops SSO sign-in: the password works again, so nobody is locked out.
  const { source, entitlements } = await entitlementsOf(requiring.orgId);
  if (source !== "none" && entitlements.sso !== true) return;
  const breakGlass = await db.membership.findFirst({
    where: { orgId: requiring.orgId, ssoBypass: true, role: { isOwner: true }, user: { email: email.toLowerCase() } },
    select: { id: true },
  });
  if (breakGlass) return;
  throw new Forbidden("sso_required", `Addresses at ${domain} sign in with single sign-on. Choose “Use single sign-on” below.`);
}
