// Hand-written examples of every management-API route's request and answer,
// shown by the API reference (the OpenAPI document's media-type `example`).
// Keyed by "METHOD /api/v1/path" as the routes declare it; a test parses each
// one with its route's own schemas, so an example that drifts from the API fails.
import { BUILT_IN_ROLES } from "../authz/permissions.ts";

export type RouteExample = { request?: unknown; response?: unknown };

// One fictional customer throughout: the organization Acme, on an instance
// served at tollgate.example.com, as of 2 November 2026.
const BASE_URL = "https://tollgate.example.com";

const ids = {
  org: "46856a6b-c923-48ae-b58c-6bcd05ef931a",
  globexOrg: "4269ca0b-e999-4eef-bb0f-969922a96f30",
  checkoutProject: "72187c10-5191-41fa-9901-632f7cc455a7",
  mobileProject: "5ad48215-33cf-438c-9b0e-f645669e9205",
  ada: "fe0cbf95-12ad-4973-99e8-54f054eff3ed",
  grace: "a24da728-21d0-4e3a-9a1d-e3ed42263f14",
  alan: "3fe20328-8df2-42ea-b39a-a8da30530adc",
  katherine: "9c2530e3-65fe-4a8f-ac7c-d5683b8fe359",
  adaMembership: "d170e4c2-aaf8-4e3e-91b3-e2c7dfd65b41",
  graceMembership: "b0dc7503-1fcd-4ee8-8f74-c0cc5754f808",
  alanMembership: "e511cdd3-689e-4e75-abfe-28247c38170c",
  katherineMembership: "e4a713de-e80d-42ef-bad9-223291637ca1",
  ownerRole: "7e4e5c8a-9bff-4523-8296-ef226f348965",
  adminRole: "e7b3e0f4-5cd8-445b-bfc5-fc490e521195",
  memberRole: "8271573e-88da-44ef-a72c-7e76ef55ef15",
  billingRole: "0fa5f6f3-4964-4d47-8e3a-271837474fe6",
  viewerRole: "dec604a4-f07a-42f0-b15f-43874b7cc5e0",
  billingAdminRole: "d6a807a8-8303-4e4d-9ac9-9e4c678bc106",
  supportAgentRole: "c96e5201-7457-42b2-aa70-d99f735653cf",
  supportTeam: "8fabb63e-61d3-439a-8c5e-27dd4b79d45c",
  platformTeam: "dc7009fb-f080-4412-8da4-4f24b10bc910",
  invitation: "240cf84d-c377-4520-a0b7-227ce0f3294c",
  checkoutKey: "7df8e2bb-b2ca-459b-8e76-c61c0d49a961",
  reportingKey: "3a083b6d-87f3-4794-9cd9-2b1ce3384878",
  deletedKey: "d7abca20-4b22-453b-bb27-9e61a50ba5ce",
  graceGrant: "09a049de-dfd3-4092-82a3-19c78f64272b",
  supportGrant: "bf435403-2c01-43aa-be9a-69ec5441424c",
  apiCallsMeter: "b52304ea-4808-48ce-91cc-38aee1fcdda9",
  computeMeter: "10823642-33d0-4f99-8af9-2ce4d1ea99e6",
  starterPlan: "14106375-1920-44bb-8dae-44b8d820b723",
  proPlan: "055ed49a-f8fa-4a78-a070-cbe145c0ac7c",
  acmeSubscription: "3cf9f7ff-040c-479e-8e79-558444e7eedf",
  globexSubscription: "ae972b05-8ed7-47d0-9bca-3688f4cffd76",
  octoberInvoice: "7ea9339c-b695-4467-97b6-8a079fe55095",
  launchCredit: "b34796ee-47b3-4b2a-8320-7fc1cd6ba921",
  prepaidCredit: "75e9cfa8-96f1-49c5-ad93-a238164cf30c",
  oktaConnection: "328669cf-dddc-466c-a1f7-ae16c87e8d30",
  domain: "0eaf61f1-d2f4-40c5-8090-83c1496036b5",
  scimToken: "af32dbfa-c015-47f7-b855-6a00283a4e34",
  setupLink: "0a34fde0-64c1-4014-9d20-b8fc0e15c82b",
  groupMapping: "c7cf9f84-ca2c-44e4-ae24-ed60c6818b5b",
};

// People
const ada = { id: ids.ada, email: "ada@acme.example", name: "Ada Lovelace" };
const grace = { id: ids.grace, email: "grace@acme.example", name: "Grace Hopper" };
const alan = { id: ids.alan, email: "alan@acme.example", name: "Alan Turing" };
const katherine = { id: ids.katherine, email: "katherine@acme.example", name: "Katherine Johnson" };
const adaUser = { ...ada, externalId: "usr_5581", createdAt: "2026-03-14T10:12:44.902Z" };
const katherineUser = { ...katherine, externalId: "usr_6120", createdAt: "2026-11-02T09:30:00.000Z" };

// Organizations and projects
const acme = { id: ids.org, name: "Acme", slug: "acme", externalId: "acct_1042", createdAt: "2026-03-14T10:12:45.118Z" };
const globex = { id: ids.globexOrg, name: "Globex", slug: "globex", externalId: "acct_1057", createdAt: "2026-05-20T08:41:09.530Z" };
const checkoutProject = { id: ids.checkoutProject, name: "Checkout service", slug: "checkout-service", createdAt: "2026-03-14T10:20:31.447Z", updatedAt: "2026-03-14T10:20:31.447Z" };
const mobileProject = { id: ids.mobileProject, name: "Mobile app", slug: "mobile-app", createdAt: "2026-06-03T13:02:18.064Z", updatedAt: "2026-06-03T13:02:18.064Z" };

// Roles: the built-in ones every organization shares, and two of Acme's own.
const builtInRoleIds: Record<string, string> = { owner: ids.ownerRole, admin: ids.adminRole, member: ids.memberRole, billing: ids.billingRole, viewer: ids.viewerRole };
const builtInRoles = BUILT_IN_ROLES.map((role) => ({
  id: builtInRoleIds[role.key],
  key: role.key,
  name: role.name,
  description: role.description,
  permissions: [...role.permissions],
  isBuiltIn: true,
  isOwner: role.isOwner,
  orgId: null,
  includes: [],
}));
const billingAdminRole = {
  id: ids.billingAdminRole,
  key: "billing-admin",
  name: "Billing admin",
  description: "Manages invoices in the product, on top of read-only access",
  permissions: ["billing:read", "invoices:read", "invoices:write"],
  isBuiltIn: false,
  isOwner: false,
  orgId: ids.org,
  includes: [ids.viewerRole],
};
const supportAgentRole = {
  id: ids.supportAgentRole,
  key: "support-agent",
  name: "Support agent",
  description: "Looks up customers and refunds their orders",
  permissions: ["customers:read", "invoices:read", "refunds:create"],
  isBuiltIn: false,
  isOwner: false,
  orgId: ids.org,
  includes: [],
};
const ownerRef = { id: ids.ownerRole, name: "Owner", isOwner: true };
const adminRef = { id: ids.adminRole, name: "Admin", isOwner: false };
const memberRef = { id: ids.memberRole, name: "Member", isOwner: false };

// Members and invitations
const katherineMember = { id: ids.katherineMembership, createdAt: "2026-11-02T09:30:00.000Z", user: katherine, role: memberRef };
const members = [
  { id: ids.adaMembership, createdAt: "2026-03-14T10:12:45.118Z", user: ada, role: ownerRef },
  { id: ids.graceMembership, createdAt: "2026-03-16T08:03:27.551Z", user: grace, role: adminRef },
  { id: ids.alanMembership, createdAt: "2026-04-02T15:47:10.230Z", user: alan, role: memberRef },
  katherineMember,
];
const invitationProjectRoles = [{ projectId: ids.checkoutProject, roleId: ids.supportAgentRole, projectName: "Checkout service", roleName: "Support agent" }];

// Groups
const supportTeam = { id: ids.supportTeam, name: "Support team", description: "First-line customer support" };
const platformTeam = { id: ids.platformTeam, name: "Platform engineers", description: "Run the checkout and mobile backends" };

// API keys: `tg_live_<publicId>_<secret>`; only the public part is ever shown again.
const checkoutKeyPublicId = "25e0smyux6uuzudl";
const checkoutKeySecret = "0w34_yOox1_RL5ONOAHniJx-0liZ0vkb-8o1DCLW6Vk";
const checkoutKeyRotatedSecret = "CTtO67xu7T3dfnjkbqL-yC2FonueyCFBUTq3_VolZDE";
const newCheckoutKey = {
  id: ids.checkoutKey,
  name: "Checkout backend",
  description: "Checks refunds and reads invoices for the checkout service",
  display: `tg_live_${checkoutKeyPublicId}_…W6Vk`,
  publicId: checkoutKeyPublicId,
  lastFour: "W6Vk",
  status: "active",
  projectId: ids.checkoutProject,
  project: { name: "Checkout service" },
  roleId: null,
  role: null,
  permissions: ["authz:check", "invoices:read"],
  expiresAt: "2027-11-02T00:00:00.000Z",
  revokedAt: null,
  ipAllowList: ["10.20.0.0/16"],
  rateLimitPerSecond: 100,
  rateLimitPerDay: null,
  rotatedAt: null,
  previousSecretExpiresAt: null,
  previousSecretValidUntil: null,
  lastUsedAt: null,
  lastUsedIp: null,
  requestCount: 0,
  createdAt: "2026-11-02T09:30:00.000Z",
};
const checkoutKey = { ...newCheckoutKey, lastUsedAt: "2026-11-02T09:28:41.503Z", lastUsedIp: "10.20.4.17", requestCount: 183402, createdAt: "2026-09-14T11:05:52.806Z" };
const reportingKey = {
  id: ids.reportingKey,
  name: "Finance reporting",
  description: "Nightly invoice export to the data warehouse",
  display: "tg_live_8azaikeov16kml7l_…5vk8",
  publicId: "8azaikeov16kml7l",
  lastFour: "5vk8",
  status: "expiring",
  projectId: null,
  project: null,
  roleId: ids.billingAdminRole,
  role: { name: "Billing admin" },
  permissions: [],
  expiresAt: "2026-11-07T00:00:00.000Z",
  revokedAt: null,
  ipAllowList: [],
  rateLimitPerSecond: 10,
  rateLimitPerDay: 50000,
  rotatedAt: null,
  previousSecretExpiresAt: null,
  previousSecretValidUntil: null,
  lastUsedAt: "2026-11-02T02:00:07.114Z",
  lastUsedIp: "198.51.100.23",
  requestCount: 2211,
  createdAt: "2026-05-11T16:22:03.410Z",
};

// Grants
const graceGrant = {
  id: ids.graceGrant,
  roleId: ids.billingAdminRole,
  role: { name: "Billing admin" },
  userId: ids.grace,
  user: { email: grace.email, name: grace.name },
  groupId: null,
  group: null,
  apiKeyId: null,
  apiKey: null,
  projectId: ids.checkoutProject,
  project: { name: "Checkout service", slug: "checkout-service" },
  validUntil: "2027-03-31T23:59:59.000Z",
  ipCidrs: [],
  requireMfa: true,
  plans: ["pro"],
  createdAt: "2026-11-02T09:30:00.000Z",
};
const supportGrant = {
  id: ids.supportGrant,
  roleId: ids.supportAgentRole,
  role: { name: "Support agent" },
  userId: null,
  user: null,
  groupId: ids.supportTeam,
  group: { name: "Support team" },
  apiKeyId: null,
  apiKey: null,
  projectId: null,
  project: null,
  validUntil: null,
  ipCidrs: ["10.20.0.0/16", "2001:db8:4200::/48"],
  requireMfa: false,
  plans: [],
  createdAt: "2026-04-02T16:10:55.932Z",
};

// Usage and billing. Money is in minor units (cents); quantities are exact decimals as text.
const apiCallsMeter = {
  id: ids.apiCallsMeter,
  key: "api_calls",
  name: "API calls",
  eventType: "api_call",
  aggregation: "count",
  valueProperty: null,
  filter: {},
  groupBy: ["region"],
  createdAt: "2026-03-10T12:00:00.000Z",
};
const computeMeter = {
  id: ids.computeMeter,
  key: "compute_seconds",
  name: "Compute seconds",
  eventType: "job_finished",
  aggregation: "sum",
  valueProperty: "duration_seconds",
  filter: { status: "succeeded" },
  groupBy: ["region"],
  createdAt: "2026-03-10T12:04:31.277Z",
};
const { id: _computeMeterId, createdAt: _computeMeterCreatedAt, ...computeMeterInput } = computeMeter;
const proEntitlements = { members: 10, apiKeys: 25, eventsPerMonth: 1000000, sso: true, soft: ["eventsPerMonth"] };
// API calls at 0.02 cents each after 100,000 a month; compute seconds in two tiers after the first hour.
const apiCallsPrice = { meter: "api_calls", price: { model: "per_unit", unitPrice: "0.02" }, includedQuantity: "100000" };
const computePrice = {
  meter: "compute_seconds",
  price: {
    model: "graduated",
    tiers: [
      { upTo: "36000", unitPrice: "0.05", flatPrice: 0 },
      { upTo: null, unitPrice: "0.03", flatPrice: 0 },
    ],
  },
  includedQuantity: "3600",
};
const proPlan = {
  id: ids.proPlan,
  key: "pro",
  name: "Pro",
  currency: "usd",
  interval: "month",
  baseFee: 4900,
  trialDays: 14,
  entitlements: proEntitlements,
  fallbackEntitlements: { members: 3, apiKeys: 2, eventsPerMonth: 100000, sso: false },
  selfServe: true,
  archivedAt: null,
  createdAt: "2026-03-10T12:10:00.000Z",
  prices: [
    { ...apiCallsPrice, meterName: "API calls" },
    { ...computePrice, meterName: "Compute seconds" },
  ],
};
const starterPlan = {
  id: ids.starterPlan,
  key: "starter",
  name: "Starter",
  currency: "usd",
  interval: "month",
  baseFee: 0,
  trialDays: 0,
  entitlements: { members: 3, apiKeys: 2, eventsPerMonth: 100000, sso: false },
  fallbackEntitlements: { members: 3, apiKeys: 2, eventsPerMonth: 100000, sso: false },
  selfServe: true,
  archivedAt: null,
  createdAt: "2026-03-10T12:08:12.640Z",
  prices: [{ meter: "api_calls", meterName: "API calls", price: { model: "package", packageSize: "10000", packagePrice: 300 }, includedQuantity: "10000" }],
};
const acmeSubscription = {
  id: ids.acmeSubscription,
  orgId: ids.org,
  plan: "pro",
  status: "active",
  startedAt: "2026-03-18T00:00:00.000Z",
  trialEndsAt: "2026-04-01T00:00:00.000Z",
  anchorAt: "2026-04-01T00:00:00.000Z",
  canceledAt: null,
  pastDueSince: null,
};
const launchCredit = {
  id: ids.launchCredit,
  kind: "promotional",
  currency: "usd",
  amount: 20000,
  remaining: 10000,
  description: "Launch promotion",
  expiresAt: "2026-12-31T23:59:59.000Z",
  voidedAt: null,
  createdAt: "2026-08-28T14:00:00.000Z",
};
const prepaidCredit = {
  id: ids.prepaidCredit,
  kind: "prepaid",
  currency: "usd",
  amount: 50000,
  remaining: 50000,
  description: "Prepaid balance, PO 2026-118",
  expiresAt: "2027-10-31T23:59:59.000Z",
  voidedAt: null,
  createdAt: "2026-11-02T09:30:00.000Z",
};

// Single sign-on
const oktaConnection = {
  id: ids.oktaConnection,
  protocol: "oidc",
  name: "Okta",
  enabled: true,
  issuer: "https://acme.okta.com",
  clientId: "0oa8k2x9mq4zpl7vn5d7",
  clientSecretSet: true,
  authorizationEndpoint: "https://acme.okta.com/oauth2/v1/authorize",
  tokenEndpoint: "https://acme.okta.com/oauth2/v1/token",
  jwksUri: "https://acme.okta.com/oauth2/v1/keys",
  redirectUri: `${BASE_URL}/api/sso/oidc/${ids.oktaConnection}/callback`,
  saml: null,
  defaultRole: { id: ids.memberRole, name: "Member" },
  groupsClaim: "groups",
  lastTestAt: "2026-10-28T14:05:12.000Z",
  lastTest: {
    ok: true,
    subject: "00u8f3k2lqz7px1vt5d7",
    email: "ada@acme.example",
    emailVerified: true,
    name: "Ada Lovelace",
    claims: {
      iss: "https://acme.okta.com",
      sub: "00u8f3k2lqz7px1vt5d7",
      aud: "0oa8k2x9mq4zpl7vn5d7",
      email: "ada@acme.example",
      email_verified: true,
      name: "Ada Lovelace",
      groups: ["Everyone", "acme-support"],
      iat: 1793196312,
      exp: 1793199912,
    },
  },
  createdAt: "2026-10-28T13:51:40.392Z",
  updatedAt: "2026-11-02T09:30:00.000Z",
};
const domainRecord = { type: "TXT", name: "_tollgate-challenge.acme.example", value: "tollgate-domain-verification=r5kSJI_gMkoTqvx231LMjoTL6_mi80NJ" };
const newDomain = { id: ids.domain, domain: "acme.example", verified: false, verifiedAt: null, createdAt: "2026-10-28T13:40:02.118Z", record: domainRecord };
const verifiedDomain = { ...newDomain, verified: true, verifiedAt: "2026-10-28T13:46:37.905Z" };
const scimToken = { id: ids.scimToken, name: "Okta provisioning", lastFour: "ez50", createdAt: "2026-10-28T14:20:18.771Z", lastUsedAt: "2026-11-02T09:00:03.219Z", revokedAt: null };
const setupLink = {
  id: ids.setupLink,
  name: "Acme IT",
  createdBy: "ada@acme.example",
  createdAt: "2026-11-02T09:30:00.000Z",
  expiresAt: "2026-11-05T09:30:00.000Z",
  lastUsedAt: null,
  revokedAt: null,
  status: "active",
};
const groupMapping = { id: ids.groupMapping, idpGroup: "acme-support", createdAt: "2026-10-28T14:31:09.046Z", group: { id: ids.supportTeam, name: "Support team" } };

export const apiExamples: Record<string, RouteExample> = {
  // Authorization checks
  "POST /api/v1/authz/check": {
    request: {
      subject: { type: "user", id: "alan@acme.example" },
      permission: "refunds:create",
      resource: { type: "project", id: ids.checkoutProject },
      context: { ip: "10.20.4.17", mfa: true },
    },
    response: { allowed: true, reason: `grant ${ids.supportGrant}: role "Support agent" via group "Support team" on the organization grants refunds:create`, version: 418 },
  },
  "POST /api/v1/authz/check-batch": {
    request: {
      checks: [
        { subject: { type: "user", id: "alan@acme.example" }, permission: "refunds:create", resource: { type: "project", id: ids.checkoutProject }, context: { ip: "10.20.4.17" } },
        { subject: { type: "user", id: ids.grace }, permission: "invoices:write", resource: { type: "project", id: ids.mobileProject } },
        { subject: { type: "api_key", id: ids.deletedKey }, permission: "invoices:read" },
      ],
    },
    response: {
      results: [
        { allowed: true, reason: `grant ${ids.supportGrant}: role "Support agent" via group "Support team" on the organization grants refunds:create`, version: 418 },
        { allowed: false, reason: `no role of user ${ids.grace} grants invoices:write on project ${ids.mobileProject}`, version: 418 },
        { allowed: false, error: { code: "subject_not_found", message: `subject: no API key ${ids.deletedKey} in this organization` } },
      ],
    },
  },

  // Projects
  "GET /api/v1/projects": { response: { data: [checkoutProject, mobileProject], nextCursor: null } },
  "POST /api/v1/projects": {
    request: { name: "Checkout service", slug: "checkout-service" },
    response: checkoutProject,
  },
  "GET /api/v1/projects/{projectId}": { response: checkoutProject },
  "PATCH /api/v1/projects/{projectId}": {
    request: { name: "Mobile apps", slug: "mobile-apps" },
    response: { ...mobileProject, name: "Mobile apps", slug: "mobile-apps", updatedAt: "2026-11-02T09:30:00.000Z" },
  },
  "DELETE /api/v1/projects/{projectId}": {},

  // Members and invitations
  "GET /api/v1/members": { response: { data: members, nextCursor: null } },
  "POST /api/v1/members": {
    request: { email: "katherine@acme.example", roleId: ids.memberRole },
    response: { ...katherineMember, userId: ids.katherine },
  },
  "PATCH /api/v1/members/{userId}": {
    request: { roleId: ids.adminRole },
    response: { id: ids.alanMembership, userId: ids.alan, roleId: ids.adminRole },
  },
  "DELETE /api/v1/members/{userId}": {},
  "GET /api/v1/invitations": {
    response: {
      data: [
        {
          id: ids.invitation,
          email: "margaret@acme.example",
          expiresAt: "2026-11-09T09:30:00.000Z",
          createdAt: "2026-11-02T09:30:00.000Z",
          lastSentAt: "2026-11-02T09:30:00.000Z",
          acceptedAt: null,
          revokedAt: null,
          role: memberRef,
          projectRoles: invitationProjectRoles,
          status: "pending",
        },
      ],
      nextCursor: null,
    },
  },
  "POST /api/v1/invitations": {
    request: { email: "margaret@acme.example", roleId: ids.memberRole, projectRoles: [{ projectId: ids.checkoutProject, roleId: ids.supportAgentRole }] },
    response: {
      id: ids.invitation,
      email: "margaret@acme.example",
      expiresAt: "2026-11-09T09:30:00.000Z",
      projectRoles: invitationProjectRoles,
      url: `${BASE_URL}/invite/yGWAZ-I6jx5mnLrhdFvLgv0SQaMnYxhvdG8Js-Ztj8Q`,
    },
  },
  "POST /api/v1/invitations/{invitationId}/resend": { response: { url: `${BASE_URL}/invite/eJQ00IZ1XaCDYyFDKGqXrVAfTVPKGADAXeST6ghbWDo` } },
  "DELETE /api/v1/invitations/{invitationId}": {},

  // Groups
  "GET /api/v1/groups": {
    response: {
      data: [
        { ...platformTeam, createdAt: "2026-03-20T10:00:41.773Z", memberCount: 3 },
        { ...supportTeam, createdAt: "2026-04-02T16:08:12.305Z", memberCount: 2 },
      ],
      nextCursor: null,
    },
  },
  "POST /api/v1/groups": {
    request: { name: "Support team", description: "First-line customer support" },
    response: supportTeam,
  },
  "GET /api/v1/groups/{groupId}": {
    response: {
      ...supportTeam,
      members: [
        { ...alan, addedAt: "2026-04-02T16:08:40.119Z" },
        { ...katherine, addedAt: "2026-11-02T09:30:00.000Z" },
      ],
    },
  },
  "PATCH /api/v1/groups/{groupId}": {
    request: { description: "First- and second-line customer support" },
    response: { ...supportTeam, description: "First- and second-line customer support" },
  },
  "DELETE /api/v1/groups/{groupId}": {},
  "POST /api/v1/groups/{groupId}/members": { request: { userId: ids.katherine } },
  "DELETE /api/v1/groups/{groupId}/members/{userId}": {},

  // Roles
  "GET /api/v1/roles": { response: { data: [...builtInRoles, billingAdminRole, supportAgentRole], nextCursor: null } },
  "POST /api/v1/roles": {
    request: {
      name: "Billing admin",
      description: "Manages invoices in the product, on top of read-only access",
      permissions: ["invoices:read", "invoices:write", "billing:read"],
      includes: [ids.viewerRole],
    },
    response: billingAdminRole,
  },
  "GET /api/v1/roles/{roleId}": { response: billingAdminRole },
  "PATCH /api/v1/roles/{roleId}": {
    request: { permissions: ["billing:read", "invoices:read", "invoices:write", "refunds:create"] },
    response: { ...billingAdminRole, permissions: ["billing:read", "invoices:read", "invoices:write", "refunds:create"] },
  },
  "DELETE /api/v1/roles/{roleId}": {},

  // Provisioning (instance-admin keys)
  "GET /api/v1/organizations": {
    response: { data: [acme, globex], nextCursor: "WzE3NzkyNjY0Njk1MzAsIjQyNjljYTBiLWU5OTktNGVlZi1iYjBmLTk2OTkyMmE5NmYzMCJd" },
  },
  "POST /api/v1/organizations": {
    request: { name: "Acme", slug: "acme", externalId: "acct_1042", owner: { email: "ada@acme.example", name: "Ada Lovelace", externalId: "usr_5581" } },
    response: { ...acme, owner: adaUser },
  },
  "GET /api/v1/organizations/{orgId}": { response: { ...acme, memberCount: 4 } },
  "PATCH /api/v1/organizations/{orgId}": {
    request: { name: "Acme Inc." },
    response: { ...acme, name: "Acme Inc." },
  },
  "DELETE /api/v1/organizations/{orgId}": {},
  "GET /api/v1/users": { response: { data: [adaUser] } },
  "POST /api/v1/users": {
    request: { email: "katherine@acme.example", name: "Katherine Johnson", externalId: "usr_6120" },
    response: { user: katherineUser, created: true },
  },
  "GET /api/v1/users/{userId}": {
    response: { ...adaUser, memberships: [{ org: acme, role: { id: ids.ownerRole, name: "Owner" } }] },
  },

  // Product permissions
  "GET /api/v1/product-permissions": {
    response: {
      data: [
        { key: "customers:read", description: "See customer profiles and order history", createdAt: "2026-03-10T11:58:02.000Z" },
        { key: "invoices:read", description: "See invoices and download PDFs", createdAt: "2026-03-10T11:58:02.000Z" },
        { key: "invoices:write", description: "Issue, correct and void invoices", createdAt: "2026-03-10T11:58:02.000Z" },
        { key: "refunds:create", description: "Refund an order, in full or in part", createdAt: "2026-04-02T15:59:20.481Z" },
      ],
    },
  },
  "POST /api/v1/product-permissions": {
    request: { key: "refunds:create", description: "Refund an order, in full or in part" },
    response: { key: "refunds:create", description: "Refund an order, in full or in part", createdAt: "2026-04-02T15:59:20.481Z" },
  },
  "PATCH /api/v1/product-permissions/{key}": {
    request: { description: "Refund an order, in full or in part (up to the order total)" },
    response: { key: "refunds:create", description: "Refund an order, in full or in part (up to the order total)", createdAt: "2026-04-02T15:59:20.481Z" },
  },
  "DELETE /api/v1/product-permissions/{key}": { response: { key: "refunds:create", rolesChanged: 1, apiKeysChanged: 0 } },

  // Usage metering
  "POST /api/v1/usage/events": {
    request: {
      events: [
        {
          id: "evt_01jb9w6k2m3q",
          type: "api_call",
          timestamp: "2026-11-02T09:29:58.412Z",
          organization: "acct_1042",
          properties: { region: "eu-west-1", endpoint: "/v1/charges", status: 200 },
        },
        {
          id: "evt_01jb9w6k2m3r",
          type: "job_finished",
          timestamp: "2026-11-02T09:29:59.027Z",
          organization: "acct_1042",
          properties: { region: "eu-west-1", status: "succeeded", duration_seconds: 42.5 },
        },
        {
          id: "evt_01jb9w5z8c1x",
          type: "api_call",
          timestamp: "2026-11-02T09:29:41.880Z",
          organization: "acct_1042",
          properties: { region: "us-east-1", endpoint: "/v1/refunds", status: 201 },
        },
      ],
    },
    response: {
      accepted: 2,
      duplicates: 1,
      rejected: 0,
      results: [
        { id: "evt_01jb9w6k2m3q", status: "accepted" },
        { id: "evt_01jb9w6k2m3r", status: "accepted" },
        { id: "evt_01jb9w5z8c1x", status: "duplicate" },
      ],
    },
  },
  "GET /api/v1/usage": {
    response: {
      meter: { key: "api_calls", name: "API calls", aggregation: "count" },
      from: "2026-10-30T00:00:00.000Z",
      to: "2026-11-01T00:00:00.000Z",
      window: "day",
      data: [
        { windowStart: "2026-10-30T00:00:00.000Z", dimensions: { region: "eu-west-1" }, quantity: "7204", events: "7204" },
        { windowStart: "2026-10-30T00:00:00.000Z", dimensions: { region: "us-east-1" }, quantity: "5311", events: "5311" },
        { windowStart: "2026-10-31T00:00:00.000Z", dimensions: { region: "eu-west-1" }, quantity: "6870", events: "6870" },
        { windowStart: "2026-10-31T00:00:00.000Z", dimensions: { region: "us-east-1" }, quantity: "4995", events: "4995" },
      ],
    },
  },
  "GET /api/v1/meters": { response: { data: [apiCallsMeter, computeMeter] } },
  "POST /api/v1/meters": { request: computeMeterInput, response: computeMeter },
  "GET /api/v1/meters/{key}": { response: apiCallsMeter },
  "PATCH /api/v1/meters/{key}": {
    request: { name: "Compute time (seconds)" },
    response: { ...computeMeter, name: "Compute time (seconds)" },
  },
  "DELETE /api/v1/meters/{key}": {},

  // Billing
  "GET /api/v1/billing/settings": { response: { mode: "invoices", since: null } },
  "PUT /api/v1/billing/settings": {
    request: { mode: "stripe_meters" },
    response: { mode: "stripe_meters", since: "2026-11-02T10:00:00.000Z" },
  },
  "GET /api/v1/plans": { response: { data: [proPlan, starterPlan] } },
  "POST /api/v1/plans": {
    request: {
      key: "pro",
      name: "Pro",
      currency: "usd",
      interval: "month",
      baseFee: 4900,
      trialDays: 14,
      prices: [apiCallsPrice, computePrice],
      entitlements: proEntitlements,
      fallbackEntitlements: { members: 3, apiKeys: 2, eventsPerMonth: 100000, sso: false },
      selfServe: true,
    },
    response: proPlan,
  },
  "GET /api/v1/plans/{key}": { response: proPlan },
  "POST /api/v1/plans/{key}/archive": { response: { ...starterPlan, archivedAt: "2026-11-02T09:30:00.000Z" } },
  "PUT /api/v1/organizations/{orgId}/subscription": {
    request: { plan: "pro", startAt: "2026-11-01T00:00:00Z" },
    response: {
      id: ids.globexSubscription,
      orgId: ids.globexOrg,
      plan: "pro",
      status: "trialing",
      startedAt: "2026-11-01T00:00:00.000Z",
      trialEndsAt: "2026-11-15T00:00:00.000Z",
      anchorAt: "2026-11-15T00:00:00.000Z",
      canceledAt: null,
      pastDueSince: null,
    },
  },
  "GET /api/v1/billing/preview": {
    response: {
      subscription: acmeSubscription,
      plan: { key: "pro", name: "Pro", currency: "usd", interval: "month", baseFee: 4900 },
      period: { start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" },
      trial: false,
      lines: [
        { description: "Pro (monthly base fee)", meter: null, quantity: null, billableQuantity: null, amount: 4900 },
        { description: "API calls", meter: "api_calls", quantity: "17562", billableQuantity: "0", amount: 0 },
        { description: "Compute seconds", meter: "compute_seconds", quantity: "2140.5", billableQuantity: "0", amount: 0 },
      ],
      subtotal: 4900,
      total: 4900,
    },
  },
  "GET /api/v1/billing/invoices": {
    response: {
      data: [
        {
          id: ids.octoberInvoice,
          planKey: "pro",
          currency: "usd",
          periodStart: "2026-10-01T00:00:00.000Z",
          periodEnd: "2026-11-01T00:00:00.000Z",
          status: "paid",
          subtotal: 12532,
          creditsApplied: 5000,
          total: 7532,
          number: "ACME-0007",
          hostedInvoiceUrl: "https://invoice.stripe.com/i/acct_1Q2w3E4r5T6y7U8i/live_YWNjdF8xUTJ3M0U0cjVUNnk3VThp",
          sentAt: "2026-11-01T01:05:12.330Z",
          paidAt: "2026-11-01T01:07:48.902Z",
          paymentFailedAt: null,
          createdAt: "2026-11-01T01:00:03.615Z",
          lines: [
            {
              kind: "base",
              description: "Pro (monthly base fee, 2026-10-01 to 2026-10-31)",
              meter: null,
              quantity: null,
              amount: 4900,
              servicePeriodStart: "2026-10-01T00:00:00.000Z",
              servicePeriodEnd: "2026-11-01T00:00:00.000Z",
            },
            {
              kind: "usage",
              description: "API calls",
              meter: "api_calls",
              quantity: "389215",
              amount: 5784,
              servicePeriodStart: "2026-10-01T00:00:00.000Z",
              servicePeriodEnd: "2026-11-01T00:00:00.000Z",
            },
            {
              kind: "usage",
              description: "Compute seconds",
              meter: "compute_seconds",
              quantity: "41200",
              amount: 1848,
              servicePeriodStart: "2026-10-01T00:00:00.000Z",
              servicePeriodEnd: "2026-11-01T00:00:00.000Z",
            },
            {
              kind: "credit",
              description: "Credit: Launch promotion",
              meter: null,
              quantity: null,
              amount: -5000,
              servicePeriodStart: "2026-10-01T00:00:00.000Z",
              servicePeriodEnd: "2026-11-01T00:00:00.000Z",
            },
          ],
        },
      ],
    },
  },
  "GET /api/v1/billing/credits": { response: { data: [prepaidCredit, launchCredit], available: { usd: 60000 } } },
  "GET /api/v1/billing/entitlements": { response: { plan: "pro", entitlements: proEntitlements, source: "plan", pastDueSince: null, graceEndsAt: null } },
  "GET /api/v1/billing/limits": {
    response: {
      data: [
        { limit: "members", used: 5, max: 10, percent: 50, soft: false, period: null, level: "ok" },
        { limit: "apiKeys", used: 2, max: 25, percent: 8, soft: false, period: null, level: "ok" },
        { limit: "eventsPerMonth", used: 19482, max: 1000000, percent: 1, soft: true, period: "2026-11", level: "ok" },
      ],
    },
  },
  "POST /api/v1/billing/checkout": {
    request: { plan: "pro" },
    response: { url: "https://checkout.stripe.com/c/pay/cs_live_a1Yk3mQ8vR2xT6pN9wB4zL7cF0hJ5dS" },
  },
  "POST /api/v1/billing/portal": { response: { url: "https://billing.stripe.com/p/session/live_YWNjdF8xUTJ3M0U0cjVUNnk3VThpLF9QcTRrRzhtVjJ" } },
  "POST /api/v1/organizations/{orgId}/credits": {
    request: { kind: "prepaid", amount: 50000, currency: "usd", description: "Prepaid balance, PO 2026-118", expiresAt: "2027-10-31T23:59:59Z" },
    response: prepaidCredit,
  },

  // API keys
  "POST /api/v1/keys/verify": {
    request: { key: `tg_live_${checkoutKeyPublicId}_${checkoutKeySecret}`, ip: "10.20.4.17" },
    response: {
      valid: true,
      keyId: ids.checkoutKey,
      orgId: ids.org,
      projectId: ids.checkoutProject,
      name: "Checkout backend",
      permissions: ["authz:check", "invoices:read"],
      expiresAt: "2027-11-02T00:00:00.000Z",
      reason: null,
    },
  },
  "GET /api/v1/api-keys": { response: { data: [checkoutKey, reportingKey], nextCursor: null } },
  "POST /api/v1/api-keys": {
    request: {
      name: "Checkout backend",
      description: "Checks refunds and reads invoices for the checkout service",
      projectId: ids.checkoutProject,
      permissions: ["authz:check", "invoices:read"],
      expiresAt: "2027-11-02T00:00:00Z",
      ipAllowList: ["10.20.0.0/16"],
      rateLimitPerSecond: 100,
    },
    response: { apiKey: newCheckoutKey, key: `tg_live_${checkoutKeyPublicId}_${checkoutKeySecret}` },
  },
  "GET /api/v1/api-keys/{apiKeyId}": { response: checkoutKey },
  "POST /api/v1/api-keys/{apiKeyId}/rotate": {
    request: { overlapHours: 24 },
    response: {
      apiKey: {
        ...checkoutKey,
        display: `tg_live_${checkoutKeyPublicId}_…lZDE`,
        lastFour: "lZDE",
        rotatedAt: "2026-11-02T09:30:00.000Z",
        previousSecretExpiresAt: "2026-11-03T09:30:00.000Z",
        previousSecretValidUntil: "2026-11-03T09:30:00.000Z",
      },
      key: `tg_live_${checkoutKeyPublicId}_${checkoutKeyRotatedSecret}`,
    },
  },
  "DELETE /api/v1/api-keys/{apiKeyId}": {},
  "GET /api/v1/api-key-policy": { response: { requireExpiry: true, maxLifetimeDays: 365, rateLimitPerSecond: 100, rateLimitPerDay: null } },
  "PUT /api/v1/api-key-policy": {
    request: { requireExpiry: true, maxLifetimeDays: 365, rateLimitPerSecond: 100, rateLimitPerDay: null },
    response: { requireExpiry: true, maxLifetimeDays: 365, rateLimitPerSecond: 100, rateLimitPerDay: null },
  },

  // Grants
  "GET /api/v1/grants": { response: { data: [graceGrant, supportGrant], nextCursor: null } },
  "POST /api/v1/grants": {
    request: {
      roleId: ids.billingAdminRole,
      subject: { type: "user", id: ids.grace },
      projectId: ids.checkoutProject,
      conditions: { validUntil: "2027-03-31T23:59:59Z", requireMfa: true, plans: ["pro"] },
    },
    response: graceGrant,
  },
  "DELETE /api/v1/grants/{grantId}": {},

  // Single sign-on
  "GET /api/v1/sso/connections": { response: { data: [oktaConnection] } },
  "POST /api/v1/sso/connections": {
    request: {
      protocol: "oidc",
      name: "Okta",
      issuer: "https://acme.okta.com",
      clientId: "0oa8k2x9mq4zpl7vn5d7",
      clientSecret: "zeJ6tDRJacnJPppn7LKhbqtf6vT8skjG-Xc1vQ2m",
      defaultRoleId: ids.memberRole,
      groupsClaim: "groups",
    },
    response: { ...oktaConnection, enabled: false, lastTestAt: null, lastTest: null, updatedAt: "2026-10-28T13:51:40.392Z" },
  },
  "GET /api/v1/sso/connections/{connectionId}": { response: oktaConnection },
  "PATCH /api/v1/sso/connections/{connectionId}": {
    request: { enabled: true },
    response: oktaConnection,
  },
  "DELETE /api/v1/sso/connections/{connectionId}": {},
  "POST /api/v1/sso/connections/{connectionId}/test": {
    response: {
      url: `https://acme.okta.com/oauth2/v1/authorize?response_type=code&client_id=0oa8k2x9mq4zpl7vn5d7&redirect_uri=${encodeURIComponent(oktaConnection.redirectUri)}&scope=openid+email+profile&state=GjImNVDw8sIackICZS00e_Uloico5lhUPjoo6TnGexU&nonce=NohHqWwaicxeH35sTUinK142RFmC40J_&code_challenge=Iat8JJ9NWnrTkYbLAeBqf7w-lqJtou-9q4OR49ABnQo&code_challenge_method=S256`,
    },
  },
  "GET /api/v1/sso/domains": { response: { data: [verifiedDomain] } },
  "POST /api/v1/sso/domains": {
    request: { domain: "acme.example" },
    response: newDomain,
  },
  "POST /api/v1/sso/domains/{domainId}/verify": { response: verifiedDomain },
  "DELETE /api/v1/sso/domains/{domainId}": {},
  "GET /api/v1/sso/policy": { response: { requireSso: true, breakGlassOwners: [{ userId: ids.ada, email: ada.email, name: ada.name }] } },
  "PUT /api/v1/sso/policy": {
    request: { requireSso: true, breakGlassUserIds: [ids.ada] },
    response: { requireSso: true, breakGlassOwners: [{ userId: ids.ada, email: ada.email, name: ada.name }] },
  },

  // SCIM provisioning tokens
  "GET /api/v1/scim/tokens": { response: { baseUrl: `${BASE_URL}/scim/v2`, data: [scimToken] } },
  "POST /api/v1/scim/tokens": {
    request: { name: "Okta provisioning" },
    response: { ...scimToken, lastUsedAt: null, token: "tgscim_IfzP0oytw0MBlJLE9gxsgCJ4YQbJNJYUFcl7tfYez50", baseUrl: `${BASE_URL}/scim/v2` },
  },
  "DELETE /api/v1/scim/tokens/{tokenId}": {},

  // Setup links
  "GET /api/v1/sso/setup-links": { response: { data: [setupLink] } },
  "POST /api/v1/sso/setup-links": {
    request: { name: "Acme IT", expiresInHours: 72 },
    response: { ...setupLink, url: `${BASE_URL}/api/portal/tgsetup_D7kAf_Das9PD9jimT26gxxWqmcGq8c0mTzF25Stno4o` },
  },
  "DELETE /api/v1/sso/setup-links/{linkId}": {},

  // Sessions
  "GET /api/v1/security-policy": { response: { mfaRequired: true, sessionMaxHours: 168, sessionIdleMinutes: 120 } },
  "PUT /api/v1/security-policy": {
    request: { mfaRequired: true, sessionMaxHours: 168, sessionIdleMinutes: 120 },
    response: { mfaRequired: true, sessionMaxHours: 168, sessionIdleMinutes: 120 },
  },
  "POST /api/v1/members/{userId}/end-sessions": { response: { ended: 3 } },

  // SSO group mappings
  "GET /api/v1/sso/connections/{connectionId}/group-mappings": { response: { data: [groupMapping] } },
  "POST /api/v1/sso/connections/{connectionId}/group-mappings": {
    request: { idpGroup: "acme-support", groupId: ids.supportTeam },
    response: groupMapping,
  },
  "DELETE /api/v1/sso/connections/{connectionId}/group-mappings/{mappingId}": {},
};
