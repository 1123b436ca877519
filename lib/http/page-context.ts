// Context for server-rendered pages: signed-out callers go to sign-in,
// organizations the caller is not a member of are a 404.
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { currentSession } from "../auth/current-user.ts";
import type { MemberCtx, UserCtx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { resolveOrgContext, userContext } from "../auth/request-context.ts";
import { requestMetaFrom } from "./request-meta.ts";

export async function requirePageUser(): Promise<UserCtx> {
  const session = await currentSession();
  if (!session) redirect("/sign-in");
  return userContext(session.principal, requestMetaFrom(await headers()));
}

export async function requirePageOrg(orgSlug: string): Promise<MemberCtx> {
  const user = await requirePageUser();
  try {
    return await resolveOrgContext(user.principal, orgSlug, user);
  } catch (error) {
    if (error instanceof NotFound) notFound();
    throw error;
  }
}
