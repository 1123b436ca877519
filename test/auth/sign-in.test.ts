import { describe, expect, it } from "vitest";
import { revokeAllSessions, revokeSession } from "../../lib/auth/revoke-sessions.ts";
import { forgetCachedSession, principalForSession } from "../../lib/auth/sessions.ts";
import { signIn } from "../../lib/auth/sign-in.ts";
import { hashPassword } from "../../lib/secrets/secrets.ts";
import { FREE_ATTEMPTS, reserveSignInAttempt, SOURCE_LIMIT, sourceOf } from "../../lib/auth/throttle.ts";
import { db } from "../../lib/db.ts";
import { NotFound, RateLimited, Unauthenticated } from "../../lib/errors.ts";
import { meta, uniqueEmail } from "../helpers.ts";

const PASSWORD = "a long and fine password";
const passwordHash = hashPassword(PASSWORD);

async function account() {
  const email = uniqueEmail("signin");
  await db.user.create({ data: { email, name: "Sam", passwordHash: await passwordHash, emailVerifiedAt: new Date() } });
  return email;
}

// Each test's source is its own: vitest runs other files that fail sign-ins at the same time, on the same database.
const octet = () => Math.floor(Math.random() * 254) + 1;
const randomIp = () => `10.${octet()}.${octet()}.${octet()}`;

describe("signIn", () => {
  it("opens a server-side session for the right password", async () => {
    const email = await account();
    const { user, sessionId } = await signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD });
    expect(user.email).toBe(email);
    const principal = await principalForSession(sessionId);
    expect(principal?.userId).toBe(user.id);
  });

  it("answers a wrong password and an unknown account with the same error", async () => {
    const email = await account();
    const wrong = await signIn({ ...meta(), ip: randomIp() }, { email, password: "not the password" }).catch((e) => e);
    const unknown = await signIn({ ...meta(), ip: randomIp() }, { email: uniqueEmail(), password: PASSWORD }).catch((e) => e);
    for (const error of [wrong, unknown]) {
      expect(error).toBeInstanceOf(Unauthenticated);
      expect(error.message).toBe("Email or password is incorrect.");
    }
  });

  it("never refuses the right password from a source that has not been failing, whatever another source did", async () => {
    const email = await account();
    const attacker = randomIp();
    for (let i = 0; i < 12; i++) await signIn({ ...meta(), ip: attacker }, { email, password: "wrong password!" }).catch(() => {});
    // The attacker's source now waits; the owner, from their own network, signs in.
    expect(await signIn({ ...meta(), ip: attacker }, { email, password: PASSWORD }).catch((e) => e)).toBeInstanceOf(RateLimited);
    await expect(signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD })).resolves.toBeTruthy();
  });

  it("makes a failing source wait longer after each failure", async () => {
    const email = uniqueEmail("delays");
    const ip = randomIp();
    let now = new Date("2026-01-01T00:00:00Z");
    for (let i = 0; i < FREE_ATTEMPTS; i++) await reserveSignInAttempt(email, ip, now);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const refused = await reserveSignInAttempt(email, ip, now).catch((e) => e);
      expect(refused).toBeInstanceOf(RateLimited);
      waits.push(refused.retryAfterSeconds);
      now = new Date(now.getTime() + refused.retryAfterSeconds * 1000);
      await reserveSignInAttempt(email, ip, now);
    }
    expect(waits).toEqual([2, 4, 8, 16]);
    expect((await reserveSignInAttempt(email, ip, now).catch((e) => e)).message).toBe("Too many failed sign-in attempts. Try again in 32 seconds.");
  });

  it(`caps a source at ${SOURCE_LIMIT} failures across accounts, for that source only`, async () => {
    const ip = randomIp();
    for (let i = 0; i < SOURCE_LIMIT; i++) {
      await signIn({ ...meta(), ip }, { email: uniqueEmail(), password: "wrong password!" }).catch(() => {});
    }
    const email = await account();
    const refused = await signIn({ ...meta(), ip }, { email, password: PASSWORD }).catch((e) => e);
    expect(refused).toBeInstanceOf(RateLimited);
    expect(refused.message).toMatch(/^Too many failed sign-in attempts from your network\. Try again in 15 minutes\.$/);
    await expect(signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD })).resolves.toBeTruthy();
  });

  it("counts an IPv6 network as one source, so rotating addresses inside it gains nothing", async () => {
    expect(sourceOf("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(sourceOf("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 48)).toBe("2001:db8:1::/48");
    expect(sourceOf("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(sourceOf("192.0.2.7")).toBe("192.0.2.7");
    const email = await account();
    const net = `2001:db8:${Math.floor(Math.random() * 65_000).toString(16)}:7`;
    for (let i = 0; i < FREE_ATTEMPTS; i++) await signIn({ ...meta(), ip: `${net}::${i + 1}` }, { email, password: "wrong password!" }).catch(() => {});
    expect(await signIn({ ...meta(), ip: `${net}::99` }, { email, password: "wrong password!" }).catch((e) => e)).toBeInstanceOf(RateLimited);
    await expect(signIn({ ...meta(), ip: "2001:db8:ffff:1::1" }, { email, password: PASSWORD })).resolves.toBeTruthy();
  });

  it(`caps one IPv6 /64 at ${SOURCE_LIMIT} failures without stopping its neighbours in the same /48`, async () => {
    const site = `2001:db8:${Math.floor(Math.random() * 65_000).toString(16)}`;
    for (let i = 0; i < SOURCE_LIMIT; i++) await signIn({ ...meta(), ip: `${site}:1::${i + 1}` }, { email: uniqueEmail(), password: "wrong password!" }).catch(() => {});
    const email = await account();
    expect(await signIn({ ...meta(), ip: `${site}:1::77` }, { email, password: PASSWORD }).catch((e) => e)).toBeInstanceOf(RateLimited);
    await expect(signIn({ ...meta(), ip: `${site}:2::5` }, { email, password: PASSWORD })).resolves.toBeTruthy();
  });

  it("gives a source its count back when it signs in", async () => {
    const email = await account();
    const ip = randomIp();
    for (let i = 0; i < FREE_ATTEMPTS - 1; i++) await signIn({ ...meta(), ip }, { email, password: "wrong password!" }).catch(() => {});
    await signIn({ ...meta(), ip }, { email, password: PASSWORD });
    for (let i = 0; i < FREE_ATTEMPTS - 1; i++) await expect(signIn({ ...meta(), ip }, { email, password: "wrong password!" })).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("session revocation", () => {
  it("ends one session and leaves the others", async () => {
    const email = await account();
    const a = await signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD });
    const b = await signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD });
    const ctx = { ...meta(), principal: (await principalForSession(a.sessionId))! };
    await revokeSession(ctx, b.sessionId);
    expect(await principalForSession(b.sessionId)).toBeNull();
    expect(await principalForSession(a.sessionId)).not.toBeNull();
    expect((await db.auditEvent.findFirst({ where: { targetId: b.sessionId } }))?.action).toBe("session.revoked");
  });

  it("refuses to end another user's session with NotFound", async () => {
    const mine = await signIn({ ...meta(), ip: randomIp() }, { email: await account(), password: PASSWORD });
    const theirs = await signIn({ ...meta(), ip: randomIp() }, { email: await account(), password: PASSWORD });
    const ctx = { ...meta(), principal: (await principalForSession(mine.sessionId))! };
    await expect(revokeSession(ctx, theirs.sessionId)).rejects.toBeInstanceOf(NotFound);
    forgetCachedSession(theirs.sessionId);
    expect(await principalForSession(theirs.sessionId)).not.toBeNull();
  });

  it("signs out everywhere", async () => {
    const email = await account();
    const sessions = await Promise.all([1, 2, 3].map(() => signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD })));
    const ctx = { ...meta(), principal: (await principalForSession(sessions[0]!.sessionId))! };
    expect(await revokeAllSessions(ctx)).toBe(3);
    for (const s of sessions) expect(await principalForSession(s.sessionId)).toBeNull();
  });
});

describe("signIn under a parallel burst", () => {
  it(`checks at most ${FREE_ATTEMPTS} passwords of one account from one source, however many arrive at once`, async () => {
    const email = await account();
    const ip = randomIp();
    const results = await Promise.all(Array.from({ length: 30 }, () => signIn({ ...meta(), ip }, { email, password: "wrong password!" }).catch((e) => e)));
    expect(results.filter((e) => e instanceof Unauthenticated)).toHaveLength(FREE_ATTEMPTS);
    expect(results.filter((e) => e instanceof RateLimited)).toHaveLength(30 - FREE_ATTEMPTS);
  });
});
