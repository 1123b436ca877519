// The in-memory picture of one organization's authorization data, built from
// its rows. decide() reads only this, so a decision costs a few map lookups.
import { decodeStoredHash, type StoredHash } from "../secrets/key-hashing.ts";
import { parseCidr, type ParsedCidr } from "./cidr.ts";
import { isPermission } from "./permissions.ts";

export type RoleRow = { id: string; name: string; permissions: string[]; includes: string[]; isOwner: boolean };
export type GrantRow = {
  id: string;
  roleId: string;
  userId: string | null;
  groupId: string | null;
  apiKeyId: string | null;
  projectId: string | null;
  validUntil: Date | null;
  ipCidrs: string[];
  requireMfa: boolean;
  /** Held only while the organization is on one of these plans; empty or absent: any. */
  plans?: string[];
};
export type ApiKeyRow = {
  id: string;
  name?: string;
  lastFour?: string;
  publicId: string;
  secretHash: string;
  projectId: string | null;
  roleId: string | null;
  permissions: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  ipAllowList?: string[];
  rateLimitPerSecond?: number | null;
  rateLimitPerDay?: number | null;
  previousSecretHash?: string | null;
  previousSecretExpiresAt?: Date | null;
};
/** The organization's API key policy; its rate limits apply to keys that set none. */
export type ApiKeyPolicyRow = { apiKeyRateLimitPerSecond: number | null; apiKeyRateLimitPerDay: number | null };
export type OrgRows = {
  orgId: string;
  orgSlug?: string;
  version: number;
  roles: RoleRow[];
  memberships: Array<{ userId: string; roleId: string; email?: string }>;
  apiKeys?: ApiKeyRow[];
  apiKeyPolicy?: ApiKeyPolicyRow;
  groupMembers: Array<{ groupId: string; userId: string }>;
  groups: Array<{ id: string; name: string }>;
  grants: GrantRow[];
  projectIds: string[];
  /** Permissions the instance admin declared for the customer's product (instance-wide). */
  productPermissions?: string[];
  /** The key of the organization's plan (null: none, or canceled): an attribute grant conditions read. */
  plan?: string | null;
};

export type IndexedRole = { id: string; name: string; permissions: ReadonlySet<string>; isOwner: boolean };
export type IndexedGrant = {
  id: string;
  role: IndexedRole;
  projectId: string | null;
  validUntilMs: number | null;
  ipRanges: ParsedCidr[] | null;
  requireMfa: boolean;
  /** null: on any plan. */
  plans: ReadonlySet<string> | null;
  via: { type: "user" | "group" | "api_key"; id: string; name?: string };
};

export type IndexedApiKey = {
  id: string;
  name: string;
  display: string;
  publicId: string;
  /** Decoded here, once: which hashing secret made it is resolved before any request. */
  secretHash: StoredHash;
  projectId: string | null;
  /** What the key itself carries: its role's permissions or its own list. */
  permissions: ReadonlySet<string>;
  expiresAtMs: number | null;
  revoked: boolean;
  /** The secret replaced by the last rotation, accepted until previousExpiresAtMs. */
  previousSecretHash: StoredHash | null;
  previousExpiresAtMs: number | null;
  /** null: usable from anywhere. */
  ipRanges: ParsedCidr[] | null;
  /** Effective limits (the key's own, else the organization's); null: unlimited. */
  rateLimitPerSecond: number | null;
  rateLimitPerDay: number | null;
};

export type OrgIndex = {
  orgId: string;
  orgSlug: string;
  version: number;
  roles: Map<string, IndexedRole>;
  // Read-only: a small change makes a new index sharing what it leaves alone (./org-index-changes.ts).
  memberRole: ReadonlyMap<string, IndexedRole>;
  userByEmail: ReadonlyMap<string, string>;
  apiKeysByPublicId: Map<string, IndexedApiKey>;
  apiKeysById: Map<string, IndexedApiKey>;
  userGroups: ReadonlyMap<string, readonly string[]>;
  grantsBySubject: ReadonlyMap<string, readonly IndexedGrant[]>;
  projects: ReadonlySet<string>;
  productPermissions: ReadonlySet<string>;
  /** The organization's plan (its key), which grant conditions can require; null: none. */
  plan: string | null;
};

/** A Tollgate permission or a declared product permission: anything else is a typo, not a denial. */
export function isKnownPermission(index: OrgIndex, permission: string): boolean {
  return isPermission(permission) || index.productPermissions.has(permission);
}

export const subjectKey = (type: "user" | "group" | "api_key", id: string) => `${type}:${id}`;

/** A role's permissions with every included role's, transitively; cycles are cut. */
function resolvePermissions(roleId: string, byId: Map<string, RoleRow>, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(roleId)) return out;
  seen.add(roleId);
  const role = byId.get(roleId);
  if (!role) return out;
  for (const p of role.permissions) out.add(p);
  for (const included of role.includes) for (const p of resolvePermissions(included, byId, seen)) out.add(p);
  return out;
}

export function buildOrgIndex(rows: OrgRows): OrgIndex {
  const byId = new Map(rows.roles.map((r) => [r.id, r]));
  const roles = new Map<string, IndexedRole>(rows.roles.map((r) => [r.id, { id: r.id, name: r.name, permissions: resolvePermissions(r.id, byId), isOwner: r.isOwner }]));
  const memberRole = new Map<string, IndexedRole>();
  for (const m of rows.memberships) {
    const role = roles.get(m.roleId);
    if (role) memberRole.set(m.userId, role);
  }
  const userGroups = new Map<string, string[]>();
  for (const gm of rows.groupMembers) {
    const list = userGroups.get(gm.userId) ?? [];
    list.push(gm.groupId);
    userGroups.set(gm.userId, list);
  }
  const groupNames = new Map(rows.groups.map((g) => [g.id, g.name]));
  const grantsBySubject = new Map<string, IndexedGrant[]>();
  const sorted = [...rows.grants].sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const g of sorted) {
    const role = roles.get(g.roleId);
    if (!role) continue;
    const grant = indexGrant(g, role, g.groupId ? groupNames.get(g.groupId) : undefined);
    const key = subjectKey(grant.via.type, grant.via.id);
    const list = grantsBySubject.get(key) ?? [];
    list.push(grant);
    grantsBySubject.set(key, list);
  }
  const userByEmail = new Map<string, string>();
  for (const m of rows.memberships) if (m.email) userByEmail.set(m.email.toLowerCase(), m.userId);
  const apiKeysByPublicId = new Map<string, IndexedApiKey>();
  const apiKeysById = new Map<string, IndexedApiKey>();
  for (const k of rows.apiKeys ?? []) {
    const key = indexApiKey(k, k.roleId ? (roles.get(k.roleId)?.permissions ?? new Set()) : new Set(k.permissions), rows.apiKeyPolicy);
    apiKeysByPublicId.set(k.publicId, key);
    apiKeysById.set(k.id, key);
  }
  return {
    orgId: rows.orgId,
    orgSlug: rows.orgSlug ?? "",
    version: rows.version,
    roles,
    memberRole,
    userByEmail,
    apiKeysByPublicId,
    apiKeysById,
    userGroups,
    grantsBySubject,
    projects: new Set(rows.projectIds),
    productPermissions: new Set(rows.productPermissions ?? []),
    plan: rows.plan ?? null,
  };
}

/** One grant as decide() reads it; `groupName` names the group a group's grant reaches its members through. */
export function indexGrant(g: GrantRow, role: IndexedRole, groupName?: string): IndexedGrant {
  const via: IndexedGrant["via"] = g.userId ? { type: "user", id: g.userId } : g.groupId ? { type: "group", id: g.groupId, name: groupName } : { type: "api_key", id: g.apiKeyId! };
  return {
    id: g.id,
    role,
    projectId: g.projectId,
    validUntilMs: g.validUntil ? g.validUntil.getTime() : null,
    ipRanges: g.ipCidrs.length ? g.ipCidrs.map(parseCidr) : null,
    requireMfa: g.requireMfa,
    plans: g.plans?.length ? new Set(g.plans) : null,
    via,
  };
}

/** One key as the hot path reads it; an organization's policy supplies the limits the key does not set. */
export function indexApiKey(k: ApiKeyRow, permissions: ReadonlySet<string>, policy?: ApiKeyPolicyRow): IndexedApiKey {
  const previous = k.previousSecretHash && k.previousSecretExpiresAt ? { hash: k.previousSecretHash, expiresAt: k.previousSecretExpiresAt } : null;
  return {
    id: k.id,
    name: k.name ?? "",
    display: `tg_live_${k.publicId}_…${k.lastFour ?? ""}`,
    publicId: k.publicId,
    secretHash: decodeStoredHash(k.secretHash),
    projectId: k.projectId,
    permissions,
    expiresAtMs: k.expiresAt ? k.expiresAt.getTime() : null,
    revoked: k.revokedAt !== null,
    previousSecretHash: previous ? decodeStoredHash(previous.hash) : null,
    previousExpiresAtMs: previous ? previous.expiresAt.getTime() : null,
    ipRanges: k.ipAllowList?.length ? k.ipAllowList.map(parseCidr) : null,
    rateLimitPerSecond: k.rateLimitPerSecond ?? policy?.apiKeyRateLimitPerSecond ?? null,
    rateLimitPerDay: k.rateLimitPerDay ?? policy?.apiKeyRateLimitPerDay ?? null,
  };
}
