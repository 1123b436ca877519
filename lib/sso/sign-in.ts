// Signing in through an organization's identity provider.
//
// start: the browser is sent to the provider with a fresh state (OpenID
// Connect: with a nonce and PKCE verifier; SAML: the RelayState, with the
// AuthnRequest's ID), kept in an SsoLogin row (the state only as a hash) and
// the state also in a cookie of that browser, so an answer is taken only by
// the browser that asked (no login CSRF).
// finish: the provider's answer is taken once (the row is marked used) and
// checked (lib/sso/oidc-protocol.ts, lib/sso/saml-protocol.ts with
// lib/sso/saml-sign-in.ts); then the user is found by their link to the
// provider's subject, or by an address in a domain the organization verified
// (linked, or created just in time), joins with the connection's default role
// if not a member, and gets a session.
import { randomUUID } from "node:crypto";
import { recordAudit } from "../audit/record-audit.ts";
import { authzChangeTransaction } from "../authz/org-index-cache.ts";
import { assertRoomFor } from "../billing/limits.ts";
import type { RequestMeta, OrgCtx } from "../context.ts";
import { db, type Prisma } from "../db.ts";
import { DomainError, NotFound } from "../errors.ts";
import { logger } from "../logger.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { hashToken, safeEqual } from "../secrets/secrets.ts";
import { requireSourceSlot } from "../auth/throttle.ts";
import { createSession } from "../auth/sessions.ts";
import { hasSecondFactor } from "../auth/mfa.ts";
import { assertSsoInPlan, ConnectionIdInput, oidcClientOf, redirectUriOf, samlSettingsOf, samlSettingsSelect } from "./connections.ts";
import { authnRequest } from "./saml-protocol.ts";
import { domainOfEmail, organizationOfVerifiedDomain } from "./domains.ts";
import { applyGroupMappings, groupsFromClaims } from "./group-mappings.ts";
import { authorizationRequest, exchangeCode, OidcLoginError, type OidcClaims } from "./oidc-protocol.ts";
import { z } from "zod";
import { isPortal } from "./setup-links.ts";

const LOGIN_TTL_MS = 10 * 60_000;

/** A sign-in refused: `reason` is a stable code the sign-in page turns into a sentence. */
export class SsoSignInError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(detail);
  }
}

export const StartSsoInput = z.strictObject({
  /** The address of the person signing in: its verified domain names the organization. */
  email: z.email("must be an email address").max(320).optional(),
  /** Or the organization's slug. */
  org: z.string().min(1).max(100).optional(),
  /** A path on this site (the edge has made it safe: lib/http/safe-redirect.ts); checked again here. */
  returnTo: z
    .string()
    .max(2000)
    .regex(/^\/(?![/\\])/, "must be a path on this site")
    .optional(),
});

export const connectionForLogin = {
  id: true,
  orgId: true,
  protocol: true,
  enabled: true,
  ...samlSettingsSelect,
  oidcMetadata: true,
  oidcClientId: true,
  oidcClientSecretSealed: true,
  defaultRoleId: true,
  groupsClaim: true,
  org: { select: { slug: true } },
} as const;

/** The organization's connection people sign in with: its enabled one (the oldest, if several). */
async function enabledConnectionOf(orgId: string) {
  return db.ssoConnection.findFirst({ where: { orgId, enabled: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: connectionForLogin });
}

export type StartedSignIn = { url: string; state: string };

/** Sign-ins one source may start per hour (each writes a row until it is used or purged). */
export const SSO_STARTS_PER_HOUR = 300;
/** Addresses one source may look up per hour (the sign-in page asks once per domain typed). */
export const SSO_LOOKUPS_PER_HOUR = 300;

const SsoRouteInput = z.strictObject({ email: z.string().trim().max(320) });

/**
 * Whether an address signs in with single sign-on: its domain is verified by
 * an organization whose connection is on (and in its plan). The sign-in page
 * asks as the address is typed and then offers the provider first. It tells
 * no more than starting a sign-in with that address would.
 */
export async function ssoRouteFor(raw: unknown, meta?: RequestMeta): Promise<{ sso: boolean }> {
  const { email } = SsoRouteInput.parse(raw);
  if (!z.email().safeParse(email).success) return { sso: false };
  if (meta) await requireSourceSlot("sso-lookup", meta.ip, SSO_LOOKUPS_PER_HOUR, 3_600_000, "Too many addresses looked up from your network.");
  const orgId = await organizationOfVerifiedDomain(email);
  const connection = orgId ? await enabledConnectionOf(orgId) : null;
  if (!connection) return { sso: false };
  try {
    await assertSsoInPlan(connection.orgId);
  } catch {
    return { sso: false };
  }
  return { sso: true };
}

/** Where to send someone who signs in with single sign-on, found by their address's domain or the organization's slug. */
export async function startSsoSignIn(raw: unknown, meta?: RequestMeta): Promise<StartedSignIn> {
  const input = StartSsoInput.parse(raw);
  if (meta) await requireSourceSlot("sso-start", meta.ip, SSO_STARTS_PER_HOUR, 3_600_000, "Too many sign-ins started from your network.");
  let orgId: string | null = null;
  if (input.email) orgId = await organizationOfVerifiedDomain(input.email);
  else if (input.org) orgId = (await db.organization.findUnique({ where: { slug: input.org }, select: { id: true } }))?.id ?? null;
  const connection = orgId ? await enabledConnectionOf(orgId) : null;
  if (!connection) {
    throw new SsoSignInError("sso_not_configured", input.email ? `No single sign-on is set up for ${domainOfEmail(input.email)}.` : "This organization has no single sign-on.");
  }
  try {
    await assertSsoInPlan(connection.orgId);
  } catch (error) {
    throw new SsoSignInError("sso_not_in_plan", (error as Error).message);
  }
  return beginLogin(connection, "login", input.returnTo ?? `/${connection.org.slug}`, input.email);
}

type LoginConnection = Prisma.SsoConnectionGetPayload<{ select: typeof connectionForLogin }>;

async function beginLogin(connection: LoginConnection, purpose: "login" | "test", returnTo: string | null, loginHint?: string): Promise<StartedSignIn> {
  if (connection.protocol === "saml") {
    const { idp, sp } = samlSettingsOf(connection);
    const request = await authnRequest(idp, sp);
    await db.ssoLogin.create({
      data: { connectionId: connection.id, stateHash: hashToken(request.relayState), samlRequestId: request.requestId, purpose, returnTo, expiresAt: new Date(Date.now() + LOGIN_TTL_MS) },
    });
    return { url: request.url, state: request.relayState };
  }
  const request = await authorizationRequest(oidcClientOf(connection), redirectUriOf(connection.id), { loginHint });
  await db.ssoLogin.create({
    data: {
      connectionId: connection.id,
      stateHash: hashToken(request.state),
      nonce: request.nonce,
      codeVerifier: request.codeVerifier,
      purpose,
      returnTo,
      expiresAt: new Date(Date.now() + LOGIN_TTL_MS),
    },
  });
  return { url: request.url, state: request.state };
}

/**
 * A test of a connection by one of its admins (enabled or not): open the URL,
 * sign in at the provider, and the connection's page shows what it sent, or
 * why it failed. Nobody is signed in by it.
 */
export async function startConnectionTest(ctx: OrgCtx, raw: unknown): Promise<{ url: string }> {
  assertAllowed(ctx, "sso:write");
  const { connectionId } = ConnectionIdInput.parse(raw);
  const connection = await db.ssoConnection.findFirst({ where: { id: connectionId, orgId: ctx.orgId }, select: connectionForLogin });
  if (!connection) throw new NotFound("connection_not_found", "SSO connection not found.");
  // Tested from the setup link's portal: the result is shown there.
  const { url } = await beginLogin(connection, "test", isPortal(ctx) ? "/portal" : null);
  return { url };
}

export type FinishedSignIn = { kind: "session"; sessionId: string; user: { id: string; email: string; name: string }; redirectTo: string } | { kind: "test"; redirectTo: string };

/**
 * Takes the provider's answer at the connection's redirect URI. `stateCookie`
 * is the state this browser was given at the start. Throws SsoSignInError.
 */
export async function finishOidcSignIn(meta: RequestMeta, connectionId: string, callbackUrl: URL, stateCookie: string | null): Promise<FinishedSignIn> {
  const state = callbackUrl.searchParams.get("state");
  if (!state) throw new SsoSignInError("state_missing", "The provider's answer carries no state.");
  const login = await db.ssoLogin.findUnique({ where: { stateHash: hashToken(state) } });
  // An unknown state is nobody's sign-in: logged, not audited (anyone can send one).
  if (!login || login.connectionId !== connectionId || !login.nonce || !login.codeVerifier) throw new SsoSignInError("state_invalid", "This sign-in was not started here, or by another connection.");
  if (login.purpose === "login" && (!stateCookie || !safeEqual(stateCookie, state))) {
    throw new SsoSignInError("state_mismatch", "This sign-in was started in another browser.");
  }
  const connection = await db.ssoConnection.findUnique({ where: { id: connectionId }, select: connectionForLogin });
  if (!connection) throw new SsoSignInError("state_invalid", "This SSO connection no longer exists.");
  const fail = (reason: string, detail: string) => refuseSignIn(meta, connection, login.purpose, reason, detail);
  // Taken once: a replayed answer finds the row used.
  const taken = await db.ssoLogin.updateMany({ where: { id: login.id, usedAt: null, expiresAt: { gt: new Date() } }, data: { usedAt: new Date() } });
  if (taken.count !== 1) return fail(login.usedAt ? "state_replayed" : "state_expired", login.usedAt ? "This sign-in was used already." : "This sign-in took too long. Start again.");

  let claims: OidcClaims;
  try {
    claims = await exchangeCode(oidcClientOf(connection), callbackUrl, { state, nonce: login.nonce, codeVerifier: login.codeVerifier });
  } catch (error) {
    if (error instanceof OidcLoginError) return fail(error.reason, error.detail);
    if (error instanceof DomainError) return fail(error.code, error.message);
    throw error;
  }

  if (login.purpose === "test") return recordTest(meta, connection, claims, login.returnTo);
  return openSession(meta, connection, claims, providerUsedMfa(claims), login.returnTo);
}

/** Who the provider says signed in, from a checked ID token or assertion. */
export type ProviderIdentity = OidcClaims;

/** A sign-in refused: audited in the organization (or kept as the connection's last test), then thrown. */
export async function refuseSignIn(meta: RequestMeta, connection: { id: string; orgId: string }, purpose: string, reason: string, detail: string): Promise<never> {
  await db.$transaction(async (tx) => {
    if (purpose === "test") await tx.ssoConnection.update({ where: { id: connection.id }, data: { lastTestAt: new Date(), lastTest: { ok: false, reason, detail } } });
    await recordAudit(tx, {
      action: purpose === "test" ? "sso.connection.tested" : "sso.login.failed",
      orgId: connection.orgId,
      actor: { userId: null, email: null },
      target: { type: "sso_connection", id: connection.id },
      meta,
      after: { ok: false, reason, detail },
    });
  });
  throw new SsoSignInError(reason, detail);
}

/** An admin's test login succeeded: the connection keeps what the provider sent, and nobody is signed in. */
export async function recordTest(meta: RequestMeta, connection: { id: string; orgId: string; org: { slug: string } }, identity: ProviderIdentity, returnTo: string | null): Promise<FinishedSignIn> {
  const testView = { subject: identity.subject, email: identity.email, emailVerified: identity.emailVerified, name: identity.name, claims: identity.claims };
  await db.$transaction(async (tx) => {
    await tx.ssoConnection.update({ where: { id: connection.id }, data: { lastTestAt: new Date(), lastTest: JSON.parse(JSON.stringify({ ok: true, ...testView })) } });
    await recordAudit(tx, {
      action: "sso.connection.tested",
      orgId: connection.orgId,
      actor: { userId: null, email: identity.email },
      target: { type: "sso_connection", id: connection.id },
      meta,
      after: { ok: true, subject: identity.subject, email: identity.email },
    });
  });
  return { kind: "test", redirectTo: `${returnTo ?? `/${connection.org.slug}/sso`}?tested=${connection.id}` };
}

/** The provider's answer was checked: the person is found or made, joins if they may, and gets a session. */
export async function openSession(meta: RequestMeta, connection: LoginConnection, identity: ProviderIdentity, usedMfa: boolean, returnTo: string | null): Promise<FinishedSignIn> {
  const fail = (reason: string, detail: string) => refuseSignIn(meta, connection, "login", reason, detail);
  if (!connection.enabled) return fail("connection_disabled", "This SSO connection is turned off.");
  try {
    await assertSsoInPlan(connection.orgId);
  } catch (error) {
    return fail("sso_not_in_plan", (error as Error).message);
  }
  try {
    const user = await signInUser(meta, connection, identity);
    const session = await createSession(user.id, meta, { authMethod: "sso", ssoConnectionId: connection.id, mfa: usedMfa, mfaOrgId: connection.orgId });
    return { kind: "session", sessionId: session.id, user, redirectTo: returnTo ?? `/${connection.org.slug}` };
  } catch (error) {
    if (error instanceof SsoSignInError) return fail(error.reason, error.message);
    if (error instanceof DomainError) return fail(error.code, error.message);
    throw error;
  }
}

/** The provider says it used more than a password (RFC 8176 `amr` values): the session counts as having passed MFA. */
const MFA_AMR = new Set(["mfa", "otp", "hwk", "sms", "swk", "fpt", "face", "iris", "retina", "vbm"]);
function providerUsedMfa(claims: OidcClaims): boolean {
  const amr = claims.claims.amr;
  return Array.isArray(amr) && amr.some((v) => typeof v === "string" && MFA_AMR.has(v));
}

/**
 * The user the provider vouches for, made a member if they are not: found by
 * their link to the provider's subject, else by an address in a domain the
 * organization verified (an address elsewhere could belong to anyone).
 * One transaction: the user, their link, their membership and the audit.
 */
async function signInUser(meta: RequestMeta, connection: LoginConnection, claims: ProviderIdentity): Promise<{ id: string; email: string; name: string }> {
  const linked = await db.ssoIdentity.findUnique({
    where: { connectionId_subject: { connectionId: connection.id, subject: claims.subject } },
    select: { user: { select: { id: true, email: true, name: true } } },
  });
  let existing = linked?.user ?? null;
  if (!existing) {
    if (!claims.email) throw new SsoSignInError("email_missing", "The provider sent no email address (ask for the email scope or claim).");
    if (claims.emailVerified === false) throw new SsoSignInError("email_unverified", `The provider says ${claims.email} is not verified.`);
    if ((await organizationOfVerifiedDomain(claims.email)) !== connection.orgId) {
      throw new SsoSignInError("email_domain_not_verified", `${domainOfEmail(claims.email)} is not a verified domain of this organization, so ${claims.email} cannot sign in through it.`);
    }
    const found = await db.user.findUnique({ where: { email: claims.email }, select: { id: true, email: true, name: true, isInstanceAdmin: true } });
    if (found) {
      // Linking an existing account on the provider's word: the provider must vouch for the address,
      // and accounts with more at stake (their own second factor, instance administration) are not linked.
      if (claims.emailVerified !== true) throw new SsoSignInError("email_unverified", `The provider does not say ${claims.email} is verified, so it is not linked to the existing account.`);
      if (found.isInstanceAdmin || (await hasSecondFactor(found.id))) {
        throw new SsoSignInError("account_protected", `The account of ${claims.email} signs in with its password and second factor; it is not linked to a provider.`);
      }
      existing = { id: found.id, email: found.email, name: found.name };
    }
  }
  const member = existing ? await db.membership.findUnique({ where: { orgId_userId: { orgId: connection.orgId, userId: existing.id } }, select: { id: true } }) : null;
  if (!member && !connection.defaultRoleId) throw new SsoSignInError("not_a_member", "You are not a member of this organization. Ask one of its admins to invite you.");
  // Deprovisioned by the organization's SCIM: signing in does not bring them back.
  if (!member && existing && (await db.scimUser.findFirst({ where: { orgId: connection.orgId, userId: existing.id, active: false }, select: { userId: true } }))) {
    throw new SsoSignInError("deprovisioned", "Your access to this organization was removed by its identity provider.");
  }

  return authzChangeTransaction(connection.orgId, async (tx, changes) => {
    let user = existing;
    if (!user) {
      user = await tx.user.create({
        data: { email: claims.email!, name: (claims.name ?? claims.email!.split("@")[0]!).slice(0, 100), emailVerifiedAt: new Date(), origin: "sso" },
        select: { id: true, email: true, name: true },
      });
    }
    await tx.ssoIdentity.upsert({
      where: { connectionId_subject: { connectionId: connection.id, subject: claims.subject } },
      create: { connectionId: connection.id, subject: claims.subject, userId: user.id },
      update: { lastLoginAt: new Date() },
    });
    const actor = { userId: user.id, email: user.email };
    if (!member) {
      await assertRoomFor(tx, connection.orgId, "members", 1);
      const role = await tx.role.findUniqueOrThrow({ where: { id: connection.defaultRoleId! }, select: { id: true, name: true } });
      await tx.membership.create({ data: { id: randomUUID(), orgId: connection.orgId, userId: user.id, roleId: role.id } });
      changes.push({ type: "member_set", userId: user.id, roleId: role.id, email: user.email });
      await recordAudit(tx, { action: "member.added", orgId: connection.orgId, actor, target: { type: "user", id: user.id }, meta, after: { email: user.email, role: role.name, via: "sso" } });
    }
    await applyGroupMappings(tx, { orgId: connection.orgId, connectionId: connection.id, userId: user.id, idpGroups: groupsFromClaims(claims.claims, connection.groupsClaim), actor, meta }, changes);
    await recordAudit(tx, {
      action: "sso.login.succeeded",
      orgId: connection.orgId,
      actor,
      target: { type: "sso_connection", id: connection.id },
      meta,
      after: { email: user.email, subject: claims.subject, ...(existing ? {} : { created: true }) },
    });
    return user;
  });
}

/** Sign-ins in flight that were never finished, dropped a day after they expired; and SAML assertion IDs past their validity (a replay would be refused as expired). */
export async function purgeSsoLogins(now = new Date()): Promise<number> {
  const logins = await db.ssoLogin.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - 86_400_000) } } });
  const assertions = await db.samlAssertionUse.deleteMany({ where: { expiresAt: { lt: now } } });
  return logins.count + assertions.count;
}

/** Logged for the operator: refusals that reach no organization's audit log. */
export function logSsoRefusal(meta: RequestMeta, connectionId: string, error: SsoSignInError) {
  logger.info({ requestId: meta.requestId, connectionId, reason: error.reason }, "sso sign-in refused");
}
