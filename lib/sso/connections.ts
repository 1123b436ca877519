// An organization's single sign-on connections (OpenID Connect or SAML 2.0):
// created, changed, tested and deleted by those who hold sso:write. An OpenID
// Connect client secret is sealed and never shown again; a SAML provider is
// read from its metadata (pasted, never fetched) or entered. The default role
// of just-in-time members is a gift, so its giver must hold all of it.
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { entitlementsOf } from "../billing/entitlements.ts";
import type { OrgCtx } from "../context.ts";
import { forgetCachedSession } from "../auth/sessions.ts";
import { db, type Prisma, type Tx } from "../db.ts";
import { publicUrl } from "../env.ts";
import { Forbidden, Invalid, NotFound } from "../errors.ts";
import { assertMayGiveMembershipRole, findAssignableRole } from "../members/members.ts";
import { assertCallerIsOwner } from "../members/owner-only.ts";
import { seal, unseal } from "../secrets/sealed.ts";
import { DEFAULT_GROUPS_CLAIM } from "./group-mappings.ts";
import { discoverProvider, providerUrlProblem, type OidcClient, type OidcProviderMetadata } from "./oidc-protocol.ts";
import { describeCertificate, MAX_IDP_CERTS, normaliseCertificate, parseIdpMetadata, type SamlIdp, type SamlPolicy, type SamlSp } from "./saml-protocol.ts";

export const CLIENT_SECRET_PURPOSE = "sso-oidc-client-secret";

const ProviderUrl = z
  .string()
  .max(2000, "at most 2,000 characters")
  .superRefine((value, issue) => {
    const problem = providerUrlProblem(value);
    if (problem) issue.addIssue({ code: "custom", message: problem });
  });
const Name = z.string().trim().min(1, "required").max(100, "at most 100 characters");
const ClientId = z.string().min(1, "required").max(500, "at most 500 characters");
const GroupsClaim = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_:./-]{1,100}$/, "a claim name such as groups");
const ClientSecret = z.string().min(1, "required").max(2000, "at most 2,000 characters");

const endpointFields = {
  /** Entered endpoints; without them the issuer's discovery document gives them. */
  authorizationEndpoint: ProviderUrl.optional(),
  tokenEndpoint: ProviderUrl.optional(),
  jwksUri: ProviderUrl.optional(),
};

const MetadataXml = z.string().min(1, "required").max(200_000, "at most 200 KB");
const Certificate = z
  .string()
  .max(20_000, "at most 20 KB")
  .transform((value, issue) => {
    const body = normaliseCertificate(value);
    if (!body) {
      issue.addIssue({ code: "custom", message: "must be an X.509 certificate (PEM, or its base64 body)" });
      return z.NEVER;
    }
    return body;
  });
const samlFields = {
  /** The identity provider's metadata XML: entity ID, sign-in URL and signing certificates are read from it. */
  metadataXml: MetadataXml.optional(),
  /** Or entered: the provider's entity ID, HTTP-Redirect sign-in URL and one or two signing certificates (two while it rotates). */
  idpEntityId: z.string().trim().min(1, "required").max(1000, "at most 1,000 characters").optional(),
  idpSsoUrl: ProviderUrl.optional(),
  idpCertificates: z.array(Certificate).min(1, "at least one certificate").max(MAX_IDP_CERTS, `at most ${MAX_IDP_CERTS} certificates (the current one and the next)`).optional(),
  /** Accept sign-ins started at the provider (its app tile), not only those started here. */
  allowIdpInitiated: z.boolean().optional(),
  /** Accept RSA-SHA1 signatures from a provider that cannot sign with SHA-256. */
  allowSha1: z.boolean().optional(),
  /** How far the provider's clock may be off, in seconds (0–600). */
  clockSkewSeconds: z.number().int("a whole number of seconds").min(0, "at least 0").max(600, "at most 600 seconds").optional(),
};

const OidcCreate = z
  .strictObject({
    protocol: z.literal("oidc"),
    name: Name,
    issuer: ProviderUrl,
    clientId: ClientId,
    clientSecret: ClientSecret,
    ...endpointFields,
    defaultRoleId: z.uuid("Unknown role").nullable().optional(),
    /** The ID token claim that lists the person's groups (default "groups"), for group mappings. */
    groupsClaim: GroupsClaim.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .superRefine(endpointsTogether);

const SamlCreate = z
  .strictObject({
    protocol: z.literal("saml"),
    name: Name,
    ...samlFields,
    defaultRoleId: z.uuid("Unknown role").nullable().optional(),
    /** The assertion attribute that lists the person's groups (default "groups"), for group mappings. */
    groupsClaim: GroupsClaim.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .superRefine((input, issue) => {
    // None yet is fine: the provider's admin needs this connection's ACS URL before they can give its metadata.
    const entered = [input.idpEntityId, input.idpSsoUrl, input.idpCertificates].filter((v) => v !== undefined).length;
    if (input.metadataXml === undefined && entered !== 0 && entered !== 3) {
      issue.addIssue({ code: "custom", path: ["metadataXml"], message: "paste the identity provider's metadata XML, or enter its entity ID, sign-in URL and certificate together" });
    }
    if (input.metadataXml !== undefined && entered !== 0) {
      issue.addIssue({ code: "custom", path: ["metadataXml"], message: "give the metadata XML or the entered settings, not both" });
    }
  });

export const CreateConnectionInput = z.discriminatedUnion("protocol", [OidcCreate, SamlCreate], { error: "protocol: must be oidc or saml" });

const updateFields = {
  name: Name.optional(),
  issuer: ProviderUrl.optional(),
  clientId: ClientId.optional(),
  /** A new client secret; without it the one set stays. */
  clientSecret: ClientSecret.optional(),
  ...endpointFields,
  defaultRoleId: z.uuid("Unknown role").nullable().optional(),
  groupsClaim: GroupsClaim.nullable().optional(),
  enabled: z.boolean().optional(),
  ...samlFields,
};
/** The changes to a connection (the API's PATCH body). */
export const UpdateConnectionBody = z.strictObject(updateFields).superRefine(endpointsTogether);
export const UpdateConnectionInput = z.strictObject({ connectionId: z.uuid("Unknown connection"), ...updateFields }).superRefine(endpointsTogether);

export const ConnectionIdInput = z.strictObject({ connectionId: z.uuid("Unknown connection") });

function endpointsTogether(input: { authorizationEndpoint?: string; tokenEndpoint?: string; jwksUri?: string }, issue: z.RefinementCtx) {
  const given = [input.authorizationEndpoint, input.tokenEndpoint, input.jwksUri].filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) {
    issue.addIssue({ code: "custom", path: ["authorizationEndpoint"], message: "enter the authorization, token and JWKS endpoints together, or none to discover them from the issuer" });
  }
}

/** What a SAML sign-in needs of a connection. */
export const samlSettingsSelect = {
  samlIdpEntityId: true,
  samlIdpSsoUrl: true,
  samlIdpCerts: true,
  samlAllowIdpInitiated: true,
  samlAllowSha1: true,
  samlClockSkewSeconds: true,
} as const;
type SamlSettingsRow = Prisma.SsoConnectionGetPayload<{ select: typeof samlSettingsSelect }> & { id: string };

/** This side of a SAML connection: its entity ID (the Audience the provider must name) and ACS URL. */
export function samlServiceProviderOf(connectionId: string): SamlSp & { metadataUrl: string } {
  const base = `${publicUrl().replace(/\/$/, "")}/api/sso/saml/${connectionId}`;
  return { entityId: `${base}/metadata`, metadataUrl: `${base}/metadata`, acsUrl: `${base}/acs` };
}

/** Both sides of a SAML connection and how strictly its answers are checked. */
export function samlSettingsOf(row: SamlSettingsRow): { idp: SamlIdp; sp: SamlSp; policy: SamlPolicy } {
  if (!row.samlIdpEntityId || !row.samlIdpSsoUrl || !row.samlIdpCerts.length) throw new Invalid("connection_incomplete", "This SAML connection has no identity provider set.");
  return {
    idp: { entityId: row.samlIdpEntityId, ssoUrl: row.samlIdpSsoUrl, certs: row.samlIdpCerts },
    sp: samlServiceProviderOf(row.id),
    policy: { allowIdpInitiated: row.samlAllowIdpInitiated, allowSha1: row.samlAllowSha1, clockSkewSeconds: row.samlClockSkewSeconds },
  };
}

const connectionSelect = {
  id: true,
  orgId: true,
  protocol: true,
  name: true,
  enabled: true,
  oidcIssuer: true,
  oidcMetadata: true,
  oidcClientId: true,
  oidcClientSecretSealed: true,
  defaultRole: { select: { id: true, name: true } },
  groupsClaim: true,
  ...samlSettingsSelect,
  lastTestAt: true,
  lastTest: true,
  createdAt: true,
  updatedAt: true,
} as const;
type ConnectionRow = Prisma.SsoConnectionGetPayload<{ select: typeof connectionSelect }>;

/** Where the provider sends the browser back: registered with the provider as the redirect URI. */
export function redirectUriOf(connectionId: string): string {
  return `${publicUrl().replace(/\/$/, "")}/api/sso/oidc/${connectionId}/callback`;
}

/** A connection as shown to its organization's admins: never its secret. */
function present(row: ConnectionRow) {
  const metadata = row.oidcMetadata as OidcProviderMetadata | null;
  return {
    id: row.id,
    protocol: row.protocol,
    name: row.name,
    enabled: row.enabled,
    issuer: row.oidcIssuer ?? "",
    clientId: row.oidcClientId ?? "",
    clientSecretSet: row.oidcClientSecretSealed !== null,
    authorizationEndpoint: metadata?.authorization_endpoint ?? null,
    tokenEndpoint: metadata?.token_endpoint ?? null,
    jwksUri: metadata?.jwks_uri ?? null,
    redirectUri: redirectUriOf(row.id),
    saml: row.protocol === "saml" ? samlView(row) : null,
    defaultRole: row.defaultRole,
    groupsClaim: row.groupsClaim ?? DEFAULT_GROUPS_CLAIM,
    lastTestAt: row.lastTestAt,
    lastTest: (row.lastTest as Record<string, unknown> | null) ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
export type SsoConnectionView = ReturnType<typeof present>;

function samlView(row: ConnectionRow) {
  const sp = samlServiceProviderOf(row.id);
  return {
    /** Give these three to the identity provider's admin (or the metadata URL, which holds them). */
    spEntityId: sp.entityId,
    acsUrl: sp.acsUrl,
    metadataUrl: sp.metadataUrl,
    idpEntityId: row.samlIdpEntityId ?? "",
    idpSsoUrl: row.samlIdpSsoUrl ?? "",
    idpCertificates: row.samlIdpCerts.map(describeCertificate),
    allowIdpInitiated: row.samlAllowIdpInitiated,
    allowSha1: row.samlAllowSha1,
    clockSkewSeconds: row.samlClockSkewSeconds,
  };
}

async function findConnection(ctx: OrgCtx, connectionId: string): Promise<ConnectionRow> {
  const row = await db.ssoConnection.findFirst({ where: { id: connectionId, orgId: ctx.orgId }, select: connectionSelect });
  if (!row) throw new NotFound("connection_not_found", "SSO connection not found.");
  return row;
}

export async function listConnections(ctx: OrgCtx): Promise<{ data: SsoConnectionView[] }> {
  assertAllowed(ctx, "sso:read");
  const rows = await db.ssoConnection.findMany({ where: { orgId: ctx.orgId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: connectionSelect });
  return { data: rows.map(present) };
}

export async function getConnection(ctx: OrgCtx, connectionId: string): Promise<SsoConnectionView> {
  assertAllowed(ctx, "sso:read");
  return present(await findConnection(ctx, connectionId));
}

/** Single sign-on is a plan feature when billing is in use: a plan without it (or its fallback) cannot turn a connection on. */
export async function assertSsoInPlan(orgId: string) {
  const { source, entitlements, plan } = await entitlementsOf(orgId);
  if (source !== "none" && entitlements.sso !== true) {
    throw new Forbidden(
      "plan_without_sso",
      source === "fallback" ? "Single sign-on is paused until the organization's plan is paid." : `The ${plan} plan does not include single sign-on. Change the plan to turn it on.`,
    );
  }
}

/** The provider's metadata: entered endpoints, or discovered from the issuer. */
async function providerMetadata(input: { issuer: string; authorizationEndpoint?: string; tokenEndpoint?: string; jwksUri?: string }): Promise<OidcProviderMetadata> {
  if (input.authorizationEndpoint && input.tokenEndpoint && input.jwksUri) {
    return { issuer: input.issuer, authorization_endpoint: input.authorizationEndpoint, token_endpoint: input.tokenEndpoint, jwks_uri: input.jwksUri };
  }
  return discoverProvider(input.issuer);
}

async function checkedDefaultRole(ctx: OrgCtx, roleId: string | null | undefined) {
  if (!roleId) return null;
  // The role people join with is the owner's to choose, not the IT admin's holding a setup link.
  if (ctx.limitedTo) throw new Forbidden("forbidden", "defaultRoleId: a setup link cannot choose the role people join with; an owner sets it in Tollgate.");
  const role = await findAssignableRole(ctx, roleId);
  assertMayGiveMembershipRole(ctx, role.permissions, `make ${role.name} the role of people who join by single sign-on`);
  return role;
}

/** What the audit log keeps of a connection: its settings, never the secret. */
const auditView = (c: SsoConnectionView) =>
  c.saml
    ? {
        name: c.name,
        enabled: c.enabled,
        protocol: c.protocol,
        defaultRole: c.defaultRole?.name ?? null,
        idpEntityId: c.saml.idpEntityId,
        idpSsoUrl: c.saml.idpSsoUrl,
        idpCertificates: c.saml.idpCertificates.map((cert) => cert.fingerprintSha256),
        allowIdpInitiated: c.saml.allowIdpInitiated,
        allowSha1: c.saml.allowSha1,
        clockSkewSeconds: c.saml.clockSkewSeconds,
      }
    : {
        name: c.name,
        enabled: c.enabled,
        issuer: c.issuer,
        clientId: c.clientId,
        defaultRole: c.defaultRole?.name ?? null,
        authorizationEndpoint: c.authorizationEndpoint,
        tokenEndpoint: c.tokenEndpoint,
        jwksUri: c.jwksUri,
      };

/**
 * Whoever chooses the provider that signs people in decides who they are
 * (an account of a verified domain is found by its address): only an owner
 * points a connection at a provider, changes its client or certificates,
 * loosens its checks, or turns it on.
 */
export async function assertOwnerChoosesProvider(ctx: OrgCtx, what: string) {
  await db.$transaction((tx) => assertCallerIsOwner(tx, ctx, what));
}

type SamlFieldsInput = { metadataXml?: string; idpEntityId?: string; idpSsoUrl?: string; idpCertificates?: string[]; allowIdpInitiated?: boolean; allowSha1?: boolean; clockSkewSeconds?: number };

/** The provider's settings a SAML create or update writes: from its metadata, or as entered. */
type SamlProviderData = Pick<Prisma.SsoConnectionUncheckedCreateInput, "samlIdpEntityId" | "samlIdpSsoUrl" | "samlAllowIdpInitiated" | "samlAllowSha1" | "samlClockSkewSeconds"> & {
  samlIdpCerts?: string[];
};
type OidcProviderData = Pick<Prisma.SsoConnectionUncheckedCreateInput, "oidcIssuer" | "oidcClientId" | "oidcClientSecretSealed"> & { oidcMetadata: OidcProviderMetadata };

function samlProviderData(input: SamlFieldsInput): SamlProviderData {
  const fromMetadata = input.metadataXml !== undefined ? parseIdpMetadata(input.metadataXml) : null;
  return {
    samlIdpEntityId: fromMetadata?.entityId ?? input.idpEntityId,
    samlIdpSsoUrl: fromMetadata?.ssoUrl ?? input.idpSsoUrl,
    samlIdpCerts: fromMetadata?.certs ?? input.idpCertificates,
    samlAllowIdpInitiated: input.allowIdpInitiated,
    samlAllowSha1: input.allowSha1,
    samlClockSkewSeconds: input.clockSkewSeconds,
  };
}

/** What only an owner in Tollgate does, never someone holding a setup link: switching on (or changing) how people sign in. */
function assertNotThroughSetupLink(ctx: OrgCtx, what: string) {
  if (ctx.principal.setupLink) throw new Forbidden("owner_required", `A setup link cannot ${what}: an owner turns single sign-on on in Tollgate, after the test worked.`);
}

const samlProviderMissing = () => new Invalid("connection_incomplete", "metadataXml: paste the identity provider's metadata before turning the connection on.");

const OIDC_ONLY = ["issuer", "clientId", "clientSecret", "authorizationEndpoint", "tokenEndpoint", "jwksUri"] as const;
const SAML_ONLY = ["metadataXml", "idpEntityId", "idpSsoUrl", "idpCertificates", "allowIdpInitiated", "allowSha1", "clockSkewSeconds"] as const;

export async function createConnection(ctx: OrgCtx, raw: unknown): Promise<SsoConnectionView> {
  assertAllowed(ctx, "sso:write");
  const input = CreateConnectionInput.parse(raw);
  await assertOwnerChoosesProvider(ctx, "connect an identity provider");
  if (input.enabled) assertNotThroughSetupLink(ctx, "turn a connection on");
  if (input.enabled) await assertSsoInPlan(ctx.orgId);
  const role = await checkedDefaultRole(ctx, input.defaultRoleId);
  let protocolData: SamlProviderData | OidcProviderData;
  if (input.protocol === "saml") {
    const saml = samlProviderData(input);
    if (input.enabled && !saml.samlIdpEntityId) throw samlProviderMissing();
    protocolData = saml;
  } else {
    const metadata = await providerMetadata(input);
    protocolData = { oidcIssuer: metadata.issuer, oidcMetadata: metadata, oidcClientId: input.clientId, oidcClientSecretSealed: seal(input.clientSecret, CLIENT_SECRET_PURPOSE) };
  }
  return db.$transaction(async (tx) => {
    const row = await tx.ssoConnection.create({
      data: {
        ...protocolData,
        orgId: ctx.orgId,
        protocol: input.protocol,
        name: input.name,
        enabled: input.enabled ?? false,
        defaultRoleId: role?.id ?? null,
        groupsClaim: input.groupsClaim ?? null,
      },
      select: connectionSelect,
    });
    const view = present(row);
    await recordAudit(tx, { action: "sso.connection.created", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "sso_connection", id: row.id }, meta: ctx, after: auditView(view) });
    return view;
  });
}

export async function updateConnection(ctx: OrgCtx, raw: unknown): Promise<SsoConnectionView> {
  assertAllowed(ctx, "sso:write");
  const input = UpdateConnectionInput.parse(raw);
  const before = await findConnection(ctx, input.connectionId);
  const foreign = (before.protocol === "saml" ? OIDC_ONLY : SAML_ONLY).find((field) => input[field] !== undefined);
  if (foreign) throw new Invalid("wrong_protocol", `${foreign}: does not apply to ${before.protocol === "saml" ? "a SAML" : "an OpenID Connect"} connection.`);
  const providerChanged =
    input.issuer !== undefined ||
    input.authorizationEndpoint !== undefined ||
    input.clientId !== undefined ||
    input.clientSecret !== undefined ||
    input.metadataXml !== undefined ||
    input.idpEntityId !== undefined ||
    input.idpSsoUrl !== undefined ||
    input.idpCertificates !== undefined;
  if (providerChanged) await assertOwnerChoosesProvider(ctx, "change the identity provider or its client");
  // A connection people sign in with now is the owner's to change: a setup link sets up, it does not switch a live sign-in.
  if (before.enabled && (providerChanged || input.allowIdpInitiated || input.allowSha1 || input.clockSkewSeconds !== undefined)) {
    assertNotThroughSetupLink(ctx, "change a connection that is on");
  }
  if ((input.allowIdpInitiated && !before.samlAllowIdpInitiated) || (input.allowSha1 && !before.samlAllowSha1) || (input.clockSkewSeconds ?? 0) > before.samlClockSkewSeconds) {
    await assertOwnerChoosesProvider(ctx, "loosen how a provider's answers are checked");
  }
  if (input.enabled && !before.enabled) {
    assertNotThroughSetupLink(ctx, "turn a connection on");
    await assertOwnerChoosesProvider(ctx, "turn single sign-on on");
    await assertSsoInPlan(ctx.orgId);
  }
  if (input.metadataXml !== undefined && [input.idpEntityId, input.idpSsoUrl, input.idpCertificates].some((v) => v !== undefined)) {
    throw new Invalid("invalid", "metadataXml: give the metadata XML or the entered settings, not both.");
  }
  const role = input.defaultRoleId === undefined ? undefined : await checkedDefaultRole(ctx, input.defaultRoleId);
  const endpointsChanged = before.protocol === "oidc" && (input.issuer !== undefined || input.authorizationEndpoint !== undefined);
  const metadata = endpointsChanged ? await providerMetadata({ ...input, issuer: input.issuer ?? before.oidcIssuer ?? "" }) : undefined;
  const samlData = before.protocol === "saml" ? samlProviderData(input) : {};
  if (before.protocol === "saml" && (input.enabled ?? before.enabled) && !(samlData.samlIdpEntityId ?? before.samlIdpEntityId)) throw samlProviderMissing();
  const { view, ended } = await db.$transaction(async (tx) => {
    const row = await tx.ssoConnection.update({
      where: { id: before.id, orgId: ctx.orgId },
      data: {
        ...samlData,
        name: input.name,
        enabled: input.enabled,
        oidcIssuer: metadata?.issuer,
        oidcMetadata: metadata,
        oidcClientId: input.clientId,
        oidcClientSecretSealed: input.clientSecret === undefined ? undefined : seal(input.clientSecret, CLIENT_SECRET_PURPOSE),
        defaultRoleId: role === undefined ? undefined : (role?.id ?? null),
        groupsClaim: input.groupsClaim,
      },
      select: connectionSelect,
    });
    const view = present(row);
    // Another provider (a new issuer or entity ID) names people anew: the old one's subjects link to nobody now.
    const providerReplaced = (row.oidcIssuer ?? null) !== (before.oidcIssuer ?? null) || (row.samlIdpEntityId ?? null) !== (before.samlIdpEntityId ?? null);
    const unlinked = providerReplaced ? (await tx.ssoIdentity.deleteMany({ where: { connectionId: row.id } })).count : 0;
    // Turned off: the sessions it opened end with it.
    const ended = before.enabled && !row.enabled ? await endConnectionSessions(tx, row.id) : [];
    await recordAudit(tx, {
      action: "sso.connection.updated",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "sso_connection", id: row.id },
      meta: ctx,
      before: auditView(present(before)),
      after: {
        ...auditView(view),
        ...(input.clientSecret === undefined ? {} : { clientSecret: "changed" }),
        ...(ended.length ? { sessionsEnded: ended.length } : {}),
        ...(unlinked ? { identitiesUnlinked: unlinked } : {}),
      },
    });
    return { view, ended };
  });
  ended.forEach(forgetCachedSession);
  return view;
}

/** Ends the sessions a connection opened (it was turned off or deleted). Inside the caller's transaction; returns their ids. */
async function endConnectionSessions(tx: Tx, connectionId: string): Promise<string[]> {
  const open = await tx.session.findMany({ where: { ssoConnectionId: connectionId, revokedAt: null }, select: { id: true } });
  if (open.length) await tx.session.updateMany({ where: { id: { in: open.map((s) => s.id) } }, data: { revokedAt: new Date() } });
  return open.map((s) => s.id);
}

export async function deleteConnection(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "sso:write");
  const { connectionId } = ConnectionIdInput.parse(raw);
  const before = await findConnection(ctx, connectionId);
  if (before.enabled) assertNotThroughSetupLink(ctx, "delete a connection that is on");
  const ended = await db.$transaction(async (tx) => {
    const ended = await endConnectionSessions(tx, before.id);
    await tx.ssoConnection.delete({ where: { id: before.id, orgId: ctx.orgId } });
    await recordAudit(tx, {
      action: "sso.connection.deleted",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "sso_connection", id: before.id },
      meta: ctx,
      before: auditView(present(before)),
      after: { sessionsEnded: ended.length },
    });
    return ended;
  });
  ended.forEach(forgetCachedSession);
}

/** A connection's client, with the secret opened, for a sign-in. */
export function oidcClientOf(row: { oidcMetadata: unknown; oidcClientId: string | null; oidcClientSecretSealed: string | null }): OidcClient {
  const clientSecret = row.oidcClientSecretSealed ? unseal(row.oidcClientSecretSealed, CLIENT_SECRET_PURPOSE) : null;
  if (!row.oidcMetadata || !row.oidcClientId || clientSecret === null) {
    throw new Invalid("connection_incomplete", "This SSO connection's client secret cannot be read (was NEXTAUTH_SECRET changed?). Enter the client secret again.");
  }
  return { metadata: row.oidcMetadata as OidcProviderMetadata, clientId: row.oidcClientId, clientSecret };
}
