// Data for the migration test (migrations-with-data.test.ts): rows a
// database may hold before a migration, and what each migration that moves
// data must have done to them.
//
// Adding a migration: the test runs it on a database holding SEED. If it
// adds a NOT NULL column without a default, give the column a value in SEED.
// If its SQL changes existing rows (UPDATE, DELETE, INSERT ... SELECT), add an
// entry to DATA_MIGRATIONS naming the columns it may change and checking that
// it changed them as intended; the test refuses such a migration without one.
import { expect } from "vitest";
import type pg from "pg";

/**
 * The release self-hosters upgrade from: its version and its last migration.
 * An instance of it, holding SEED, must reach this version in one start.
 * Move it forward when a release is cut.
 */
export const PREVIOUS_RELEASE = { version: "0.1.0 (accounts, organizations, authorization, API keys)", lastMigration: "20261201232247_api_key_lifecycle" };

/** The oldest migration checked on a database holding data; every later one is checked too. */
export const FIRST_CHECKED = "20261202072122_accounts_and_setup";

export const ids = {
  signedUp: "00000000-0000-4000-8000-000000000001",
  provisioned: "00000000-0000-4000-8000-000000000002",
  external: "00000000-0000-4000-8000-000000000003",
  org: "00000000-0000-4000-8000-000000000010",
  ownerRole: "00000000-0000-4000-8000-000000000020",
  customRole: "00000000-0000-4000-8000-000000000021",
  project: "00000000-0000-4000-8000-000000000030",
  group: "00000000-0000-4000-8000-000000000040",
  keyDated: "00000000-0000-4000-8000-000000000050",
  keyFarFuture: "00000000-0000-4000-8000-000000000051",
  keyForever: "00000000-0000-4000-8000-000000000052",
  instanceKey: "00000000-0000-4000-8000-000000000053",
  grantDated: "00000000-0000-4000-8000-000000000060",
  grantFarFuture: "00000000-0000-4000-8000-000000000061",
  grantForever: "00000000-0000-4000-8000-000000000062",
} as const;

const at = "2026-11-30 12:00:00.000+00";
const key = (id: string, publicId: string, extra: Record<string, unknown>) => ({
  id,
  orgId: ids.org,
  name: `key ${publicId}`,
  publicId,
  secretHash: `hash-${publicId}`,
  lastFour: "abcd",
  permissions: ["projects:read"],
  updatedAt: at,
  ...extra,
});

/**
 * Rows in insertion order (parents first). Columns a table does not have at
 * the migration being checked are left out, and columns it has that are not
 * named here take their defaults, so one seed serves every schema version.
 */
export const SEED: Array<[table: string, row: Record<string, unknown>, onlyIf?: (columns: Set<string>) => boolean]> = [
  ["User", { id: ids.signedUp, email: "signed-up@example.test", name: "Sam Signup", passwordHash: "$argon2id$fake", createdAt: at, updatedAt: at }],
  ["User", { id: ids.provisioned, email: "provisioned@example.test", name: "Pat Provisioned", passwordHash: null, updatedAt: at }],
  ["User", { id: ids.external, email: "external@example.test", externalId: "ext-1", name: "Eve External", updatedAt: at }],
  ["Organization", { id: ids.org, name: "Acme", slug: "acme", apiKeyRateLimitPerDay: 1000, updatedAt: at }],
  ["Role", { id: ids.ownerRole, orgId: null, key: "owner", name: "Owner", permissions: ["organization:read"], isBuiltIn: true, isOwner: true, position: 0, updatedAt: at }],
  ["Role", { id: ids.customRole, orgId: ids.org, key: "auditor", name: "Auditor", permissions: ["audit:read", "usage:write", "projects:read"], updatedAt: at }],
  ["Membership", { id: "00000000-0000-4000-8000-000000000070", orgId: ids.org, userId: ids.signedUp, roleId: ids.ownerRole, updatedAt: at }],
  ["Membership", { id: "00000000-0000-4000-8000-000000000071", orgId: ids.org, userId: ids.provisioned, roleId: ids.customRole, updatedAt: at }],
  ["Project", { id: ids.project, orgId: ids.org, name: "Web", slug: "web", updatedAt: at }],
  ["Group", { id: ids.group, orgId: ids.org, name: "Ops", updatedAt: at }],
  ["GroupMember", { groupId: ids.group, userId: ids.provisioned, orgId: ids.org }],
  ["ApiKey", key(ids.keyDated, "dated", { expiresAt: "2027-06-01 00:00:00.000+00", projectId: ids.project, ipAllowList: ["10.0.0.0/8"] })],
  // Stored before dates were bounded to the year 9999.
  ["ApiKey", key(ids.keyFarFuture, "farfuture", { expiresAt: "20000-01-01 00:00:00.000+00", rateLimitPerDay: 50 })],
  ["ApiKey", key(ids.keyForever, "forever", { expiresAt: null, requestCount: 42, permissions: ["usage:write", "projects:read"] })],
  ["ApiKey", key(ids.instanceKey, "instance", { orgId: null, isInstanceAdmin: true, permissions: [] })],
  ["Grant", { id: ids.grantDated, orgId: ids.org, roleId: ids.customRole, userId: ids.provisioned, validUntil: "2027-01-01 00:00:00.000+00", ipCidrs: [] }],
  ["Grant", { id: ids.grantFarFuture, orgId: ids.org, roleId: ids.customRole, groupId: ids.group, validUntil: "12000-06-01 00:00:00.000+00", ipCidrs: ["192.0.2.0/24"] }],
  ["Grant", { id: ids.grantForever, orgId: ids.org, roleId: ids.customRole, apiKeyId: ids.keyDated, projectId: ids.project, validUntil: null, ipCidrs: [], requireMfa: true }],
  [
    "Invitation",
    {
      id: "00000000-0000-4000-8000-000000000080",
      orgId: ids.org,
      email: "invitee@example.test",
      roleId: ids.customRole,
      tokenHash: "invite-hash",
      invitedById: ids.signedUp,
      expiresAt: "2026-12-07 00:00:00.000+00",
    },
  ],
  ["InvitationGrant", { id: "00000000-0000-4000-8000-000000000081", orgId: ids.org, invitationId: "00000000-0000-4000-8000-000000000080", roleId: ids.customRole, projectId: ids.project }],
  [
    "AuditEvent",
    { id: "00000000-0000-4000-8000-000000000090", orgId: ids.org, actorId: ids.signedUp, actorEmail: "signed-up@example.test", action: "grant.created", targetType: "grant", after: { a: 1 } },
  ],
  [
    "DecisionLog",
    {
      orgId: ids.org,
      principalType: "user",
      principalId: ids.provisioned,
      permission: "audit:read",
      resourceType: "organization",
      resourceId: ids.org,
      allowed: true,
      reason: "role",
      latencyUs: 5,
      source: "app",
    },
    // Before 20261207152528_decision_log_batches, a row per decision.
    (columns) => !columns.has("lastAt"),
  ],
  [
    "DecisionLog",
    {
      orgId: ids.org,
      firstAt: at,
      lastAt: at,
      size: 1,
      principalIds: [ids.provisioned],
      entries: [ids.provisioned, Date.parse("2026-11-30T12:00:00Z"), "user", "audit:read", "organization", ids.org, "t", "role", 5, "app"].join("\u001f"),
    },
    (columns) => columns.has("lastAt"),
  ],
];

export type DataMigration = {
  /** Columns of rows that existed before that the migration may change: table -> columns. */
  changes: Record<string, string[]>;
  /** Checks what the migration did to SEED's rows. */
  verify(client: pg.Client): Promise<void>;
};

const rowsOf = async (client: pg.Client, sql: string) => (await client.query(sql)).rows;

export const DATA_MIGRATIONS: Record<string, DataMigration> = {
  "20261202072122_accounts_and_setup": {
    changes: { Grant: ["validUntil"], ApiKey: ["expiresAt"] },
    async verify(client) {
      // Accounts without a password were made by provisioning; nobody is verified.
      expect(await rowsOf(client, `SELECT id, origin, "emailVerifiedAt" FROM "User" ORDER BY id`)).toEqual([
        { id: ids.signedUp, origin: "sign_up", emailVerifiedAt: null },
        { id: ids.provisioned, origin: "provisioning", emailVerifiedAt: null },
        { id: ids.external, origin: "provisioning", emailVerifiedAt: null },
      ]);
      // Dates after 9999 become its last moment; the others are untouched.
      expect(await rowsOf(client, `SELECT id, to_char("validUntil" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS "validUntil" FROM "Grant" ORDER BY id`)).toEqual([
        { id: ids.grantDated, validUntil: "2027-01-01 00:00:00.000" },
        { id: ids.grantFarFuture, validUntil: "9999-12-31 23:59:59.999" },
        { id: ids.grantForever, validUntil: null },
      ]);
      expect(await rowsOf(client, `SELECT id, to_char("expiresAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS "expiresAt" FROM "ApiKey" ORDER BY id`)).toEqual([
        { id: ids.keyDated, expiresAt: "2027-06-01 00:00:00.000" },
        { id: ids.keyFarFuture, expiresAt: "9999-12-31 23:59:59.999" },
        { id: ids.keyForever, expiresAt: null },
        { id: ids.instanceKey, expiresAt: null },
      ]);
      expect(await rowsOf(client, `SELECT "invitedByApiKeyId" FROM "Invitation"`)).toEqual([{ invitedByApiKeyId: null }]);
    },
  },
  "20261203074218_usage_metering": {
    changes: { Role: ["permissions"], ApiKey: ["permissions"] },
    async verify(client) {
      // usage:write became an instance permission: organization roles and keys no longer hold it; the rest stays.
      expect(await rowsOf(client, `SELECT id, permissions FROM "Role" ORDER BY id`)).toEqual([
        { id: ids.ownerRole, permissions: ["organization:read"] },
        { id: ids.customRole, permissions: ["audit:read", "projects:read"] },
      ]);
      expect(await rowsOf(client, `SELECT id, permissions FROM "ApiKey" ORDER BY id`)).toEqual([
        { id: ids.keyDated, permissions: ["projects:read"] },
        { id: ids.keyFarFuture, permissions: ["projects:read"] },
        { id: ids.keyForever, permissions: ["projects:read"] },
        { id: ids.instanceKey, permissions: [] },
      ]);
    },
  },
  "20261206064751_tenant_foreign_keys": {
    // It deletes only grants and keys that cross organizations; the seed's are all of their own, so every row stays.
    changes: {},
    async verify(client) {
      expect(await rowsOf(client, `SELECT id FROM "Grant" ORDER BY id`)).toEqual([{ id: ids.grantDated }, { id: ids.grantFarFuture }, { id: ids.grantForever }]);
      expect(
        await rowsOf(
          client,
          `SELECT conname FROM pg_constraint WHERE conname IN ('Grant_projectId_orgId_fkey', 'Grant_groupId_orgId_fkey', 'Grant_apiKeyId_orgId_fkey', 'ApiKey_projectId_orgId_fkey') ORDER BY conname`,
        ),
      ).toEqual([{ conname: "ApiKey_projectId_orgId_fkey" }, { conname: "Grant_apiKeyId_orgId_fkey" }, { conname: "Grant_groupId_orgId_fkey" }, { conname: "Grant_projectId_orgId_fkey" }]);
    },
  },
  "20261207152528_decision_log_batches": {
    changes: { DecisionLog: ["createdAt", "principalType", "principalId", "permission", "resourceType", "resourceId", "allowed", "reason", "latencyUs", "source"] },
    async verify(client) {
      // Each decision became a batch of one under its own id, its fields in `entries`.
      const [decision] = await rowsOf(client, `SELECT * FROM "DecisionLog"`);
      expect(decision).toEqual({
        id: expect.anything(),
        orgId: ids.org,
        firstAt: expect.any(Date),
        lastAt: decision.firstAt,
        size: 1,
        principalIds: [ids.provisioned],
        entries: [ids.provisioned, decision.firstAt.getTime(), "user", "audit:read", "organization", ids.org, "t", "role", 5, "app"].join("\u001f"),
      });
    },
  },
  "20261206065053_invitation_grant_org": {
    changes: {},
    async verify(client) {
      // A project role of an invitation takes the invitation's organization.
      expect(await rowsOf(client, `SELECT id, "orgId" FROM "InvitationGrant"`)).toEqual([{ id: "00000000-0000-4000-8000-000000000081", orgId: ids.org }]);
    },
  },
};
