// SCIM bearer tokens: made by owners who manage provisioning (scim:manage),
// shown once, kept as hashes, revocable. A token adds and removes members
// (any but owners), ends the sessions of the organization's own people and
// keeps the members of groups that admins give roles to: an owner's reach,
// so only an owner hands it to an identity provider.
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { NotFound } from "../errors.ts";
import { assertMayGiveMembershipRole, rolePermissions } from "../members/members.ts";
import { assertCallerIsOwner } from "../members/owner-only.ts";
import { hashToken, randomToken } from "../secrets/secrets.ts";
import { publicUrl } from "../env.ts";
import { assertSsoInPlan } from "../sso/connections.ts";
import { makersContext } from "../auth/request-context.ts";

export const SCIM_TOKEN_PREFIX = "tgscim_";
export const CreateScimTokenInput = z.strictObject({ name: z.string().trim().min(1, "required").max(100, "at most 100 characters") });
export const ScimTokenIdInput = z.strictObject({ tokenId: z.uuid("Unknown token") });

const tokenSelect = { id: true, name: true, lastFour: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

/** The base URL an identity provider is given: /scim/v2 of this Tollgate. */
export const scimBaseUrl = () => `${publicUrl().replace(/\/$/, "")}/scim/v2`;

export async function listScimTokens(ctx: OrgCtx) {
  assertAllowed(ctx, "scim:manage");
  const rows = await db.scimToken.findMany({ where: { orgId: ctx.orgId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: tokenSelect });
  return { baseUrl: scimBaseUrl(), data: rows };
}

/** The role SCIM gives the people it adds. */
export async function scimMemberRole() {
  return db.role.findFirstOrThrow({ where: { orgId: null, key: "member" }, select: { id: true, name: true } });
}

export async function createScimToken(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "scim:manage");
  const { name } = CreateScimTokenInput.parse(raw);
  await db.$transaction((tx) => assertCallerIsOwner(tx, ctx, "let an identity provider add and remove people"));
  await assertSsoInPlan(ctx.orgId);
  const role = await scimMemberRole();
  // Through a setup link the token is made on its maker's behalf (the link is for exactly this): the maker must hold what it gives.
  const giver = makersContext(ctx);
  assertMayGiveMembershipRole(giver, await rolePermissions(giver, role), `let an identity provider add people as ${role.name}`);
  const token = `${SCIM_TOKEN_PREFIX}${randomToken(32)}`;
  return db.$transaction(async (tx) => {
    const row = await tx.scimToken.create({
      data: { orgId: ctx.orgId, name, tokenHash: hashToken(token), lastFour: token.slice(-4), createdById: ctx.principal.type === "user" ? ctx.principal.userId : null },
      select: tokenSelect,
    });
    await recordAudit(tx, { action: "scim.token.created", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "scim_token", id: row.id }, meta: ctx, after: { name } });
    return { ...row, token, baseUrl: scimBaseUrl() };
  });
}

export async function revokeScimToken(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "scim:manage");
  const { tokenId } = ScimTokenIdInput.parse(raw);
  await db.$transaction(async (tx) => {
    const row = await tx.scimToken.findFirst({ where: { id: tokenId, orgId: ctx.orgId }, select: { id: true, name: true, revokedAt: true } });
    if (!row) throw new NotFound("token_not_found", "SCIM token not found.");
    if (row.revokedAt) return;
    await tx.scimToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, { action: "scim.token.revoked", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "scim_token", id: row.id }, meta: ctx, before: { name: row.name } });
  });
}
