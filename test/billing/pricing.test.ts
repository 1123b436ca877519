// The pricing engine against a plain recomputation: unit by unit, in integer
// arithmetic scaled by 10^18, for random prices and quantities.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MeterPrice, priceQuantity, totalInvoice, type PriceModel } from "../../lib/billing/pricing.ts";

const SCALE = 10n ** 18n;
/** "12.5" as 12.5 × 10^18. */
function scaled(text: string): bigint {
  const [whole, fraction = ""] = text.split(".");
  return BigInt(whole!) * SCALE + BigInt(fraction.padEnd(18, "0").slice(0, 18) || "0");
}
/** A scaled amount rounded half up to whole minor units. */
const roundHalfUp = (value: bigint) => Number((value + SCALE / 2n) / SCALE);

/** The plain recomputation, for whole quantities: every unit priced on its own. */
function recompute(price: PriceModel, included: number, quantity: number): number {
  const billable = Math.max(quantity - included, 0);
  switch (price.model) {
    case "per_unit":
      return roundHalfUp(BigInt(billable) * scaled(price.unitPrice));
    case "package": {
      const size = Number(price.packageSize);
      return Math.ceil(billable / size) * price.packagePrice;
    }
    case "graduated": {
      let total = 0n;
      const touched = new Set<number>();
      for (let unit = 1; unit <= billable; unit++) {
        const t = price.tiers.findIndex((tier) => tier.upTo === null || unit <= Number(tier.upTo));
        total += scaled(price.tiers[t]!.unitPrice);
        touched.add(t);
      }
      for (const t of touched) total += BigInt(price.tiers[t]!.flatPrice) * SCALE;
      return roundHalfUp(total);
    }
    case "volume": {
      if (billable === 0) return 0;
      const tier = price.tiers.find((t) => t.upTo === null || billable <= Number(t.upTo))!;
      return roundHalfUp(BigInt(billable) * scaled(tier.unitPrice) + BigInt(tier.flatPrice) * SCALE);
    }
  }
}

const unitPrice = fc.oneof(
  fc.integer({ min: 0, max: 500 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 9999 })).map(([w, f]) => `${w}.${String(f).padStart(4, "0")}`),
);
const tiers = fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 0, maxLength: 4 }).chain((ends) => {
  const sorted = [...ends].sort((a, b) => a - b);
  const upTos: Array<string | null> = [...sorted.map(String), null];
  return fc.tuple(...upTos.map((upTo) => fc.record({ upTo: fc.constant(upTo), unitPrice, flatPrice: fc.integer({ min: 0, max: 1000 }) })));
});
const price: fc.Arbitrary<PriceModel> = fc.oneof(
  fc.record({ model: fc.constant("per_unit" as const), unitPrice }),
  fc.record({ model: fc.constant("package" as const), packageSize: fc.integer({ min: 1, max: 100 }).map(String), packagePrice: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ model: fc.constant("graduated" as const), tiers }),
  fc.record({ model: fc.constant("volume" as const), tiers }),
);

describe("pricing", () => {
  it("prices any whole quantity as a unit-by-unit recomputation does, to the minor unit", () => {
    fc.assert(
      fc.property(price, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 1_000 }), (model, included, quantity) => {
        const meterPrice = MeterPrice.parse({ price: model, includedQuantity: String(included) });
        expect(priceQuantity(meterPrice, String(quantity)).amount).toBe(recompute(model, included, quantity));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps fractions exact: 0.1 + 0.2 tokens at 10 cents each is 3 cents, and a third of a cent rounds half up per line", () => {
    const perUnit = MeterPrice.parse({ price: { model: "per_unit", unitPrice: "10" } });
    expect(priceQuantity(perUnit, "0.3")).toEqual({ billableQuantity: "0.3", amount: 3 });
    const tiny = MeterPrice.parse({ price: { model: "per_unit", unitPrice: "0.005" } });
    expect(priceQuantity(tiny, "100")).toEqual({ billableQuantity: "100", amount: 1 }); // 0.5 rounds up
    expect(priceQuantity(tiny, "99")).toEqual({ billableQuantity: "99", amount: 0 }); // 0.495 rounds down
    const large = MeterPrice.parse({ price: { model: "per_unit", unitPrice: "0.000001" }, includedQuantity: "1000000" });
    expect(priceQuantity(large, "123456789012345678.5")).toEqual({ billableQuantity: "123456789011345678.5", amount: 123456789011 });
  });

  it("refuses tiers that do not end in order, or whose last tier has an end", () => {
    expect(() => MeterPrice.parse({ price: { model: "graduated", tiers: [{ upTo: "10", unitPrice: "1" }] } })).toThrow(/the last tier has no end/);
    expect(() =>
      MeterPrice.parse({
        price: {
          model: "volume",
          tiers: [
            { upTo: "10", unitPrice: "1" },
            { upTo: "5", unitPrice: "1" },
            { upTo: null, unitPrice: "1" },
          ],
        },
      }),
    ).toThrow(/increasing/);
    expect(() => MeterPrice.parse({ price: { model: "per_unit", unitPrice: "-1" } })).toThrow(/non-negative decimal/);
    expect(() => MeterPrice.parse({ price: { model: "package", packageSize: "0", packagePrice: 100 } })).toThrow(/more than 0/);
  });

  it("takes credits in order off the total, each up to what remains, never below zero", () => {
    const lines = [
      { description: "Base fee", quantity: null, amount: 1000 },
      { description: "Tokens", quantity: "1500", amount: 250 },
    ];
    expect(
      totalInvoice(lines, [
        { creditId: "a", remaining: 200 },
        { creditId: "b", remaining: 5000 },
        { creditId: "c", remaining: 10 },
      ]),
    ).toEqual({
      lines,
      subtotal: 1250,
      creditsApplied: [
        { creditId: "a", amount: 200 },
        { creditId: "b", amount: 1050 },
      ],
      total: 0,
    });
    expect(totalInvoice(lines, []).total).toBe(1250);
  });
});

describe("amounts beyond what a number holds exactly", () => {
  it("are refused, never approximated", () => {
    const huge = MeterPrice.parse({ price: { model: "per_unit", unitPrice: "1000000000" } });
    expect(() => priceQuantity(huge, "100000000000000000000")).toThrow(/more than can be billed/);
  });
});
