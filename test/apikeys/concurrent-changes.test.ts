// Revoke and rotate read the key's state under a row lock inside their
// transaction: a concurrent revoke and rotate never hand out a secret for a
// key that is revoked by then, two revokes are one, and two rotations never
// lose a secret (the first one's stays valid for the overlap window).
import { describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey, rotateApiKey } from "../../lib/apikeys/api-keys.ts";
import { checkKey } from "../../lib/apikeys/authenticate-api-key.ts";
import { db } from "../../lib/db.ts";
import { Conflict } from "../../lib/errors.ts";
import { createTestOrg } from "../helpers.ts";

/** Races are about interleaving, not time: several rounds make a lost update likely on unguarded code. */
const ROUNDS = 6;

async function keysOf(count: number) {
  const { owner, org } = await createTestOrg({ slugPrefix: "race" });
  const keys = [];
  for (let i = 0; i < count; i++) keys.push(await createApiKey(owner, { name: `key ${i}`, permissions: ["projects:read"] }));
  return { owner, org, keys };
}

describe("concurrent key changes", () => {
  it("two revokes at once: one revokes, the other gets Conflict api_key_revoked, and one revocation is audited", async () => {
    const { owner, org, keys } = await keysOf(ROUNDS);
    for (const { apiKey } of keys) {
      const results = await Promise.allSettled([revokeApiKey(owner, { apiKeyId: apiKey.id }), revokeApiKey(owner, { apiKeyId: apiKey.id })]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(Conflict);
      expect(refused.reason).toMatchObject({ code: "api_key_revoked" });
    }
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "apikey.revoked" } })).toBe(ROUNDS);
  });

  it("a rotate racing a revoke either comes first or is refused: it never returns a secret for a key revoked before it", async () => {
    const { owner, keys } = await keysOf(ROUNDS);
    for (const { apiKey } of keys) {
      const [rotated, revoked] = await Promise.allSettled([rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 0 }), revokeApiKey(owner, { apiKeyId: apiKey.id })]);
      expect(revoked.status).toBe("fulfilled");
      if (rotated.status === "rejected") {
        expect(rotated.reason).toBeInstanceOf(Conflict);
        expect(rotated.reason).toMatchObject({ code: "api_key_revoked" });
      } else {
        // The rotation was committed before the revocation: it saw a live key.
        expect(rotated.value.apiKey.revokedAt).toBeNull();
        expect(rotated.value.apiKey.status).toBe("active");
        expect(await checkKey(rotated.value.key, null)).toMatchObject({ ok: false, code: "revoked_api_key" });
      }
      const events = await db.auditEvent.findMany({ where: { targetId: apiKey.id, action: { in: ["apikey.rotated", "apikey.revoked"] } }, orderBy: { createdAt: "asc" }, select: { action: true } });
      expect(events.at(-1)?.action).toBe("apikey.revoked");
    }
  });

  it("two rotations at once: each one's secret works afterwards (the first as the previous secret), none is lost", async () => {
    const { owner, keys } = await keysOf(ROUNDS);
    for (const { apiKey } of keys) {
      const [a, b] = await Promise.all([rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 24 }), rotateApiKey(owner, { apiKeyId: apiKey.id, overlapHours: 24 })]);
      expect(a.key).not.toBe(b.key);
      for (const { key } of [a, b]) expect(await checkKey(key, null)).toMatchObject({ ok: true });
      expect(await db.auditEvent.count({ where: { targetId: apiKey.id, action: "apikey.rotated" } })).toBe(2);
    }
  });
});
