// The access decision log of an organization: newest first, filtered by
// principal, permission, result and time, paged by id.
import { z } from "zod";
import { assertCleanInput, boundedDate } from "../input.ts";
import { db, type Prisma } from "../db.ts";
import type { OrgCtx } from "../context.ts";
import { assertAllowed, DECISION_SOURCES, type DecisionSource } from "./authorize.ts";

const blank = (schema: z.ZodType) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

export const DecisionQuery = z.object({
  principal: blank(z.string().trim().max(254)),
  permission: blank(z.string().trim().max(200)),
  result: blank(z.enum(["allowed", "denied"])),
  source: blank(z.enum(Object.keys(DECISION_SOURCES) as [DecisionSource, ...DecisionSource[]], "source: not a decision source")),
  from: blank(boundedDate("from")),
  to: blank(boundedDate("to")),
  before: blank(z.coerce.bigint({ error: "before must be a decision id" }).min(1n, "before must be a decision id").max(9_223_372_036_854_775_807n, "before must be a decision id")),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export async function listDecisions(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "decisions:read");
  assertCleanInput(raw);
  const q = DecisionQuery.parse(raw) as { principal?: string; permission?: string; result?: "allowed" | "denied"; source?: DecisionSource; from?: Date; to?: Date; before?: bigint; limit: number };
  const where: Prisma.DecisionLogWhereInput = { orgId: ctx.orgId };
  if (q.principal) {
    const byEmail = q.principal.includes("@") ? await db.user.findFirst({ where: { email: q.principal.toLowerCase(), memberships: { some: { orgId: ctx.orgId } } }, select: { id: true } }) : null;
    where.principalId = q.principal.includes("@") ? (byEmail?.id ?? "none") : q.principal;
  }
  if (q.permission) where.permission = q.permission;
  if (q.result) where.allowed = q.result === "allowed";
  if (q.source) where.source = q.source;
  if (q.from || q.to) where.createdAt = { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) };
  if (q.before) where.id = { lt: q.before };
  const rows = await db.decisionLog.findMany({ where, orderBy: { id: "desc" }, take: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  return { decisions: page, names: await principalNames(ctx, page), nextBefore: rows.length > q.limit ? String(page.at(-1)!.id) : null };
}

/** Who each row's principal is, for people to read: members by email, keys by name (ids stay for the rest). */
async function principalNames(ctx: OrgCtx, rows: Array<{ principalType: string; principalId: string }>): Promise<Map<string, string>> {
  const userIds = [...new Set(rows.filter((r) => r.principalType === "user").map((r) => r.principalId))].filter((id) => z.uuid().safeParse(id).success);
  const users = userIds.length ? await db.user.findMany({ where: { id: { in: userIds }, memberships: { some: { orgId: ctx.orgId } } }, select: { id: true, email: true } }) : [];
  const names = new Map(users.map((u) => [u.id, u.email]));
  for (const r of rows) {
    const key = r.principalType === "api_key" ? ctx.authz.apiKeysById.get(r.principalId) : undefined;
    if (key) names.set(r.principalId, `API key ${key.name}`);
  }
  return names;
}

/** Drops decisions older than each organization's retention. Run periodically by the server. */
export async function purgeExpiredDecisions() {
  return db.$executeRaw`
    DELETE FROM "DecisionLog" d USING "Organization" o
    WHERE d."orgId" = o.id AND d."createdAt" < now() - make_interval(days => o."decisionLogRetentionDays")`;
}
