// What an organization used, for its members (the Usage page) and its keys
// (GET /api/v1/usage): per meter, over a time range, by hour, day or month
// and by dimension values. Quantities are exact decimal strings.
import { z } from "zod";
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { readUsage, type UsageWindow } from "./event-store.ts";
import { getMeter, listMeters, MeterKey, type Meter } from "./meters.ts";

const DAY = 86_400_000;
const MAX_RANGE_DAYS = 400;
const WINDOWS = ["hour", "day", "month"] as const;

export const UsageQueryInput = z.strictObject({
  meter: MeterKey,
  from: z.iso.datetime({ offset: true, error: "from: an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z" }),
  to: z.iso.datetime({ offset: true, error: "to: an ISO 8601 date-time, e.g. 2027-01-01T00:00:00Z" }),
  window: z.enum(WINDOWS, "window: hour, day or month").optional(),
  byDimensions: z.enum(["true", "false"], "byDimensions: true or false").optional(),
});

export type UsagePoint = { windowStart: string | null; dimensions: Record<string, unknown>; quantity: string; events: string };
export type UsageReport = { meter: { key: string; name: string; aggregation: string }; from: string; to: string; window: UsageWindow | null; data: UsagePoint[] };

function range(fromText: string, toText: string): { from: Date; to: Date } {
  const from = new Date(fromText);
  const to = new Date(toText);
  if (from >= to) throw new Invalid("invalid_range", "from must be before to.");
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY) throw new Invalid("invalid_range", `At most ${MAX_RANGE_DAYS} days at a time.`);
  return { from, to };
}

const describe = (meter: Meter) => ({ key: meter.key, name: meter.name, aggregation: meter.aggregation });

/** One meter's usage in the caller's organization. Usage is kept by the hour: the range is widened to whole hours. */
export async function organizationUsage(ctx: OrgCtx, raw: unknown): Promise<UsageReport> {
  assertAllowed(ctx, "usage:read");
  const input = UsageQueryInput.parse(raw);
  const { from, to } = range(input.from, input.to);
  const meter = await getMeter(input.meter);
  const rows = await readUsage({ orgId: ctx.orgId, meter, from, to, window: input.window, byDimensions: input.byDimensions === "true" });
  return {
    meter: describe(meter),
    from: from.toISOString(),
    to: to.toISOString(),
    window: input.window ?? null,
    data: rows.map((r) => ({ windowStart: r.windowStart?.toISOString() ?? null, dimensions: r.dims, quantity: r.quantity, events: r.events })),
  };
}

export type MeterMonth = { meter: { key: string; name: string; aggregation: string }; total: string; days: Array<{ day: string; quantity: string }> };

/** The current calendar month (UTC) of every meter, day by day, for the Usage page. */
export async function usageThisMonth(ctx: OrgCtx, now = new Date()): Promise<{ from: string; to: string; meters: MeterMonth[] }> {
  assertAllowed(ctx, "usage:read");
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const meters = await listMeters();
  const months = await Promise.all(
    meters.map(async (meter): Promise<MeterMonth> => {
      const [daily, total] = await Promise.all([readUsage({ orgId: ctx.orgId, meter, from, to, window: "day" }), readUsage({ orgId: ctx.orgId, meter, from, to })]);
      const byDay = new Map(daily.map((r) => [r.windowStart!.toISOString().slice(0, 10), r.quantity]));
      const days: MeterMonth["days"] = [];
      for (let at = from.getTime(); at < Math.min(to.getTime(), now.getTime() + DAY); at += DAY) {
        const day = new Date(at).toISOString().slice(0, 10);
        days.push({ day, quantity: byDay.get(day) ?? "0" });
      }
      return { meter: describe(meter), total: total[0]?.quantity ?? "0", days };
    }),
  );
  return { from: from.toISOString(), to: to.toISOString(), meters: months };
}
