import { afterEach, describe, expect, it } from "vitest";
import { authOptions } from "./auth-options.ts";

const original = process.env.NEXTAUTH_URL;
afterEach(() => {
  process.env.NEXTAUTH_URL = original;
});

describe("authOptions", () => {
  it("marks cookies Secure when Tollgate is served over https", () => {
    process.env.NEXTAUTH_URL = "https://tollgate.example.com";
    expect(authOptions().useSecureCookies).toBe(true);
  });

  it("keeps plain cookies on http://localhost, where browsers would drop Secure ones", () => {
    process.env.NEXTAUTH_URL = "http://localhost:3000";
    expect(authOptions().useSecureCookies).toBe(false);
  });

  it("keeps only the server-side session id in the token", async () => {
    const jwt = authOptions().callbacks!.jwt!;
    const token = await jwt({ token: { sub: "u1" }, user: { id: "u1", email: "a@b.c", sessionId: "s1" }, account: null } as never);
    expect(token).toEqual({ sub: "u1", sid: "s1" });
  });
});

describe("reading a session", () => {
  it("gives an ended server-side session no user and no refreshed cookie", async () => {
    const { db } = await import("../db.ts");
    const { createSession } = await import("./sessions.ts");
    const { revokeSession } = await import("./revoke-sessions.ts");
    const user = await db.user.create({ data: { email: `jwt-${Date.now()}@example.test`, name: "J" }, select: { id: true, email: true } });
    const { id: sid } = await createSession(user.id, { ip: null, userAgent: null });
    const jwt = authOptions().callbacks!.jwt!;
    await expect(jwt({ token: { sub: user.id, sid } } as never)).resolves.toEqual({ sub: user.id, sid });
    await revokeSession({ requestId: "t", ip: null, userAgent: null, principal: { type: "user", userId: user.id, email: user.email, isInstanceAdmin: false } }, sid);
    // next-auth answers {} and clears the cookie when the jwt callback throws.
    await expect(jwt({ token: { sub: user.id, sid } } as never)).rejects.toThrow("session ended");
    await expect(jwt({ token: { sub: user.id } } as never)).rejects.toThrow("session ended");
  });
});
