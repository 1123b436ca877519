// A real Tollgate machine server for the SDK tests, built exactly like
// test/authz/check-api.test.ts: the lean router on node:http, a real
// database, an organization and an authz:check key made by the domain code.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { CLIENT_IP_HEADER } from "../../lib/http/request-meta.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { machineRouter } from "../../server/machine-routes.ts";
import { createTestOrg } from "../../test/helpers.ts";

export async function startTollgate() {
  const router = await machineRouter();
  const server = http.createServer((req, res) => {
    req.headers[CLIENT_IP_HEADER] = "127.0.0.1";
    if (!router.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { baseUrl, close };
}

export async function orgWithCheckKey() {
  const t = await createTestOrg();
  const viewer = await t.addMember("viewer");
  const project = await createProject(t.owner, { name: "Web", slug: "web" });
  const { key, apiKey } = await createApiKey(t.owner, { name: "sdk test", permissions: ["authz:check"] });
  return { ...t, viewer, project, key, apiKey };
}

/** A fetch that records what the SDK sent, then really sends it. */
export function recordingFetch() {
  const calls: Array<{ url: string; headers: Record<string, string>; body: any }> = [];
  const wrapped: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) }, body: JSON.parse(String(init?.body)) });
    return fetch(input, init);
  };
  return { fetch: wrapped, calls };
}
