// API keys of an organization: create (secret shown once), list, rotate
// with an overlap window, revoke, and the organization's key policy. A key
// acts as a principal for authorize() with the permissions it carries, which
// are never more than its creator (or whoever rotates it) holds where it
// applies, within the limits they hold them under (key-caps.ts).
import { assertRoomFor } from "../billing/limits.ts";
import { z } from "zod";
import { boundedDate } from "../input.ts";
import { db, type Tx } from "../db.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { authzTransaction } from "../authz/org-index-cache.ts";
import { isValidCidr } from "../authz/cidr.ts";
import { assertKnownPermissions, PermissionKey } from "../permissions/product-permissions.ts";
import { userIdOf, type OrgCtx } from "../context.ts";
import { assertMayHandOut, assertMayPassOnGrants, policyOf } from "./key-caps.ts";
import { displayKey, generateKey } from "./key-format.ts";

const DAY_MS = 86_400_000;
/** Keys shown as "expiring soon" expire within this many days. */
export const EXPIRING_SOON_DAYS = 7;

export const RateLimit = (what: string, max: number) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(1, `${what} must be at least 1`)
    .max(max, `${what} must be at most ${max}`)
    .nullish();

export const IpAllowList = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(64)
      .refine(isValidCidr, { error: (issue) => `${String(issue.input)} is not an IP address or CIDR range` }),
  )
  .max(50, "at most 50 IP ranges")
  .default([]);

export const CreateApiKeyInput = z
  .strictObject({
    name: z.string().trim().min(1, "Enter a name").max(80, "Name must be at most 80 characters"),
    description: z.string().trim().max(300).default(""),
    projectId: z.uuid("Unknown project").nullish(),
    roleId: z.uuid("Unknown role").nullish(),
    permissions: z.array(PermissionKey).max(200).nullish(),
    expiresAt: boundedDate("expiresAt").nullish(),
    ipAllowList: IpAllowList,
    rateLimitPerSecond: RateLimit("rateLimitPerSecond", 100_000),
    rateLimitPerDay: RateLimit("rateLimitPerDay", 1_000_000_000),
  })
  .refine((v) => Boolean(v.roleId) !== Boolean(v.permissions?.length), { message: "Give the key either a role or a list of permissions", path: ["permissions"] });
export const ApiKeyIdInput = z.strictObject({ apiKeyId: z.uuid("Unknown API key") });
export const RotateApiKeyInput = ApiKeyIdInput.extend({
  /** How long the old secret keeps working; 0 stops it at once. */
  overlapHours: z.coerce.number({ error: "overlapHours must be a number" }).min(0, "overlapHours must be 0 or more").max(720, "overlapHours must be at most 720 (30 days)").default(24),
});
export const ApiKeyStatus = z.enum(["active", "expiring", "expired", "revoked"]);
export const ListApiKeysQuery = z.object({
  status: ApiKeyStatus.optional(),
  /** "organization" (keys for the whole organization), "project" (any project), or one project's id. */
  scope: z.union([z.enum(["organization", "project"]), z.uuid("scope: organization, project or a project id")]).optional(),
});
export const ApiKeyPolicyInput = z.strictObject({
  requireExpiry: z.boolean(),
  maxLifetimeDays: z.coerce.number().int().min(1, "maxLifetimeDays must be at least 1").max(3650, "maxLifetimeDays must be at most 3650").nullish(),
  rateLimitPerSecond: RateLimit("rateLimitPerSecond", 100_000),
  rateLimitPerDay: RateLimit("rateLimitPerDay", 1_000_000_000),
});

/** The columns every key view shows, an organization's or a provisioning key. */
export const keyLifecycleSelect = {
  id: true,
  name: true,
  publicId: true,
  lastFour: true,
  expiresAt: true,
  revokedAt: true,
  ipAllowList: true,
  rateLimitPerSecond: true,
  rateLimitPerDay: true,
  previousSecretExpiresAt: true,
  rotatedAt: true,
  lastUsedAt: true,
  lastUsedIp: true,
  requestCount: true,
  createdAt: true,
} as const;

const keySelect = {
  ...keyLifecycleSelect,
  description: true,
  projectId: true,
  roleId: true,
  permissions: true,
  role: { select: { name: true } },
  project: { select: { name: true } },
} as const;

type KeyRow = { publicId: string; lastFour: string; expiresAt: Date | null; revokedAt: Date | null; previousSecretExpiresAt: Date | null; requestCount: bigint };
export function present<T extends KeyRow>(
  k: T,
  now = Date.now(),
): Omit<T, "requestCount"> & { requestCount: number; display: string; status: z.infer<typeof ApiKeyStatus>; previousSecretValidUntil: Date | null } {
  const expired = k.expiresAt !== null && k.expiresAt.getTime() <= now;
  const status: z.infer<typeof ApiKeyStatus> = k.revokedAt ? "revoked" : expired ? "expired" : k.expiresAt && k.expiresAt.getTime() - now < EXPIRING_SOON_DAYS * DAY_MS ? "expiring" : "active";
  return {
    ...k,
    requestCount: Number(k.requestCount),
    display: displayKey(k.publicId, k.lastFour),
    status,
    /** Until when the secret replaced by the last rotation still works (null: not at all). */
    previousSecretValidUntil: !k.revokedAt && k.previousSecretExpiresAt && k.previousSecretExpiresAt.getTime() > now ? k.previousSecretExpiresAt : null,
  };
}
export type ApiKeyView = Awaited<ReturnType<typeof listApiKeys<undefined>>>[number];

const newestFirst = keysetOrder({ path: "createdAt", kind: "date", direction: "desc" }, { path: "id", kind: "uuid", direction: "desc" });

export async function listApiKeys<P extends PageRequest | undefined = undefined>(ctx: OrgCtx, raw: unknown = {}, page?: P) {
  assertAllowed(ctx, "apikeys:read");
  const { status, scope } = ListApiKeysQuery.parse(raw);
  const now = new Date();
  const soon = new Date(now.getTime() + EXPIRING_SOON_DAYS * DAY_MS);
  const statusWhere = {
    active: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    expiring: { revokedAt: null, expiresAt: { gt: now, lte: soon } },
    expired: { revokedAt: null, expiresAt: { lte: now } },
    revoked: { revokedAt: { not: null } },
  }[status ?? "active"];
  const scopeWhere = scope === "organization" ? { projectId: null } : scope === "project" ? { projectId: { not: null } } : scope ? { projectId: scope } : {};
  return keysetList(
    newestFirst,
    page,
    (q) =>
      db.apiKey.findMany({
        where: { AND: [{ orgId: ctx.orgId, ...(status ? statusWhere : {}), ...scopeWhere }, q.where] },
        orderBy: q.orderBy,
        take: q.take,
        select: keySelect,
      }),
    (k) => present(k, now.getTime()),
  );
}

export async function getApiKey(ctx: OrgCtx, apiKeyId: string) {
  assertAllowed(ctx, "apikeys:read");
  const key = await db.apiKey.findFirst({ where: { id: apiKeyId, orgId: ctx.orgId }, select: keySelect });
  if (!key) throw new NotFound("api_key_not_found", "API key not found.");
  return present(key);
}

export async function getApiKeyPolicy(ctx: OrgCtx) {
  assertAllowed(ctx, "apikeys:read");
  return policyOf(ctx.orgId);
}

export async function createApiKey(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "apikeys:write");
  const input = CreateApiKeyInput.parse(raw);
  const projectId = input.projectId ?? null;
  if (projectId && !(await db.project.findFirst({ where: { id: projectId, orgId: ctx.orgId }, select: { id: true } }))) {
    throw new NotFound("project_not_found", "projectId: project not found.");
  }
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && expiresAt.getTime() <= Date.now()) throw new Invalid("expires_in_past", "expiresAt: must be in the future");
  const policy = await policyOf(ctx.orgId);
  let permissions: string[];
  if (input.roleId) {
    const role = await db.role.findFirst({ where: { id: input.roleId, OR: [{ orgId: null, isBuiltIn: true }, { orgId: ctx.orgId }] }, select: { isOwner: true } });
    const indexed = ctx.authz.roles.get(input.roleId);
    if (!role || !indexed) throw new NotFound("role_not_found", "roleId: role not found.");
    if (role.isOwner) throw new Invalid("owner_role_not_grantable", "roleId: API keys cannot carry the owner role.");
    permissions = [...indexed.permissions];
  } else {
    permissions = [...new Set(input.permissions!)].sort();
    await assertKnownPermissions(permissions);
  }
  assertMayHandOut(ctx, { permissions, projectId, expiresAt, ipAllowList: input.ipAllowList }, policy, "create");

  const generated = generateKey();
  const apiKey = await authzTransaction(ctx.orgId, async (tx) => {
    await assertRoomFor(tx, ctx.orgId, "apiKeys", 1);
    const created = await tx.apiKey.create({
      data: {
        orgId: ctx.orgId,
        projectId,
        name: input.name,
        description: input.description,
        publicId: generated.publicId,
        secretHash: generated.secretHash,
        lastFour: generated.lastFour,
        roleId: input.roleId ?? null,
        permissions: input.roleId ? [] : permissions,
        expiresAt,
        ipAllowList: input.ipAllowList,
        rateLimitPerSecond: input.rateLimitPerSecond ?? null,
        rateLimitPerDay: input.rateLimitPerDay ?? null,
        createdById: userIdOf(ctx),
      },
      select: keySelect,
    });
    await recordAudit(tx, {
      action: "apikey.created",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "api_key", id: created.id },
      meta: ctx,
      after: {
        name: created.name,
        display: displayKey(created.publicId, created.lastFour),
        projectId,
        roleId: input.roleId ?? null,
        permissions: created.permissions,
        expiresAt: created.expiresAt?.toISOString() ?? null,
        ipAllowList: created.ipAllowList,
        rateLimitPerSecond: created.rateLimitPerSecond,
        rateLimitPerDay: created.rateLimitPerDay,
      },
    });
    return created;
  });
  return { apiKey: present(apiKey), key: generated.key };
}

/**
 * The key's row under a lock held to the end of the transaction: a concurrent
 * revoke or rotate waits for this one, then sees its result (a revoked key,
 * the new secret as the current one), so none acts on a stale read.
 */
async function lockKey(tx: Tx, ctx: OrgCtx, apiKeyId: string) {
  await tx.$queryRaw`SELECT 1 FROM "ApiKey" WHERE "id" = ${apiKeyId}::uuid AND "orgId" = ${ctx.orgId}::uuid FOR UPDATE`;
  const key = await tx.apiKey.findFirst({
    where: { id: apiKeyId, orgId: ctx.orgId },
    select: { id: true, name: true, revokedAt: true, expiresAt: true, publicId: true, lastFour: true, projectId: true, roleId: true, permissions: true, ipAllowList: true, secretHash: true },
  });
  if (!key) throw new NotFound("api_key_not_found", "API key not found.");
  if (key.revokedAt) throw new Conflict("api_key_revoked", "This key was revoked already.");
  return key;
}

/**
 * A new secret for the same key (same id, grants and history). The old
 * secret keeps working for the overlap window, so services can switch over.
 * Whoever rotates a key receives its secret, so the key must be one they
 * could create: the same caps apply (lib/apikeys/key-caps.ts), and they must
 * be able to give every grant made to it.
 */
export async function rotateApiKey(ctx: OrgCtx, raw: unknown, now = new Date()) {
  assertAllowed(ctx, "apikeys:write");
  const { apiKeyId, overlapHours } = RotateApiKeyInput.parse(raw);
  const policy = await policyOf(ctx.orgId);
  return authzTransaction(ctx.orgId, async (tx) => {
    const key = await lockKey(tx, ctx, apiKeyId);
    if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) throw new Conflict("api_key_expired", "This key has expired; create a new one instead.");
    const carried = key.roleId ? ctx.authz.roles.get(key.roleId)?.permissions : key.permissions;
    if (!carried) throw new NotFound("role_not_found", "The key's role no longer exists.");
    assertMayHandOut(ctx, { permissions: carried, projectId: key.projectId, expiresAt: key.expiresAt, ipAllowList: key.ipAllowList }, policy, "rotate");
    await assertMayPassOnGrants(tx, ctx, key);

    const generated = generateKey(key.publicId);
    // The old hash is kept even without overlap, so its use is refused as "rotated", not "invalid".
    const previousSecretExpiresAt = new Date(now.getTime() + overlapHours * 3_600_000);
    const updated = await tx.apiKey.update({
      where: { id: key.id, orgId: ctx.orgId },
      // The public id stays: the key is the same key with a new secret.
      data: { secretHash: generated.secretHash, lastFour: generated.lastFour, previousSecretHash: key.secretHash, previousSecretExpiresAt, rotatedAt: now },
      select: keySelect,
    });
    await recordAudit(tx, {
      action: "apikey.rotated",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "api_key", id: key.id },
      meta: ctx,
      before: { display: displayKey(key.publicId, key.lastFour) },
      after: { display: displayKey(updated.publicId, updated.lastFour), previousSecretValidUntil: overlapHours > 0 ? previousSecretExpiresAt.toISOString() : null, overlapHours },
    });
    return { apiKey: present(updated), key: generated.key };
  });
}

export async function revokeApiKey(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "apikeys:write");
  const { apiKeyId } = ApiKeyIdInput.parse(raw);
  await authzTransaction(ctx.orgId, async (tx) => {
    const key = await lockKey(tx, ctx, apiKeyId);
    await tx.apiKey.update({ where: { id: key.id, orgId: ctx.orgId }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      action: "apikey.revoked",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "api_key", id: key.id },
      meta: ctx,
      before: { name: key.name, display: displayKey(key.publicId, key.lastFour) },
    });
  });
}

export async function updateApiKeyPolicy(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "organization:update");
  assertAllowed(ctx, "apikeys:write");
  const input = ApiKeyPolicyInput.parse(raw);
  const before = await policyOf(ctx.orgId);
  const after = {
    requireExpiry: input.requireExpiry,
    maxLifetimeDays: input.maxLifetimeDays ?? null,
    rateLimitPerSecond: input.rateLimitPerSecond ?? null,
    rateLimitPerDay: input.rateLimitPerDay ?? null,
  };
  // The default rate limits live in every process's index, so the change goes through authzTransaction.
  await authzTransaction(ctx.orgId, async (tx: Tx) => {
    await tx.organization.update({
      where: { id: ctx.orgId },
      data: {
        apiKeyRequireExpiry: after.requireExpiry,
        apiKeyMaxLifetimeDays: after.maxLifetimeDays,
        apiKeyRateLimitPerSecond: after.rateLimitPerSecond,
        apiKeyRateLimitPerDay: after.rateLimitPerDay,
      },
    });
    await recordAudit(tx, { action: "apikey.policy_updated", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "organization", id: ctx.orgId }, meta: ctx, before, after });
  });
  return after;
}
