// The plan limit on events a month, at ingest: each organization's events are
// counted by month (UTC) from the store (the fold's counts plus events not
// folded yet), re-read every few seconds, and added to as this process
// accepts more. Several app processes each add their own, so the limit holds
// to within what they take between two reads (seconds of traffic).
import { sql, sqlRows } from "../db/sql.ts";
import { eventsInMonth } from "../usage/event-store.ts";
import { db } from "../db.ts";
import { effectiveEntitlements, hardLimit, subscriptionFacts } from "./entitlements.ts";

const LIMIT_TTL_MS = 5_000;
const COUNT_TTL_MS = 2_000;
const limits = new Map<string, { max: number | null; at: number }>();
const counts = new Map<string, { count: number; at: number }>();

const monthStart = (at: number) => {
  const d = new Date(at);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
};

/** Each organization's events-a-month limit (null: none), from a cache renewed every few seconds in one query for all it missed. */
async function limitsOf(orgIds: Set<string>, now: number): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  const missing: string[] = [];
  for (const orgId of orgIds) {
    const known = limits.get(orgId);
    if (known && now - known.at < LIMIT_TTL_MS) out.set(orgId, known.max);
    else missing.push(orgId);
  }
  if (missing.length) {
    const subs = await db.subscription.findMany({ where: { orgId: { in: missing } }, select: { orgId: true, ...subscriptionFacts } });
    const byOrg = new Map(subs.map((s) => [s.orgId, s]));
    for (const orgId of missing) {
      const max = hardLimit(effectiveEntitlements(byOrg.get(orgId) ?? null, new Date(now)).entitlements, "eventsPerMonth");
      limits.set(orgId, { max, at: now });
      out.set(orgId, max);
    }
  }
  return out;
}

export type Candidate = { orgId: string; at: number; id: string };
export type Refusal = { index: number; max: number; month: string };

/**
 * Which candidates the plan has no room for this month, in order (earlier
 * ones in the batch take the room first). Organizations without the limit
 * cost a cache lookup.
 */
export async function eventsOverLimit(candidates: Candidate[], now = Date.now()): Promise<{ refused: Refusal[]; duplicates: number[]; limited: boolean }> {
  const limited = new Map<string, number>();
  for (const [orgId, max] of await limitsOf(new Set(candidates.map((c) => c.orgId)), now)) if (max !== null) limited.set(orgId, max);
  if (!limited.size) return { refused: [], duplicates: [], limited: false };
  // Events stored before (a retried batch) take no room: they are duplicates, whatever the month holds.
  const atLimit = candidates.map((c, index) => ({ c, index })).filter(({ c }) => limited.has(c.orgId));
  const stored = await storedAlready(atLimit.map(({ c }) => c));
  const duplicates = atLimit.filter(({ c }) => stored.has(`${c.orgId}|${c.id}`)).map(({ index }) => index);
  const refused: Refusal[] = [];
  const room = new Map<string, number>();
  for (const { c, index } of atLimit) {
    if (stored.has(`${c.orgId}|${c.id}`)) continue;
    const max = limited.get(c.orgId)!;
    const month = monthStart(c.at);
    const key = `${c.orgId}|${month.toISOString()}`;
    if (!room.has(key)) room.set(key, max - (await countOf(c.orgId, month, now)));
    const left = room.get(key)!;
    if (left > 0) room.set(key, left - 1);
    else refused.push({ index, max, month: month.toISOString().slice(0, 7) });
  }
  return { refused, duplicates, limited: true };
}

async function countOf(orgId: string, month: Date, now: number): Promise<number> {
  const key = `${orgId}|${month.toISOString()}`;
  const known = counts.get(key);
  if (known && now - known.at < COUNT_TTL_MS) return known.count;
  const count = (await eventsInMonth([orgId], month)).get(orgId) ?? 0;
  counts.set(key, { count, at: now });
  return count;
}

/** After storing: what this process accepted counts until the next read. */
export function countAccepted(accepted: Array<{ orgId: string; at: number }>) {
  if (!counts.size) return;
  for (const a of accepted) {
    const known = counts.get(`${a.orgId}|${monthStart(a.at).toISOString()}`);
    if (known) known.count++;
  }
}

/** Of these events, those stored before (a retry of an accepted event). */
async function storedAlready(events: Array<{ orgId: string; id: string }>): Promise<Set<string>> {
  if (!events.length) return new Set();
  const rows = await sqlRows<{ key: string }>(sql`
    SELECT c.org_id::text || '|' || c.id AS key FROM usage.event_id c
    JOIN unnest(${events.map((e) => e.orgId)}::uuid[], ${events.map((e) => e.id)}::text[]) AS x(org_id, id) ON c.org_id = x.org_id AND c.id = x.id`);
  return new Set(rows.map((r) => r.key));
}

/** Tests: forget cached limits and counts. */
export function resetEventLimitCache() {
  limits.clear();
  counts.clear();
}
