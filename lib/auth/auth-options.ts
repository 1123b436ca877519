// next-auth configuration: email + password through the Credentials provider
// (and a sign-up link, which signs the new account in), JWT cookies that carry
// only the id of a server-side session row, checked on every read.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { ZodError } from "zod";
import { isDomainError } from "../errors.ts";
import { assertCleanInput } from "../input.ts";
import { logger } from "../logger.ts";
import { requestMetaFrom } from "../http/request-meta.ts";
import { endSession } from "./revoke-sessions.ts";
import { principalForSession, SESSION_MAX_AGE_S } from "./sessions.ts";
import { signIn, signInWithPasskey } from "./sign-in.ts";
import { completeSignUp } from "./sign-up.ts";

/** Thrown from the jwt callback for an ended session: next-auth then clears the cookie and answers no session. */
const SESSION_ENDED = "session ended";

/** next-auth passes the message of what authorize() throws to the form. */
function formError(error: unknown, requestId: string, what: string, invalidInput: string): Error {
  if (isDomainError(error)) return new Error(error.message);
  if (!(error instanceof ZodError)) logger.error({ err: error, requestId }, `${what} failed`);
  return new Error(error instanceof ZodError ? invalidInput : "Signing in failed on our side. Try again in a moment.");
}

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
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" }, code: { label: "Authentication code", type: "text" } },
        async authorize(credentials, req) {
          const meta = requestMetaFrom((req?.headers ?? {}) as Record<string, string>);
          try {
            assertCleanInput(credentials);
            const { user, sessionId } = await signIn(meta, credentials);
            return { id: user.id, email: user.email, name: user.name, sessionId };
          } catch (error) {
            throw formError(error, meta.requestId, "sign-in", "Email or password is incorrect.");
          }
        },
      }),
      CredentialsProvider({
        id: "passkey",
        name: "Passkey",
        credentials: { assertion: { label: "Passkey", type: "text" } },
        async authorize(credentials, req) {
          const meta = requestMetaFrom((req?.headers ?? {}) as Record<string, string>);
          try {
            assertCleanInput(credentials);
            const { user, sessionId } = await signInWithPasskey(meta, { assertion: credentials?.assertion });
            return { id: user.id, email: user.email, name: user.name, sessionId };
          } catch (error) {
            throw formError(error, meta.requestId, "passkey sign-in", "That passkey was not accepted.");
          }
        },
      }),
      CredentialsProvider({
        id: "sign-up-link",
        name: "Sign-up link",
        credentials: { token: { label: "Token", type: "text" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          const meta = requestMetaFrom((req?.headers ?? {}) as Record<string, string>);
          try {
            assertCleanInput(credentials);
            const { user, sessionId } = await completeSignUp(meta, { token: credentials?.token, password: credentials?.password });
            return { id: user.id, email: user.email, name: user.name, sessionId };
          } catch (error) {
            throw formError(error, meta.requestId, "finishing a sign-up", "This link is not valid. Ask for a new one.");
          }
        },
      }),
    ],
    logger: {
      error(code, metadata) {
        if (code === "JWT_SESSION_ERROR" && metadata instanceof Error && metadata.message === SESSION_ENDED) return;
        logger.error({ code, metadata }, "next-auth error");
      },
      warn(code) {
        logger.warn({ code }, "next-auth warning");
      },
      debug() {},
    },
    callbacks: {
      async jwt({ token, user }) {
        if (user?.sessionId) {
          token.sid = user.sessionId;
          return token;
        }
        // Reading a session (GET /api/auth/session, getServerSession): an ended
        // server-side session gets no user and no refreshed cookie.
        if (!token.sid || !(await principalForSession(token.sid))) throw new Error(SESSION_ENDED);
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
