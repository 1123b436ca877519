// The access decision log of an organization: newest first, filtered by
// principal, permission, result, source and time, paged by a keyset cursor on
// the time and id. The log is stored as batches (see decision-log.ts): a
// decision's id is its batch's and its place in it.
import { z } from "zod";
import { assertCleanInput, boundedDate } from "../input.ts";
import { db } from "../db.ts";
import { decodeCursor, encodeCursor, keysetOrder, PageQuery } from "../db/keyset.ts";
import { joinSql, rawSql, sql, sqlRows, type Sql } from "../db/sql.ts";
import type { OrgCtx } from "../context.ts";
import { assertAllowed, DECISION_SOURCES, type DecisionSource } from "./authorize.ts";
import { BATCH_SPAN_MS, PLACES } from "./decision-log.ts";
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

const newestFirst = keysetOrder({ path: "createdAt", kind: "date", direction: "desc" }, { path: "id", kind: "bigint", direction: "desc" });

/** One decision of the log, as lists and exports show it. */
export type LoggedDecision = {
  id: bigint;
  createdAt: Date;
  orgId: string;
  principalType: string;
  principalId: string;
  permission: string;
  resourceType: string;
  resourceId: string;
  allowed: boolean;
  reason: string;
  latencyUs: number;
  source: string;
};

type Filters = { principalId?: string; permission?: string; allowed?: boolean; source?: string; from?: Date; to?: Date };

export async function listDecisions(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "decisions:read");
  assertCleanInput(raw);
  const q = DecisionQuery.parse(raw) as { principal?: string; permission?: string; result?: "allowed" | "denied"; source?: DecisionSource; from?: Date; to?: Date; cursor?: string; limit: number };
  const filters: Filters = { permission: q.permission, source: q.source, from: q.from, to: q.to };
  if (q.principal) {
    const byEmail = q.principal.includes("@") ? await db.user.findFirst({ where: { email: q.principal.toLowerCase(), memberships: { some: { orgId: ctx.orgId } } }, select: { id: true } }) : null;
    filters.principalId = q.principal.includes("@") ? (byEmail?.id ?? "none") : q.principal;
  }
  if (q.result) filters.allowed = q.result === "allowed";
  const after = q.cursor ? (decodeCursor(newestFirst, q.cursor) as [Date, bigint]) : undefined;
  const rows = await findDecisions(ctx.orgId, filters, after, q.limit + 1);
  const decisions = rows.slice(0, q.limit);
  const nextCursor = rows.length > q.limit ? encodeCursor(newestFirst, decisions.at(-1)!) : null;
  return { decisions, names: await principalNames(ctx, decisions), nextCursor };
}

/**
 * The decisions of the log's row `b`, one row each, with their place `n` in
 * it (the format is described at the DecisionLog model): FROM "DecisionLog" b
 * followed by this.
 */
export const DECISIONS_OF_BATCH = rawSql(`CROSS JOIN LATERAL (
  SELECT d.n, a.f[1] AS "principalId", timestamptz 'epoch' + a.f[2]::bigint * interval '1 millisecond' AS "createdAt", a.f[3] AS "principalType",
         a.f[4] AS "permission", a.f[5] AS "resourceType", a.f[6] AS "resourceId", a.f[7]::boolean AS "allowed", a.f[8] AS "reason",
         a.f[9]::int AS "latencyUs", a.f[10] AS "source"
  FROM unnest(string_to_array(b."entries", chr(30))) WITH ORDINALITY AS d(entry, n)
  CROSS JOIN LATERAL (SELECT string_to_array(d.entry, chr(31)) AS f) a) e`);

// Batches fetched at a time: few first (one batch of a busy organization fills a page), more while they fall short.
const FIRST_FETCH = 8;
const MAX_FETCH = 1024;

/**
 * The newest `take` decisions of an organization after `after`, newest first.
 * Batches are read newest first (by their latest decision), as many at a time
 * as could fill the page, until no batch left can hold a decision newer than
 * the last one kept: the work is bounded by the page, not by the log's size.
 */
async function findDecisions(orgId: string, f: Filters, after: [Date, bigint] | undefined, take: number): Promise<LoggedDecision[]> {
  const batchFilter = [sql`"orgId" = ${orgId}::uuid`];
  if (f.principalId !== undefined) batchFilter.push(sql`"principalIds" @> ARRAY[${f.principalId}::text]`);
  if (f.from) batchFilter.push(sql`"lastAt" >= ${f.from}`);
  // A batch spans less than BATCH_SPAN_MS: the bound on its latest decision lets the index skip the newer ones.
  const spanAfter = (at: Date) => new Date(at.getTime() + BATCH_SPAN_MS);
  // One bound on the latest decision at a time (after the first fetch, the keyset implies the span's), and the
  // bound on the earliest applied here, not in SQL: given several bounds, PostgreSQL takes them for independent,
  // expects a few rows, and sorts every batch in the span instead of reading the index in order.
  const spanBounds: Sql[] = [];
  if (f.to) spanBounds.push(sql`"lastAt" < ${spanAfter(f.to)}`);
  if (after) spanBounds.push(sql`"lastAt" <= ${spanAfter(after[0])}`);
  const mayHold = (b: { firstAt: Date }) => (!f.to || b.firstAt < f.to) && (!after || b.firstAt <= after[0]);
  const entryFilter = [sql`TRUE`];
  if (f.principalId !== undefined) entryFilter.push(sql`e."principalId" = ${f.principalId}`);
  if (f.permission !== undefined) entryFilter.push(sql`e."permission" = ${f.permission}`);
  if (f.source !== undefined) entryFilter.push(sql`e."source" = ${f.source}`);
  if (f.allowed !== undefined) entryFilter.push(sql`e."allowed" = ${f.allowed}`);
  if (f.from) entryFilter.push(sql`e."createdAt" >= ${f.from}`);
  if (f.to) entryFilter.push(sql`e."createdAt" < ${f.to}`);
  if (after) entryFilter.push(sql`(e."createdAt", b.id * ${PLACES} + e.n) < (${after[0]}, ${after[1].toString()}::bigint)`);

  let found: LoggedDecision[] = [];
  // Batches newest first, fetched but not read yet.
  let queue: Array<{ id: string; firstAt: Date; lastAt: Date; size: number }> = [];
  let fetchedAll = false;
  let fetched: { id: string; lastAt: Date } | undefined;
  let fetch = FIRST_FETCH;
  let leastRead = 0;
  for (;;) {
    if (queue.length === 0) {
      if (fetchedAll) return found;
      const batches = await sqlRows<{ id: string; firstAt: Date; lastAt: Date; size: number }>(sql`
        SELECT id, "firstAt", "lastAt", size FROM "DecisionLog"
        WHERE ${joinSql([...batchFilter, ...(fetched ? [sql`("lastAt", id) < (${fetched.lastAt}, ${fetched.id}::bigint)`] : spanBounds)], " AND ")}
        ORDER BY "lastAt" DESC, id DESC LIMIT ${fetch}`);
      fetchedAll = batches.length < fetch;
      fetch = Math.min(fetch * 2, MAX_FETCH);
      if (batches.length === 0) return found;
      fetched = batches.at(-1);
      queue = batches.filter(mayHold);
      if (queue.length === 0) continue;
    }
    // No batch left holds a decision later than its own latest: none can come before the last one kept.
    if (found.length === take && found.at(-1)!.createdAt.getTime() > queue[0]!.lastAt.getTime()) return found;
    // Enough batches to hold the page, if every decision in them matched, and
    // twice as many each time they did not (a rare permission): a long search
    // takes a few dozen queries, not one per batch.
    let reading = 0;
    for (let held = 0; reading < queue.length && held < take; reading++) held += queue[reading]!.size;
    reading = Math.max(reading, Math.min(leastRead, queue.length));
    leastRead = Math.min(Math.max(2 * leastRead, 2), MAX_FETCH);
    const read = queue.splice(0, reading);
    const rows = await sqlRows<LoggedDecision & { id: string }>(sql`
      SELECT b.id * ${PLACES} + e.n AS id, e."createdAt", b."orgId", e."principalType", e."principalId", e."permission", e."resourceType", e."resourceId",
             e."allowed", e."reason", e."latencyUs", e."source"
      FROM "DecisionLog" b ${DECISIONS_OF_BATCH}
      WHERE b.id = ANY(${read.map((b) => b.id)}::bigint[]) AND b."orgId" = ${orgId}::uuid AND ${joinSql(entryFilter, " AND ")}
      ORDER BY e."createdAt" DESC, 1 DESC LIMIT ${take}`);
    found = found
      .concat(rows.map((r) => ({ ...r, id: BigInt(r.id) })))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0))
      .slice(0, take);
  }
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
 * Drops decisions older than each organization's retention (a batch once its
 * latest decision is: a batch spans a fraction of a second), and every decision
 * of organizations that no longer exist (a process may write a few after the
 * deletion swept the log: buffered ones, retried ones). Run hourly by the server.
 */
export async function purgeExpiredDecisions() {
  const expired = await db.$executeRaw`
    DELETE FROM "DecisionLog" d USING "Organization" o
    WHERE d."orgId" = o.id AND d."lastAt" < now() - make_interval(days => o."decisionLogRetentionDays")`;
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
