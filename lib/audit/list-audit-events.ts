// The organization's audit trail, newest first, filtered and paged by a
// keyset cursor (stable while new events arrive).
import { z } from "zod";
import { assertCleanInput, boundedDate } from "../input.ts";
import { db, type Prisma } from "../db.ts";
import { keysetList, keysetOrder, PageQuery } from "../db/keyset.ts";
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";

const optional = (schema: z.ZodType) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

export const AuditQuery = z.object({
  actor: optional(z.string().trim().max(254)),
  action: optional(z.string().trim().max(100)),
  from: optional(boundedDate("from")),
  to: optional(boundedDate("to")),
  cursor: optional(PageQuery.shape.cursor),
  limit: PageQuery.shape.limit,
});
export type AuditQuery = z.infer<typeof AuditQuery>;

const newestFirst = keysetOrder({ path: "createdAt", kind: "date", direction: "desc" }, { path: "id", kind: "uuid", direction: "desc" });

export async function listAuditEvents(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "audit:read");
  assertCleanInput(raw);
  const q = AuditQuery.parse(raw) as { actor?: string; action?: string; from?: Date; to?: Date; cursor?: string; limit: number };
  const where: Prisma.AuditEventWhereInput = { orgId: ctx.orgId };
  const and: Prisma.AuditEventWhereInput[] = [];
  if (q.actor) and.push({ OR: [{ actorEmail: { contains: q.actor, mode: "insensitive" } }, ...(z.uuid().safeParse(q.actor).success ? [{ actorId: q.actor }] : [])] });
  if (q.action) and.push({ action: q.action });
  if (q.from) and.push({ createdAt: { gte: q.from } });
  if (q.to) and.push({ createdAt: { lt: q.to } });
  if (and.length) where.AND = and;
  const page = await keysetList(newestFirst, { cursor: q.cursor, limit: q.limit }, (k) => db.auditEvent.findMany({ where: { AND: [where, k.where] }, orderBy: k.orderBy, take: k.take }));
  return { events: page.data, nextCursor: page.nextCursor };
}

export async function listAuditActions(ctx: OrgCtx): Promise<string[]> {
  assertAllowed(ctx, "audit:read");
  const rows = await db.auditEvent.findMany({ where: { orgId: ctx.orgId }, distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } });
  return rows.map((r) => r.action);
}
