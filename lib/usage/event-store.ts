// The usage event store: raw events, the ids that make a repeat a duplicate,
// and hourly rollups, in PostgreSQL's `usage` schema (see the usage_metering
// migration). Everything else reaches usage through the functions exported
// here, so a column store (ClickHouse) could take over behind them.
//
// One statement stores a batch: it claims each (organization, id) in
// usage.event_id and stores the events whose claim is new. The claim commits
// with the event or not at all, so a retried batch finds exactly what the
// first try stored, and two concurrent requests with the same id store it
// once (the second waits on the first's claim, then sees it). Ids this
// process surely never claimed are claimed with a plain INSERT, the cheaper
// one; if one was claimed elsewhere after all, the statement is refused and
// run again with every id checked (see claimed-ids.ts).
//
// Rollups are kept by folding, not by the ingest statement: updating shared
// rollup rows from every batch made concurrent batches queue on each other's
// row locks (7k events/s). Each event carries the id of the transaction that
// stored it; a fold adds to the rollups every event of a transaction older
// than any still running (PostgreSQL's snapshot xmin), and moves a watermark
// past them, in one transaction. Readers add the few events at or above the
// watermark to the rollups, so every figure is exact and current.
import { Decimal } from "decimal.js";
import type pg from "pg";
import { dbPool, type Tx } from "../db.ts";
import { joinSql, rawSql, sql, sqlRows, sqlTransaction, type Sql } from "../db/sql.ts";
import { env } from "../env.ts";
import { logger } from "../logger.ts";
import { claimAndTellIfSeen, claimHintsWorthUsing, noteClaimOutcome } from "./claimed-ids.ts";

export type NewEvent = { orgId: string; id: string; type: string; timestamp: Date; properties: Record<string, unknown> };

// ---------------------------------------------------------------------------
// What a meter counts from events, as SQL made from the meter definitions and
// shared by the fold, the readers and the rebuild, so all apply one rule.
// `events` is a relation of EVENT_COLUMNS: (org_id, id, type, ts, hour,
// properties, xid). An event counts for a meter when its type is the meter's,
// it has the filter's property values, and (but for count) its value is
// usable: a non-negative JSON number or a string of digits; for unique_count,
// any string or number. Dimensions: the groupBy properties the event has (null
// counts as absent).
//
// Per event, the rules do as little as they can, since the fold runs them on
// every event stored (the commits that made each change give its figures):
// the hour is truncated once for all meters, by the relation; events are
// grouped by their dimension values (see dimValuesOf), and each group's dims
// object is built once, from its own values; an empty filter is not tested
// (properties are always an object: ingest refuses anything else); an event's
// value is read and checked once, not once for the test and again for each
// aggregate (see countedEvents).

/** The columns of an `events` relation, from usage.event e. */
const EVENT_COLUMNS = rawSql(`e.org_id, e.id, e.type, e.ts, date_trunc('hour', e.ts, 'UTC') AS hour, e.properties, e.xid`);

/** What a meter's rule needs: the counting part of a Meter. */
export type MeterRule = { id: string; eventType: string; aggregation: string; valueProperty: string | null; filter: unknown; groupBy: string[]; countsFromXid: string };

const DECIMAL = "^[0-9]{1,30}(\\.[0-9]{1,18})?$";
/**
 * Each dimension's value as d0, d1, …, nulls inside it dropped as in the dims
 * object, and never NULL (absent is JSON null): so two groups never make one
 * dims object, and joins on them match.
 */
const dimValuesOf = (m: MeterRule) => m.groupBy.map((k, n) => sql`jsonb_strip_nulls(COALESCE(e.properties -> ${k}::text, 'null'::jsonb)) AS ${rawSql(`d${n}`)}`);
const dimNames = (m: MeterRule) => m.groupBy.map((_, n) => rawSql(`d${n}`));
/** The dims object of a group of `g`, from its dimension values (JSON nulls dropped). */
const dimsFrom = (m: MeterRule) => (m.groupBy.length ? sql`jsonb_strip_nulls(jsonb_build_object(${joinSql(m.groupBy.map((k, n) => sql`${k}::text, ${rawSql(`g.d${n}`)}`))}))` : sql`'{}'::jsonb`);
const groupedByDims = (m: MeterRule, first: Sql[]) => joinSql([...first, ...dimNames(m)]);

/**
 * The value an event gives a meter as `v`: for sum, max and latest a JSON
 * number or a string of digits (as numeric; countedEvents leaves out the
 * negative), for unique_count any string or number (as text); otherwise NULL.
 */
function valueOf(m: MeterRule): Sql {
  const x = sql`(e.properties -> ${m.valueProperty}::text)`;
  if (m.aggregation === "unique_count") return sql`CASE WHEN jsonb_typeof(${x}) IN ('string', 'number') THEN ${x} #>> '{}' END`;
  return sql`CASE jsonb_typeof(${x}) WHEN 'number' THEN ${x}::numeric WHEN 'string' THEN CASE WHEN (${x} #>> '{}') ~ ${DECIMAL}::text THEN (${x} #>> '{}')::numeric END END`;
}

/**
 * The events of `events` that count for a meter, as `e`: org_id, hour, ts,
 * id, the dimension values, and (but for count) the value `v`. Each is worked
 * out once per event (OFFSET 0 keeps the planner from copying the value's
 * expression into every aggregate that reads it: a third of a sum meter's
 * time in the fold was reading the value three times).
 */
function countedEvents(m: MeterRule, events: Sql): Sql {
  const noFilter = m.filter == null || (typeof m.filter === "object" && !Array.isArray(m.filter) && Object.keys(m.filter).length === 0);
  const filter = noFilter ? sql`` : sql` AND e.properties @> ${JSON.stringify(m.filter)}::jsonb`;
  const columns = joinSql([rawSql("e.org_id, e.hour, e.ts, e.id"), ...dimValuesOf(m), ...(m.aggregation === "count" ? [] : [sql`${valueOf(m)} AS v`])]);
  const matching = sql`SELECT ${columns} FROM ${events} e WHERE e.type = ${m.eventType}::text${filter} AND e.xid >= ${m.countsFromXid}::bigint`;
  if (m.aggregation === "count") return sql`(${matching})`;
  return sql`(SELECT * FROM (${matching} OFFSET 0) c WHERE ${m.aggregation === "unique_count" ? sql`c.v IS NOT NULL` : sql`c.v >= 0`})`;
}

/** One meter's rollup rows from `events`: org, meter, hour, dims, events, total, max, latest, latest_ts, latest_id. */
function meterRollup(m: MeterRule, events: Sql): Sql {
  const numeric = ["sum", "max", "latest"].includes(m.aggregation);
  const keys = [rawSql("e.org_id"), rawSql("e.hour")];
  const grouped = sql`
    SELECT ${groupedByDims(m, keys)}, count(*)::bigint AS events,
      ${numeric ? sql`sum(e.v)` : m.aggregation === "count" ? sql`count(*)::numeric` : sql`0::numeric`} AS total,
      ${numeric ? sql`max(e.v)` : sql`NULL::numeric`} AS max, max(e.ts) AS latest_ts
    FROM ${countedEvents(m, events)} e GROUP BY ${groupedByDims(m, keys)}`;
  const head = sql`g.org_id, ${m.id}::uuid AS meter_id, g.hour, ${dimsFrom(m)} AS dims`;
  if (m.aggregation !== "latest") return sql`SELECT ${head}, g.events, g.total, g.max, NULL::numeric AS latest, g.latest_ts, NULL::text AS latest_id FROM (${grouped}) g`;
  // The latest value: of the event with the latest timestamp, then the greatest id.
  return sql`
    SELECT ${head}, g.events, g.total, g.max, l.value AS latest, g.latest_ts, l.id AS latest_id
    FROM (${grouped}) g JOIN (
      SELECT DISTINCT ON (${groupedByDims(m, keys)}) ${groupedByDims(m, keys)}, e.v AS value, e.id
      FROM ${countedEvents(m, events)} e ORDER BY ${groupedByDims(m, keys)}, e.ts DESC, e.id DESC
    ) l USING (${groupedByDims(m, [rawSql("org_id"), rawSql("hour")])})`;
}

/** The distinct values of one unique_count meter: org, meter, hour, dims, value. */
const meterValues = (m: MeterRule, events: Sql) => sql`
  SELECT g.org_id, ${m.id}::uuid AS meter_id, g.hour, ${dimsFrom(m)} AS dims, g.value FROM (
    SELECT DISTINCT ${groupedByDims(m, [rawSql("e.org_id"), rawSql("e.hour")])}, e.v AS value FROM ${countedEvents(m, events)} e) g`;

const NO_ROLLUP = sql`SELECT NULL::uuid AS org_id, NULL::uuid AS meter_id, NULL::timestamptz AS hour, NULL::jsonb AS dims, 0::bigint AS events, 0::numeric AS total,
  NULL::numeric AS max, NULL::numeric AS latest, NULL::timestamptz AS latest_ts, NULL::text AS latest_id WHERE false`;
const NO_VALUES = sql`SELECT NULL::uuid AS org_id, NULL::uuid AS meter_id, NULL::timestamptz AS hour, NULL::jsonb AS dims, NULL::text AS value WHERE false`;

/** Rollup rows of every meter from `events`. */
export const rollupsOf = (meters: MeterRule[], events: Sql): Sql =>
  meters.length
    ? joinSql(
        meters.map((m) => sql`(${meterRollup(m, events)})`),
        " UNION ALL ",
      )
    : NO_ROLLUP;
/** Distinct-value rows of every unique_count meter from `events`. */
export function valuesOf(meters: MeterRule[], events: Sql): Sql {
  const unique = meters.filter((m) => m.aggregation === "unique_count");
  return unique.length
    ? joinSql(
        unique.map((m) => sql`(${meterValues(m, events)})`),
        " UNION ALL ",
      )
    : NO_VALUES;
}

async function meterRules(client: pg.PoolClient): Promise<MeterRule[]> {
  return run<MeterRule>(client, sql`SELECT id::text, "eventType", aggregation, "valueProperty", filter, "groupBy", "countsFromXid"::text AS "countsFromXid" FROM "Meter" ORDER BY id`);
}

/** Claims every id with ON CONFLICT DO NOTHING: those claimed before are left out of `fresh`. */
const CHECKED_CLAIMS = rawSql(`fresh AS (
    INSERT INTO usage.event_id (org_id, id) SELECT org_id, id FROM input ORDER BY org_id, id
    ON CONFLICT DO NOTHING RETURNING org_id, id
  )`);
/**
 * Claims the ids this process may have claimed before (marked `m`, see
 * claimed-ids.ts) with ON CONFLICT DO NOTHING, and the rest with a plain
 * INSERT, which refuses the whole statement if one was claimed after all.
 * Two batches can then wait on each other's claims (each part is in order,
 * the batch is not): PostgreSQL ends that with a deadlock error, and the
 * batch is stored again with every id checked.
 */
const PLAIN_CLAIMS = rawSql(`claimed AS (
    INSERT INTO usage.event_id (org_id, id) SELECT org_id, id FROM input WHERE maybe_claimed IS NULL ORDER BY org_id, id
    RETURNING org_id, id
  ), checked AS (
    INSERT INTO usage.event_id (org_id, id) SELECT org_id, id FROM input WHERE maybe_claimed ORDER BY org_id, id
    ON CONFLICT DO NOTHING RETURNING org_id, id
  ), fresh AS (SELECT * FROM claimed UNION ALL SELECT * FROM checked)`);

const insertStatement = (input: string, plainClaims: boolean) => sql`
  WITH input AS (
    SELECT x.n, x.o AS org_id, x.i AS id, x.t AS type, to_timestamp(x.ms / 1000) + (x.ms % 1000) * interval '1 millisecond' AS ts, x.p AS properties, x.m AS maybe_claimed
    FROM jsonb_to_recordset(${input}::jsonb) AS x(n int, o uuid, i text, t text, ms bigint, p jsonb, m boolean)
  ), ${plainClaims ? PLAIN_CLAIMS : CHECKED_CLAIMS}, stored AS (
    INSERT INTO usage.event (org_id, id, type, ts, properties)
    SELECT i.org_id, i.id, i.type, i.ts, i.properties FROM input i JOIN fresh USING (org_id, id)
  )
  SELECT i.n FROM input i WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.org_id = i.org_id AND f.id = i.id)`;

/**
 * Every event of a transaction between the watermark and the horizon (the
 * oldest transaction still running: everything below it has finished) goes
 * into the rollups, and the watermark moves to the horizon, in one statement.
 */
const foldStatement = (meters: MeterRule[], watermark: string, horizon: string) => sql`
  WITH events AS (
    SELECT ${EVENT_COLUMNS} FROM usage.event e
    WHERE e.xid >= ${watermark}::bigint AND e.xid < ${horizon}::bigint
      AND EXISTS (SELECT 1 FROM "Organization" o WHERE o.id = e.org_id) -- a deleted organization's events wait to be forgotten
  ), rolled AS (
    INSERT INTO usage.rollup AS r (org_id, meter_id, hour, dims, events, total, max, latest, latest_ts, latest_id)
    SELECT * FROM (${rollupsOf(meters, rawSql("events"))}) g ORDER BY org_id, meter_id, hour, dims
    ON CONFLICT (org_id, meter_id, hour, dims) DO UPDATE SET
      events = r.events + excluded.events,
      total = r.total + excluded.total,
      max = GREATEST(r.max, excluded.max),
      latest = CASE WHEN (excluded.latest_ts, excluded.latest_id) > (r.latest_ts, r.latest_id) THEN excluded.latest ELSE r.latest END,
      latest_id = CASE WHEN (excluded.latest_ts, excluded.latest_id) > (r.latest_ts, r.latest_id) THEN excluded.latest_id ELSE r.latest_id END,
      latest_ts = GREATEST(r.latest_ts, excluded.latest_ts)
  ), valued AS (
    INSERT INTO usage.rollup_value (org_id, meter_id, hour, dims, value)
    SELECT * FROM (${valuesOf(meters, rawSql("events"))}) u ORDER BY org_id, meter_id, hour, dims, value
    ON CONFLICT DO NOTHING
  ), months AS (
    SELECT org_id, date_trunc('month', hour, 'UTC') AS month, count(*) AS events FROM events GROUP BY 1, 2
  ), counted AS (
    INSERT INTO usage.org_month AS m (org_id, month, events) SELECT * FROM months ORDER BY 1, 2
    ON CONFLICT (org_id, month) DO UPDATE SET events = m.events + excluded.events
  ), moved AS (UPDATE usage.fold_state SET watermark = ${horizon}::bigint WHERE id = 1)
  SELECT COALESCE(sum(events), 0)::int AS events FROM months`;

/**
 * Folds, holding the fold: the watermark and the horizon are read first, so
 * that the events between them are found through the BRIN index on xid.
 */
async function foldHeld(client: pg.PoolClient): Promise<number> {
  const [{ watermark, horizon }] = await run<{ watermark: string; horizon: string }>(
    client,
    sql`SELECT watermark::text AS watermark, pg_snapshot_xmin(pg_current_snapshot())::text AS horizon FROM usage.fold_state WHERE id = 1`,
  );
  if (BigInt(horizon) <= BigInt(watermark)) return 0;
  // Measured on a second's worth of events (40,000): grouping by hash in
  // memory costs half of sorting; the events between watermark and horizon
  // are the newest pages, read through the BRIN index on xid, not by scanning
  // the month (the planner, without statistics of a fresh partition, would);
  // compiling the statement (JIT) would take longer than running it.
  // The settings hold for this statement only: the rebuild goes on in the same transaction.
  const settings = { work_mem: "64MB", enable_seqscan: "off", enable_sort: "off", jit: "off" };
  for (const [name, value] of Object.entries(settings)) await client.query(`SET LOCAL ${name} = '${value}'`);
  const [{ events }] = await run<{ events: number }>(client, foldStatement(await meterRules(client), watermark, horizon));
  for (const name of Object.keys(settings)) await client.query(`SET LOCAL ${name} TO DEFAULT`);
  return events;
}

// ---------------------------------------------------------------------------
// Month partitions, made when an event first needs one.
const knownMonths = new Set<string>();
const monthOf = (at: Date) => at.toISOString().slice(0, 7);

async function ensureMonths(months: Iterable<string>) {
  const missing = [...months].filter((m) => !knownMonths.has(m));
  if (!missing.length) return;
  await sqlTransaction(async (client) => {
    // Making a partition locks the events table: fail fast rather than queue every ingest behind a long reader.
    await client.query("SET LOCAL lock_timeout = '5s'");
    await client.query("SELECT pg_advisory_xact_lock(hashtext('usage.ensure_month'))");
    for (const month of missing) {
      const first = new Date(`${month}-01T00:00:00Z`);
      const next = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
      const name = `event_${month.replace("-", "_")}`;
      await client.query(`CREATE TABLE IF NOT EXISTS usage.${name} PARTITION OF usage.event FOR VALUES FROM ('${first.toISOString()}') TO ('${next.toISOString()}')`);
    }
  });
  for (const month of missing) knownMonths.add(month);
}

/** Makes this month's partition and the next ones ahead of need (at start-up and daily), so ingest seldom has to. */
export async function prepareMonths(now = new Date(), ahead = 2) {
  const months = Array.from({ length: ahead + 1 }, (_, i) => monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1))));
  await ensureMonths(months);
}

/** The months of the events' timestamps, each worked out once per hour they hold (a batch holds few). */
function monthsOf(events: NewEvent[]): Set<string> {
  const hours = new Set<number>();
  for (const e of events) hours.add(Math.floor(e.timestamp.getTime() / 3_600_000));
  return new Set([...hours].map((hour) => monthOf(new Date(hour * 3_600_000))));
}

const RETRYABLE = new Set(["40P01", "40001"]); // deadlock, serialization failure: the statement changed nothing
const UNIQUE_VIOLATION = "23505";

/**
 * Stores the events whose id is new for their organization, in one
 * statement. Returns the positions (in `events`) of those stored; the rest
 * were duplicates. The caller removes repeats within the batch first.
 */
export async function storeEvents(events: NewEvent[]): Promise<Set<number>> {
  if (!events.length) return new Set();
  await ensureMonths(monthsOf(events));
  const hinted = claimHintsWorthUsing();
  let unknown = 0; // ids this process surely never claimed
  // Timestamps travel as milliseconds since the epoch: reading ISO text took a
  // third of the statement's parsing. Whole seconds, then the milliseconds
  // added: exact for every year (a double of seconds and milliseconds is not).
  const input = JSON.stringify(
    events.map((e, n) => {
      const surelyNew = !claimAndTellIfSeen(e.orgId, e.id) && hinted;
      if (surelyNew) unknown++;
      // m: this process may have claimed the id before (JSON leaves out undefined).
      return { n, o: e.orgId, i: e.id, t: e.type, ms: e.timestamp.getTime(), p: e.properties, m: surelyNew ? undefined : true };
    }),
  );
  let plainClaims = unknown > 0;
  let refused = false;
  for (let attempt = 1; ; attempt++) {
    try {
      // The statement names the duplicates (few), not the events stored.
      const duplicates = new Set((await sqlRows<{ n: number }>(insertStatement(input, plainClaims))).map((r) => r.n));
      noteClaimOutcome(refused);
      const stored = new Set<number>();
      for (let n = 0; n < events.length; n++) if (!duplicates.has(n)) stored.add(n);
      return stored;
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      // Refused, or deadlocked with another batch: again, with every id checked.
      if (plainClaims && (code === UNIQUE_VIOLATION || RETRYABLE.has(code))) {
        plainClaims = false;
        refused = true;
      } else if (attempt >= 5 || !RETRYABLE.has(code)) throw error;
    }
  }
}

// ---------------------------------------------------------------------------
// Reading usage.

const floorHour = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
const ceilHour = (d: Date) => new Date(Math.ceil(d.getTime() / 3_600_000) * 3_600_000);

export type UsageWindow = "hour" | "day" | "month";
/** Usage is kept by the hour: [from, to) is widened to whole hours. */
export type UsageQuery = {
  orgId: string;
  meter: MeterRule;
  from: Date;
  to: Date;
  /** Split into windows (for charts); none: one figure for [from, to). */
  window?: UsageWindow;
  /** Split by dimension values. */
  byDimensions?: boolean;
};
/** A quantity as an exact decimal string. */
export type UsageRow = { windowStart: Date | null; dims: Record<string, unknown>; quantity: string; events: string };

export async function readUsage(q: UsageQuery): Promise<UsageRow[]> {
  return (await usageRows([q.orgId], q)).map(({ orgId: _org, ...row }) => row);
}

/**
 * One figure per organization for [from, to) (organizations without usage are
 * absent): the invoice run reads the usage of many organizations at once.
 */
export async function readUsageTotals(orgIds: string[], meter: MeterRule, from: Date, to: Date): Promise<Map<string, string>> {
  const rows = await usageRows(orgIds, { orgId: "", meter, from, to });
  return new Map(rows.map((r) => [r.orgId, r.quantity]));
}

/** Each organization's quantity per hour of [from, to) (hours without usage are absent). */
export async function readUsageByHour(orgIds: string[], meter: MeterRule, from: Date, to: Date): Promise<Array<{ orgId: string; hour: Date; quantity: string }>> {
  const rows = await usageRows(orgIds, { orgId: "", meter, from, to, window: "hour" });
  return rows.map((r) => ({ orgId: r.orgId, hour: r.windowStart!, quantity: r.quantity }));
}

async function usageRows(orgIds: string[], q: UsageQuery): Promise<Array<UsageRow & { orgId: string }>> {
  // A latest meter split by dimensions (seats per workspace) is the sum of each one's latest value.
  if (q.meter.aggregation === "latest" && q.meter.groupBy.length > 0 && !q.byDimensions) return sumOverDimensions(await usageRows(orgIds, { ...q, byDimensions: true }));
  const from = floorHour(q.from);
  const to = ceilHour(q.to);
  const windowExpr = q.window ? sql`date_trunc(${q.window}, hour, 'UTC')` : sql`NULL::timestamptz`;
  const dimsExpr = q.byDimensions ? sql`dims` : sql`'{}'::jsonb`;
  const orgs = orgIds.length === 1 ? sql`org_id = ${orgIds[0]}::uuid` : sql`org_id = ANY(${orgIds}::uuid[])`;
  const where = sql`${orgs} AND meter_id = ${q.meter.id}::uuid AND hour >= ${from} AND hour < ${to}`;
  // The events not folded yet: at or above the watermark in this statement's
  // snapshot. The watermark read just before is a lower bound of it (it only
  // grows), given as a constant so that the planner finds them through the
  // BRIN index on xid rather than scanning the month.
  const [{ watermark }] = await sqlRows<{ watermark: string }>(sql`SELECT watermark::text AS watermark FROM usage.fold_state WHERE id = 1`);
  const recent = sql`(SELECT ${EVENT_COLUMNS} FROM usage.event e
    WHERE e.xid >= ${watermark}::bigint AND e.xid >= (SELECT watermark FROM usage.fold_state WHERE id = 1)
      AND e.${orgs} AND e.ts >= ${from} AND e.ts < ${to})`;
  const rows = await sqlRows<{ org_id: string; window_start: Date | null; dims: Record<string, unknown>; events: string; total: string; max: string | null; latest: string | null }>(sql`
    WITH combined AS (
      SELECT org_id, hour, dims, events, total, max, latest, latest_ts, latest_id FROM usage.rollup WHERE ${where}
      UNION ALL
      SELECT org_id, hour, dims, events, total, max, latest, latest_ts, latest_id FROM (${rollupsOf([q.meter], recent)}) g
    )
    SELECT org_id::text, ${windowExpr} AS window_start, ${dimsExpr} AS dims, sum(events)::text AS events, sum(total)::text AS total, max(max)::text AS max,
      ((array_agg(latest ORDER BY latest_ts DESC, latest_id DESC))[1])::text AS latest
    FROM combined GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
  let uniques = new Map<string, string>();
  if (q.meter.aggregation === "unique_count") {
    const counted = await sqlRows<{ org_id: string; window_start: Date | null; dims: Record<string, unknown>; n: string }>(sql`
      WITH combined AS (
        SELECT org_id, hour, dims, value FROM usage.rollup_value WHERE ${where}
        UNION ALL
        SELECT org_id, hour, dims, value FROM (${valuesOf([q.meter], recent)}) v
      )
      SELECT org_id::text, ${windowExpr} AS window_start, ${dimsExpr} AS dims, count(DISTINCT value)::text AS n FROM combined GROUP BY 1, 2, 3`);
    uniques = new Map(counted.map((r) => [rowKey(r.org_id, r.window_start, r.dims), r.n]));
  }
  return rows.map((r) => ({
    orgId: r.org_id,
    windowStart: r.window_start,
    dims: r.dims,
    events: r.events,
    quantity: quantityOf(q.meter.aggregation, r, uniques.get(rowKey(r.org_id, r.window_start, r.dims))),
  }));
}

function sumOverDimensions(rows: Array<UsageRow & { orgId: string }>): Array<UsageRow & { orgId: string }> {
  const byWindow = new Map<string, UsageRow & { orgId: string }>();
  for (const row of rows) {
    const key = `${row.orgId}|${row.windowStart?.toISOString() ?? ""}`;
    const sum = byWindow.get(key);
    byWindow.set(
      key,
      sum
        ? { ...sum, quantity: new Decimal(sum.quantity).plus(row.quantity).toFixed(), events: (BigInt(sum.events) + BigInt(row.events)).toString() }
        : { orgId: row.orgId, windowStart: row.windowStart, dims: {}, quantity: row.quantity, events: row.events },
    );
  }
  return [...byWindow.values()];
}

const rowKey = (orgId: string, windowStart: Date | null, dims: unknown) => `${orgId}|${windowStart?.toISOString() ?? ""}|${JSON.stringify(dims)}`;

function quantityOf(aggregation: string, r: { events: string; total: string; max: string | null; latest: string | null }, unique: string | undefined): string {
  switch (aggregation) {
    case "count":
      return r.events;
    case "sum":
      return r.total;
    case "max":
      return r.max ?? "0";
    case "latest":
      return r.latest ?? "0";
    default:
      return unique ?? "0";
  }
}

// ---------------------------------------------------------------------------
// Folding and maintenance.

/** Holds the fold: folds elsewhere skip meanwhile (`skip`) or this waits for them. Inside a transaction. */
async function holdFold(client: pg.PoolClient | Tx, skip: boolean): Promise<boolean> {
  const text = `SELECT 1 FROM usage.fold_state WHERE id = 1 FOR UPDATE${skip ? " SKIP LOCKED" : ""}`;
  const rows = "query" in client ? (await client.query(text)).rows : await client.$queryRawUnsafe<unknown[]>(text);
  return rows.length > 0;
}

/**
 * Folds the events of finished transactions into the rollups. Returns how
 * many it folded, or null when another process was folding.
 */
export async function foldEvents(): Promise<number | null> {
  const folded = await sqlTransaction(async (client) => {
    if (!(await holdFold(client, true))) return null;
    return foldHeld(client);
  });
  // Also when nothing was new here: another process may have folded the events without summarizing.
  if (folded !== null) await summarizeNewPages();
  return folded;
}

/**
 * Summarizes the pages written since the last summary into the BRIN indexes
 * (xid, ts) of the months ingest can still write to. A page range without a
 * summary matches every search, so until VACUUM summarized it (and autovacuum
 * may be off) each fold and each reader of recent events would read every
 * page written since. Of the heap it reads only the pages not yet summarized.
 * Best effort, index by index: one held by a VACUUM (100 ms at most), or
 * dropped meanwhile, is left for the next fold; the fold itself stands.
 */
async function summarizeNewPages() {
  const days = env().TOLLGATE_USAGE_MAX_AGE_DAYS;
  await dbPool()
    .query(
      `DO $$
      DECLARE idx regclass;
      BEGIN
        PERFORM set_config('lock_timeout', '100ms', true);
        FOR idx IN
          SELECT i.inhrelid::regclass FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid JOIN pg_class t ON t.oid = x.indrelid
          WHERE i.inhparent IN ('usage.event_xid'::regclass, 'usage.event_ts'::regclass)
            AND t.relname ~ '^event_[0-9]{4}_[0-9]{2}$'
            AND to_date(substr(t.relname, 7), 'YYYY_MM') >= date_trunc('month', now() - interval '${Number(days)} days')
        LOOP
          BEGIN
            PERFORM brin_summarize_new_values(idx);
          EXCEPTION WHEN OTHERS THEN NULL;
          END;
        END LOOP;
      END $$`,
    )
    .catch((error: unknown) => logger.debug({ err: error }, "usage: summarizing new event pages failed; the next fold tries again"));
}

/** A meter's rollups, deleted with it (inside the caller's transaction; a fold running meanwhile finishes first). */
export async function deleteMeterRollups(tx: Tx, meterId: string) {
  await holdFold(tx, false);
  await tx.$executeRaw`DELETE FROM usage.rollup WHERE meter_id = ${meterId}::uuid`;
  await tx.$executeRaw`DELETE FROM usage.rollup_value WHERE meter_id = ${meterId}::uuid`;
}

/**
 * An organization's claims and rollups, deleted with it (inside the caller's
 * transaction; all found by their primary keys). Its raw events are
 * forgotten just after, by forgetOrganizationEvents: folds and rebuilds skip
 * the events of organizations that no longer exist meanwhile.
 */
export async function deleteOrganizationUsage(tx: Tx, orgId: string) {
  for (const table of ["usage.rollup", "usage.rollup_value", "usage.event_id", "usage.org_month"]) {
    await tx.$executeRawUnsafe(`DELETE FROM ${table} WHERE org_id = $1::uuid`, orgId);
  }
}

/**
 * A deleted organization's raw events, and any rollup a fold that began
 * before the deletion wrote for it. Run after the deletion commits; idempotent.
 */
export async function forgetOrganizationEvents(orgId: string) {
  for (const table of ["usage.event", "usage.rollup", "usage.rollup_value", "usage.event_id", "usage.org_month"]) {
    await dbPool().query(`DELETE FROM ${table} WHERE org_id = $1::uuid AND NOT EXISTS (SELECT 1 FROM "Organization" WHERE id = $1::uuid)`, [orgId]);
  }
}

/**
 * Events stored for each organization in the month (UTC) that starts at
 * `month`: the folded count, plus those not folded yet.
 */
export async function eventsInMonth(orgIds: string[], month: Date): Promise<Map<string, number>> {
  const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
  const [{ watermark }] = await sqlRows<{ watermark: string }>(sql`SELECT watermark::text AS watermark FROM usage.fold_state WHERE id = 1`);
  const rows = await sqlRows<{ org_id: string; events: string }>(sql`
    SELECT org_id::text, sum(events)::text AS events FROM (
      SELECT org_id, events FROM usage.org_month WHERE org_id = ANY(${orgIds}::uuid[]) AND month = ${month}
      UNION ALL
      SELECT e.org_id, count(*) FROM usage.event e
      WHERE e.xid >= ${watermark}::bigint AND e.xid >= (SELECT watermark FROM usage.fold_state WHERE id = 1)
        AND e.org_id = ANY(${orgIds}::uuid[]) AND e.ts >= ${month} AND e.ts < ${next}
      GROUP BY e.org_id
    ) counts GROUP BY org_id`);
  return new Map(rows.map((r) => [r.org_id, Number(r.events)]));
}

/** Holds the fold (waiting for one in progress) and answers the watermark: a new meter counts from there. */
export async function holdFoldAtWatermark(tx: Tx): Promise<string> {
  const [row] = await tx.$queryRaw<Array<{ watermark: string }>>`SELECT watermark::text AS watermark FROM usage.fold_state WHERE id = 1 FOR UPDATE`;
  return row!.watermark;
}

/** The meterId a difference in events a month (usage.org_month) is reported under. */
export const MONTH_COUNTS = "events-a-month";

/** The whole UTC months inside [from, to), or null. */
function wholeMonths(from: Date, to: Date): { from: Date; to: Date } | null {
  const first = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + (from.getTime() === Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1) ? 0 : 1), 1));
  const end = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), 1));
  return first < end ? { from: first, to: end } : null;
}

export type RollupDifference = { orgId: string; meterId: string; hour: Date; dims: Record<string, unknown>; stored: string | null; expected: string | null };
export type RollupReport = { from: Date; to: Date; rowsChecked: number; differences: number; examples: RollupDifference[]; repaired: boolean };

/**
 * Recomputes the rollups of [from, to) (widened to whole hours) from the raw
 * events and reports every row that differs; with `repair`, replaces them.
 * It holds the fold and folds first, so the rollups and the events below the
 * watermark it compares describe the same events.
 */
/** `orgId`: only that organization's rollups are checked (and repaired). */
export async function rebuildRollups(range: { from: Date; to: Date; repair: boolean; orgId?: string }): Promise<RollupReport> {
  const from = floorHour(range.from);
  const to = ceilHour(range.to);
  const ofOrg = range.orgId ? sql` AND org_id = ${range.orgId}::uuid` : sql``;
  return sqlTransaction(async (client) => {
    await holdFold(client, false);
    await foldHeld(client);
    const events = sql`(SELECT ${EVENT_COLUMNS} FROM usage.event e
      WHERE e.ts >= ${from} AND e.ts < ${to} AND e.xid < (SELECT watermark FROM usage.fold_state WHERE id = 1)${range.orgId ? sql` AND e.org_id = ${range.orgId}::uuid` : sql``}
        AND EXISTS (SELECT 1 FROM "Organization" o WHERE o.id = e.org_id))`;
    const meters = await meterRules(client);
    await run(client, sql`CREATE TEMP TABLE expected_rollup ON COMMIT DROP AS ${rollupsOf(meters, events)}`);
    await run(client, sql`CREATE TEMP TABLE expected_value ON COMMIT DROP AS ${valuesOf(meters, events)}`);
    const inRange = sql`hour >= ${from} AND hour < ${to}${ofOrg}`;
    const describe = (t: string) =>
      rawSql(`CASE WHEN ${t}.org_id IS NULL THEN NULL ELSE concat_ws(' ', 'events=' || ${t}.events, 'total=' || ${t}.total, 'max=' || ${t}.max, 'latest=' || ${t}.latest) END`);
    const differing = await run<{ org_id: string; meter_id: string; hour: Date; dims: Record<string, unknown>; stored: string | null; expected: string | null }>(
      client,
      sql`
      SELECT COALESCE(s.org_id, x.org_id) AS org_id, COALESCE(s.meter_id, x.meter_id) AS meter_id, COALESCE(s.hour, x.hour) AS hour, COALESCE(s.dims, x.dims) AS dims,
        ${describe("s")} AS stored, ${describe("x")} AS expected
      FROM (SELECT * FROM usage.rollup WHERE ${inRange}) s
      FULL JOIN expected_rollup x ON (s.org_id, s.meter_id, s.hour, s.dims) = (x.org_id, x.meter_id, x.hour, x.dims)
      WHERE s.org_id IS NULL OR x.org_id IS NULL
         OR (s.events, s.total, s.max, s.latest, s.latest_ts, s.latest_id) IS DISTINCT FROM (x.events, x.total, x.max, x.latest, x.latest_ts, x.latest_id)
      UNION ALL
      SELECT COALESCE(s.org_id, x.org_id), COALESCE(s.meter_id, x.meter_id), COALESCE(s.hour, x.hour), COALESCE(s.dims, x.dims),
        'value ' || s.value, 'value ' || x.value
      FROM (SELECT * FROM usage.rollup_value WHERE ${inRange}) s
      FULL JOIN expected_value x ON (s.org_id, s.meter_id, s.hour, s.dims, s.value) = (x.org_id, x.meter_id, x.hour, x.dims, x.value)
      WHERE s.org_id IS NULL OR x.org_id IS NULL`,
    );
    // Events a month (what plan limits count): only months the range holds whole can be recomputed.
    const months = wholeMonths(from, to);
    const inMonths = months ? sql`month >= ${months.from} AND month < ${months.to}${ofOrg}` : null;
    if (months && inMonths) {
      await run(
        client,
        sql`CREATE TEMP TABLE expected_month ON COMMIT DROP AS SELECT org_id, date_trunc('month', ts, 'UTC') AS month, count(*) AS events FROM ${events} ev WHERE ts >= ${months.from} AND ts < ${months.to} GROUP BY 1, 2`,
      );
      differing.push(
        ...(await run<(typeof differing)[number]>(
          client,
          sql`SELECT COALESCE(s.org_id, x.org_id) AS org_id, ${MONTH_COUNTS}::text AS meter_id, COALESCE(s.month, x.month) AS hour, '{}'::jsonb AS dims,
                'events=' || s.events AS stored, 'events=' || x.events AS expected
              FROM (SELECT * FROM usage.org_month WHERE ${inMonths}) s
              FULL JOIN expected_month x ON (s.org_id, s.month) = (x.org_id, x.month)
              WHERE s.events IS DISTINCT FROM x.events`,
        )),
      );
    }
    const [{ n }] = await run<{ n: string }>(
      client,
      sql`SELECT (SELECT count(*) FROM expected_rollup) + (SELECT count(*) FROM expected_value)${inMonths ? sql` + (SELECT count(*) FROM expected_month)` : sql``} AS n`,
    );
    const repaired = range.repair && differing.length > 0;
    if (repaired) {
      await run(client, sql`DELETE FROM usage.rollup WHERE ${inRange}`);
      await run(client, sql`DELETE FROM usage.rollup_value WHERE ${inRange}`);
      await client.query("INSERT INTO usage.rollup (org_id, meter_id, hour, dims, events, total, max, latest, latest_ts, latest_id) SELECT * FROM expected_rollup");
      await client.query("INSERT INTO usage.rollup_value (org_id, meter_id, hour, dims, value) SELECT * FROM expected_value");
      if (inMonths) {
        await run(client, sql`DELETE FROM usage.org_month WHERE ${inMonths}`);
        await client.query("INSERT INTO usage.org_month (org_id, month, events) SELECT org_id, month, events FROM expected_month");
      }
    }
    return {
      from,
      to,
      rowsChecked: Number(n),
      differences: differing.length,
      examples: differing.slice(0, 20).map((d) => ({ orgId: d.org_id, meterId: d.meter_id, hour: d.hour, dims: d.dims, stored: d.stored, expected: d.expected })),
      repaired,
    };
  });
}

async function run<Row>(client: pg.PoolClient, query: Sql): Promise<Row[]> {
  return (await client.query({ text: query.text, values: query.values as unknown[] })).rows as Row[];
}

/**
 * Drops what is older than `keepDays`: whole month partitions of raw events
 * that end before the cut-off, and the claims received before it (their ids
 * may be used again after that). Rollups stay. Idempotent.
 */
export async function purgeOldUsage(keepDays: number, now = new Date()): Promise<{ partitionsDropped: string[]; claimsDeleted: number }> {
  const cutoff = new Date(now.getTime() - keepDays * 86_400_000);
  const partitions = await sqlRows<{ name: string; bound: string }>(sql`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'usage.event'::regclass`);
  const dropped: string[] = [];
  for (const { name, bound } of partitions) {
    const end = /TO \('([^']+)'\)/.exec(bound)?.[1];
    if (!end || new Date(end) > cutoff) continue;
    const table = `usage.${name.replace(/[^a-z0-9_]/g, "")}`;
    // Detached without blocking ingest and readers, then dropped.
    await dbPool().query(`ALTER TABLE usage.event DETACH PARTITION ${table} CONCURRENTLY`);
    await dbPool().query(`DROP TABLE IF EXISTS ${table}`);
    knownMonths.delete(name.replace(/^event_/, "").replace("_", "-"));
    dropped.push(name);
  }
  let claimsDeleted = 0;
  for (;;) {
    // In slices, so that no single statement holds a long lock.
    const result = await dbPool().query(`DELETE FROM usage.event_id WHERE ctid IN (SELECT ctid FROM usage.event_id WHERE received_at < $1 LIMIT 50000)`, [cutoff]);
    claimsDeleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < 50_000) break;
  }
  return { partitionsDropped: dropped, claimsDeleted };
}
