// The access decision log of an organization: newest first, filtered by
// principal, permission, result and time, paged by id.
import { z } from "zod";
import { assertCleanInput, boundedDate } from "../input.ts";
import { db, type Prisma } from "../db.ts";
import type { OrgCtx } from "../context.ts";
import { assertAllowed } from "./authorize.ts";

const blank = (schema: z.ZodType) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

export const DecisionQuery = z.object({
  principal: blank(z.string().trim().max(254)),
  permission: blank(z.string().trim().max(200)),
  result: blank(z.enum(["allowed", "denied"])),
  from: blank(boundedDate("from")),
  to: blank(boundedDate("to")),
  before: blank(z.coerce.bigint({ error: "before must be a decision id" }).min(1n, "before must be a decision id").max(9_223_372_036_854_775_807n, "before must be a decision id")),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export async function listDecisions(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "decisions:read");
  assertCleanInput(raw);
  const q = DecisionQuery.parse(raw) as { principal?: string; permission?: string; result?: "allowed" | "denied"; from?: Date; to?: Date; before?: bigint; limit: number };
  const where: Prisma.DecisionLogWhereInput = { orgId: ctx.orgId };
  if (q.principal) {
    const byEmail = q.principal.includes("@") ? await db.user.findFirst({ where: { email: q.principal.toLowerCase(), memberships: { some: { orgId: ctx.orgId } } }, select: { id: true } }) : null;
    where.principalId = q.principal.includes("@") ? (byEmail?.id ?? "none") : q.principal;
  }
  if (q.permission) where.permission = q.permission;
  if (q.result) where.allowed = q.result === "allowed";
  if (q.from || q.to) where.createdAt = { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) };
  if (q.before) where.id = { lt: q.before };
  const rows = await db.decisionLog.findMany({ where, orderBy: { id: "desc" }, take: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  return { decisions: page, nextBefore: rows.length > q.limit ? String(page.at(-1)!.id) : null };
}

/** Drops decisions older than each organization's retention. Run periodically by the server. */
export async function purgeExpiredDecisions() {
  return db.$executeRaw`
    DELETE FROM "DecisionLog" d USING "Organization" o
    WHERE d."orgId" = o.id AND d."createdAt" < now() - make_interval(days => o."decisionLogRetentionDays")`;
}
