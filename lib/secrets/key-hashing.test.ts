import { createHmac, hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildKeyring, decodeStoredHash, hashSecret, parseSecretList, rehashOf, storedHashMatches } from "./key-hashing.ts";

const A = "a".repeat(32) + "-first-api-key-hashing-secret";
const B = "b".repeat(32) + "-second-api-key-hashing-secret";
const SESSION = "session-secret-that-is-at-least-32-characters";
const SECRET = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg";

/** How keys were hashed before versioning (kept here on purpose: stored data depends on it). */
const legacyHash = (nextAuthSecret: string, secret: string) =>
  createHmac("sha256", Buffer.from(hkdfSync("sha256", nextAuthSecret, "tollgate", "api-key-hmac-v1", 32)))
    .update(secret)
    .digest("hex");

const matches = (stored: string, ring: ReturnType<typeof buildKeyring>, secret = SECRET) => storedHashMatches(secret, decodeStoredHash(stored, ring));

describe("API key hash versions", () => {
  it("records which secret made a hash, with a stable id that does not reveal the secret", () => {
    const ring = buildKeyring({ current: A });
    const stored = hashSecret(SECRET, ring);
    expect(stored).toMatch(/^v2:[0-9a-f]{8}:[0-9a-f]{64}$/);
    expect(stored.split(":")[1]).toBe(ring.current!.id);
    expect(buildKeyring({ current: A }).current!.id).toBe(ring.current!.id);
    expect(buildKeyring({ current: B }).current!.id).not.toBe(ring.current!.id);
    expect(stored).not.toContain(A);
    expect(matches(stored, ring)).toBe(true);
    expect(matches(stored, ring, SECRET.replace("Z", "Y"))).toBe(false);
  });

  it("keeps verifying hashes of a secret listed as previous, and re-hashes them with the current one", () => {
    const before = hashSecret(SECRET, buildKeyring({ current: A }));
    const rotated = buildKeyring({ current: B, previous: [A] });
    const decoded = decodeStoredHash(before, rotated);
    expect(storedHashMatches(SECRET, decoded)).toBe(true);
    const rehashed = rehashOf(decoded, SECRET, rotated)!;
    expect(rehashed).toBe(hashSecret(SECRET, rotated));
    expect(rehashed.split(":")[1]).toBe(rotated.current!.id);
    // Once re-hashed, the old secret can go.
    const after = buildKeyring({ current: B });
    expect(matches(rehashed, after)).toBe(true);
    expect(matches(before, after)).toBe(false);
    // A current hash needs nothing.
    expect(rehashOf(decodeStoredHash(rehashed, after), SECRET, after)).toBeNull();
  });

  it("does not depend on NEXTAUTH_SECRET", () => {
    const stored = hashSecret(SECRET, buildKeyring({ current: A, nextAuthSecret: SESSION }));
    expect(matches(stored, buildKeyring({ current: A, nextAuthSecret: "another-session-secret-of-32-characters-or-more" }))).toBe(true);
    expect(matches(stored, buildKeyring({ current: A }))).toBe(true);
  });

  it("verifies a legacy (NEXTAUTH_SECRET-keyed) hash while that secret is set, and re-hashes it", () => {
    const legacy = legacyHash(SESSION, SECRET);
    const ring = buildKeyring({ current: A, nextAuthSecret: SESSION });
    expect(matches(legacy, ring)).toBe(true);
    expect(rehashOf(decodeStoredHash(legacy, ring), SECRET, ring)).toBe(hashSecret(SECRET, ring));
    expect(matches(legacy, buildKeyring({ current: A }))).toBe(false);
    expect(matches(legacy, buildKeyring({ current: A, nextAuthSecret: "another-session-secret-of-32-characters-or-more" }))).toBe(false);
    // Verifying works without a current secret; only re-hashing needs one.
    const noCurrent = buildKeyring({ nextAuthSecret: SESSION });
    expect(matches(legacy, noCurrent)).toBe(true);
    expect(rehashOf(decodeStoredHash(legacy, noCurrent), SECRET, noCurrent)).toBeNull();
    expect(() => hashSecret(SECRET, noCurrent)).toThrow("TOLLGATE_API_KEY_SECRET is not set");
  });

  it("matches nothing with a hash of an unknown secret or form", () => {
    const ring = buildKeyring({ current: A, nextAuthSecret: SESSION });
    const valid = hashSecret(SECRET, ring);
    for (const stored of [valid.replace(/^v2:[0-9a-f]{8}/, "v2:00000000"), `v3${valid.slice(2)}`, valid.slice(0, -2), "", "00", `${valid.slice(0, -1)}${valid.endsWith("0") ? "1" : "0"}`]) {
      expect(matches(stored, ring), stored).toBe(false);
    }
  });

  it("refuses short secrets, naming the variable, and accepts a secret listed twice", () => {
    expect(() => buildKeyring({ current: "short" })).toThrow(/^TOLLGATE_API_KEY_SECRET: must be at least 32 characters$/);
    expect(() => buildKeyring({ current: A, previous: ["short"] })).toThrow(/^TOLLGATE_API_KEY_SECRET_PREVIOUS: must be at least 32 characters$/);
    expect(buildKeyring({ current: A, previous: [A, B] }).byId.size).toBe(2);
    expect(parseSecretList(` ${A} ,, ${B},`)).toEqual([A, B]);
  });
});
