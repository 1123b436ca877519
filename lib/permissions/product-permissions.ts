// Permissions of the customer's product, declared by the instance admin, and
// the check that a permission string names something that exists.
import { z } from "zod";
import { db, type Tx } from "../db.ts";
import { Invalid, NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import { bumpEveryAuthzVersion, invalidateEveryOrgIndex } from "../authz/org-index-cache.ts";
import type { InstanceCtx } from "../context.ts";
import { isPermission } from "../authz/permissions.ts";

export const PermissionKey = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/, "Permissions look like resource:action, e.g. traces:read");

export const DeclarePermissionInput = z.strictObject({ key: PermissionKey, description: z.string().trim().max(200).default("") });

export const UpdatePermissionInput = z.strictObject({ description: z.string().trim().max(200) });

export async function listProductPermissions() {
  return db.productPermission.findMany({ orderBy: { key: "asc" } });
}

function assertProductKey(key: string) {
  if (isPermission(key)) throw new Invalid("permission_reserved", `${key} is one of Tollgate's own permissions.`);
}

/** Every organization's index lists the declared permissions: changing them reloads them all, in every process. */
async function productPermissionChange<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
  const result = await db.$transaction(async (tx) => {
    const value = await work(tx);
    await bumpEveryAuthzVersion(tx);
    return value;
  });
  invalidateEveryOrgIndex();
  return result;
}

/** Declares a permission of the product (or changes the description of one already declared). */
export async function declareProductPermission(ctx: InstanceCtx, raw: unknown) {
  assertInstanceAdmin(ctx, "declare product permissions");
  const input = DeclarePermissionInput.parse(raw);
  assertProductKey(input.key);
  return productPermissionChange(async (tx) => {
    const row = await tx.productPermission.upsert({ where: { key: input.key }, create: input, update: { description: input.description } });
    await recordAudit(tx, { action: "permission.declared", orgId: null, actor: actorOf(ctx), target: { type: "permission", id: input.key }, meta: ctx, after: input });
    return row;
  });
}

export async function updateProductPermission(ctx: InstanceCtx, key: string, raw: unknown) {
  assertInstanceAdmin(ctx, "edit product permissions");
  const input = UpdatePermissionInput.parse(raw);
  return db.$transaction(async (tx) => {
    const before = await tx.productPermission.findUnique({ where: { key } });
    if (!before) throw new NotFound("permission_not_found", `No product permission ${key}.`);
    const row = await tx.productPermission.update({ where: { key }, data: input });
    await recordAudit(tx, {
      action: "permission.updated",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "permission", id: key },
      meta: ctx,
      before: { description: before.description },
      after: input,
    });
    return row;
  });
}

/**
 * Retires a permission the product no longer has: it leaves every role and
 * API key that carried it, and checks naming it become unknown_permission.
 */
export async function retireProductPermission(ctx: InstanceCtx, key: string) {
  assertInstanceAdmin(ctx, "retire product permissions");
  assertProductKey(key);
  return productPermissionChange(async (tx) => {
    const before = await tx.productPermission.findUnique({ where: { key } });
    if (!before) throw new NotFound("permission_not_found", `No product permission ${key}.`);
    const roles = await tx.$executeRaw`UPDATE "Role" SET permissions = array_remove(permissions, ${key}) WHERE ${key} = ANY(permissions)`;
    const apiKeys = await tx.$executeRaw`UPDATE "ApiKey" SET permissions = array_remove(permissions, ${key}) WHERE ${key} = ANY(permissions)`;
    await tx.productPermission.delete({ where: { key } });
    await recordAudit(tx, {
      action: "permission.retired",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "permission", id: key },
      meta: ctx,
      before,
      after: { rolesChanged: roles, apiKeysChanged: apiKeys },
    });
    return { key, rolesChanged: roles, apiKeysChanged: apiKeys };
  });
}

/** Throws Invalid naming the first permission that is neither Tollgate's nor declared. */
export async function assertKnownPermissions(permissions: readonly string[]) {
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length === 0) return;
  const declared = new Set((await db.productPermission.findMany({ where: { key: { in: unknown } }, select: { key: true } })).map((p) => p.key));
  const missing = unknown.find((p) => !declared.has(p));
  if (missing) throw new Invalid("unknown_permission", `permissions: "${missing}" is not a Tollgate permission nor a declared product permission`);
}

const PermissionsFile = z.union([z.array(DeclarePermissionInput), z.strictObject({ permissions: z.array(DeclarePermissionInput) }).transform((f) => f.permissions)]);

/**
 * Declares the product permissions listed in a JSON file (TOLLGATE_PERMISSIONS_FILE),
 * e.g. `{ "permissions": [{ "key": "traces:read", "description": "Read traces" }] }`.
 * Run at start-up; permissions declared in the UI are kept.
 */
export async function declarePermissionsFromFile(file: string): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Invalid("permissions_file", `TOLLGATE_PERMISSIONS_FILE: cannot read ${file} as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = PermissionsFile.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Invalid("permissions_file", `TOLLGATE_PERMISSIONS_FILE: ${issue.path.join(".")}: ${issue.message}`);
  }
  const reserved = result.data.find((p) => isPermission(p.key));
  if (reserved) throw new Invalid("permissions_file", `TOLLGATE_PERMISSIONS_FILE: ${reserved.key} is one of Tollgate's own permissions`);
  await productPermissionChange(async (tx) => {
    for (const p of result.data) await tx.productPermission.upsert({ where: { key: p.key }, create: p, update: { description: p.description } });
  });
  return result.data.length;
}
