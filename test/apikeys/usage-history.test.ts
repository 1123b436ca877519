// A key's usage chart: requests and refusals per UTC day, counted over real
// HTTP and written with the usage batches; only the key's organization sees it.
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { flushKeyUsage } from "../../lib/apikeys/key-usage.ts";
import { KEY_USAGE_DAYS, keyUsageByDay, purgeOldKeyUsage } from "../../lib/apikeys/key-usage-history.ts";
import { db } from "../../lib/db.ts";
import { NotFound } from "../../lib/errors.ts";
import { createTestOrg } from "../helpers.ts";
import { policyRequest, useMachineServer } from "./http.ts";

const { call } = useMachineServer();
const today = () => new Date().toISOString().slice(0, 10);

describe("API key usage by day", () => {
  it("counts every request and every refusal of the key on its day, and nothing of other keys", async () => {
    const { owner } = await createTestOrg();
    const dayBefore = today();
    const { key, apiKey } = await createApiKey(owner, { name: "charted", permissions: ["apikeys:read"], ipAllowList: ["203.0.113.0/24"] });
    const { key: other } = await createApiKey(owner, { name: "other", permissions: ["apikeys:read"] });
    for (const ip of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) expect((await policyRequest(call, key, ip)).status).toBe(200);
    // Refused twice for the same reason: the audit event is throttled, the count is not.
    for (const ip of ["198.51.100.1", "198.51.100.2"]) expect((await policyRequest(call, key, ip)).status).toBe(401);
    expect((await policyRequest(call, other, "203.0.113.1")).status).toBe(200);
    await flushKeyUsage();

    const history = await keyUsageByDay(owner, { apiKeyId: apiKey.id });
    expect(history.days).toHaveLength(KEY_USAGE_DAYS);
    // Today (or, should UTC midnight fall during the test, the day it started).
    expect([dayBefore, today()]).toContain(history.days.at(-1)!.day);
    expect(history.days.at(-1)).toMatchObject({ requests: 3, refusals: 2 });
    expect(history.days.slice(0, -1).every((d) => d.requests === 0 && d.refusals === 0)).toBe(true);
    expect(history).toMatchObject({ requests: 3, refusals: 2 });
    // The key's own totals moved in the same statement.
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).requestCount).toBe(3n);

    // Later batches add to the day.
    expect((await policyRequest(call, key, "203.0.113.4")).status).toBe(200);
    await flushKeyUsage();
    expect((await keyUsageByDay(owner, { apiKeyId: apiKey.id })).days.at(-1)).toMatchObject({ requests: 4, refusals: 2 });
  });

  it("another organization's key is not found, and a malformed id is refused", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const { apiKey } = await createApiKey(a.owner, { name: "a's key", permissions: ["apikeys:read"] });
    await expect(keyUsageByDay(b.owner, { apiKeyId: apiKey.id })).rejects.toBeInstanceOf(NotFound);
    await expect(keyUsageByDay(a.owner, { apiKeyId: "not-a-key" })).rejects.toBeInstanceOf(ZodError);
    await expect(keyUsageByDay(a.owner, { apiKeyId: apiKey.id, orgId: b.org.id })).rejects.toBeInstanceOf(ZodError);
  });

  it("counts of deleted keys vanish with them, and counts older than 90 days are purged", async () => {
    const { owner } = await createTestOrg();
    const { apiKey } = await createApiKey(owner, { name: "old", permissions: ["apikeys:read"] });
    const day = (daysAgo: number) => new Date(Date.UTC(2026, 0, 1) - daysAgo * 86_400_000);
    const now = Date.UTC(2026, 0, 1);
    await db.apiKeyDailyUsage.createMany({
      data: [
        { keyId: apiKey.id, day: day(91), requests: 5n },
        { keyId: apiKey.id, day: day(89), requests: 7n },
      ],
    });
    expect(await purgeOldKeyUsage(now)).toBeGreaterThanOrEqual(1);
    expect((await db.apiKeyDailyUsage.findMany({ where: { keyId: apiKey.id } })).map((r) => Number(r.requests))).toEqual([7]);
    await db.apiKey.delete({ where: { id: apiKey.id } });
    expect(await db.apiKeyDailyUsage.count({ where: { keyId: apiKey.id } })).toBe(0);
  });
});
