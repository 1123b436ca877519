// The access decision log of an organization: newest first, filtered by
// principal, permission, result and time, paged by a keyset cursor on the
// time and id.
import { z } from "zod";
import { assertCleanInput, boundedDate } from "../input.ts";
import { db, type Prisma } from "../db.ts";
import { keysetList, keysetOrder, PageQuery } from "../db/keyset.ts";
import type { OrgCtx } from "../context.ts";
import { assertAllowed, DECISION_SOURCES, type DecisionSource } from "./authorize.ts";
import { idsIn, namesOfIds } from "./id-names.ts";

const blank = (schema: z.ZodType) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

export const DecisionQuery = z.object({
  principal: blank(z.string().trim().max(254)),
  permission: blank(z.string().trim().max(200)),
  result: blank(z.enum(["allowed", "denied"])),
  source: blank(z.enum(Object.keys(DECISION_SOURCES) as [DecisionSource, ...DecisionSource[]], "source: not a decision source")),
  from: blank(boundedDate("from")),
  to: blank(boundedDate("to")),
  cursor: blank(PageQuery.shape.cursor),
  limit: PageQuery.shape.limit,
});

// In the order of the log's indexes ((orgId, createdAt) and (orgId, principalId, createdAt)): ordered by
// id alone, PostgreSQL may walk the whole table's id index newest first, through every other organization's rows.
const newestFirst = keysetOrder({ path: "createdAt", kind: "date", direction: "desc" }, { path: "id", kind: "bigint", direction: "desc" });

export async function listDecisions(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "decisions:read");
  assertCleanInput(raw);
  const q = DecisionQuery.parse(raw) as { principal?: string; permission?: string; result?: "allowed" | "denied"; source?: DecisionSource; from?: Date; to?: Date; cursor?: string; limit: number };
  const where: Prisma.DecisionLogWhereInput = { orgId: ctx.orgId };
  if (q.principal) {
    const byEmail = q.principal.includes("@") ? await db.user.findFirst({ where: { email: q.principal.toLowerCase(), memberships: { some: { orgId: ctx.orgId } } }, select: { id: true } }) : null;
    where.principalId = q.principal.includes("@") ? (byEmail?.id ?? "none") : q.principal;
  }
  if (q.permission) where.permission = q.permission;
  if (q.result) where.allowed = q.result === "allowed";
  if (q.source) where.source = q.source;
  if (q.from || q.to) where.createdAt = { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) };
  const page = await keysetList(newestFirst, { cursor: q.cursor, limit: q.limit }, (k) => db.decisionLog.findMany({ where: { AND: [where, k.where] }, orderBy: k.orderBy, take: k.take }));
  return { decisions: page.data, names: await principalNames(ctx, page.data), nextCursor: page.nextCursor };
}

/**
 * Names for people to read: each row's principal (members by email, keys by
 * name), and the ids its reason and resource hold. Ids stay for the rest.
 */
async function principalNames(ctx: OrgCtx, rows: Array<{ principalType: string; principalId: string; resourceId: string; reason: string }>): Promise<Map<string, string>> {
  const names = await namesOfIds(ctx, idsIn(...rows.flatMap((r) => [r.principalId, r.resourceId, r.reason])));
  for (const r of rows) {
    const key = r.principalType === "api_key" ? ctx.authz.apiKeysById.get(r.principalId) : undefined;
    if (key) names.set(r.principalId, `API key ${key.name}`);
  }
  return names;
}

/**
 * Drops decisions older than each organization's retention, and every decision
 * of organizations that no longer exist (a process may write a few after the
 * deletion swept the log: buffered ones, retried ones). Run hourly by the server.
 */
export async function purgeExpiredDecisions() {
  const expired = await db.$executeRaw`
    DELETE FROM "DecisionLog" d USING "Organization" o
    WHERE d."orgId" = o.id AND d."createdAt" < now() - make_interval(days => o."decisionLogRetentionDays")`;
  // The organizations the log holds, one index probe each (a loose index scan), not a pass over every row.
  const orphaned = await db.$executeRaw`
    WITH RECURSIVE logged AS (
      (SELECT "orgId" FROM "DecisionLog" ORDER BY "orgId" LIMIT 1)
      UNION ALL
      SELECT (SELECT d."orgId" FROM "DecisionLog" d WHERE d."orgId" > logged."orgId" ORDER BY d."orgId" LIMIT 1) FROM logged WHERE logged."orgId" IS NOT NULL
    )
    DELETE FROM "DecisionLog" d
    WHERE d."orgId" IN (SELECT l."orgId" FROM logged l WHERE l."orgId" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "Organization" o WHERE o.id = l."orgId"))`;
  return expired + orphaned;
}
