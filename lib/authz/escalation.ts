// Nobody hands out, or takes away, more than they hold themselves.
import { Forbidden } from "../errors.ts";
import type { OrgCtx } from "../context.ts";
import { authorize } from "./authorize.ts";

export function assertHoldsAll(ctx: OrgCtx, permissions: readonly string[], what: string) {
  const missing = permissions.filter((p) => !authorize(ctx, p, undefined, "escalation-check").allowed);
  if (missing.length > 0) {
    throw new Forbidden("privilege_escalation", `You cannot ${what}: it needs ${missing.join(", ")}, which you do not hold.`);
  }
}

/** What the caller lacks of `permissions` where a grant on `projectId` (null: the organization) applies. */
export function missingWhereGranted(ctx: OrgCtx, permissions: Iterable<string>, projectId: string | null): string[] {
  const resource = projectId ? ({ type: "project", id: projectId } as const) : undefined;
  return [...permissions].filter((p) => !authorize(ctx, p, resource, "escalation-check").allowed);
}
