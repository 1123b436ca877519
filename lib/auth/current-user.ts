// The signed-in user for server components and server actions, checked
// against the session row on every request (not trusted from the JWT alone).
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { Unauthenticated } from "../errors.ts";
import type { UserCtx, UserPrincipal } from "../context.ts";
import { requestMetaFrom } from "../http/request-meta.ts";
import { authOptions } from "./auth-options.ts";
import { userContext } from "./request-context.ts";
import { principalForSession } from "./sessions.ts";

export async function currentSession(): Promise<{ principal: UserPrincipal; sessionId: string } | null> {
  const session = await getServerSession(authOptions());
  if (!session?.sid) return null;
  const principal = await principalForSession(session.sid);
  return principal ? { principal, sessionId: session.sid } : null;
}

export async function requireUserCtx(): Promise<UserCtx & { sessionId: string }> {
  const session = await currentSession();
  if (!session) throw new Unauthenticated("unauthenticated", "Sign in to continue.");
  return { ...userContext(session.principal, requestMetaFrom(await headers())), sessionId: session.sessionId };
}
