// The one door: every caller's context is built here, from what authenticated
// it: a member's session (pages, server actions), an organization's API key
// (management, check and verify APIs), an instance-admin key (provisioning,
// or acting in the organization it names). Later kinds (SCIM tokens, Stripe
// webhooks, SSO sessions) add their builder here. Each context starts an
// empty per-request decision memo, so a request logs each decision once.
import { z } from "zod";
import { authenticateAnyKey, authenticateCachedRequest, type ApiKeyPrincipal, type InstanceKeyPrincipal } from "../apikeys/authenticate-api-key.ts";
import { getOrgIndex } from "../authz/org-index-cache.ts";
import type { InstanceCtx, MemberCtx, OrgCtx, RequestMeta, ScimCtx, UserCtx, UserPrincipal } from "../context.ts";
import { db } from "../db.ts";
import { Forbidden, Invalid, NotFound, Unauthenticated } from "../errors.ts";
import { hashToken } from "../secrets/secrets.ts";
import { forgetCachedSession } from "./sessions.ts";
import { assertSsoInPlan } from "../sso/connections.ts";
import { isCleanText } from "../input.ts";
import { findUsableSetupLink, PORTAL_PERMISSIONS } from "../sso/setup-links.ts";
import { displayKey } from "../apikeys/key-format.ts";

// Contexts copy the request's facts field by field: V8 (Node 20) builds
// `{ ...meta, more }` on a slow path, about 6 µs a context.

/** A signed-in user outside any organization. */
export function userContext(principal: UserPrincipal, meta: RequestMeta): UserCtx {
  return { requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent, principal };
}

/**
 * A member in the organization named by `orgSlug`, resolved to their own
 * membership. Not a member: NotFound, so outsiders cannot learn which
 * organizations exist.
 */
export async function resolveOrgContext(principal: UserPrincipal, orgSlug: string, meta: RequestMeta): Promise<MemberCtx> {
  // No organization has such a slug; the database must not even be asked (it refuses NUL characters).
  if (orgSlug.length > 100 || !isCleanText(orgSlug)) throw new NotFound("organization_not_found", "Organization not found.");
  const membership = await db.membership.findFirst({
    where: { userId: principal.userId, org: { slug: orgSlug } },
    select: {
      id: true,
      orgId: true,
      roleId: true,
      org: { select: { slug: true, mfaRequired: true, sessionMaxHours: true, sessionIdleMinutes: true } },
      role: { select: { name: true, isOwner: true } },
    },
  });
  if (!membership) throw new NotFound("organization_not_found", "Organization not found.");
  // A provider's word on MFA counts in its own organization only.
  const mfa = principal.mfa === true && (principal.mfaOrgId === undefined || principal.mfaOrgId === membership.orgId);
  assertSessionPolicy(principal, mfa, membership.org);
  return {
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
    principal,
    orgId: membership.orgId,
    orgSlug: membership.org.slug,
    membership: { id: membership.id, roleId: membership.roleId, roleName: membership.role.name, isOwner: membership.role.isOwner },
    authz: await getOrgIndex(membership.orgId),
    mfa,
    decided: new Map(),
  };
}

/** Ends a session an organization's rules refused (its cache entry here at once, the row just after). */
function endSessionByPolicy(sessionId: string) {
  forgetCachedSession(sessionId);
  void db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } }).then(
    () => forgetCachedSession(sessionId),
    () => {},
  );
}

/**
 * The organization's own rules for the sessions that reach it: no older than
 * its maximum age, used within its idle time, and (if it requires MFA) one
 * that passed a second factor. Another organization's rules are not its own.
 */
function assertSessionPolicy(principal: UserPrincipal, mfa: boolean, org: { mfaRequired: boolean; sessionMaxHours: number | null; sessionIdleMinutes: number | null }) {
  const session = principal.session;
  const now = Date.now();
  // The session ends (not only here): a refusal that a retry could pass, once "last seen" moved on, would be none.
  if (session && org.sessionMaxHours !== null && now - session.createdAt > org.sessionMaxHours * 3_600_000) {
    endSessionByPolicy(session.id);
    throw new Unauthenticated("session_too_old", `This organization asks you to sign in again every ${org.sessionMaxHours} hours.`);
  }
  if (session && org.sessionIdleMinutes !== null && now - session.lastSeenAt > org.sessionIdleMinutes * 60_000) {
    endSessionByPolicy(session.id);
    throw new Unauthenticated("session_idle", `This organization signs you out after ${org.sessionIdleMinutes} minutes without use. Sign in again.`);
  }
  if (org.mfaRequired && !mfa) {
    throw new Forbidden("mfa_required", "This organization requires two-step sign-in: set up an authenticator app on your account page, then sign in again with its code.");
  }
}

/**
 * An organization's API key, acting in its organization (on one project, when
 * the key is scoped to it). `memo: false` for routes that decide once anyway
 * (the check and verify APIs: their hot path spares the map).
 */
export function orgKeyContext(key: ApiKeyPrincipal, meta: RequestMeta, memo = true): OrgCtx {
  const entry = key.authz.apiKeysById.get(key.keyId);
  return {
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
    principal: { type: "api_key", keyId: key.keyId, name: entry?.name ?? "", display: entry?.display ?? "", projectId: key.projectId },
    orgId: key.orgId,
    orgSlug: key.authz.orgSlug,
    membership: null,
    authz: key.authz,
    mfa: false,
    decided: memo ? new Map() : undefined,
  };
}

/**
 * The check and verify APIs: an organization's key (the hot path: no await at
 * all when its organization is in memory and it has no rate limit), or an
 * instance-admin key naming the organization.
 */
export function keyRequestContext(token: string | null, meta: RequestMeta, orgRef: string | null): OrgCtx | Promise<OrgCtx> {
  const key = authenticateCachedRequest(token, meta);
  if (key === null) return apiKeyContext(token, meta, "organization", orgRef) as Promise<OrgCtx>;
  return key instanceof Promise ? key.then((k) => orgKeyContext(k, meta, false)) : orgKeyContext(key, meta, false);
}

const instancePrincipal = (key: InstanceKeyPrincipal): InstanceCtx["principal"] =>
  key.admin
    ? { type: "api_key", keyId: key.keyId, name: key.name, display: key.display, projectId: null, instance: true }
    : { type: "api_key", keyId: key.keyId, name: key.name, display: key.display, projectId: null, instancePermissions: key.permissions };

function instanceKeyContext(key: InstanceKeyPrincipal, meta: RequestMeta): InstanceCtx {
  return { requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent, principal: instancePrincipal(key) };
}

async function instanceKeyInOrganization(key: InstanceKeyPrincipal, orgRef: string, meta: RequestMeta): Promise<OrgCtx> {
  const org =
    isCleanText(orgRef) && orgRef.length <= 100 ? await db.organization.findFirst({ where: z.uuid().safeParse(orgRef).success ? { id: orgRef } : { slug: orgRef }, select: { id: true } }) : null;
  if (!org) throw new NotFound("organization_not_found", "Organization not found.");
  const authz = await getOrgIndex(org.id);
  return {
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
    principal: instancePrincipal(key),
    orgId: org.id,
    orgSlug: authz.orgSlug,
    membership: null,
    authz,
    mfa: false,
    decided: new Map(),
  };
}

export const ORG_HEADER = "tollgate-organization";

/**
 * Any API key on a management route. Organization routes get the key's
 * organization (an instance-admin key names one with the Tollgate-Organization
 * header); instance routes get the key itself, whose instance:admin
 * permission the provisioning functions check.
 */
export async function apiKeyContext(token: string | null, meta: RequestMeta, scope: "organization" | "instance", orgRef: string | null): Promise<OrgCtx | InstanceCtx> {
  const key = await authenticateAnyKey(token, meta);
  if (key.type === "instance_key") {
    if (scope === "instance") return instanceKeyContext(key, meta);
    if (!key.admin) throw new Forbidden("instance_admin_only", `This key holds only ${key.permissions.join(", ")} and acts in no organization.`);
    if (!orgRef) throw new Invalid("organization_required", `An instance-admin key names the organization it acts in with the ${ORG_HEADER} header (id or slug).`);
    return instanceKeyInOrganization(key, orgRef, meta);
  }
  const ctx = orgKeyContext(key, meta);
  return scope === "instance" ? { requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent, principal: ctx.principal } : ctx;
}

const SCIM_LAST_USED_EVERY_MS = 60_000;

/**
 * An organization's identity provider on /scim/v2, by one of its SCIM
 * tokens (hashed, not revoked). It acts in that organization only.
 */
export async function scimContext(token: string | null, meta: RequestMeta): Promise<ScimCtx> {
  const row =
    token && token.length <= 200 && isCleanText(token)
      ? await db.scimToken.findUnique({ where: { tokenHash: hashToken(token) }, select: { id: true, orgId: true, name: true, revokedAt: true, lastUsedAt: true } })
      : null;
  if (!row || row.revokedAt) throw new Unauthenticated("invalid_token", "The SCIM token is missing, unknown or revoked.");
  // Provisioning is part of single sign-on: a plan without it (or its fallback) pauses it.
  await assertSsoInPlan(row.orgId);
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > SCIM_LAST_USED_EVERY_MS) {
    void db.scimToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  }
  return { requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent, orgId: row.orgId, token: { id: row.id, name: row.name } };
}

const PORTAL_LAST_USED_EVERY_MS = 60_000;

/**
 * Someone holding a setup link (the IT admin's portal): its maker's context
 * (an owner's, or the provisioning key's), limited to single sign-on
 * (PORTAL_PERMISSIONS), without the maker's session or MFA. Refused once the
 * link is revoked or expired, or its maker is no longer a member (a key: no
 * longer valid).
 */
export async function portalContext(token: string | null, meta: RequestMeta): Promise<OrgCtx> {
  const link = token && isCleanText(token) ? await findUsableSetupLink(token) : null;
  if (!link) throw new Unauthenticated("setup_link_invalid", "This setup link has expired or was revoked. Ask the organization's owner for a new one.");
  if (!link.lastUsedAt || Date.now() - link.lastUsedAt.getTime() > PORTAL_LAST_USED_EVERY_MS) {
    void db.setupLink.update({ where: { id: link.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  }
  const setupLink = { id: link.id, name: link.name };
  const authz = await getOrgIndex(link.orgId);
  const base = {
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
    orgId: link.orgId,
    orgSlug: authz.orgSlug,
    authz,
    mfa: false,
    decided: new Map(),
    limitedTo: { permissions: PORTAL_PERMISSIONS, reason: `setup link ${link.name} sets up single sign-on only` },
  };
  if (link.createdByKey) {
    const key = link.createdByKey;
    return { ...base, membership: null, principal: { type: "api_key", keyId: key.id, name: key.name, display: displayKey(key.publicId, key.lastFour), projectId: null, instance: true, setupLink } };
  }
  const maker = link.createdBy!;
  const membership = await db.membership.findFirstOrThrow({ where: { orgId: link.orgId, userId: maker.id }, select: { id: true, roleId: true, role: { select: { name: true, isOwner: true } } } });
  return {
    ...base,
    membership: { id: membership.id, roleId: membership.roleId, roleName: membership.role.name, isOwner: membership.role.isOwner },
    principal: { type: "user", userId: maker.id, email: maker.email, isInstanceAdmin: false, setupLink },
  };
}

/**
 * The context of a setup link's maker without the link's limit, for what the
 * link is for and gives on the maker's behalf (a SCIM token adds members): the
 * maker must hold the gift. Any other context is returned as it is.
 */
export function makersContext(ctx: OrgCtx): OrgCtx {
  return ctx.limitedTo ? { ...ctx, limitedTo: undefined, decided: new Map() } : ctx;
}
