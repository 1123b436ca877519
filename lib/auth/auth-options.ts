// next-auth configuration: email + password through the Credentials provider,
// JWT cookies that carry only the id of a server-side session row.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { ZodError } from "zod";
import { isDomainError } from "../errors.ts";
import { logger } from "../logger.ts";
import { requestMetaFrom } from "../http/request-meta.ts";
import { endSession } from "./revoke-sessions.ts";
import { SESSION_MAX_AGE_S } from "./sessions.ts";
import { signIn } from "./sign-in.ts";

declare module "next-auth" {
  interface User {
    sessionId?: string;
  }
  interface Session {
    sid?: string;
  }
}
declare module "next-auth/jwt" {
  interface JWT {
    sid?: string;
  }
}

export function authOptions(): NextAuthOptions {
  const secure = (process.env.NEXTAUTH_URL ?? "").startsWith("https://");
  return {
    secret: process.env.NEXTAUTH_SECRET,
    useSecureCookies: secure,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          const meta = requestMetaFrom((req?.headers ?? {}) as Record<string, string>);
          try {
            const { user, sessionId } = await signIn(meta, credentials);
            return { id: user.id, email: user.email, name: user.name, sessionId };
          } catch (error) {
            // next-auth passes this message to the sign-in form.
            if (isDomainError(error)) throw new Error(error.message);
            if (!(error instanceof ZodError)) logger.error({ err: error, requestId: meta.requestId }, "sign-in failed");
            throw new Error(error instanceof ZodError ? "Email or password is incorrect." : "Signing in failed on our side. Try again in a moment.");
          }
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user?.sessionId) token.sid = user.sessionId;
        return token;
      },
      session({ session, token }) {
        session.sid = token.sid;
        return session;
      },
    },
    events: {
      async signOut({ token }) {
        if (token?.sid) await endSession(token.sid, { ip: null, userAgent: null });
      },
    },
  };
}
