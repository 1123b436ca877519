// The access decision log of an organization: newest first, filtered by
// principal, permission, result and time, paged by a keyset cursor on the id.
import { z } from "zod";
import { assertCleanInput, boundedDate } from "../input.ts";
import { db, type Prisma } from "../db.ts";
import { keysetList, keysetOrder, PageQuery } from "../db/keyset.ts";
import type { OrgCtx } from "../context.ts";
import { assertAllowed } from "./authorize.ts";

const blank = (schema: z.ZodType) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

export const DecisionQuery = z.object({
  principal: blank(z.string().trim().max(254)),
  permission: blank(z.string().trim().max(200)),
  result: blank(z.enum(["allowed", "denied"])),
  from: blank(boundedDate("from")),
  to: blank(boundedDate("to")),
  cursor: blank(PageQuery.shape.cursor),
  limit: PageQuery.shape.limit,
});

const newestFirst = keysetOrder({ path: "id", kind: "bigint", direction: "desc" });

export async function listDecisions(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "decisions:read");
  assertCleanInput(raw);
  const q = DecisionQuery.parse(raw) as { principal?: string; permission?: string; result?: "allowed" | "denied"; from?: Date; to?: Date; cursor?: string; limit: number };
  const where: Prisma.DecisionLogWhereInput = { orgId: ctx.orgId };
  if (q.principal) {
    const byEmail = q.principal.includes("@") ? await db.user.findFirst({ where: { email: q.principal.toLowerCase(), memberships: { some: { orgId: ctx.orgId } } }, select: { id: true } }) : null;
    where.principalId = q.principal.includes("@") ? (byEmail?.id ?? "none") : q.principal;
  }
  if (q.permission) where.permission = q.permission;
  if (q.result) where.allowed = q.result === "allowed";
  if (q.from || q.to) where.createdAt = { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) };
  const page = await keysetList(newestFirst, { cursor: q.cursor, limit: q.limit }, (k) => db.decisionLog.findMany({ where: { AND: [where, k.where] }, orderBy: k.orderBy, take: k.take }));
  return { decisions: page.data, nextCursor: page.nextCursor };
}

/** Drops decisions older than each organization's retention. Run periodically by the server. */
export async function purgeExpiredDecisions() {
  return db.$executeRaw`
    DELETE FROM "DecisionLog" d USING "Organization" o
    WHERE d."orgId" = o.id AND d."createdAt" < now() - make_interval(days => o."decisionLogRetentionDays")`;
}
