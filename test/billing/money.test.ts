import { describe, expect, it } from "vitest";
import { formatMoney } from "../../lib/billing/money.ts";

describe("formatMoney", () => {
  it("shows minor units in their currency, exactly", () => {
    expect(formatMoney(540025, "usd")).toBe("$5,400.25");
    expect(formatMoney(5, "eur")).toBe("€0.05");
    expect(formatMoney(1234, "jpy")).toBe("¥1,234");
    expect(formatMoney(9_007_199_254_740_991, "usd")).toBe("$90,071,992,547,409.91");
    expect(formatMoney(-150, "usd")).toBe("-$1.50");
  });
});
