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
