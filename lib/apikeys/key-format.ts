// API key format. A key reads `tg_live_<publicId>_<secret>`: a prefix secret
// scanners recognise, a public id to find the key, and 256 bits of secret.
// Only a keyed hash of the secret is stored (./key-hashing.ts); the secret's
// entropy makes a slow hash unnecessary, so verification stays fast.
import { randomBytes } from "node:crypto";
import { hashSecret } from "../secrets/key-hashing.ts";

export const KEY_PREFIX = "tg_live_";
const PUBLIC_ID = /^[a-z0-9]{16}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export type ParsedKey = { publicId: string; secret: string };

type Generated = { key: string; publicId: string; secretHash: string; lastFour: string };

/** A new key; pass the public id of an existing key to give it a new secret (rotation). */
export function generateKey(publicId = [...randomBytes(16)].map((b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("")): Generated {
  const secret = randomBytes(32).toString("base64url");
  return { key: `${KEY_PREFIX}${publicId}_${secret}`, publicId, secretHash: hashSecret(secret), lastFour: secret.slice(-4) };
}

export function parseKey(key: string): ParsedKey | null {
  if (!key.startsWith(KEY_PREFIX)) return null;
  const rest = key.slice(KEY_PREFIX.length);
  const publicId = rest.slice(0, 16);
  const secret = rest.slice(17);
  if (rest[16] !== "_" || !PUBLIC_ID.test(publicId) || !SECRET.test(secret)) return null;
  return { publicId, secret };
}

export const displayKey = (publicId: string, lastFour: string) => `${KEY_PREFIX}${publicId}_…${lastFour}`;
