// Meters: which usage events count, and how. Defined by instance admins; a
// meter's counting rule (event type, aggregation, value property, filter,
// dimensions) is fixed once made, since rollups and invoices were computed
// by it. Only its name changes. Deleting a meter deletes its rollups.
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import type { InstanceCtx } from "../context.ts";
import { db } from "../db.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Conflict, NotFound } from "../errors.ts";
import { deleteMeterRollups, holdFoldAtWatermark } from "./event-store.ts";

export const AGGREGATIONS = ["count", "sum", "max", "unique_count", "latest"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

const PropertyName = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(/^[A-Za-z0-9_.:-]+$/, "may hold letters, digits and _ . : - only");

export const MeterKey = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "key: lowercase letters, digits and _, starting with a letter, at most 64 characters (e.g. api_requests)");

export const CreateMeterInput = z
  .strictObject({
    key: MeterKey,
    name: z.string().trim().min(1, "name: required").max(80, "name: at most 80 characters"),
    eventType: z.string().trim().min(1, "eventType: required").max(200, "eventType: at most 200 characters"),
    aggregation: z.enum(AGGREGATIONS, `aggregation: one of ${AGGREGATIONS.join(", ")}`),
    valueProperty: PropertyName.optional(),
    filter: z
      .record(PropertyName, z.union([z.string().max(200), z.number(), z.boolean()]))
      .refine((f) => Object.keys(f).length <= 10, "filter: at most 10 properties")
      .default({}),
    groupBy: z
      .array(PropertyName)
      .max(5, "groupBy: at most 5 properties")
      .refine((g) => new Set(g).size === g.length, "groupBy: a property is named twice")
      .default([]),
  })
  .superRefine((m, issue) => {
    if (m.aggregation === "count" && m.valueProperty) issue.addIssue({ code: "custom", path: ["valueProperty"], message: "a count meter counts events and reads no value" });
    if (m.aggregation !== "count" && !m.valueProperty) issue.addIssue({ code: "custom", path: ["valueProperty"], message: `a ${m.aggregation} meter needs the property that holds the value` });
  });

export const UpdateMeterInput = z.strictObject({ name: z.string().trim().min(1, "name: required").max(80, "name: at most 80 characters") });

const meterSelect = { id: true, key: true, name: true, eventType: true, aggregation: true, valueProperty: true, filter: true, groupBy: true, countsFromXid: true, createdAt: true } as const;

export type Meter = {
  id: string;
  key: string;
  name: string;
  eventType: string;
  aggregation: Aggregation;
  valueProperty: string | null;
  filter: Record<string, string | number | boolean>;
  groupBy: string[];
  /** Counts events stored by this transaction id or later (see event-store.ts). */
  countsFromXid: string;
  createdAt: Date;
};
const asMeter = (row: { aggregation: string; filter: unknown; countsFromXid: bigint }) => ({ ...row, countsFromXid: row.countsFromXid.toString() }) as unknown as Meter;

/** A meter as the API shows it. */
export const publicMeter = ({ countsFromXid: _internal, ...meter }: Meter) => meter;

// Deleting a meter or making one waits for a fold (or a rebuild) in progress.
const WAITS_FOR_FOLD = { timeout: 120_000, maxWait: 10_000 };

/** Every meter, for anyone signed in (meters are the instance's price list, not tenant data). */
export async function listMeters(): Promise<Meter[]> {
  return (await db.meter.findMany({ orderBy: { key: "asc" }, select: meterSelect })).map(asMeter);
}

export async function getMeter(key: string): Promise<Meter> {
  const meter = MeterKey.safeParse(key).success ? await db.meter.findUnique({ where: { key }, select: meterSelect }) : null;
  if (!meter) throw new NotFound("meter_not_found", `No meter with the key "${key}".`);
  return asMeter(meter);
}

export async function createMeter(ctx: InstanceCtx, raw: unknown): Promise<Meter> {
  assertInstanceAdmin(ctx, "define meters");
  const input = CreateMeterInput.parse(raw);
  try {
    // It counts the events stored from now on: those below the fold's watermark are in
    // rollups made without it (a backfill would be a rebuild of them).
    const meter = await db.$transaction(async (tx) => {
      const watermark = await holdFoldAtWatermark(tx);
      const created = await tx.meter.create({ data: { ...input, valueProperty: input.valueProperty ?? null, countsFromXid: BigInt(watermark) }, select: meterSelect });
      await recordAudit(tx, {
        action: "meter.created",
        orgId: null,
        actor: actorOf(ctx),
        target: { type: "meter", id: created.id },
        meta: ctx,
        after: {
          key: created.key,
          name: created.name,
          eventType: created.eventType,
          aggregation: created.aggregation,
          valueProperty: created.valueProperty,
          filter: input.filter,
          groupBy: created.groupBy,
        },
      });
      return created;
    }, WAITS_FOR_FOLD);
    meterRulesChanged();
    return asMeter(meter);
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("meter_key_taken", `A meter with the key "${input.key}" exists already.`);
    throw error;
  }
}

export async function renameMeter(ctx: InstanceCtx, key: string, raw: unknown): Promise<Meter> {
  assertInstanceAdmin(ctx, "change meters");
  const input = UpdateMeterInput.parse(raw);
  const before = await getMeter(key);
  const meter = await db.$transaction(async (tx) => {
    const after = await tx.meter.update({ where: { id: before.id }, data: { name: input.name }, select: meterSelect });
    await recordAudit(tx, {
      action: "meter.renamed",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "meter", id: before.id },
      meta: ctx,
      before: { name: before.name },
      after: { name: after.name },
    });
    return after;
  });
  meterRulesChanged();
  return asMeter(meter);
}

/** Deletes the meter and its rollups; the raw events stay (another meter may count them). A meter that plans price stays. */
export async function deleteMeter(ctx: InstanceCtx, key: string): Promise<void> {
  assertInstanceAdmin(ctx, "delete meters");
  const meter = await getMeter(key);
  const pricedIn = await db.planPrice.findMany({ where: { meterId: meter.id }, select: { plan: { select: { key: true } } }, orderBy: { plan: { key: "asc" } } });
  if (pricedIn.length) throw new Conflict("meter_in_use", `Plans price this meter (${pricedIn.map((p) => p.plan.key).join(", ")}): its figures are on their invoices, so it stays.`);
  await db.$transaction(async (tx) => {
    const { count } = await tx.meter.deleteMany({ where: { id: meter.id } });
    if (count === 0) throw new NotFound("meter_not_found", `No meter with the key "${key}".`);
    await deleteMeterRollups(tx, meter.id);
    await recordAudit(tx, { action: "meter.deleted", orgId: null, actor: actorOf(ctx), target: { type: "meter", id: meter.id }, meta: ctx, before: { key: meter.key, name: meter.name } });
  }, WAITS_FOR_FOLD);
  meterRulesChanged();
}

// Ingest checks each event's value against the meters of its type. The store
// joins the meter table itself when it writes rollups, so a meter made in
// another process counts at once; this copy only shapes per-event refusals.
const RULES_FRESH_MS = 2_000;
let rules: { at: number; byType: Promise<Map<string, Meter[]>> } | null = null;

function meterRulesChanged() {
  rules = null;
}

/** Meters by event type, at most a couple of seconds old (fresh at once after a change made in this process). */
export function metersByEventType(now = Date.now()): Promise<Map<string, Meter[]>> {
  if (!rules || now - rules.at > RULES_FRESH_MS) {
    const byType = listMeters().then((meters) => {
      const map = new Map<string, Meter[]>();
      for (const meter of meters) map.set(meter.eventType, [...(map.get(meter.eventType) ?? []), meter]);
      return map;
    });
    rules = { at: now, byType };
    byType.catch(() => (rules = null));
  }
  return rules.byType;
}
