// Throttling of password guesses and of requests that send mail, in
// PostgreSQL so that it holds across app processes.
//
// Sign-in is throttled per (account, source) with growing delays, and per
// source with a cap. Nothing counts per account alone: a stranger failing on
// purpose can slow down their own source, never the owner signing in from
// theirs. Attempts are counted before the password is checked (and given
// back on success), so a burst of parallel guesses cannot slip in together.
import ipaddr from "ipaddr.js";
import { db, type Tx } from "../db.ts";
import { RateLimited } from "../errors.ts";

/** Failed attempts of one source on one account before delays start. */
export const FREE_ATTEMPTS = 5;
/** After the last free attempt, the n-th wait is 2^n seconds, at most this. */
const MAX_DELAY_S = 15 * 60;
/** A pair's count starts afresh after this long without attempts. */
const PAIR_MEMORY_MS = 24 * 60 * 60_000;
/** Failed sign-ins one source may make (across accounts) in a window, then it waits LOCK. */
export const SOURCE_LIMIT = 50;
/** The same for a whole IPv6 /48, which often holds many customers of one provider. */
export const NETWORK_LIMIT = 500;
const SOURCE_WINDOW_MS = 15 * 60_000;
const SOURCE_LOCK_MS = 15 * 60_000;

/**
 * The source of a request, for counting: an IPv4 address, or an IPv6
 * network (a /64 by default: one host usually holds a whole /64, so counting
 * single IPv6 addresses would count nothing).
 */
export function sourceOf(ip: string | null, ipv6PrefixBits = 64): string {
  if (!ip || !ipaddr.isValid(ip)) return ip ?? "unknown";
  let address = ipaddr.parse(ip);
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
  if (address.kind() === "ipv4") return address.toString();
  const bytes = address.toByteArray().map((b, i) => (i * 8 >= ipv6PrefixBits ? 0 : i * 8 + 8 <= ipv6PrefixBits ? b : b & (0xff << (8 - (ipv6PrefixBits - i * 8)))));
  return `${ipaddr.fromByteArray(bytes).toString()}/${ipv6PrefixBits}`;
}
function isIpv6(ip: string | null): boolean {
  if (!ip || !ipaddr.isValid(ip)) return false;
  const address = ipaddr.parse(ip);
  return address.kind() === "ipv6" && !(address as ipaddr.IPv6).isIPv4MappedAddress();
}
const pairKey = (email: string, ip: string | null) => `pair:${email.toLowerCase()}|${sourceOf(ip)}`;
/**
 * The caps on a source's failures: its own (an IPv4 address or IPv6 /64), and
 * a looser one on its IPv6 /48, where one holder can take many /64s.
 */
const sourceCaps = (ip: string | null): Array<{ key: string; limit: number }> => [
  { key: `ip:${sourceOf(ip)}`, limit: SOURCE_LIMIT },
  ...(isIpv6(ip) ? [{ key: `net:${sourceOf(ip, 48)}`, limit: NETWORK_LIMIT }] : []),
];

function wait(until: Date, now: Date, what: string): RateLimited {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  const when = seconds < 90 ? `${seconds} second${seconds === 1 ? "" : "s"}` : `${Math.ceil(seconds / 60)} minutes`;
  return new RateLimited("too_many_attempts", `${what} Try again in ${when}.`, seconds);
}

type Row = { failures: number; windowStart: Date; lockedUntil: Date | null };

async function lockRow(tx: Tx, key: string, now: Date): Promise<Row> {
  await tx.$executeRaw`INSERT INTO "SignInThrottle" ("key", "failures", "windowStart") VALUES (${key}, 0, ${now}) ON CONFLICT ("key") DO NOTHING`;
  const [row] = await tx.$queryRaw<Row[]>`SELECT "failures", "windowStart", "lockedUntil" FROM "SignInThrottle" WHERE "key" = ${key} FOR UPDATE`;
  return row!;
}

/**
 * Counts one sign-in attempt of `email` from `ip`. Throws RateLimited while
 * this source must wait; a source with no failures is never refused.
 */
export async function reserveSignInAttempt(email: string, ip: string | null, now = new Date()) {
  await db
    .$transaction(async (tx) => {
      for (const cap of sourceCaps(ip)) {
        const source = await lockRow(tx, cap.key, now);
        if (source.lockedUntil && source.lockedUntil > now) throw wait(source.lockedUntil, now, "Too many failed sign-in attempts from your network.");
        const sourceFresh = source.windowStart.getTime() < now.getTime() - SOURCE_WINDOW_MS;
        const sourceCount = (sourceFresh ? 0 : source.failures) + 1;
        if (sourceCount > cap.limit) {
          const until = new Date(now.getTime() + SOURCE_LOCK_MS);
          await tx.$executeRaw`UPDATE "SignInThrottle" SET "failures" = 0, "windowStart" = ${now}, "lockedUntil" = ${until} WHERE "key" = ${cap.key}`;
          return until;
        }
        await tx.$executeRaw`UPDATE "SignInThrottle" SET "failures" = ${sourceCount}, "windowStart" = ${sourceFresh ? now : source.windowStart}, "lockedUntil" = NULL WHERE "key" = ${cap.key}`;
      }

      const pair = await lockRow(tx, pairKey(email, ip), now);
      // While this source waits, its attempts are refused and not counted.
      if (pair.lockedUntil && pair.lockedUntil > now) throw wait(pair.lockedUntil, now, "Too many failed sign-in attempts.");
      const forgotten = pair.windowStart.getTime() < now.getTime() - PAIR_MEMORY_MS;
      const attempts = (forgotten ? 0 : pair.failures) + 1;
      // The last free attempt and every later one go ahead, and set the wait before the next.
      const beyond = attempts - FREE_ATTEMPTS + 1;
      const lockedUntil = beyond > 0 ? new Date(now.getTime() + Math.min(2 ** beyond, MAX_DELAY_S) * 1000) : null;
      await tx.$executeRaw`UPDATE "SignInThrottle" SET "failures" = ${attempts}, "windowStart" = ${now}, "lockedUntil" = ${lockedUntil} WHERE "key" = ${pairKey(email, ip)}`;
      return null;
    })
    .then((sourceLockedUntil) => {
      if (sourceLockedUntil) throw wait(sourceLockedUntil, now, "Too many failed sign-in attempts from your network.");
    });
}

/** The right password: this source's count on the account is cleared and its attempt given back. */
export async function signInSucceeded(email: string, ip: string | null) {
  await db.signInThrottle.deleteMany({ where: { key: pairKey(email, ip) } });
  for (const cap of sourceCaps(ip)) await db.$executeRaw`UPDATE "SignInThrottle" SET "failures" = GREATEST("failures" - 1, 0) WHERE "key" = ${cap.key}`;
}

/** A new password (reset or change): every source starts afresh on this account. */
export async function forgetSignInFailures(tx: Tx, email: string) {
  await tx.signInThrottle.deleteMany({ where: { key: { startsWith: `pair:${email.toLowerCase()}|` } } });
}

/** Counts one request against `key` in a fixed window: the count so far, and when the window ends. */
async function countRequest(key: string, windowMs: number, now = new Date(), client: Pick<Tx, "$queryRaw"> = db): Promise<{ count: number; windowEndsAt: Date }> {
  const windowStart = new Date(now.getTime() - windowMs);
  const [row] = await client.$queryRaw<Array<{ failures: number; windowStart: Date }>>`
    INSERT INTO "SignInThrottle" ("key", "failures", "windowStart") VALUES (${key}, 1, ${now})
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN "SignInThrottle"."windowStart" < ${windowStart} THEN 1 ELSE "SignInThrottle"."failures" + 1 END,
      "windowStart" = CASE WHEN "SignInThrottle"."windowStart" < ${windowStart} THEN ${now} ELSE "SignInThrottle"."windowStart" END
    RETURNING "failures", "windowStart"`;
  return { count: row!.failures, windowEndsAt: new Date(row!.windowStart.getTime() + windowMs) };
}

export type RequestSlot = { taken: boolean; /** Whole seconds until the window starts afresh (at least 1). */ retryAfterSeconds: number };

/**
 * A fixed-window limit for requests that are not password checks: not taken
 * once `limit` is used up, with the seconds until the window starts afresh.
 * Inside a transaction (`client`), the slot is given back if it rolls back.
 */
export async function requestSlot(key: string, limit: number, windowMs: number, now = new Date(), client: Pick<Tx, "$queryRaw"> = db): Promise<RequestSlot> {
  const { count, windowEndsAt } = await countRequest(key, windowMs, now, client);
  // The window starts afresh strictly after its end: a whole second past it, never more than the window.
  return { taken: count <= limit, retryAfterSeconds: Math.min(Math.ceil(windowMs / 1000), Math.floor((windowEndsAt.getTime() - now.getTime()) / 1000) + 1) };
}

/** requestSlot's answer alone: true while `limit` is not used up. */
export async function takeRequestSlot(key: string, limit: number, windowMs: number, now = new Date(), client: Pick<Tx, "$queryRaw"> = db): Promise<boolean> {
  return (await requestSlot(key, limit, windowMs, now, client)).taken;
}

/** "a minute", "15 minutes": how long a refused request waits, for its message. */
export const waitText = (seconds: number) => (seconds <= 60 ? "a minute" : `${Math.ceil(seconds / 60)} minutes`);

/** A 429 whose message ends with how long to wait, and whose Retry-After says it. */
export const tooMany = (code: string, message: string, slot: RequestSlot) => new RateLimited(code, `${message} Try again in ${waitText(slot.retryAfterSeconds)}.`, slot.retryAfterSeconds);

/** Like requestSlot, but refuses with 429 and the window's Retry-After (for limits that reveal nothing, e.g. per account). */
export async function requireRequestSlot(key: string, limit: number, windowMs: number, message: string) {
  const slot = await requestSlot(key, limit, windowMs);
  if (!slot.taken) throw tooMany("too_many_requests", message, slot);
}

/**
 * A limit per source (sign-ups, reset requests, link attempts): `limit` per
 * IPv4 address or IPv6 /64, and ten times that per IPv6 /48 (one holder can
 * take many /64s). Refuses with 429, which reveals nothing about accounts.
 */
export async function requireSourceSlot(action: string, ip: string | null, limit: number, windowMs: number, message: string) {
  const source = await requestSlot(`${action}:${sourceOf(ip)}`, limit, windowMs);
  if (!source.taken) throw tooMany("too_many_requests", message, source);
  if (!isIpv6(ip)) return;
  const wider = await requestSlot(`${action}/48:${sourceOf(ip, 48)}`, limit * 10, windowMs);
  if (!wider.taken) throw tooMany("too_many_requests", message, wider);
}

const HOUR_MS = 3_600_000;
/** Mails one address gets on request per hour from one source, and in all. */
export const MAILS_PER_ADDRESS_PER_SOURCE = 5;
export const MAILS_PER_ADDRESS = 20;
const MAILS_EVERY_SOURCE_GETS = 2;

/**
 * Whether a mail requested for `email` (sign-up, reset, confirmation) may be
 * sent: at most 5 an hour from one source (an IPv6 /48 counts as one), and 20
 * in all; past the total, each source still gets its first 2, so that
 * strangers can neither flood an inbox nor silence its owner's own requests.
 * Requests past it answer the same; only the mail is not sent.
 */
export async function takeMailSlot(email: string, ip: string | null) {
  const { count: fromHere } = await countRequest(`mail-to:${email}|${sourceOf(ip, 48)}`, HOUR_MS);
  if (fromHere > MAILS_PER_ADDRESS_PER_SOURCE) return false;
  const { count: all } = await countRequest(`mail-to:${email}`, HOUR_MS);
  return all <= MAILS_PER_ADDRESS || fromHere <= MAILS_EVERY_SOURCE_GETS;
}

/** Rows nobody has touched for a day and that hold no lock. Run periodically by the server. */
export async function purgeThrottles() {
  return db.$executeRaw`DELETE FROM "SignInThrottle" WHERE "windowStart" < now() - interval '1 day' AND ("lockedUntil" IS NULL OR "lockedUntil" < now())`;
}
