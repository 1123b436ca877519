// Permissions of the customer's product, declared by the instance admin, and
// the check that a permission string names something that exists.
import { z } from "zod";
import { db } from "../db.ts";
import { Forbidden, Invalid } from "../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { UserCtx } from "../context.ts";
import { isPermission } from "./permissions.ts";

export const PermissionKey = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/, "Permissions look like resource:action, e.g. traces:read");

export const DeclarePermissionInput = z.object({ key: PermissionKey, description: z.string().trim().max(200).default("") });

export async function listProductPermissions() {
  return db.productPermission.findMany({ orderBy: { key: "asc" } });
}

export async function declareProductPermission(ctx: UserCtx, raw: unknown) {
  if (!ctx.principal.isInstanceAdmin) throw new Forbidden("instance_admin_only", "Only instance admins can declare product permissions.");
  const input = DeclarePermissionInput.parse(raw);
  if (isPermission(input.key)) throw new Invalid("permission_reserved", `${input.key} is one of Tollgate's own permissions.`);
  return db.$transaction(async (tx) => {
    const row = await tx.productPermission.upsert({ where: { key: input.key }, create: input, update: { description: input.description } });
    await recordAudit(tx, { action: "permission.declared", orgId: null, actor: { userId: ctx.principal.userId, email: ctx.principal.email }, target: { type: "permission", id: input.key }, meta: ctx, after: input });
    return row;
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
