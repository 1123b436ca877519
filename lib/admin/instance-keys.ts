// Instance-admin (provisioning) API keys, managed by instance admins: create
// (secret shown once), list with expiry status and last use, rotate with an
// overlap window, revoke. They follow the rules and schemas of organization
// keys (lib/apikeys/api-keys.ts) but belong to no organization: they act in
// any, so only instance admins handle them, and every change is audited.
import { z } from "zod";
import { boundedDate } from "../input.ts";
import { db } from "../db.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { ApiKeyIdInput, IpAllowList, keyLifecycleSelect, present, RateLimit, RotateApiKeyInput } from "../apikeys/api-keys.ts";
import { displayKey, generateKey } from "../apikeys/key-format.ts";
import { assertInstanceAdmin, INSTANCE_ADMIN, USAGE_WRITE } from "../authz/authorize.ts";
import type { UserCtx } from "../context.ts";

export const CreateInstanceKeyInput = z.strictObject({
  name: z.string().trim().min(1, "Enter a name").max(80, "Name must be at most 80 characters"),
  expiresAt: boundedDate("expiresAt").nullish(),
  ipAllowList: IpAllowList,
  rateLimitPerSecond: RateLimit("rateLimitPerSecond", 100_000),
  rateLimitPerDay: RateLimit("rateLimitPerDay", 1_000_000_000),
  /** admin: provisioning, acting in any organization; usage: sending usage events only (usage:write). */
  access: z.enum(["admin", "usage"], "access: admin or usage").default("admin"),
});

// Instance-level keys: an instance admin's, or a usage key (holding only usage:write).
const instanceKeys = { orgId: null } as const;
const keySelect = { ...keyLifecycleSelect, isInstanceAdmin: true } as const;
const withAccess = <K extends { isInstanceAdmin: boolean }>({ isInstanceAdmin, ...key }: K) => ({ ...key, access: isInstanceAdmin ? ("admin" as const) : ("usage" as const) });
export type InstanceKeyView = Awaited<ReturnType<typeof listInstanceKeys>>[number];

const assertKeyAdmin = (ctx: UserCtx) => assertInstanceAdmin(ctx, "manage provisioning keys");

export async function listInstanceKeys(ctx: UserCtx) {
  assertKeyAdmin(ctx);
  const keys = await db.apiKey.findMany({ where: instanceKeys, orderBy: { createdAt: "desc" }, select: keySelect });
  const now = Date.now();
  return keys.map((k) => withAccess(present(k, now)));
}

export async function createInstanceKey(ctx: UserCtx, raw: unknown) {
  assertKeyAdmin(ctx);
  const input = CreateInstanceKeyInput.parse(raw);
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && expiresAt.getTime() <= Date.now()) throw new Invalid("expires_in_past", "expiresAt: must be in the future");
  const generated = generateKey();
  const apiKey = await db.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        ...instanceKeys,
        isInstanceAdmin: input.access === "admin",
        name: input.name,
        publicId: generated.publicId,
        secretHash: generated.secretHash,
        lastFour: generated.lastFour,
        permissions: input.access === "admin" ? [] : [USAGE_WRITE],
        expiresAt,
        ipAllowList: input.ipAllowList,
        rateLimitPerSecond: input.rateLimitPerSecond ?? null,
        rateLimitPerDay: input.rateLimitPerDay ?? null,
        createdById: ctx.principal.userId,
      },
      select: keySelect,
    });
    await recordAudit(tx, {
      action: "apikey.created",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "api_key", id: created.id },
      meta: ctx,
      after: {
        name: created.name,
        instanceAdmin: input.access === "admin",
        permissions: created.isInstanceAdmin ? [INSTANCE_ADMIN] : [USAGE_WRITE],
        display: displayKey(created.publicId, created.lastFour),
        expiresAt: created.expiresAt?.toISOString() ?? null,
        ipAllowList: created.ipAllowList,
        rateLimitPerSecond: created.rateLimitPerSecond,
        rateLimitPerDay: created.rateLimitPerDay,
      },
    });
    return created;
  });
  return { apiKey: withAccess(present(apiKey)), key: generated.key };
}

/**
 * A new secret for the same key; the old one keeps working for the overlap
 * window (and is refused as rotated_api_key after it), as for organization keys.
 */
export async function rotateInstanceKey(ctx: UserCtx, raw: unknown) {
  assertKeyAdmin(ctx);
  const { apiKeyId, overlapHours } = RotateApiKeyInput.parse(raw);
  const now = new Date();
  const previousSecretExpiresAt = new Date(now.getTime() + overlapHours * 3_600_000);
  const result = await db.$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id: apiKeyId, ...instanceKeys }, select: { secretHash: true, publicId: true, lastFour: true, revokedAt: true, expiresAt: true } });
    if (!key) throw new NotFound("api_key_not_found", "API key not found.");
    if (key.revokedAt) throw new Conflict("api_key_revoked", "This key was revoked already.");
    if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) throw new Conflict("api_key_expired", "This key has expired; create a new one instead.");
    const generated = generateKey(key.publicId);
    // Only over the secret read above: a rotation in between must not be lost.
    const { count } = await tx.apiKey.updateMany({
      where: { id: apiKeyId, ...instanceKeys, secretHash: key.secretHash, revokedAt: null },
      // The old hash is kept even without overlap, so its use is refused as "rotated", not "invalid".
      data: { secretHash: generated.secretHash, lastFour: generated.lastFour, previousSecretHash: key.secretHash, previousSecretExpiresAt, rotatedAt: now },
    });
    if (count === 0) throw new Conflict("api_key_changed", "This key changed meanwhile; reload and try again.");
    const rotated = await tx.apiKey.findUniqueOrThrow({ where: { id: apiKeyId }, select: keySelect });
    await recordAudit(tx, {
      action: "apikey.rotated",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "api_key", id: apiKeyId },
      meta: ctx,
      before: { display: displayKey(key.publicId, key.lastFour) },
      after: { display: displayKey(rotated.publicId, rotated.lastFour), previousSecretValidUntil: overlapHours > 0 ? previousSecretExpiresAt.toISOString() : null, overlapHours },
    });
    return { rotated, key: generated.key };
  });
  return { apiKey: withAccess(present(result.rotated)), key: result.key };
}

export async function revokeInstanceKey(ctx: UserCtx, apiKeyId: string) {
  assertKeyAdmin(ctx);
  const { apiKeyId: id } = ApiKeyIdInput.parse({ apiKeyId });
  await db.$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id, ...instanceKeys }, select: { name: true, publicId: true, lastFour: true, revokedAt: true } });
    if (!key) throw new NotFound("api_key_not_found", "API key not found.");
    const { count } = await tx.apiKey.updateMany({ where: { id, ...instanceKeys, revokedAt: null }, data: { revokedAt: new Date() } });
    if (key.revokedAt || count === 0) throw new Conflict("api_key_revoked", "This key was revoked already.");
    await recordAudit(tx, {
      action: "apikey.revoked",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "api_key", id },
      meta: ctx,
      before: { name: key.name, display: displayKey(key.publicId, key.lastFour) },
    });
  });
}
