// Owners hold every permission, product permissions too, so ownership is never
// reached by holding every built-in permission: only an owner makes, demotes or
// removes an owner. Organization API keys never do; the instance admin's
// provisioning keys (which create organizations with their owners) may.
import type { Tx } from "../db.ts";
import { Forbidden } from "../errors.ts";
import type { OrgCtx } from "../context.ts";

/** Call under lockOrganization: the caller's role is read there, so an owner demoted a moment ago no longer counts. */
export async function assertCallerIsOwner(tx: Tx, ctx: OrgCtx, what: string) {
  if (ctx.principal.type === "api_key") {
    if (ctx.principal.instance) return;
    throw new Forbidden("owner_required", `Only an owner can ${what}, and an API key is never one: ask an owner to do it in Tollgate.`);
  }
  const caller = await tx.membership.findFirst({ where: { orgId: ctx.orgId, userId: ctx.principal.userId }, select: { role: { select: { isOwner: true } } } });
  if (!caller?.role.isOwner) throw new Forbidden("owner_required", `Only an owner can ${what}.`);
}
