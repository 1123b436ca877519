// Shared by the API key tests: the lean router in-process on node:http, with
// the client IP taken from a test-only `x-test-ip` header (default 127.0.0.1),
// set where server/main.ts would set it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { assertDocumentedAnswer } from "../api-contract.ts";
import { setRequestMeta } from "../../lib/http/request-meta.ts";
import { machineRouter } from "../../server/machine-routes.ts";
import { builtInRole, createTestOrg } from "../helpers.ts";

export const TEST_IP_HEADER = "x-test-ip";

export type Reply = { status: number; headers: Headers; body: any };
export type Caller = (method: string, path: string, options?: { key?: string | null; body?: unknown; rawBody?: Buffer; ip?: string; headers?: Record<string, string> }) => Promise<Reply>;

/** Starts the machine router for the file; `call` talks to it. */
export function useMachineServer(): { call: Caller; baseUrl: () => string } {
  let server: http.Server | undefined;
  let base = "";
  beforeAll(async () => {
    const router = await machineRouter();
    server = http.createServer((req, res) => {
      const ip = req.headers[TEST_IP_HEADER];
      setRequestMeta(req, { requestId: crypto.randomUUID(), ip: typeof ip === "string" && ip ? ip : "127.0.0.1", userAgent: req.headers["user-agent"] ?? null });
      if (!router.handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const call: Caller = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.ip) headers[TEST_IP_HEADER] = options.ip;
    if (options.body !== undefined || options.rawBody) headers["content-type"] = "application/json";
    const body = options.rawBody ? new Uint8Array(options.rawBody) : options.body === undefined ? undefined : JSON.stringify(options.body);
    const res = await fetch(base + path, { method, headers, body });
    const text = await res.text();
    const answer = text ? JSON.parse(text) : null;
    assertDocumentedAnswer(method, path, res.status, answer);
    return { status: res.status, headers: res.headers, body: answer };
  };
  return { call, baseUrl: () => base };
}

/** An organization whose owner made an admin-role key for the management API. */
export async function orgWithAdminKey() {
  const t = await createTestOrg({ slugPrefix: "keys" });
  const { key, apiKey } = await createApiKey(t.owner, { name: "automation", roleId: (await builtInRole("admin")).id });
  return { ...t, adminKey: key, adminKeyRow: apiKey };
}

/** A request that needs only a valid key with apikeys:read: GET /api/v1/api-key-policy. */
export const policyRequest = (call: Caller, key: string | null, ip?: string) => call("GET", "/api/v1/api-key-policy", { key, ip });

/** A request on the lean check route (the organization-key door of lib/http/api-route.ts); the key needs authz:check. */
export const checkRequest = (call: Caller, key: string | null, userId: string, ip?: string) =>
  call("POST", "/api/v1/authz/check", { key, ip, body: { subject: { type: "user", id: userId }, permission: "organization:read" } });
