// The SDK's verifyKey against a real Tollgate server: valid, refused and
// another organization's keys, and no caching of answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "../../lib/apikeys/api-keys.ts";
import { createTestOrg } from "../../test/helpers.ts";
import { PermissionDeniedError, Tollgate } from "../src/index.ts";
import { recordingFetch, startTollgate } from "./real-server.ts";

let server: Awaited<ReturnType<typeof startTollgate>>;
beforeAll(async () => {
  server = await startTollgate();
});
afterAll(() => server.close());

async function setup() {
  const t = await createTestOrg();
  const verifier = await createApiKey(t.owner, { name: "my service", permissions: ["apikeys:verify"] });
  const customer = await createApiKey(t.owner, { name: "customer key", permissions: ["projects:read", "authz:check"] });
  const recorder = recordingFetch();
  const tollgate = new Tollgate({ baseUrl: server.baseUrl, apiKey: verifier.key, fetch: recorder.fetch });
  return { ...t, tollgate, customer, calls: recorder.calls };
}

describe("verifyKey", () => {
  it("answers a valid key with its organization and permissions, then a revoked one at once", async () => {
    const { tollgate, customer, org, owner, calls } = await setup();
    expect(await tollgate.verifyKey({ key: customer.key })).toEqual({
      valid: true,
      keyId: customer.apiKey.id,
      orgId: org.id,
      projectId: null,
      name: "customer key",
      permissions: ["authz:check", "projects:read"],
      expiresAt: null,
      reason: null,
    });
    await revokeApiKey(owner, { apiKeyId: customer.apiKey.id });
    expect(await tollgate.verifyKey({ key: customer.key })).toMatchObject({ valid: false, keyId: customer.apiKey.id, reason: "revoked_api_key", permissions: [] });
    expect(calls).toHaveLength(2);
    expect(calls[0]!.url).toBe(`${server.baseUrl}/api/v1/keys/verify`);
  });

  it("does not reveal another organization's keys", async () => {
    const { tollgate } = await setup();
    const other = await setup();
    expect(await tollgate.verifyKey({ key: other.customer.key })).toEqual({
      valid: false,
      keyId: null,
      orgId: null,
      projectId: null,
      name: null,
      permissions: [],
      expiresAt: null,
      reason: "invalid_api_key",
    });
  });

  it("throws PermissionDeniedError for a key without apikeys:verify", async () => {
    const { customer } = await setup();
    const tollgate = new Tollgate({ baseUrl: server.baseUrl, apiKey: customer.key });
    await expect(tollgate.verifyKey({ key: customer.key })).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
