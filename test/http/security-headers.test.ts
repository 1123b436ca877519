// The HTTP server puts the security headers on every answer (lean router,
// refusals, what it hands to Next.js) and gives Next.js the page policy, nonce
// included, on the request. A stand-in takes Next.js's place here; the real
// one runs in e2e/security-headers.spec.ts.
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeanRouter, sendJson } from "../../lib/http/lean-router.ts";
import { createTollgateServer } from "../../server/http-server.ts";

const API_POLICY = "default-src 'none'; frame-ancestors 'none'";
const NONCE = /script-src 'self' 'nonce-([A-Za-z0-9+/]{22}==)' 'strict-dynamic'/;

function useServer(publicUrl: string) {
  const seenByNext: Array<string | undefined> = [];
  let server: http.Server;
  let base = "";
  beforeAll(async () => {
    const machines = new LeanRouter().on("GET", "/api/ping", (_req, res) => sendJson(res, 200, { ok: true }));
    server = createTollgateServer(
      machines,
      async (req, res) => {
        seenByNext.push(req.headers["content-security-policy"] as string | undefined);
        res.setHeader("content-type", "text/html");
        res.end("<!doctype html><title>page</title>");
      },
      { publicUrl },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { get: (path: string, init?: RequestInit) => fetch(base + path, init), seenByNext };
}

function expectCommonHeaders(res: Response) {
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("same-origin");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(res.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9_-]{16}$/);
  // Each header once: the lean answers write theirs in one list, pages get them set.
  for (const name of ["x-content-type-options", "x-frame-options", "x-request-id"]) expect(res.headers.get(name)).not.toContain(",");
}

describe("behind an https public URL", () => {
  const server = useServer("https://tollgate.example.com");

  it("answers lean routes with the common headers, HSTS and the minimal policy", async () => {
    const res = await server.get("/api/ping");
    expect(res.status).toBe(200);
    expectCommonHeaders(res);
    expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000");
    expect(res.headers.get("content-security-policy")).toBe(API_POLICY);
  });

  it("refuses a cross-site post with the headers too", async () => {
    const res = await server.get("/settings", { method: "POST", headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expectCommonHeaders(res);
    expect(res.headers.get("strict-transport-security")).not.toBeNull();
  });

  it("hands pages to Next.js with the response's own policy on the request, replacing one the client sent", async () => {
    const res = await server.get("/sign-in", { headers: { "content-security-policy": "script-src 'nonce-chosenbytheclient'" } });
    expectCommonHeaders(res);
    const policy = res.headers.get("content-security-policy")!;
    expect(policy).toMatch(NONCE);
    expect(server.seenByNext.at(-1)).toBe(policy);
    const again = await server.get("/sign-in");
    expect(again.headers.get("content-security-policy")!.match(NONCE)![1]).not.toBe(policy.match(NONCE)![1]);
  });
});

describe("behind an http public URL", () => {
  const server = useServer("http://localhost:3000");

  it("sends no HSTS", async () => {
    for (const path of ["/api/ping", "/sign-in"]) {
      const res = await server.get(path);
      expectCommonHeaders(res);
      expect(res.headers.get("strict-transport-security")).toBeNull();
    }
  });
});
