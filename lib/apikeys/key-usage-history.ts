// A key's requests and refusals per UTC day (its usage chart), from the daily
// counts ./key-usage.ts adds to with every flush.
import { z } from "zod";
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { NotFound } from "../errors.ts";

/** Days the chart shows, today included. */
export const KEY_USAGE_DAYS = 30;
/** Days the daily counts are kept. */
const KEPT_DAYS = 90;
const DAY_MS = 86_400_000;

export type KeyUsageDay = { day: string; requests: number; refusals: number };
export type KeyUsageHistory = { days: KeyUsageDay[]; requests: number; refusals: number };

const utcDay = (ms: number) => new Date(Math.floor(ms / DAY_MS) * DAY_MS);

export async function keyUsageByDay(ctx: OrgCtx, raw: unknown, now = Date.now()): Promise<KeyUsageHistory> {
  const { apiKeyId } = z.strictObject({ apiKeyId: z.uuid("apiKeyId: not an API key id") }).parse(raw);
  assertAllowed(ctx, "apikeys:read");
  // Another organization's key is not found, as a key that does not exist.
  const key = await db.apiKey.findFirst({ where: { id: apiKeyId, orgId: ctx.orgId }, select: { id: true } });
  if (!key) throw new NotFound("api_key_not_found", "API key not found.");
  const first = utcDay(now - (KEY_USAGE_DAYS - 1) * DAY_MS);
  const rows = await db.apiKeyDailyUsage.findMany({ where: { keyId: key.id, day: { gte: first } }, select: { day: true, requests: true, refusals: true } });
  const byDay = new Map(rows.map((r) => [r.day.toISOString().slice(0, 10), r]));
  const days: KeyUsageDay[] = [];
  for (let i = 0; i < KEY_USAGE_DAYS; i++) {
    const day = new Date(first.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    const row = byDay.get(day);
    days.push({ day, requests: Number(row?.requests ?? 0), refusals: Number(row?.refusals ?? 0) });
  }
  return { days, requests: days.reduce((n, d) => n + d.requests, 0), refusals: days.reduce((n, d) => n + d.refusals, 0) };
}

/** Drops daily counts older than KEPT_DAYS (hourly, with the other purges). */
export async function purgeOldKeyUsage(now = Date.now()): Promise<number> {
  const { count } = await db.apiKeyDailyUsage.deleteMany({ where: { day: { lt: utcDay(now - KEPT_DAYS * DAY_MS) } } });
  return count;
}
