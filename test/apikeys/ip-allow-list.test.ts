// IP allow lists of API keys over real HTTP: IPv4 and IPv6 ranges, single
// addresses, IPv4-mapped IPv6, and bad entries refused at creation.
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { checkKey } from "../../lib/apikeys/authenticate-api-key.ts";
import { flushKeyUsage } from "../../lib/apikeys/key-usage.ts";
import { db } from "../../lib/db.ts";
import { createTestOrg } from "../helpers.ts";
import { orgWithAdminKey, policyRequest, useMachineServer } from "./http.ts";

const { call } = useMachineServer();

async function keyFrom(ipAllowList: string[]) {
  const { owner } = await createTestOrg();
  return createApiKey(owner, { name: "restricted", permissions: ["apikeys:read"], ipAllowList });
}

async function expectAllowed(key: string, ip: string) {
  const res = await policyRequest(call, key, ip);
  expect(res.status, `${ip} should be allowed: ${JSON.stringify(res.body)}`).toBe(200);
}
async function expectRefused(key: string, ip: string) {
  const res = await policyRequest(call, key, ip);
  expect(res.status, `${ip} should be refused`).toBe(401);
  expect(res.body.error.code, ip).toBe("ip_not_allowed");
}

describe("IP allow lists", () => {
  it("an IPv4 CIDR allows addresses inside and refuses others with 401 ip_not_allowed", async () => {
    const { key } = await keyFrom(["203.0.113.0/24"]);
    await expectAllowed(key, "203.0.113.9");
    await expectAllowed(key, "203.0.113.255");
    await expectRefused(key, "198.51.100.1");
    await expectRefused(key, "203.0.114.1");
    await expectRefused(key, "2001:db8::1");
    expect(await checkKey(key, "203.0.113.0")).toMatchObject({ ok: true });
    expect(await checkKey(key, null)).toMatchObject({ ok: false, code: "ip_not_allowed" });
    expect(await checkKey(key, "not an ip")).toMatchObject({ ok: false, code: "ip_not_allowed" });
  });

  it("an IPv6 CIDR allows addresses inside and refuses others", async () => {
    const { key } = await keyFrom(["2001:db8::/32"]);
    await expectAllowed(key, "2001:db8::1");
    await expectAllowed(key, "2001:db8:ffff:1::42");
    await expectRefused(key, "2001:db9::1");
    await expectRefused(key, "203.0.113.9");
  });

  it("a single address allows only itself (IPv4 and IPv6)", async () => {
    const { key } = await keyFrom(["198.51.100.7", "2001:db8::5"]);
    await expectAllowed(key, "198.51.100.7");
    await expectAllowed(key, "2001:db8::5");
    await expectAllowed(key, "2001:0db8:0000:0000:0000:0000:0000:0005");
    await expectRefused(key, "198.51.100.8");
    await expectRefused(key, "2001:db8::6");
  });

  it("an IPv4-mapped IPv6 address counts as its IPv4 address", async () => {
    const { key } = await keyFrom(["203.0.113.0/24"]);
    await expectAllowed(key, "::ffff:203.0.113.9");
    await expectRefused(key, "::ffff:198.51.100.1");
  });

  it("a key without an allow list is usable from anywhere", async () => {
    const { key } = await keyFrom([]);
    await expectAllowed(key, "198.51.100.1");
    await expectAllowed(key, "2001:db9::1");
  });

  it("audits a refused address as apikey.refused with reason ip_not_allowed", async () => {
    const { key, apiKey } = await keyFrom(["203.0.113.0/24"]);
    await expectRefused(key, "192.0.2.77");
    await flushKeyUsage();
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "apikey.refused", targetId: apiKey.id } });
    expect(event.ip).toBe("192.0.2.77");
    expect(event.after).toMatchObject({ reason: "ip_not_allowed", via: "api" });
  });

  it("refuses an invalid entry on create with 400 naming it", async () => {
    const { adminKey, org } = await orgWithAdminKey();
    for (const bad of ["10.0.0.0/33", "300.1.2.3", "not-an-ip", "2001:db8::/129"]) {
      const res = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "bad", permissions: ["apikeys:read"], ipAllowList: ["10.0.0.0/8", bad] } });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message, bad).toContain(bad);
      expect(res.body.error.message, bad).toMatch(/^ipAllowList\.1: /);
    }
    const direct = await createApiKey((await createTestOrg()).owner, { name: "bad", permissions: ["apikeys:read"], ipAllowList: ["192.168.0.0/40"] }).catch((e) => e);
    expect(direct).toBeInstanceOf(ZodError);
    expect(await db.apiKey.count({ where: { orgId: org.id } })).toBe(1);

    const ok = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "good", permissions: ["apikeys:read"], ipAllowList: [" 203.0.113.0/24 ", "2001:db8::/32", "198.51.100.7"] } });
    expect(ok.status).toBe(201);
    const shown = await call("GET", `/api/v1/api-keys/${ok.body.apiKey.id}`, { key: adminKey });
    expect(shown.body.ipAllowList).toEqual(["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"]);
  });
});
