// The browser's side of single sign-on, on the lean router:
//   POST /api/sso/start {email|org, returnTo}      → { url } of the provider
//   GET /api/sso/oidc/{connectionId}/callback      → 302 into Tollgate, signed in
// A refusal sends the browser to the sign-in page with the reason's code,
// which the page turns into a fixed sentence (no free text from the URL).
import type { IncomingMessage, ServerResponse } from "node:http";
import { ZodError } from "zod";
import { sessionCookieFor } from "../auth/session-cookie.ts";
import { publicUrl } from "../env.ts";
import { RateLimited } from "../errors.ts";
import { logger } from "../logger.ts";
import { finishOidcSignIn, logSsoRefusal, SsoSignInError, startSsoSignIn } from "../sso/sign-in.ts";
import { trustProxy } from "../env.ts";
import { readJson } from "./api-route.ts";
import { sendJson, sendRedirect } from "./lean-router.ts";
import { isSameOrigin } from "./same-origin.ts";
import { safeCallbackPath } from "./safe-redirect.ts";
import { requestMeta } from "./request-meta.ts";

const STATE_COOKIE = "tollgate-sso-state";
const STATE_MAX_AGE_S = 600;

const secureCookies = () => publicUrl().startsWith("https://");
const cookie = (name: string, value: string, maxAge: number, path: string) => `${name}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secureCookies() ? "; Secure" : ""}`;

function cookieValue(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const refused = (reason: string) => `/sign-in?sso_error=${encodeURIComponent(reason)}`;

/**
 * POST /api/sso/start from the sign-in page (same origin only: a page
 * elsewhere must not start a sign-in in someone's browser and have it end in
 * an account of its choosing). Answers where to send the browser, and gives
 * this browser the state it must bring back.
 */
export async function ssoStart(req: IncomingMessage, res: ServerResponse) {
  const headers = { get: (name: string) => (req.headers[name] as string | undefined) ?? null };
  if (!isSameOrigin(headers, publicUrl(), trustProxy())) {
    return sendJson(res, 403, { error: { code: "cross_site_request", message: "This request came from another site and was refused." } });
  }
  const raw = (await readJson(req)) as Record<string, unknown>;
  const input: Record<string, unknown> = { ...raw };
  // Only a path on this site; anything else goes to the organization's home.
  const returnTo = safeCallbackPath(typeof raw?.returnTo === "string" ? raw.returnTo : null, "");
  if (returnTo) input.returnTo = returnTo;
  else delete input.returnTo;
  try {
    const { url, state } = await startSsoSignIn(input, requestMeta(req));
    sendJson(res, 200, { url }, { "set-cookie": cookie(STATE_COOKIE, state, STATE_MAX_AGE_S, "/api/sso") });
  } catch (error) {
    if (error instanceof SsoSignInError) return sendJson(res, 200, { url: refused(error.reason) });
    if (error instanceof ZodError) return sendJson(res, 200, { url: refused("invalid_request") });
    if (error instanceof RateLimited) return sendJson(res, 200, { url: refused("too_many_requests") });
    throw error;
  }
}

export async function ssoOidcCallback(req: IncomingMessage, res: ServerResponse, params: Record<string, string>) {
  const meta = requestMeta(req);
  const callbackUrl = new URL(req.url ?? "/", publicUrl());
  const clearState = cookie(STATE_COOKIE, "", 0, "/api/sso");
  try {
    const done = await finishOidcSignIn(meta, params.connectionId!, callbackUrl, cookieValue(req, STATE_COOKIE));
    if (done.kind === "test") return sendRedirect(res, done.redirectTo, [clearState]);
    const session = await sessionCookieFor(done.user, done.sessionId);
    sendRedirect(res, done.redirectTo, [clearState, `${session.name}=${session.value}; Path=/; Max-Age=${session.maxAgeSeconds}; HttpOnly; SameSite=Lax${session.secure ? "; Secure" : ""}`]);
  } catch (error) {
    if (error instanceof SsoSignInError) {
      logSsoRefusal(meta, params.connectionId!, error);
      return sendRedirect(res, refused(error.reason), [clearState]);
    }
    logger.error({ err: error, requestId: meta.requestId }, "sso callback failed");
    sendRedirect(res, refused("internal"), [clearState]);
  }
}
