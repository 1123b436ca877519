// The JSON bodies the API answers with, as strict zod schemas: the OpenAPI
// document is generated from them (named shapes become
// #/components/schemas/...), the tests check every answer against them, and
// the SDK's types are generated from the document. Dates are ISO strings and
// ids UUIDs, as they are on the wire.
import { z } from "zod";
import { CheckBatchInput, CheckInput, CheckSubject } from "../authz/check-access.ts";
import { VerifyKeyInput } from "../apikeys/verify-key.ts";
import { IngestInput, MAX_EVENTS_PER_REQUEST, UsageEventInput } from "../usage/ingest.ts";
import { AGGREGATIONS } from "../usage/meters.ts";
import { BILLING_MODES } from "../billing/billing-settings.ts";
import { Entitlements } from "../billing/plans.ts";
import { PriceModel } from "../billing/pricing.ts";

/** Schemas with an id here are named components of the document. */
export const apiSchemas = z.registry<{ id?: string; description?: string }>();
const named = <T extends z.ZodType>(id: string, schema: T): T => {
  apiSchemas.add(schema, { id });
  return schema;
};
/** A field's description in the document (and so on the SDK's generated type). */
const doc = <T extends z.ZodType>(description: string, schema: T): T => {
  apiSchemas.add(schema, { description });
  return schema;
};

const Id = z.uuid();
const DateTime = z.iso.datetime();
const Count = z.number().int().min(0);

/** A page of a list; pass nextCursor as ?cursor= for the next one (null: this was the last). */
const page = <T extends z.ZodType>(id: string, item: T) =>
  named(id, z.strictObject({ data: z.array(item), nextCursor: doc("Pass it as ?cursor= for the next page; null on the last page.", z.string().nullable()) }));

const ErrorDetail = named("ErrorDetail", z.strictObject({ code: z.string(), message: z.string(), requestId: z.string().optional() }));
export const ApiError = named("Error", z.strictObject({ error: ErrorDetail }));

// The check API's requests are named too, so the SDK's types have names.
named("CheckInput", CheckInput);
named("CheckSubject", CheckSubject);
named("CheckResource", CheckInput.shape.resource.unwrap());
named("CheckContext", CheckInput.shape.context.unwrap());
named("VerifyKeyInput", VerifyKeyInput);
/** The batch as documented: the server reads each check on its own, so one that is not valid is answered in its place with an error. */
export const CheckBatchRequest = named(
  "CheckBatchInput",
  CheckBatchInput.extend({ checks: doc("Answered in order; a check that is not valid gets a CheckError in its place.", z.array(CheckInput).min(1).max(100)) }),
);
doc("A user's id or email address, or an API key's id.", CheckSubject.shape.id);
doc("Defaults to the API key's organization.", CheckInput.shape.resource);
doc("Would this be allowed at this instant? Grant end dates and key expiry are judged at it (default: now).", CheckInput.shape.context.unwrap().shape.time);
doc("The key presented to your service.", VerifyKeyInput.shape.key);
doc("The address it was presented from; checked against the key's IP allow list.", VerifyKeyInput.shape.ip);

export const CheckResult = named(
  "CheckResult",
  z.strictObject({
    allowed: z.boolean(),
    reason: doc('Why, in words, e.g. `membership role "Viewer" grants members:read`.', z.string()),
    version: doc("The organization's authorization version; it increases on every change.", z.number().int()),
  }),
);
/** One check of a batch that could not be answered (e.g. subject_not_found). */
export const CheckError = named("CheckError", z.strictObject({ allowed: z.literal(false), error: ErrorDetail }));
export const BatchResult = named("BatchResult", z.strictObject({ results: z.array(z.union([CheckResult, CheckError])) }));

export const VerifyFailure = named("VerifyFailure", z.enum(["malformed_api_key", "invalid_api_key", "rotated_api_key", "revoked_api_key", "expired_api_key", "ip_not_allowed", "rate_limited"]));
export const VerifyResult = named(
  "VerifyResult",
  z.strictObject({
    valid: z.boolean(),
    keyId: Id.nullable(),
    orgId: Id.nullable(),
    projectId: Id.nullable(),
    name: z.string().nullable(),
    permissions: doc("What the key carries (empty unless valid).", z.array(z.string())),
    expiresAt: DateTime.nullable(),
    reason: doc("Why the key is not valid (null when it is).", VerifyFailure.nullable()),
    retryAfterSeconds: doc('With reason "rate_limited": when the key may try again.', Count.optional()),
  }),
);

export const Project = named("Project", z.strictObject({ id: Id, name: z.string(), slug: z.string(), createdAt: DateTime, updatedAt: DateTime }));
export const ProjectPage = page("ProjectPage", Project);

const RoleRef = named("RoleRef", z.strictObject({ id: Id, name: z.string(), isOwner: z.boolean() }));
const MemberUser = named("MemberUser", z.strictObject({ id: Id, email: z.string(), name: z.string() }));
export const Member = named("Member", z.strictObject({ id: Id, createdAt: DateTime, user: MemberUser, role: RoleRef }));
export const MemberPage = page("MemberPage", Member);
export const AddedMember = named("AddedMember", Member.extend({ userId: Id }));
export const MemberRoleChange = named("MemberRoleChange", z.strictObject({ id: Id, userId: Id, roleId: Id }));

/** A role on a project an invitation gives besides membership (a grant, made when it is accepted). */
const InvitationProjectRole = named("InvitationProjectRole", z.strictObject({ projectId: Id, roleId: Id, projectName: z.string(), roleName: z.string() }));

export const Invitation = named(
  "Invitation",
  z.strictObject({
    id: Id,
    email: z.string(),
    expiresAt: DateTime,
    createdAt: DateTime,
    lastSentAt: DateTime,
    acceptedAt: DateTime.nullable(),
    revokedAt: DateTime.nullable(),
    role: RoleRef,
    projectRoles: z.array(InvitationProjectRole),
    status: z.enum(["pending", "accepted", "revoked", "expired"]),
  }),
);
export const InvitationPage = page("InvitationPage", Invitation);
/** The link is in the answer (and in the email) once: only its hash is stored. */
export const CreatedInvitation = named("CreatedInvitation", z.strictObject({ id: Id, email: z.string(), expiresAt: DateTime, projectRoles: z.array(InvitationProjectRole), url: z.url() }));
export const ResentInvitation = named("ResentInvitation", z.strictObject({ url: z.url() }));

export const Group = named("Group", z.strictObject({ id: Id, name: z.string(), description: z.string() }));
export const GroupSummary = named("GroupSummary", Group.extend({ createdAt: DateTime, memberCount: Count }));
export const GroupSummaryPage = page("GroupSummaryPage", GroupSummary);
export const GroupWithMembers = named("GroupWithMembers", Group.extend({ members: z.array(MemberUser.extend({ addedAt: DateTime })) }));

export const Role = named(
  "Role",
  z.strictObject({
    id: Id,
    key: z.string(),
    name: z.string(),
    description: z.string(),
    permissions: z.array(z.string()),
    isBuiltIn: z.boolean(),
    isOwner: z.boolean(),
    orgId: doc("null for built-in roles, shared by every organization.", Id.nullable()),
    includes: doc("Ids of the roles whose permissions this one includes.", z.array(Id)),
  }),
);
export const RolePage = page("RolePage", Role);

export const Organization = named(
  "Organization",
  z.strictObject({
    id: Id,
    name: z.string(),
    slug: z.string(),
    externalId: doc("Your product's id for it (usage events may name the organization by it).", z.string().nullable()),
    createdAt: DateTime,
  }),
);
export const OrganizationPage = page("OrganizationPage", Organization);
export const User = named("User", z.strictObject({ id: Id, email: z.string(), name: z.string(), externalId: z.string().nullable(), createdAt: DateTime }));
export const ProvisionedOrganization = named("ProvisionedOrganization", Organization.extend({ owner: User }));
export const OrganizationWithCount = named("OrganizationWithCount", Organization.extend({ memberCount: Count }));
export const UserList = named("UserList", z.strictObject({ data: z.array(User) }));
export const ProvisionedUser = named("ProvisionedUser", z.strictObject({ user: User, created: z.boolean() }));
export const UserWithMemberships = named("UserWithMemberships", User.extend({ memberships: z.array(z.strictObject({ org: Organization, role: z.strictObject({ id: Id, name: z.string() }) })) }));

export const ProductPermission = named("ProductPermission", z.strictObject({ key: z.string(), description: z.string(), createdAt: DateTime }));
export const ProductPermissionList = named("ProductPermissionList", z.strictObject({ data: z.array(ProductPermission) }));
export const RetiredProductPermission = named("RetiredProductPermission", z.strictObject({ key: z.string(), rolesChanged: Count, apiKeysChanged: Count }));

const RateLimit = z.number().int().nullable();
export const ApiKey = named(
  "ApiKey",
  z.strictObject({
    id: Id,
    name: z.string(),
    description: z.string(),
    display: doc("The key's public part, e.g. tg_live_<publicId>_…<last four>: never the secret.", z.string()),
    publicId: z.string(),
    lastFour: z.string(),
    status: z.enum(["active", "expiring", "expired", "revoked"]),
    projectId: Id.nullable(),
    project: z.strictObject({ name: z.string() }).nullable(),
    roleId: Id.nullable(),
    role: z.strictObject({ name: z.string() }).nullable(),
    permissions: doc("Listed permissions of a key without a role (empty for a key with one).", z.array(z.string())),
    expiresAt: DateTime.nullable(),
    revokedAt: DateTime.nullable(),
    ipAllowList: z.array(z.string()),
    rateLimitPerSecond: RateLimit,
    rateLimitPerDay: RateLimit,
    rotatedAt: DateTime.nullable(),
    previousSecretExpiresAt: DateTime.nullable(),
    previousSecretValidUntil: doc("Until when the secret replaced by the last rotation still works (null: not at all).", DateTime.nullable()),
    lastUsedAt: DateTime.nullable(),
    lastUsedIp: z.string().nullable(),
    requestCount: Count,
    createdAt: DateTime,
  }),
);
export const ApiKeyPage = page("ApiKeyPage", ApiKey);
/** A new or rotated key: `key` is the secret, shown this once. */
export const ApiKeyWithSecret = named("ApiKeyWithSecret", z.strictObject({ apiKey: ApiKey, key: z.string() }));
export const ApiKeyPolicy = named(
  "ApiKeyPolicy",
  z.strictObject({ requireExpiry: z.boolean(), maxLifetimeDays: z.number().int().nullable(), rateLimitPerSecond: RateLimit, rateLimitPerDay: RateLimit }),
);

export const Grant = named(
  "Grant",
  z.strictObject({
    id: Id,
    roleId: Id,
    role: z.strictObject({ name: z.string() }),
    userId: doc("Exactly one of userId, groupId and apiKeyId is set: the subject.", Id.nullable()),
    user: z.strictObject({ email: z.string(), name: z.string() }).nullable(),
    groupId: Id.nullable(),
    group: z.strictObject({ name: z.string() }).nullable(),
    apiKeyId: Id.nullable(),
    apiKey: z.strictObject({ name: z.string() }).nullable(),
    projectId: doc("null: the grant applies to the whole organization.", Id.nullable()),
    project: z.strictObject({ name: z.string(), slug: z.string() }).nullable(),
    validUntil: DateTime.nullable(),
    ipCidrs: z.array(z.string()),
    requireMfa: z.boolean(),
    plans: doc("Held only while the organization is on one of these plans (keys); empty: on any.", z.array(z.string())),
    createdAt: DateTime,
  }),
);
export const GrantPage = page("GrantPage", Grant);

export const Meter = named(
  "Meter",
  z.strictObject({
    id: Id,
    key: doc("How plans and the usage API name the meter.", z.string()),
    name: z.string(),
    eventType: doc("Events of this type count.", z.string()),
    aggregation: z.enum(AGGREGATIONS),
    valueProperty: doc("The property holding the value; null for count.", z.string().nullable()),
    filter: doc("Property values an event must have to count.", z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
    groupBy: doc("Properties whose values split the usage.", z.array(z.string())),
    createdAt: DateTime,
  }),
);
export const MeterList = named("MeterList", z.strictObject({ data: z.array(Meter) }));

named("UsageEvent", UsageEventInput);
export const UsageEventBatch = named(
  "UsageEventBatch",
  IngestInput.extend({
    events: doc("Each event is answered on its own, in order: one that is not valid is rejected, the others are taken.", z.array(UsageEventInput).min(1).max(MAX_EVENTS_PER_REQUEST)),
  }),
);
export const UsageIngestResult = named(
  "UsageIngestResult",
  z.strictObject({
    accepted: Count,
    duplicates: Count,
    rejected: Count,
    results: z.array(
      z.strictObject({
        id: doc("The event's id (null when it had none).", z.string().nullable()),
        status: doc("duplicate: an event with this id was taken for this organization before (it is not counted again).", z.enum(["accepted", "duplicate", "rejected"])),
        reason: z.enum(["invalid_event", "too_old", "in_future", "organization_not_found", "invalid_value", "limit_exceeded"]).optional(),
        message: z.string().optional(),
      }),
    ),
  }),
);

export const UsageReport = named(
  "UsageReport",
  z.strictObject({
    meter: z.strictObject({ key: z.string(), name: z.string(), aggregation: z.enum(AGGREGATIONS) }),
    from: doc("Whole hours: usage is kept by the hour.", z.iso.datetime()),
    to: DateTime,
    window: z.enum(["hour", "day", "month"]).nullable(),
    data: z.array(
      z.strictObject({
        windowStart: doc("null without a window: one figure for the whole range.", DateTime.nullable()),
        dimensions: doc("The groupBy property values (empty unless byDimensions=true).", z.record(z.string(), z.unknown())),
        quantity: doc("An exact decimal, as a string.", z.string()),
        events: doc("Events counted, as a string.", z.string()),
      }),
    ),
  }),
);

export const Plan = named(
  "Plan",
  z.strictObject({
    id: Id,
    key: z.string(),
    name: z.string(),
    currency: doc("ISO 4217, lowercase.", z.string()),
    interval: z.enum(["month", "year"]),
    baseFee: doc("Per interval, in the currency's minor unit (cents).", z.number().int()),
    trialDays: z.number().int(),
    entitlements: Entitlements,
    fallbackEntitlements: doc("What an organization keeps once a failed payment's grace period is over.", Entitlements),
    selfServe: doc("Offered to organizations' own admins through Stripe Checkout.", z.boolean()),
    archivedAt: doc("An archived plan takes no new subscriptions.", DateTime.nullable()),
    createdAt: DateTime,
    prices: z.array(
      z.strictObject({
        meter: z.string(),
        meterName: z.string(),
        price: PriceModel,
        includedQuantity: doc("Free each period, before the price applies (an exact decimal).", z.string()),
      }),
    ),
  }),
);
export const PlanList = named("PlanList", z.strictObject({ data: z.array(Plan) }));

export const Subscription = named(
  "Subscription",
  z.strictObject({
    id: Id,
    orgId: Id,
    plan: z.string(),
    status: z.enum(["trialing", "active", "past_due", "canceled"]),
    startedAt: DateTime,
    trialEndsAt: DateTime.nullable(),
    anchorAt: doc("Periods start here, one interval at a time.", z.iso.datetime()),
    canceledAt: DateTime.nullable(),
    pastDueSince: doc("Since when a payment has failed (the grace period runs from here); null when paid up.", DateTime.nullable()),
  }),
);
export const InvoicePreview = named(
  "InvoicePreview",
  z.strictObject({
    subscription: Subscription,
    plan: z.strictObject({ key: z.string(), name: z.string(), currency: z.string(), interval: z.enum(["month", "year"]), baseFee: z.number().int() }),
    period: z.strictObject({ start: DateTime, end: DateTime }),
    trial: doc("In the trial nothing is due.", z.boolean()),
    lines: z.array(
      z.strictObject({
        description: z.string(),
        meter: z.string().nullable(),
        quantity: doc("Usage so far this period (an exact decimal); null for the base fee.", z.string().nullable()),
        billableQuantity: doc("After the included quantity.", z.string().nullable()),
        amount: doc("In the currency's minor unit.", z.number().int()),
      }),
    ),
    subtotal: z.number().int(),
    total: z.number().int(),
  }),
);

const InvoiceStatus = z.enum(["draft", "open", "paid", "void", "uncollectible"]);
export const Invoice = named(
  "Invoice",
  z.strictObject({
    id: Id,
    planKey: z.string(),
    currency: z.string(),
    periodStart: DateTime,
    periodEnd: DateTime,
    status: doc("draft: computed, not yet sent; open: finalized (in Stripe when configured); then paid, void or uncollectible.", InvoiceStatus),
    subtotal: doc("In the currency's minor unit: the base fee, usage and corrections.", z.number().int()),
    creditsApplied: z.number().int(),
    total: doc("What is charged: subtotal less credits.", z.number().int()),
    number: z.string().nullable(),
    hostedInvoiceUrl: doc("Stripe's page for the invoice (pay, download).", z.string().nullable()),
    sentAt: DateTime.nullable(),
    paidAt: DateTime.nullable(),
    paymentFailedAt: DateTime.nullable(),
    createdAt: DateTime,
    lines: z.array(
      z.strictObject({
        kind: doc("base, usage, correction (late usage of an earlier period) or credit (negative).", z.enum(["base", "usage", "correction", "credit"])),
        description: z.string(),
        meter: z.string().nullable(),
        quantity: doc("An exact decimal: the usage, or for a correction its change.", z.string().nullable()),
        amount: z.number().int(),
        servicePeriodStart: DateTime,
        servicePeriodEnd: DateTime,
      }),
    ),
  }),
);
export const InvoiceList = named("InvoiceList", z.strictObject({ data: z.array(Invoice) }));

export const CreditGrant = named(
  "CreditGrant",
  z.strictObject({
    id: Id,
    kind: z.enum(["prepaid", "promotional"]),
    currency: z.string(),
    amount: doc("Granted, in minor units.", z.number().int()),
    remaining: doc("Not yet used by an invoice.", z.number().int()),
    description: z.string(),
    expiresAt: DateTime.nullable(),
    voidedAt: DateTime.nullable(),
    createdAt: DateTime,
  }),
);
export const CreditList = named("CreditList", z.strictObject({ data: z.array(CreditGrant), available: doc("Usable now, by currency, in minor units.", z.record(z.string(), z.number().int())) }));
export const RedirectUrl = named("RedirectUrl", z.strictObject({ url: doc("Send the browser here (Stripe).", z.string()) }));
export const EntitlementState = named(
  "EntitlementState",
  z.strictObject({
    plan: z.string().nullable(),
    entitlements: Entitlements,
    source: doc("plan; fallback after a failed payment's grace period or a cancellation; none without a plan (no limits).", z.enum(["plan", "fallback", "none"])),
    pastDueSince: DateTime.nullable(),
    graceEndsAt: DateTime.nullable(),
  }),
);
export const LimitUseList = named(
  "LimitUseList",
  z.strictObject({
    data: z.array(
      z.strictObject({
        limit: z.enum(["members", "apiKeys", "eventsPerMonth"]),
        used: doc("Members count pending invitations; API keys, those neither revoked nor expired; events, this month's (UTC).", z.number().int()),
        max: z.number().int(),
        percent: doc("Of the limit used, rounded down.", z.number().int()),
        soft: doc("A soft limit warns and refuses nothing.", z.boolean()),
        period: doc("The month counted (YYYY-MM), for events a month.", z.string().nullable()),
        level: doc("warning from 80%, reached from 100%.", z.enum(["ok", "warning", "reached"])),
      }),
    ),
  }),
);
export const BillingSettingsSchema = named(
  "BillingSettings",
  z.strictObject({
    mode: z.enum(BILLING_MODES),
    since: doc("When the mode took effect (a whole hour); null: invoices from the start.", DateTime.nullable()),
  }),
);

// Single sign-on
const SsoTestResult = named(
  "SsoTestResult",
  z.strictObject({
    ok: z.boolean(),
    reason: doc("Why the test login failed (ok: false).", z.string()).optional(),
    detail: z.string().optional(),
    subject: z.string().optional(),
    email: z.string().nullable().optional(),
    emailVerified: z.boolean().nullable().optional(),
    name: z.string().nullable().optional(),
    claims: doc("Every claim of the ID token the provider sent.", z.record(z.string(), z.unknown())).optional(),
  }),
);
export const SsoSamlSettings = named(
  "SsoSamlSettings",
  z.strictObject({
    spEntityId: doc("Give this to the identity provider as the service provider's entity ID (audience).", z.string()),
    acsUrl: doc("Give this to the identity provider as the Assertion Consumer Service (reply) URL, HTTP-POST binding.", z.string()),
    metadataUrl: doc("Our metadata (entity ID and ACS URL) as XML, for providers that import it.", z.string()),
    idpEntityId: z.string(),
    idpSsoUrl: doc("The provider's sign-in URL (HTTP-Redirect binding).", z.string()),
    idpCertificates: doc("The provider's signing certificates: one, or two while it rotates.", z.array(z.strictObject({ subject: z.string(), notAfter: DateTime, fingerprintSha256: z.string() }))),
    allowIdpInitiated: doc("Sign-ins started at the provider (its app tile) are accepted.", z.boolean()),
    allowSha1: doc("RSA-SHA1 signatures are accepted (otherwise SHA-256 or stronger).", z.boolean()),
    clockSkewSeconds: doc("How far the provider's clock may be off.", z.number().int()),
  }),
);
export const SsoConnection = named(
  "SsoConnection",
  z.strictObject({
    id: Id,
    protocol: z.enum(["oidc", "saml"]),
    name: z.string(),
    enabled: doc("Members sign in with it only when enabled; a test login works before.", z.boolean()),
    issuer: doc("OpenID Connect: the provider's issuer (empty for SAML).", z.string()),
    clientId: z.string(),
    clientSecretSet: doc("The client secret is never shown again, only whether one is set.", z.boolean()),
    authorizationEndpoint: z.string().nullable(),
    tokenEndpoint: z.string().nullable(),
    jwksUri: z.string().nullable(),
    redirectUri: doc("OpenID Connect: register this with the identity provider as the redirect (callback) URI.", z.string()),
    saml: doc("SAML 2.0 settings (null for OpenID Connect).", SsoSamlSettings.nullable()),
    defaultRole: doc("The role of people who join by signing in (their address in a verified domain); null: members only.", z.strictObject({ id: Id, name: z.string() }).nullable()),
    groupsClaim: doc("The ID token claim (or SAML attribute) that lists the person's groups at the provider, read by group mappings.", z.string()),
    lastTestAt: DateTime.nullable(),
    lastTest: SsoTestResult.nullable(),
    createdAt: DateTime,
    updatedAt: DateTime,
  }),
);
export const SsoConnectionList = named("SsoConnectionList", z.strictObject({ data: z.array(SsoConnection) }));
export const SsoTestLogin = named("SsoTestLogin", z.strictObject({ url: doc("Open this in a browser and sign in at the provider; the connection's lastTest then shows the result.", z.string()) }));
export const SsoDomain = named(
  "SsoDomain",
  z.strictObject({
    id: Id,
    domain: z.string(),
    verified: z.boolean(),
    verifiedAt: DateTime.nullable(),
    createdAt: DateTime,
    record: doc("Publish this DNS record, then verify.", z.strictObject({ type: z.literal("TXT"), name: z.string(), value: z.string() })),
  }),
);
export const SsoDomainList = named("SsoDomainList", z.strictObject({ data: z.array(SsoDomain) }));
export const SsoPolicy = named(
  "SsoPolicy",
  z.strictObject({
    requireSso: doc("People of the verified domains sign in with single sign-on only (while a connection is on).", z.boolean()),
    breakGlassOwners: doc("Owners who may still sign in with a password.", z.array(z.strictObject({ userId: Id, email: z.string(), name: z.string() }))),
  }),
);

// Setup links
const SetupLinkFields = {
  id: Id,
  name: doc("Who it is for.", z.string()),
  createdBy: doc("Its maker: an owner's address, or the provisioning key.", z.string()),
  createdAt: DateTime,
  expiresAt: DateTime,
  lastUsedAt: DateTime.nullable(),
  revokedAt: DateTime.nullable(),
  status: z.enum(["active", "expired", "revoked"]),
};
export const SetupLink = named("SetupLink", z.strictObject(SetupLinkFields));
export const SetupLinkList = named("SetupLinkList", z.strictObject({ data: z.array(SetupLink) }));
export const SetupLinkWithUrl = named(
  "SetupLinkWithUrl",
  z.strictObject({ ...SetupLinkFields, url: doc("Send this to the IT admin, privately: it is shown only now and works until it expires or is revoked.", z.string()) }),
);

// SCIM provisioning tokens
const ScimTokenFields = {
  id: Id,
  name: z.string(),
  lastFour: doc("The token's last four characters, to tell tokens apart.", z.string()),
  createdAt: DateTime,
  lastUsedAt: DateTime.nullable(),
  revokedAt: DateTime.nullable(),
};
export const ScimToken = named("ScimToken", z.strictObject(ScimTokenFields));
export const ScimTokenList = named("ScimTokenList", z.strictObject({ baseUrl: doc("The SCIM base URL to give the identity provider.", z.string()), data: z.array(ScimToken) }));
export const ScimTokenWithSecret = named("ScimTokenWithSecret", z.strictObject({ ...ScimTokenFields, token: doc("The bearer token, shown only now.", z.string()), baseUrl: z.string() }));

export const SecurityPolicy = named(
  "SecurityPolicy",
  z.strictObject({
    mfaRequired: doc("Members reach the organization only from a session that used two-step sign-in.", z.boolean()),
    sessionMaxHours: doc("Sessions older than this must sign in again (null: no limit).", z.number().int().nullable()),
    sessionIdleMinutes: doc("Sessions unused for this long end (null: no limit).", z.number().int().nullable()),
  }),
);
export const EndedSessions = named("EndedSessions", z.strictObject({ ended: Count }));
export const SsoGroupMapping = named(
  "SsoGroupMapping",
  z.strictObject({
    id: Id,
    idpGroup: doc("The group's name (or id) at the provider, as the groups claim lists it.", z.string()),
    createdAt: DateTime,
    group: z.strictObject({ id: Id, name: z.string() }),
  }),
);
export const SsoGroupMappingList = named("SsoGroupMappingList", z.strictObject({ data: z.array(SsoGroupMapping) }));
