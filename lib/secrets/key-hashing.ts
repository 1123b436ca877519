// The keyed hashes of API key secrets. A stored hash reads
// `v2:<secret id>:<HMAC-SHA-256 hex>`: the id names the hashing secret that
// made it (TOLLGATE_API_KEY_SECRET, or one of the old ones listed in
// TOLLGATE_API_KEY_SECRET_PREVIOUS), so that secret can be rotated without
// breaking keys. Hashes made before versioning are bare hex, keyed by
// NEXTAUTH_SECRET ("legacy"); they verify while that secret is set. Any hash
// not made with the current secret is re-hashed when its key is next used.
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

export const API_KEY_SECRET_VAR = "TOLLGATE_API_KEY_SECRET";
export const API_KEY_SECRET_PREVIOUS_VAR = "TOLLGATE_API_KEY_SECRET_PREVIOUS";
export const MIN_API_KEY_SECRET_LENGTH = 32;

export type HashingSecret = { id: string; hmacKey: Buffer };
export type Keyring = {
  /** Makes every new hash; null when TOLLGATE_API_KEY_SECRET is not set (keys can then be verified, not made). */
  current: HashingSecret | null;
  /** The current secret and the previous ones, by id. */
  byId: ReadonlyMap<string, HashingSecret>;
  /** The NEXTAUTH_SECRET-keyed hashing of keys made before versioning; null without NEXTAUTH_SECRET. */
  legacy: HashingSecret | null;
};
/** A stored hash, decoded once (when an organization's index is built), with the secret that made it resolved. */
export type StoredHash = { text: string; secret: HashingSecret | null; digest: Buffer };

const VERSIONED = /^v2:([0-9a-f]{8}):([0-9a-f]{64})$/;
const LEGACY = /^[0-9a-f]{64}$/;

function derive(secret: string, info: string): HashingSecret {
  const hmacKey = Buffer.from(hkdfSync("sha256", secret, "tollgate", info, 32));
  // A short fingerprint of the derived key: says which secret made a hash, reveals nothing of it.
  return { id: createHmac("sha256", hmacKey).update("tollgate api-key secret id").digest("hex").slice(0, 8), hmacKey };
}

export function parseSecretList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function buildKeyring(config: { current?: string; previous?: string[]; nextAuthSecret?: string }): Keyring {
  const byId = new Map<string, HashingSecret>();
  const add = (secret: string, variable: string) => {
    if (secret.length < MIN_API_KEY_SECRET_LENGTH) throw new Error(`${variable}: must be at least ${MIN_API_KEY_SECRET_LENGTH} characters`);
    const derived = derive(secret, "api-key-hmac-v2");
    const known = byId.get(derived.id);
    if (known && !known.hmacKey.equals(derived.hmacKey)) throw new Error(`${variable}: two API key hashing secrets share the id ${derived.id}; replace one of them`);
    if (!known) byId.set(derived.id, derived);
    return known ?? derived;
  };
  const current = config.current ? add(config.current, API_KEY_SECRET_VAR) : null;
  for (const secret of config.previous ?? []) add(secret, API_KEY_SECRET_PREVIOUS_VAR);
  const legacy = config.nextAuthSecret ? { id: "legacy", hmacKey: Buffer.from(hkdfSync("sha256", config.nextAuthSecret, "tollgate", "api-key-hmac-v1", 32)) } : null;
  return { current, byId, legacy };
}

let processKeyring: Keyring | undefined;
/** The process's keyring, from the environment (server/boot.ts sets it before anything hashes). */
export function keyring(): Keyring {
  processKeyring ??= buildKeyring({
    current: process.env[API_KEY_SECRET_VAR] || undefined,
    previous: parseSecretList(process.env[API_KEY_SECRET_PREVIOUS_VAR]),
    nextAuthSecret: process.env.NEXTAUTH_SECRET || undefined,
  });
  return processKeyring;
}

export function hashSecret(secret: string, ring = keyring()): string {
  if (!ring.current) throw new Error(`${API_KEY_SECRET_VAR} is not set`);
  return `v2:${ring.current.id}:${createHmac("sha256", ring.current.hmacKey).update(secret).digest("hex")}`;
}

/** A hash of an unknown form or by a secret no longer configured decodes with no secret: nothing matches it. */
export function decodeStoredHash(text: string, ring = keyring()): StoredHash {
  const versioned = VERSIONED.exec(text);
  if (versioned) return { text, secret: ring.byId.get(versioned[1]!) ?? null, digest: Buffer.from(versioned[2]!, "hex") };
  if (LEGACY.test(text)) return { text, secret: ring.legacy, digest: Buffer.from(text, "hex") };
  return { text, secret: null, digest: Buffer.alloc(0) };
}

export function storedHashMatches(secret: string, stored: StoredHash): boolean {
  if (!stored.secret) return false;
  const candidate = createHmac("sha256", stored.secret.hmacKey).update(secret).digest();
  return candidate.length === stored.digest.length && timingSafeEqual(candidate, stored.digest);
}

/** The hash to store instead of `stored` (which `secret` matched), or null when it was made with the current secret already. */
export function rehashOf(stored: StoredHash, secret: string, ring = keyring()): string | null {
  return ring.current && stored.secret !== ring.current ? hashSecret(secret, ring) : null;
}
