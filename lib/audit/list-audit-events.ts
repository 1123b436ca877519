// The organization's audit trail, newest first, filtered and paged by a
// keyset cursor (stable while new events arrive).
import { z } from "zod";
import { assertCleanInput, boundedDate, EARLIEST_DATE_MS, LATEST_DATE_MS } from "../input.ts";
import { db, type Prisma } from "../db.ts";
import { Invalid } from "../errors.ts";
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";

const optional = (schema: z.ZodType) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

export const AuditQuery = z.object({
  actor: optional(z.string().trim().max(254)),
  action: optional(z.string().trim().max(100)),
  from: optional(boundedDate("from")),
  to: optional(boundedDate("to")),
  cursor: optional(z.string().max(200)),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [ms, id] = Buffer.from(cursor, "base64url").toString().split(":");
  const at = Number(ms);
  const createdAt = new Date(at);
  if (!id || !z.uuid().safeParse(id).success || !(at >= EARLIEST_DATE_MS && at <= LATEST_DATE_MS)) throw new Invalid("invalid_cursor", "cursor: this page link is not valid");
  return { createdAt, id };
}

const encodeCursor = (e: { createdAt: Date; id: string }) => Buffer.from(`${e.createdAt.getTime()}:${e.id}`).toString("base64url");

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
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    and.push({ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] });
  }
  if (and.length) where.AND = and;
  const rows = await db.auditEvent.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  return { events: page, nextCursor: rows.length > q.limit ? encodeCursor(page.at(-1)!) : null };
}

export async function listAuditActions(ctx: OrgCtx): Promise<string[]> {
  assertAllowed(ctx, "audit:read");
  const rows = await db.auditEvent.findMany({ where: { orgId: ctx.orgId }, distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } });
  return rows.map((r) => r.action);
}
