// Context for server-rendered pages: signed-out callers go to sign-in,
// organizations the caller is not a member of are a 404.
import { cache } from "react";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { currentSession } from "../auth/current-user.ts";
import type { MemberCtx, OrgCtx, UserCtx } from "../context.ts";
import { Forbidden, NotFound, Unauthenticated } from "../errors.ts";
import { portalContext, resolveOrgContext, userContext } from "../auth/request-context.ts";
import { cookies } from "next/headers";
import { PORTAL_COOKIE } from "../sso/setup-links.ts";
import { PATH_HEADER, requestMetaFrom } from "./request-meta.ts";

// Cached per request (React's cache): a layout and its page share one context,
// so they share its decision memo and log each decision once.
export const requirePageUser = cache(async (): Promise<UserCtx> => {
  const session = await currentSession();
  if (!session) redirect("/sign-in");
  return userContext(session.principal, requestMetaFrom(await headers()));
});

export const requirePageOrg = cache(async (orgSlug: string): Promise<MemberCtx> => {
  const user = await requirePageUser();
  try {
    return await resolveOrgContext(user.principal, orgSlug, user);
  } catch (error) {
    if (error instanceof NotFound) notFound();
    // The organization's session policy: sign in again, or set up and use a second factor.
    if (error instanceof Unauthenticated) redirect(`/sign-in?notice=session-policy&callbackUrl=${encodeURIComponent(`/${orgSlug}`)}`);
    if (error instanceof Forbidden && error.code === "mfa_required") redirect("/account?notice=mfa-required");
    throw error;
  }
});

/** The setup-link portal's context, from the link's cookie; null when there is none that works (expired, revoked, never opened here). */
export const requirePortalContext = cache(async (): Promise<OrgCtx | null> => {
  try {
    return await portalContext((await cookies()).get(PORTAL_COOKIE)?.value ?? null, requestMetaFrom(await headers()));
  } catch (error) {
    if (error instanceof Unauthenticated) return null;
    throw error;
  }
});

/** The path of the page being rendered (set by the custom server; layouts get none from Next.js). */
export async function requestPath(): Promise<string> {
  return (await headers()).get(PATH_HEADER) ?? "/";
}
