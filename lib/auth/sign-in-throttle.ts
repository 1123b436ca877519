// Failed sign-ins are counted per account and per IP in PostgreSQL, so the
// limit holds across app processes. Past the limit the key is locked for a
// while and the message says for how long.
import { db } from "../db.ts";
import { RateLimited } from "../errors.ts";

const WINDOW_MS = 15 * 60_000;
const LOCK_MS = 15 * 60_000;
const LIMITS = { account: 5, ip: 20 } as const;

type Kind = keyof typeof LIMITS;
const keyFor = (kind: Kind, value: string) => `${kind}:${value.toLowerCase()}`;

function keys(email: string, ip: string | null): Array<[Kind, string]> {
  const list: Array<[Kind, string]> = [["account", keyFor("account", email)]];
  if (ip) list.push(["ip", keyFor("ip", ip)]);
  return list;
}

export async function assertSignInAllowed(email: string, ip: string | null, now = new Date()) {
  const rows = await db.signInThrottle.findMany({ where: { key: { in: keys(email, ip).map(([, k]) => k) } } });
  const lockedUntil = rows
    .map((r) => r.lockedUntil)
    .filter((d): d is Date => !!d && d > now)
    .sort((a, b) => b.getTime() - a.getTime())[0];
  if (lockedUntil) {
    const seconds = Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000);
    const minutes = Math.ceil(seconds / 60);
    throw new RateLimited(
      "too_many_sign_in_attempts",
      `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      seconds,
    );
  }
}

export async function recordFailedSignIn(email: string, ip: string | null, now = new Date()) {
  for (const [kind, key] of keys(email, ip)) {
    const windowStart = new Date(now.getTime() - WINDOW_MS);
    // One statement per key: a new window starts when the old one has passed,
    // and the lock is set by the same write that crosses the limit.
    await db.$executeRaw`
      INSERT INTO "SignInThrottle" ("key", "failures", "windowStart")
      VALUES (${key}, 1, ${now})
      ON CONFLICT ("key") DO UPDATE SET
        "failures" = CASE WHEN "SignInThrottle"."windowStart" < ${windowStart} THEN 1 ELSE "SignInThrottle"."failures" + 1 END,
        "windowStart" = CASE WHEN "SignInThrottle"."windowStart" < ${windowStart} THEN ${now} ELSE "SignInThrottle"."windowStart" END`;
    await db.$executeRaw`
      UPDATE "SignInThrottle" SET "lockedUntil" = ${new Date(now.getTime() + LOCK_MS)}, "failures" = 0, "windowStart" = ${now}
      WHERE "key" = ${key} AND "failures" >= ${LIMITS[kind]}`;
  }
}

export async function clearAccountThrottle(email: string) {
  await db.signInThrottle.deleteMany({ where: { key: keyFor("account", email) } });
}
