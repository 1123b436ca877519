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

// The rule as a regular expression (what isCleanText used before).
// eslint-disable-next-line no-control-regex -- NUL is exactly what it looks for
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("clean text, judged natively", () => {
  it("is judged as the regular expression judges it, for random strings of awkward characters", () => {
    const alphabet = ["a", "é", "\u0000", "\uD83D", "\uDE00", "\uD83D\uDE00", "\uDBFF", "\uDC00", " ", "\uFFFF"];
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * alphabet.length;
    for (let i = 0; i < 5_000; i++) {
      const text = Array.from({ length: 1 + (i % 6) }, () => alphabet[Math.floor(random())]).join("");
      expect(isCleanText(text), JSON.stringify(text)).toBe(!BAD_TEXT.test(text));
    }
  });

  it("is found by path, in values and keys, in objects and arrays", () => {
    expect(findUncleanText({ a: "fine", b: [1, { c: "x\u0000y" }] })).toBe("b.1.c");
    expect(findUncleanText({ ok: { ["k\uD800"]: 1 } })).toBe("ok.k\uD800");
    expect(findUncleanText("\uDC00")).toBe("input");
    expect(findUncleanText({ a: ["\u0000"] }, "events.3")).toBe("events.3.a.0");
    expect(findUncleanText({ a: "\uD83D\uDE00", b: [null, 2, true] })).toBeNull();
  });
});
