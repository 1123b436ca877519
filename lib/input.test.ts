import { describe, expect, it } from "vitest";
import { Invalid } from "./errors.ts";
import { assertCleanInput, boundedDate, findUncleanText, isCleanText } from "./input.ts";

describe("boundedDate", () => {
  const date = boundedDate("validUntil");
  it.each([["2030-01-01T00:00:00Z"], [Date.UTC(9999, 11, 31)], ["1970-01-01T00:00:00Z"]])("accepts %j", (value) => {
    expect(date.safeParse(value).success).toBe(true);
  });
  it.each([["+275760-09-13T00:00:00Z"], [8.64e15], ["+010000-01-01T00:00:00Z"], ["1969-12-31T23:59:59Z"], ["not a date"], [-1]])("refuses %j", (value) => {
    const result = date.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toMatch(/^validUntil must be a date/);
  });
});

describe("clean text", () => {
  it("refuses NUL and unpaired surrogates, keeps real characters", () => {
    expect(isCleanText("Ünïcödé 🎉 ok")).toBe(true);
    expect(isCleanText("a\u0000b")).toBe(false);
    expect(isCleanText("\ud800")).toBe(false);
    expect(isCleanText("x\udc00")).toBe(false);
    expect(isCleanText("\ud83c\udf89")).toBe(true);
  });

  it("finds the first bad string, keys included, and names where", () => {
    expect(findUncleanText({ a: ["ok", { b: "bad\u0000" }] })).toBe("a.1.b");
    expect(findUncleanText({ ["k\ud800"]: 1 })).toBe("k\ud800");
    expect(findUncleanText({ ok: "fine", n: 1, d: null })).toBeNull();
    expect(() => assertCleanInput({ name: "x\u0000" })).toThrow(Invalid);
    expect(() => assertCleanInput({ name: "x\u0000" })).toThrow("name: text may not contain NUL characters or unpaired UTF-16 surrogates");
  });
});
