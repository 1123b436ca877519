// The next-auth session cookie for a sign-in that did not go through
// next-auth's own providers (single sign-on): the same JWT, carrying only the
// id of the server-side session row, under the same name and options.
import { encode } from "next-auth/jwt";
import { SESSION_MAX_AGE_S } from "./sessions.ts";

export type SessionCookie = { name: string; value: string; maxAgeSeconds: number; secure: boolean };

export async function sessionCookieFor(user: { id: string; email: string; name: string }, sessionId: string): Promise<SessionCookie> {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) throw new Error("NEXTAUTH_SECRET is not set");
  const secure = (process.env.NEXTAUTH_URL ?? "").startsWith("https://");
  const value = await encode({ secret, maxAge: SESSION_MAX_AGE_S, token: { sub: user.id, email: user.email, name: user.name, sid: sessionId } });
  return { name: `${secure ? "__Secure-" : ""}next-auth.session-token`, value, maxAgeSeconds: SESSION_MAX_AGE_S, secure };
}
