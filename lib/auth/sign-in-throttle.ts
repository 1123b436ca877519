// Sign-in throttling per account and per IP, in PostgreSQL so that it holds
// across app processes. An attempt is counted before the password is checked
// (and given back on success), so a burst of parallel guesses cannot all slip
// in before the first failures are written.
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

function locked(until: Date, now: Date): RateLimited {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  const minutes = Math.ceil(seconds / 60);
  return new RateLimited("too_many_sign_in_attempts", `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`, seconds);
}

/** Counts one attempt against the account and the IP; throws RateLimited past either limit. */
export async function reserveSignInAttempt(email: string, ip: string | null, now = new Date()) {
  const windowStart = new Date(now.getTime() - WINDOW_MS);
  for (const [kind, key] of keys(email, ip)) {
    // While locked nothing is counted; a passed window starts afresh.
    const [row] = await db.$queryRaw<Array<{ failures: number; lockedUntil: Date | null }>>`
      INSERT INTO "SignInThrottle" ("key", "failures", "windowStart") VALUES (${key}, 1, ${now})
      ON CONFLICT ("key") DO UPDATE SET
        "failures" = CASE
          WHEN "SignInThrottle"."lockedUntil" > ${now} THEN "SignInThrottle"."failures"
          WHEN "SignInThrottle"."windowStart" < ${windowStart} THEN 1
          ELSE "SignInThrottle"."failures" + 1 END,
        "windowStart" = CASE
          WHEN "SignInThrottle"."lockedUntil" > ${now} THEN "SignInThrottle"."windowStart"
          WHEN "SignInThrottle"."windowStart" < ${windowStart} THEN ${now}
          ELSE "SignInThrottle"."windowStart" END
      RETURNING "failures", "lockedUntil"`;
    if (row!.lockedUntil && row!.lockedUntil > now) throw locked(row!.lockedUntil, now);
    if (row!.failures > LIMITS[kind]) {
      const until = new Date(now.getTime() + LOCK_MS);
      await db.$executeRaw`UPDATE "SignInThrottle" SET "lockedUntil" = ${until}, "failures" = 0, "windowStart" = ${now} WHERE "key" = ${key}`;
      throw locked(until, now);
    }
  }
}

/** A successful sign-in clears the account's count and gives the IP its attempt back. */
export async function signInSucceeded(email: string, ip: string | null) {
  await db.signInThrottle.deleteMany({ where: { key: keyFor("account", email) } });
  if (ip) await db.$executeRaw`UPDATE "SignInThrottle" SET "failures" = GREATEST("failures" - 1, 0) WHERE "key" = ${keyFor("ip", ip)}`;
}
