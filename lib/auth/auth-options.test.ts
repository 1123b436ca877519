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
