// Shared builders for the roles, groups, projects and grants tests.
import { randomUUID } from "node:crypto";
import type { MemberCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { declareProductPermission } from "../../lib/permissions/product-permissions.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createUser, meta } from "../helpers.ts";

/** The caller's context again, with the organization's current index. */
export function fresh(ctx: MemberCtx): Promise<MemberCtx> {
  return resolveOrgContext(ctx.principal, ctx.orgSlug, meta());
}

/** Declares a product permission (as an instance admin) with a unique resource, e.g. traces1a2b:read. */
export async function declarePermission(resource = "traces", action = "read") {
  const key = `${resource}${randomUUID().slice(0, 8).replace(/[0-9]/g, "x")}:${action}`;
  const admin = await createUser({ isInstanceAdmin: true });
  await declareProductPermission(admin, { key, description: "test permission" });
  return key;
}

/** Declares exactly `key` (idempotent: declaring is an upsert). */
export async function declareExact(key: string) {
  const admin = await createUser({ isInstanceAdmin: true });
  await declareProductPermission(admin, { key });
  return key;
}

export const auditEvent = (orgId: string, action: string) => db.auditEvent.findFirstOrThrow({ where: { orgId, action }, orderBy: { createdAt: "desc" } });

export const slug = (prefix = "p") => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Calls `fn` and returns what it threw (fails the test when it did not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}
