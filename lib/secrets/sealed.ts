// Secrets Tollgate must use again in clear (an SSO connection's client
// secret), sealed at rest with AES-256-GCM under a key derived from
// NEXTAUTH_SECRET: a copy of the database alone does not give them away.
// Changing NEXTAUTH_SECRET makes sealed secrets unreadable: they are entered again.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";

function sealingKey(purpose: string): Buffer {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) throw new Error("NEXTAUTH_SECRET is not set: secrets cannot be sealed");
  return Buffer.from(hkdfSync("sha256", secret, "tollgate-sealed", purpose, 32));
}

/** Seals `plain` for `purpose` (bound into the key, so a secret sealed for one use is not opened for another). */
export function seal(plain: string, purpose: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(purpose), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${iv.toString("base64url")}.${body.toString("base64url")}`;
}

/** The clear text of a sealed secret, or null when it cannot be opened (another key, altered). */
export function unseal(sealed: string, purpose: string): string | null {
  const [version, iv, body] = sealed.split(".");
  if (version !== VERSION || !iv || !body) return null;
  try {
    const data = Buffer.from(body, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", sealingKey(purpose), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
