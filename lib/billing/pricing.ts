// What a quantity of usage costs under a price, and what an invoice adds up
// to. No floating point: quantities and unit prices are exact decimals
// (strings in, decimal.js inside), amounts are integers of the currency's
// minor unit. Each line is rounded once, half up, after its whole computation.
import { Decimal } from "decimal.js";
import { z } from "zod";
import { Invalid } from "../errors.ts";

const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });
type Dec = InstanceType<typeof D>;

const DECIMAL_TEXT = /^[0-9]{1,30}(\.[0-9]{1,18})?$/;
/** A non-negative exact decimal, as text ("12", "0.0005"). */
export const DecimalText = z.string().regex(DECIMAL_TEXT, "a non-negative decimal number as text, e.g. 12 or 0.0005");
/** An amount in the currency's minor unit (cents for USD): a whole number. */
export const MinorUnits = z.number().int("a whole number of minor units (e.g. cents)").min(0).max(Number.MAX_SAFE_INTEGER);

const Tier = z.strictObject({
  /** The last unit of this tier (inclusive); null: no end (only the last tier). */
  upTo: DecimalText.nullable(),
  /** Per unit in this tier, in minor units (may be fractional: 0.05 cents a token). */
  unitPrice: DecimalText,
  /** Once, when usage reaches this tier, in minor units. */
  flatPrice: MinorUnits.default(0),
});

export const PriceModel = z
  .discriminatedUnion("model", [
    z.strictObject({ model: z.literal("per_unit"), unitPrice: DecimalText }),
    /** Per started package of `packageSize` units. */
    z.strictObject({ model: z.literal("package"), packageSize: DecimalText, packagePrice: MinorUnits }),
    /** Each unit at the price of the tier it falls in. */
    z.strictObject({ model: z.literal("graduated"), tiers: z.array(Tier).min(1).max(20) }),
    /** Every unit at the price of the tier the whole quantity falls in. */
    z.strictObject({ model: z.literal("volume"), tiers: z.array(Tier).min(1).max(20) }),
  ])
  .superRefine((price, issue) => {
    if (price.model === "package" && new D(price.packageSize).lte(0)) issue.addIssue({ code: "custom", path: ["packageSize"], message: "more than 0" });
    if (price.model !== "graduated" && price.model !== "volume") return;
    price.tiers.forEach((tier, i) => {
      const last = i === price.tiers.length - 1;
      if (last !== (tier.upTo === null)) issue.addIssue({ code: "custom", path: ["tiers", i, "upTo"], message: last ? "the last tier has no end (upTo: null)" : "only the last tier may have no end" });
      const previous = price.tiers[i - 1]?.upTo;
      if (tier.upTo !== null && previous && new D(tier.upTo).lte(previous)) issue.addIssue({ code: "custom", path: ["tiers", i, "upTo"], message: "tiers must end at increasing quantities" });
    });
  });
export type PriceModel = z.infer<typeof PriceModel>;

/** A meter's price in a plan: the model, and a quantity included free each period. */
export const MeterPrice = z.strictObject({ price: PriceModel, includedQuantity: DecimalText.default("0") });
export type MeterPrice = z.infer<typeof MeterPrice>;

/** Whole minor units, half up; an amount beyond what a number holds exactly is refused, never approximated. */
function roundToMinor(amount: Dec): number {
  const rounded = amount.toDecimalPlaces(0, D.ROUND_HALF_UP);
  if (rounded.gt(Number.MAX_SAFE_INTEGER)) throw new Invalid("amount_too_large", `An amount of ${rounded.toFixed()} minor units is more than can be billed (at most ${Number.MAX_SAFE_INTEGER}).`);
  return rounded.toNumber();
}

/** A tier's flat fee applies once at least one unit falls in it. */
function graduated(tiers: z.infer<typeof Tier>[], quantity: Dec): Dec {
  let amount = new D(0);
  let floor = new D(0);
  for (const tier of tiers) {
    const ceiling = tier.upTo === null ? quantity : D.min(quantity, tier.upTo);
    const units = ceiling.minus(floor);
    if (units.gt(0)) amount = amount.plus(tier.flatPrice).plus(units.times(tier.unitPrice));
    if (tier.upTo === null || quantity.lte(tier.upTo)) break;
    floor = new D(tier.upTo);
  }
  return amount;
}

function volume(tiers: z.infer<typeof Tier>[], quantity: Dec): Dec {
  if (quantity.isZero()) return new D(0);
  const tier = tiers.find((t) => t.upTo === null || quantity.lte(t.upTo))!;
  return quantity.times(tier.unitPrice).plus(tier.flatPrice);
}

/** The amount, in minor units, of `quantity` (exact decimal text) under `price`, after the included quantity. */
export function priceQuantity(meterPrice: MeterPrice, quantityText: string): { billableQuantity: string; amount: number } {
  const quantity = D.max(new D(quantityText).minus(meterPrice.includedQuantity), 0);
  const price = meterPrice.price;
  let amount: Dec;
  switch (price.model) {
    case "per_unit":
      amount = quantity.times(price.unitPrice);
      break;
    case "package":
      amount = quantity.div(price.packageSize).ceil().times(price.packagePrice);
      break;
    case "graduated":
      amount = graduated(price.tiers, quantity);
      break;
    case "volume":
      amount = volume(price.tiers, quantity);
      break;
  }
  return { billableQuantity: quantity.toFixed(), amount: roundToMinor(amount) };
}

export type InvoiceLine = { description: string; quantity: string | null; amount: number };
export type InvoiceTotals = { lines: InvoiceLine[]; subtotal: number; creditsApplied: Array<{ creditId: string; amount: number }>; total: number };

/**
 * The invoice's totals: the base fee and usage lines, less credits (in the
 * order given, each up to what remains), never below zero.
 */
export function totalInvoice(lines: InvoiceLine[], credits: Array<{ creditId: string; remaining: number }>): InvoiceTotals {
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  if (!Number.isSafeInteger(subtotal)) throw new Invalid("amount_too_large", "The invoice's total is more than can be billed.");
  let due = subtotal;
  const creditsApplied: InvoiceTotals["creditsApplied"] = [];
  for (const credit of credits) {
    if (due === 0) break;
    const amount = Math.min(due, credit.remaining);
    if (amount > 0) creditsApplied.push({ creditId: credit.creditId, amount });
    due -= amount;
  }
  return { lines, subtotal, creditsApplied, total: due };
}
