// Usage ingest: the customer's product reports what each organization used.
// A batch of 1–1,000 events is answered event by event: accepted, duplicate
// (its id was stored for that organization before, by any request), or
// rejected with a reason. Nothing rejected is stored; everything accepted is
// stored in one statement (lib/usage/event-store.ts), and folded into the
// rollups a moment later.
import { countUsageEvents } from "../observability/metrics.ts";
import { z } from "zod";
import { authorizeInstance, USAGE_WRITE } from "../authz/authorize.ts";
import { EVERY_ORGANIZATION, onAuthzChange } from "../authz/org-index-cache.ts";
import type { InstanceCtx } from "../context.ts";
import { sql, sqlRows } from "../db/sql.ts";
import { env } from "../env.ts";
import { Forbidden } from "../errors.ts";
import { findUncleanText, isCleanText } from "../input.ts";
import { countAccepted, eventsOverLimit } from "../billing/event-limits.ts";
import { storeEvents, type NewEvent } from "./event-store.ts";
import { metersByEventType, type Meter } from "./meters.ts";

export const MAX_EVENTS_PER_REQUEST = 1_000;
/** A full batch of 1,000 events with properties: larger than other API bodies. */
export const INGEST_MAX_BYTES = 5_000_000;

export const IngestInput = z.strictObject({
  events: z
    .array(z.unknown())
    .min(1, "events: send at least one event")
    .max(MAX_EVENTS_PER_REQUEST, `events: at most ${MAX_EVENTS_PER_REQUEST.toLocaleString("en")} a request`),
});

export const UsageEventInput = z.strictObject({
  /** Unique per organization: a repeat is a duplicate, whenever it comes. */
  id: z.string().min(1, "required").max(200, "at most 200 characters"),
  type: z.string().min(1, "required").max(200, "at most 200 characters"),
  timestamp: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time with a zone, e.g. 2026-12-03T10:15:00Z" }),
  /** The organization's id, or the external id the product gave it. */
  organization: z.string().min(1, "required").max(200, "at most 200 characters"),
  properties: z
    .record(z.string().max(100, "property names are at most 100 characters"), z.unknown())
    .superRefine((properties, issue) => {
      const problem = propertiesProblem(properties, 1);
      if (problem) issue.addIssue({ code: "custom", message: problem });
    })
    .default({}),
});

const MAX_PROPERTY_DEPTH = 4;
/** Properties nest at most 4 levels, and their text holds no NUL or lone surrogate (PostgreSQL's JSONB refuses both). */
function propertiesProblem(value: unknown, depth: number): string | null {
  if (typeof value === "string") return isCleanText(value) ? null : "text may not contain NUL characters or unpaired UTF-16 surrogates";
  if (value === null || typeof value !== "object") return null;
  if (depth > MAX_PROPERTY_DEPTH) return `properties nest at most ${MAX_PROPERTY_DEPTH} levels deep`;
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof key === "string" && !isCleanText(key)) return "property names may not contain NUL characters or unpaired UTF-16 surrogates";
    const problem = propertiesProblem(item, depth + 1);
    if (problem) return problem;
  }
  return null;
}

type UsageEvent = z.infer<typeof UsageEventInput>;
const EVENT_FIELDS = new Set(["id", "type", "timestamp", "organization", "properties"]);
/** The pattern z.iso.datetime({ offset: true }) checks with (a test holds them equal). */
export const ISO_DATETIME_WITH_ZONE = z.core.regexes.datetime({ offset: true, local: false, precision: null });
const isIdText = (value: unknown): value is string => typeof value === "string" && value.length >= 1 && value.length <= 200;

/**
 * The event as UsageEventInput parses it, when it is plainly valid, as nearly
 * every event is; otherwise null, and the schema says what is wrong. The
 * schema cost a third of the server's time per event; this checks the same
 * rules in one pass (a property test holds the two to the same answers).
 */
export function plainlyValidEvent(raw: unknown): UsageEvent | null {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return null;
  for (const field of Object.keys(raw)) if (!EVENT_FIELDS.has(field)) return null;
  const { id, type, timestamp, organization, properties = {} } = raw as Record<string, unknown>;
  if (!isIdText(id) || !isIdText(type) || !isIdText(organization)) return null;
  if (typeof timestamp !== "string" || !ISO_DATETIME_WITH_ZONE.test(timestamp)) return null;
  if (properties === null || typeof properties !== "object" || Array.isArray(properties)) return null;
  for (const name of Object.keys(properties)) if (name.length > 100 || name === "__proto__") return null;
  if (propertiesProblem(properties, 1)) return null;
  return { id, type, timestamp, organization, properties: properties as Record<string, unknown> };
}

export type EventResult = { id: string | null; status: "accepted" | "duplicate" } | { id: string | null; status: "rejected"; reason: RejectReason; message: string };
export type RejectReason = "invalid_event" | "too_old" | "in_future" | "organization_not_found" | "invalid_value" | "limit_exceeded";
export type IngestResult = { accepted: number; duplicates: number; rejected: number; results: EventResult[] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL_TEXT = /^[0-9]{1,30}(\.[0-9]{1,18})?$/; // the store's rule (event-store.ts DECIMAL)

/**
 * The organization each reference (an id or an external id) named lately.
 * Resolving 500 references cost a batch as much as storing it, and a product
 * reports for the same organizations all day. An entry lives a few seconds,
 * and goes when its organization changes (deleted, or its external id moved):
 * at once for a change made in this process's own module copy, else when the
 * authorization change notice arrives (milliseconds), else (notices lost
 * while the listener reconnects) when the entry expires.
 */
const REF_TTL_MS = 5_000;
const MAX_KNOWN_REFS = 200_000;
const knownRefs = new Map<string, { orgId: string; at: number }>();
const refsByOrg = new Map<string, Set<string>>();
/** Counts the notices: an answer read before one arrived may be what it changed, and is not remembered. */
let noticesSeen = 0;
onAuthzChange((orgId) => {
  noticesSeen++;
  if (orgId === EVERY_ORGANIZATION) {
    knownRefs.clear();
    refsByOrg.clear();
    return;
  }
  for (const ref of refsByOrg.get(orgId) ?? []) knownRefs.delete(ref);
  refsByOrg.delete(orgId);
});

function remember(ref: string, orgId: string, at: number) {
  if (knownRefs.size >= MAX_KNOWN_REFS) {
    knownRefs.clear();
    refsByOrg.clear();
  }
  knownRefs.set(ref, { orgId, at });
  let refs = refsByOrg.get(orgId);
  if (!refs) refsByOrg.set(orgId, (refs = new Set()));
  refs.add(ref);
}

/** Organization ids for the references of a batch: an id, else an external id. References that name none are absent. */
async function resolveOrganizations(refs: Set<string>, now = Date.now()): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  const missing: string[] = [];
  for (const ref of refs) {
    const known = knownRefs.get(ref);
    if (known && now - known.at < REF_TTL_MS) resolved.set(ref, known.orgId);
    else missing.push(ref);
  }
  if (!missing.length) return resolved;
  const noticesBefore = noticesSeen;
  const ids = missing.filter((r) => UUID.test(r));
  const rows = await sqlRows<{ id: string; externalId: string | null }>(
    sql`SELECT id::text AS id, "externalId" FROM "Organization" WHERE id = ANY(${ids}::uuid[]) OR "externalId" = ANY(${missing}::text[])`,
  );
  const byId = new Map(rows.map((r) => [r.id, r.id]));
  const byExternal = new Map(rows.filter((r) => r.externalId !== null).map((r) => [r.externalId!, r.id]));
  for (const ref of missing) {
    const orgId = byId.get(ref.toLowerCase()) ?? byExternal.get(ref);
    if (!orgId) continue;
    resolved.set(ref, orgId);
    if (noticesSeen === noticesBefore) remember(ref, orgId, now);
  }
  return resolved;
}

function matchesFilter(meter: Meter, properties: Record<string, unknown>): boolean {
  for (const key in meter.filter) if (properties[key] !== meter.filter[key]) return false;
  return true;
}

/** Why the event's value cannot count for the first meter of its type it matches that cannot take it, or null. */
function eventValueProblem(meters: Meter[] | undefined, properties: Record<string, unknown>): string | null {
  for (const meter of meters ?? []) {
    const problem = matchesFilter(meter, properties) ? valueProblem(meter, properties) : null;
    if (problem) return problem;
  }
  return null;
}

/** Numbers must survive the trip through a double exactly: at most 15 significant digits, no exponent. */
function isExactNumber(value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const text = String(Math.abs(value));
  return !text.includes("e") && text.replace(".", "").replace(/^0+/, "").length <= 15;
}

/** Why the event's value cannot count for a meter it matches, or null. */
function valueProblem(meter: Meter, properties: Record<string, unknown>): string | null {
  if (meter.aggregation === "count") return null;
  const property = meter.valueProperty!;
  const value = properties[property];
  if (meter.aggregation === "unique_count") {
    return typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) ? null : `properties.${property}: meter ${meter.key} counts distinct values and needs a string or number`;
  }
  if (typeof value === "number" && value >= 0 && isExactNumber(value)) return null;
  if (typeof value === "string" && DECIMAL_TEXT.test(value)) return null;
  if (typeof value === "number" && value >= 0)
    return `properties.${property}: numbers are taken with at most 15 significant digits; send this one as a string, e.g. "${BigInt(Math.trunc(value)).toString()}"`;
  return `properties.${property}: meter ${meter.key} needs a non-negative number (e.g. 12 or "12.5")`;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  return issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message;
}

/**
 * Takes a batch of usage events. The key needs usage:write (a usage key, or
 * an instance admin's). Events name their organization, so one key reports
 * for all of them. `cleanText`: the body's text had no \u escape, so no event
 * can hold NUL or a lone surrogate (see readJsonUnchecked), and none is searched.
 */
export async function ingestUsage(ctx: InstanceCtx, body: z.infer<typeof IngestInput>, { cleanText = false, now = Date.now() } = {}): Promise<IngestResult> {
  const decision = authorizeInstance(ctx, USAGE_WRITE);
  if (!decision.allowed) throw new Forbidden("forbidden", `Sending usage events needs the ${USAGE_WRITE} permission: ${decision.reason}`);
  const { TOLLGATE_USAGE_MAX_AGE_DAYS: maxAgeDays, TOLLGATE_USAGE_MAX_FUTURE_MINUTES: maxFutureMinutes } = env();
  const oldest = now - maxAgeDays * 86_400_000;
  const latest = now + maxFutureMinutes * 60_000;

  const results: EventResult[] = new Array(body.events.length);
  const reject = (i: number, id: string | null, reason: RejectReason, message: string) => (results[i] = { id, status: "rejected", reason, message });
  const valid: Array<{ i: number; event: z.infer<typeof UsageEventInput>; at: number }> = [];
  for (let i = 0; i < body.events.length; i++) {
    const raw = body.events[i];
    // Text PostgreSQL would refuse (NUL, lone surrogates) anywhere in the event: this event only is refused.
    const unclean = cleanText ? null : findUncleanText(raw);
    const plain = unclean ? null : plainlyValidEvent(raw);
    const parsed = unclean ? null : plain ? { success: true as const, data: plain } : UsageEventInput.safeParse(raw);
    if (!parsed) {
      reject(i, null, "invalid_event", `${unclean}: text may not contain NUL characters or unpaired UTF-16 surrogates`);
      continue;
    }
    if (!parsed.success) {
      const id = raw && typeof raw === "object" && typeof (raw as { id?: unknown }).id === "string" ? (raw as { id: string }).id.slice(0, 200) : null;
      reject(i, id, "invalid_event", firstIssue(parsed.error));
      continue;
    }
    const at = Date.parse(parsed.data.timestamp);
    if (at < oldest) reject(i, parsed.data.id, "too_old", `timestamp: events older than ${maxAgeDays} days are not taken`);
    else if (at > latest) reject(i, parsed.data.id, "in_future", `timestamp: more than ${maxFutureMinutes} minutes ahead of the server's clock`);
    else valid.push({ i, event: parsed.data, at });
  }

  const organizations = valid.length ? await resolveOrganizations(new Set(valid.map((v) => v.event.organization))) : new Map<string, string>();
  const meters = valid.length ? await metersByEventType() : new Map<string, Meter[]>();
  const seen = new Set<string>();
  const toStore: NewEvent[] = [];
  const positions: number[] = [];
  for (const { i, event, at } of valid) {
    const orgId = organizations.get(event.organization);
    if (!orgId) {
      reject(i, event.id, "organization_not_found", `organization: no organization with the id or external id "${event.organization}"`);
      continue;
    }
    const problem = eventValueProblem(meters.get(event.type), event.properties);
    if (problem) {
      reject(i, event.id, "invalid_value", problem);
      continue;
    }
    const key = `${orgId}\u0000${event.id}`;
    if (seen.has(key)) {
      results[i] = { id: event.id, status: "duplicate" };
      continue;
    }
    seen.add(key);
    toStore.push({ orgId, id: event.id, type: event.type, timestamp: new Date(at), properties: event.properties });
    positions.push(i);
  }

  // The plan's events a month: what has no room is refused; a retried event stored before is a duplicate.
  const limits = await eventsOverLimit(toStore.map((e) => ({ orgId: e.orgId, id: e.id, at: e.timestamp.getTime() })));
  if (limits.refused.length || limits.duplicates.length) {
    const dropped = new Set([...limits.duplicates, ...limits.refused.map((o) => o.index)]);
    for (const n of limits.duplicates) results[positions[n]!] = { id: toStore[n]!.id, status: "duplicate" };
    for (const o of limits.refused) {
      reject(
        positions[o.index]!,
        toStore[o.index]!.id,
        "limit_exceeded",
        `The organization's plan allows ${o.max} events a month, and ${o.month} has them all. Events are taken again next month, or on a larger plan.`,
      );
    }
    const kept = toStore.map((e, n) => ({ e, i: positions[n]! })).filter((_, n) => !dropped.has(n));
    toStore.length = 0;
    positions.length = 0;
    for (const k of kept) {
      toStore.push(k.e);
      positions.push(k.i);
    }
  }
  const stored = await storeEvents(toStore);
  positions.forEach((i, n) => (results[i] = { id: toStore[n]!.id, status: stored.has(n) ? "accepted" : "duplicate" }));
  if (limits.limited) countAccepted(toStore.filter((_, n) => stored.has(n)).map((e) => ({ orgId: e.orgId, at: e.timestamp.getTime() })));
  let accepted = 0;
  let duplicates = 0;
  for (const r of results) {
    if (r.status === "accepted") accepted++;
    else if (r.status === "duplicate") duplicates++;
  }
  countUsageEvents(accepted, duplicates, results.length - accepted - duplicates);
  return { accepted, duplicates, rejected: results.length - accepted - duplicates, results };
}
