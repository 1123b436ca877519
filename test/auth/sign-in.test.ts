import { describe, expect, it } from "vitest";
import { revokeAllSessions, revokeSession } from "../../lib/auth/revoke-sessions.ts";
import { forgetCachedSession, principalForSession } from "../../lib/auth/sessions.ts";
import { signIn } from "../../lib/auth/sign-in.ts";
import { signUp } from "../../lib/auth/sign-up.ts";
import { db } from "../../lib/db.ts";
import { NotFound, RateLimited, Unauthenticated } from "../../lib/errors.ts";
import { meta, uniqueEmail } from "../helpers.ts";

const PASSWORD = "a long and fine password";

async function account() {
  const email = uniqueEmail("signin");
  await signUp(meta(), { name: "Sam", email, password: PASSWORD });
  return email;
}

const randomIp = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;

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

  it("locks an account after 5 failures, even with the right password, and says for how long", async () => {
    const email = await account();
    for (let i = 0; i < 5; i++) {
      await expect(signIn({ ...meta(), ip: randomIp() }, { email, password: "wrong password!" })).rejects.toBeInstanceOf(Unauthenticated);
    }
    const error = await signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD }).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimited);
    expect(error.message).toMatch(/^Too many failed sign-in attempts\. Try again in 15 minutes\.$/);
    expect(error.retryAfterSeconds).toBeGreaterThan(800);
  });

  it("locks an IP after 20 failures across accounts", async () => {
    const ip = randomIp() + "0";
    for (let i = 0; i < 20; i++) {
      await signIn({ ...meta(), ip }, { email: uniqueEmail(), password: "wrong password!" }).catch(() => {});
    }
    const email = await account();
    await expect(signIn({ ...meta(), ip }, { email, password: PASSWORD })).rejects.toBeInstanceOf(RateLimited);
    await expect(signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD })).resolves.toBeTruthy();
  });

  it("counts concurrent failures without losing any", async () => {
    const email = await account();
    await Promise.all(Array.from({ length: 5 }, () => signIn({ ...meta(), ip: randomIp() }, { email, password: "wrong password!" }).catch(() => {})));
    await expect(signIn({ ...meta(), ip: randomIp() }, { email, password: PASSWORD })).rejects.toBeInstanceOf(RateLimited);
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
  it("checks at most 5 passwords of one account, however many arrive at once", async () => {
    const email = await account();
    const results = await Promise.all(
      Array.from({ length: 30 }, () => signIn({ ...meta(), ip: randomIp() }, { email, password: "wrong password!" }).catch((e) => e)),
    );
    expect(results.filter((e) => e instanceof Unauthenticated)).toHaveLength(5);
    expect(results.filter((e) => e instanceof RateLimited)).toHaveLength(25);
  });
});
