// The usage event store: raw events, the ids that make a repeat a duplicate,
// and hourly rollups, in PostgreSQL's `usage` schema (see the usage_metering
// migration). Everything else reaches usage through the functions exported
// here, so a column store (ClickHouse) could take over behind them.
//
// One statement stores a batch: it claims each (organization, id) in
// usage.event_id, stores the events whose claim is new, and adds them to the
// rollups of every meter they match. The claim commits with the event or not
// at all, so a retried batch finds exactly what the first try stored, and two
// concurrent requests with the same id store it once (the second waits on the
// first's claim, then sees it).
import type pg from "pg";
import { dbPool, type Tx } from "../db.ts";
import { rawSql, sql, sqlRows, type Sql } from "../db/sql.ts";

export type NewEvent = { orgId: string; id: string; type: string; timestamp: Date; properties: Record<string, unknown> };

// ---------------------------------------------------------------------------
// What a meter counts from an event, in SQL shared by ingest and rebuild, so
// both apply one rule. `events` is a relation of (org_id, id, type, ts,
// properties). A value is a non-negative JSON number or a string of digits;
// a unique_count value is any string or number.
const matchedRows = (events: Sql) => sql`
  SELECT e.org_id, m.id AS meter_id, date_trunc('hour', e.ts, 'UTC') AS hour, e.ts, e.id,
    COALESCE((SELECT jsonb_object_agg(k, e.properties -> k) FROM unnest(m."groupBy") AS k WHERE e.properties ? k), '{}'::jsonb) AS dims,
    CASE m.aggregation WHEN 'count' THEN 1::numeric WHEN 'unique_count' THEN NULL ELSE n.num END AS value,
    CASE m.aggregation WHEN 'unique_count' THEN v.raw #>> '{}' END AS unique_value
  FROM ${events} e
  JOIN "Meter" m ON m."eventType" = e.type AND e.properties @> m.filter
  CROSS JOIN LATERAL (SELECT e.properties -> m."valueProperty" AS raw) v
  CROSS JOIN LATERAL (SELECT CASE
      WHEN jsonb_typeof(v.raw) = 'number' THEN v.raw::numeric
      WHEN jsonb_typeof(v.raw) = 'string' AND (v.raw #>> '{}') ~ '^[0-9]{1,30}(\\.[0-9]{1,18})?$' THEN (v.raw #>> '{}')::numeric
    END AS num) n
  WHERE CASE m.aggregation
    WHEN 'count' THEN true
    WHEN 'unique_count' THEN jsonb_typeof(v.raw) IN ('string', 'number')
    ELSE n.num >= 0
  END`;

const rollupRows = (matched: Sql) => sql`
  SELECT org_id, meter_id, hour, dims, count(*)::bigint AS events, COALESCE(sum(value), 0) AS total, max(value) AS max,
    (array_agg(value ORDER BY ts DESC, id DESC))[1] AS latest, max(ts) AS latest_ts, (array_agg(id ORDER BY ts DESC, id DESC))[1] AS latest_id
  FROM (${matched}) matched GROUP BY org_id, meter_id, hour, dims`;

const uniqueRows = (matched: Sql) => sql`
  SELECT DISTINCT org_id, meter_id, hour, dims, unique_value AS value FROM (${matched}) matched WHERE unique_value IS NOT NULL`;

const insertStatement = (input: string) => sql`
  WITH input AS (
    SELECT x.n, x.o AS org_id, x.i AS id, x.t AS type, x.ts, x.p AS properties
    FROM jsonb_to_recordset(${input}::jsonb) AS x(n int, o uuid, i text, t text, ts timestamptz, p jsonb)
  ), fresh AS (
    INSERT INTO usage.event_id (org_id, id) SELECT org_id, id FROM input ORDER BY org_id, id
    ON CONFLICT DO NOTHING RETURNING org_id, id
  ), stored AS (
    INSERT INTO usage.event (org_id, id, type, ts, properties)
    SELECT i.org_id, i.id, i.type, i.ts, i.properties FROM input i JOIN fresh USING (org_id, id)
    RETURNING org_id, id, type, ts, properties
  ), matched AS (${matchedRows(rawSql("stored"))}
  ), rolled AS (
    INSERT INTO usage.rollup AS r (org_id, meter_id, hour, dims, events, total, max, latest, latest_ts, latest_id)
    SELECT * FROM (${rollupRows(rawSql("SELECT * FROM matched"))}) g ORDER BY org_id, meter_id, hour, dims
    ON CONFLICT (org_id, meter_id, hour, dims) DO UPDATE SET
      events = r.events + excluded.events,
      total = r.total + excluded.total,
      max = GREATEST(r.max, excluded.max),
      latest = CASE WHEN (excluded.latest_ts, excluded.latest_id) > (r.latest_ts, r.latest_id) THEN excluded.latest ELSE r.latest END,
      latest_id = CASE WHEN (excluded.latest_ts, excluded.latest_id) > (r.latest_ts, r.latest_id) THEN excluded.latest_id ELSE r.latest_id END,
      latest_ts = GREATEST(r.latest_ts, excluded.latest_ts)
  ), valued AS (
    INSERT INTO usage.rollup_value (org_id, meter_id, hour, dims, value)
    SELECT * FROM (${uniqueRows(rawSql("SELECT * FROM matched"))}) u ORDER BY org_id, meter_id, hour, dims, value
    ON CONFLICT DO NOTHING
  )
  SELECT i.n FROM input i JOIN fresh USING (org_id, id)`;

// ---------------------------------------------------------------------------
// Month partitions, made when an event first needs one.
const knownMonths = new Set<string>();
const monthOf = (at: Date) => at.toISOString().slice(0, 7);

async function ensureMonths(months: Iterable<string>) {
  const missing = [...months].filter((m) => !knownMonths.has(m));
  if (!missing.length) return;
  const client = await dbPool().connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext('usage.ensure_month'))");
    for (const month of missing) {
      const first = new Date(`${month}-01T00:00:00Z`);
      const next = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
      const name = `event_${month.replace("-", "_")}`;
      await client.query(`CREATE TABLE IF NOT EXISTS usage.${name} PARTITION OF usage.event FOR VALUES FROM ('${first.toISOString()}') TO ('${next.toISOString()}')`);
    }
    await client.query("COMMIT");
    for (const month of missing) knownMonths.add(month);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const RETRYABLE = new Set(["40P01", "40001"]); // deadlock, serialization failure: the statement changed nothing

/**
 * Stores the events whose id is new for their organization, with their
 * rollups, in one statement. Returns the positions (in `events`) of those
 * stored; the rest were duplicates. The caller removes repeats within the
 * batch first.
 */
export async function storeEvents(events: NewEvent[]): Promise<Set<number>> {
  if (!events.length) return new Set();
  await ensureMonths(new Set(events.map((e) => monthOf(e.timestamp))));
  const input = JSON.stringify(events.map((e, n) => ({ n, o: e.orgId, i: e.id, t: e.type, ts: e.timestamp.toISOString(), p: e.properties })));
  for (let attempt = 1; ; attempt++) {
    try {
      const rows = await sqlRows<{ n: number }>(insertStatement(input));
      return new Set(rows.map((r) => r.n));
    } catch (error) {
      if (attempt >= 5 || !RETRYABLE.has((error as { code?: string }).code ?? "")) throw error;
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
  meter: { id: string; aggregation: string };
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
  const windowExpr = q.window ? sql`date_trunc(${q.window}, hour, 'UTC')` : sql`NULL::timestamptz`;
  const dimsExpr = q.byDimensions ? sql`dims` : sql`'{}'::jsonb`;
  const where = sql`org_id = ${q.orgId}::uuid AND meter_id = ${q.meter.id}::uuid AND hour >= ${floorHour(q.from)} AND hour < ${ceilHour(q.to)}`;
  const rows = await sqlRows<{ window_start: Date | null; dims: Record<string, unknown>; events: string; total: string; max: string | null; latest: string | null }>(sql`
    SELECT ${windowExpr} AS window_start, ${dimsExpr} AS dims, sum(events)::text AS events, sum(total)::text AS total, max(max)::text AS max,
      ((array_agg(latest ORDER BY latest_ts DESC, latest_id DESC))[1])::text AS latest
    FROM usage.rollup WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`);
  let uniques = new Map<string, string>();
  if (q.meter.aggregation === "unique_count") {
    const counted = await sqlRows<{ window_start: Date | null; dims: Record<string, unknown>; n: string }>(sql`
      SELECT ${windowExpr} AS window_start, ${dimsExpr} AS dims, count(DISTINCT value)::text AS n
      FROM usage.rollup_value WHERE ${where} GROUP BY 1, 2`);
    uniques = new Map(counted.map((r) => [rowKey(r.window_start, r.dims), r.n]));
  }
  return rows.map((r) => ({
    windowStart: r.window_start,
    dims: r.dims,
    events: r.events,
    quantity: quantityOf(q.meter.aggregation, r, uniques.get(rowKey(r.window_start, r.dims))),
  }));
}

const rowKey = (windowStart: Date | null, dims: unknown) => `${windowStart?.toISOString() ?? ""}|${JSON.stringify(dims)}`;

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
// Maintenance.

/** A meter's rollups, deleted with it (inside the caller's transaction). */
export async function deleteMeterRollups(tx: Tx, meterId: string) {
  await tx.$executeRaw`DELETE FROM usage.rollup WHERE meter_id = ${meterId}::uuid`;
  await tx.$executeRaw`DELETE FROM usage.rollup_value WHERE meter_id = ${meterId}::uuid`;
}

/** Everything an organization sent, deleted with it (inside the caller's transaction). */
export async function deleteOrganizationUsage(tx: Tx, orgId: string) {
  for (const table of ["usage.rollup", "usage.rollup_value", "usage.event", "usage.event_id"]) {
    await tx.$executeRawUnsafe(`DELETE FROM ${table} WHERE org_id = $1::uuid`, orgId);
  }
}

export type RollupDifference = { orgId: string; meterId: string; hour: Date; dims: Record<string, unknown>; stored: string | null; expected: string | null };
export type RollupReport = { from: Date; to: Date; rowsChecked: number; differences: number; examples: RollupDifference[]; repaired: boolean };

/**
 * Recomputes the rollups of [from, to) (widened to whole hours) from the raw
 * events and reports every row that differs; with `repair`, replaces them.
 * Ingest waits meanwhile (the rollup tables are locked against writes), so
 * the comparison is exact.
 */
export async function rebuildRollups(range: { from: Date; to: Date; repair: boolean }): Promise<RollupReport> {
  const from = floorHour(range.from);
  const to = ceilHour(range.to);
  const client = await dbPool().connect();
  try {
    await client.query("BEGIN");
    await client.query("LOCK TABLE usage.rollup, usage.rollup_value IN SHARE ROW EXCLUSIVE MODE");
    const events = sql`(SELECT org_id, id, type, ts, properties FROM usage.event WHERE ts >= ${from} AND ts < ${to})`;
    await run(client, sql`CREATE TEMP TABLE expected_matched ON COMMIT DROP AS ${matchedRows(events)}`);
    await run(client, sql`CREATE TEMP TABLE expected_rollup ON COMMIT DROP AS ${rollupRows(rawSql("SELECT * FROM expected_matched"))}`);
    await run(client, sql`CREATE TEMP TABLE expected_value ON COMMIT DROP AS ${uniqueRows(rawSql("SELECT * FROM expected_matched"))}`);
    const inRange = sql`hour >= ${from} AND hour < ${to}`;
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
    const [{ n }] = await run<{ n: string }>(client, sql`SELECT (SELECT count(*) FROM expected_rollup) + (SELECT count(*) FROM expected_value) AS n`);
    const repaired = range.repair && differing.length > 0;
    if (repaired) {
      await run(client, sql`DELETE FROM usage.rollup WHERE ${inRange}`);
      await run(client, sql`DELETE FROM usage.rollup_value WHERE ${inRange}`);
      await client.query("INSERT INTO usage.rollup (org_id, meter_id, hour, dims, events, total, max, latest, latest_ts, latest_id) SELECT * FROM expected_rollup");
      await client.query("INSERT INTO usage.rollup_value (org_id, meter_id, hour, dims, value) SELECT * FROM expected_value");
    }
    await client.query("COMMIT");
    return {
      from,
      to,
      rowsChecked: Number(n),
      differences: differing.length,
      examples: differing.slice(0, 20).map((d) => ({ orgId: d.org_id, meterId: d.meter_id, hour: d.hour, dims: d.dims, stored: d.stored, expected: d.expected })),
      repaired,
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function run<Row>(client: pg.PoolClient, query: Sql): Promise<Row[]> {
  return (await client.query({ text: query.text, values: query.values as unknown[] })).rows as Row[];
}
