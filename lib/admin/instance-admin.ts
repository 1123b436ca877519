// Instance-wide views for instance admins only: every organization, the outbox.
import { db } from "../db.ts";
import { Forbidden } from "../errors.ts";
import type { UserCtx } from "../context.ts";

function assertInstanceAdmin(ctx: UserCtx) {
  if (!ctx.principal.isInstanceAdmin) throw new Forbidden("instance_admin_only", "Only instance admins can see this.");
}

export async function listAllOrganizations(ctx: UserCtx) {
  assertInstanceAdmin(ctx);
  const orgs = await db.organization.findMany({
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, slug: true, createdAt: true, _count: { select: { memberships: true } } },
  });
  return orgs.map((o) => ({ id: o.id, name: o.name, slug: o.slug, createdAt: o.createdAt, members: o._count.memberships }));
}

export async function listOutbox(ctx: UserCtx, limit = 100) {
  assertInstanceAdmin(ctx);
  return db.outboxEmail.findMany({ orderBy: { createdAt: "desc" }, take: limit });
}
