import { describe, expect, it } from "vitest";
import { Forbidden } from "../errors.ts";
import { assertSameOrigin, isSameOrigin } from "./same-origin.ts";

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name] ?? null });

describe("isSameOrigin", () => {
  it("accepts a post from the site itself", () => {
    expect(isSameOrigin(headers({ origin: "http://localhost:3000", host: "localhost:3000" }))).toBe(true);
    expect(isSameOrigin(headers({ origin: "https://tollgate.example.com", host: "internal:3000" }), "https://tollgate.example.com")).toBe(true);
  });

  it.each([
    ["another site", { origin: "https://evil.example", host: "localhost:3000" }],
    ["a null origin (sandboxed frame, data: URL)", { origin: "null", host: "localhost:3000" }],
    ["no origin at all", { host: "localhost:3000" }],
    ["a sibling port", { origin: "http://localhost:3001", host: "localhost:3000" }],
    ["a cross-site fetch metadata header", { origin: "http://localhost:3000", host: "localhost:3000", "sec-fetch-site": "cross-site" }],
  ])("refuses %s", (_name, h) => {
    expect(isSameOrigin(headers(h))).toBe(false);
  });

  it("ignores X-Forwarded-Host unless the proxy is trusted", () => {
    const forged = headers({ origin: "https://evil.example", host: "localhost:3000", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" });
    expect(isSameOrigin(forged, "http://localhost:3000")).toBe(false);
    expect(() => assertSameOrigin(forged)).toThrow(Forbidden);
    const proxied = headers({ origin: "https://tollgate.example.com", host: "10.0.0.5:3000", "x-forwarded-host": "tollgate.example.com", "x-forwarded-proto": "https" });
    expect(isSameOrigin(proxied, undefined, true)).toBe(true);
  });

  it("throws Forbidden cross_site_request from assertSameOrigin", () => {
    expect(() => assertSameOrigin(headers({ origin: "null", host: "localhost:3000" }))).toThrow(Forbidden);
  });
});
