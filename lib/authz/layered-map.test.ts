import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LayeredMap } from "./layered-map.ts";

describe("LayeredMap", () => {
  it("reads as a plain map given the same changes would, leaving every earlier map as it was", () => {
    const operation = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 }), fc.integer());
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400 }), (operations) => {
        const base = new Map(Array.from({ length: 100 }, (_, i) => [i, -i] as const));
        let layered = LayeredMap.over(base);
        const plain = new Map(base);
        const earlier = { map: layered, entries: [...layered] };
        for (const [set, key, value] of operations) {
          layered = set ? layered.with(key, value) : layered.without(key);
          if (set) plain.set(key, value);
          else plain.delete(key);
        }
        expect(layered.size).toBe(plain.size);
        expect(new Map(layered)).toEqual(plain);
        for (let key = 0; key <= 300; key++) {
          expect(layered.get(key)).toBe(plain.get(key));
          expect(layered.has(key)).toBe(plain.has(key));
        }
        expect([...earlier.map]).toEqual(earlier.entries);
        expect(base.size).toBe(100);
      }),
      { numRuns: 200 },
    );
  });
});
