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
    await recordAudit(tx, {
      action: "permission.declared",
      orgId: null,
      actor: { userId: ctx.principal.userId, email: ctx.principal.email },
      target: { type: "permission", id: input.key },
      meta: ctx,
      after: input,
    });
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

const PermissionsFile = z.union([z.array(DeclarePermissionInput), z.object({ permissions: z.array(DeclarePermissionInput) }).transform((f) => f.permissions)]);

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
  await db.$transaction(async (tx) => {
    for (const p of result.data) await tx.productPermission.upsert({ where: { key: p.key }, create: p, update: { description: p.description } });
  });
  return result.data.length;
}
