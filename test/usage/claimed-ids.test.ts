// The Bloom filter of ids claimed lately: a hint for the store, so it may say
// "maybe" for an id it never saw, but never "no" for one it saw lately.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RecentClaims } from "../../lib/usage/claimed-ids.ts";

const org = randomUUID();
const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("recent claims", () => {
  it("never answers no for a key it remembers, and seldom answers maybe for one it does not", () => {
    const claims = new RecentClaims(200_000, 21, 7); // 2 Mi bits: about 1% false maybe at 200,000 keys
    const seen = keys("seen", 200_000);
    for (const id of seen) claims.remember(org, id);
    expect(seen.filter((id) => !claims.mayHave(org, id))).toEqual([]);
    const unseen = keys("unseen", 100_000);
    const falseMaybes = unseen.filter((id) => claims.mayHave(org, id)).length;
    expect(falseMaybes).toBeGreaterThan(0); // a filter, not a set
    expect(falseMaybes / unseen.length).toBeLessThan(0.02);
  });

  it("tells organizations and the split between organization and id apart", () => {
    const claims = new RecentClaims(1_000, 16, 7);
    expect(claims.remember("ab", "c")).toBe(false);
    expect(claims.remember("ab", "c")).toBe(true);
    expect(claims.mayHave("ab", "c")).toBe(true);
    expect(claims.mayHave("a", "bc")).toBe(false);
    expect(claims.mayHave(randomUUID(), "c")).toBe(false);
  });

  it("remembers the last one to two generations, and forgets older ones", () => {
    const claims = new RecentClaims(10_000, 18, 7);
    const [oldest, older, newest] = [keys("a", 10_000), keys("b", 10_000), keys("c", 5_000)];
    for (const id of [...oldest, ...older, ...newest]) claims.remember(org, id);
    expect([...older, ...newest].every((id) => claims.mayHave(org, id))).toBe(true);
    expect(oldest.filter((id) => claims.mayHave(org, id)).length).toBeLessThan(oldest.length * 0.02);
  });
});
