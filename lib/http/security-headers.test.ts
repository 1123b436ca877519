import { getScriptNonceFromHeader } from "next/dist/server/app-render/get-script-nonce-from-header.js";
import { describe, expect, it } from "vitest";
import { API_CONTENT_SECURITY_POLICY, newNonce, securityHeaders } from "./security-headers.ts";

const headerNames = (publicUrl: string) => securityHeaders({ publicUrl, dev: false }).common.map(([name]) => name);

describe("securityHeaders", () => {
  it("sends HSTS only when the public URL is https", () => {
    const https = new Map(securityHeaders({ publicUrl: "https://tollgate.example.com", dev: false }).common);
    expect(https.get("strict-transport-security")).toBe("max-age=63072000");
    expect(headerNames("http://localhost:3000")).not.toContain("strict-transport-security");
    expect(headerNames("http://tollgate.internal")).not.toContain("strict-transport-security");
  });

  it("sends nosniff, a same-origin referrer policy, DENY framing and a minimal policy on every response", () => {
    expect(new Map(securityHeaders({ publicUrl: "http://localhost:3000", dev: false }).common)).toEqual(
      new Map([
        ["x-content-type-options", "nosniff"],
        ["referrer-policy", "same-origin"],
        ["x-frame-options", "DENY"],
        ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
      ]),
    );
    expect(API_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it("gives pages a policy whose script and style nonce Next.js reads back", () => {
    const nonce = newNonce();
    const policy = securityHeaders({ publicUrl: "https://tollgate.example.com", dev: false }).pagePolicy(nonce);
    expect(getScriptNonceFromHeader(policy)).toBe(nonce);
    expect(policy).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(policy).toContain(`style-src 'self' 'nonce-${nonce}'`);
    for (const directive of ["default-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'", "connect-src 'self'"]) {
      expect(policy).toContain(directive);
    }
  });

  it("allows eval and nonce-less <style> elements in development only", () => {
    const nonce = newNonce();
    const production = securityHeaders({ publicUrl: "http://localhost:3000", dev: false }).pagePolicy(nonce);
    const development = securityHeaders({ publicUrl: "http://localhost:3000", dev: true }).pagePolicy(nonce);
    expect(production).not.toContain("unsafe-eval");
    expect(production).not.toMatch(/style-src [^;]*'unsafe-inline'/);
    expect(production).toContain("style-src-attr 'unsafe-inline'");
    expect(development).toContain(`'nonce-${nonce}' 'strict-dynamic' 'unsafe-eval'`);
    expect(development).toContain("style-src 'self' 'unsafe-inline'");
    expect(getScriptNonceFromHeader(development)).toBe(nonce);
  });
});

describe("newNonce", () => {
  it("is 128 random bits in base64, different every time", () => {
    const nonces = Array.from({ length: 1000 }, newNonce);
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(nonce, "base64")).toHaveLength(16);
    }
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});
