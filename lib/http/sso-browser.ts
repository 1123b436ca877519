// The browser's side of single sign-on, on the lean router:
//   POST /api/sso/start {email|org, returnTo}      → { url } of the provider
//   GET /api/sso/oidc/{connectionId}/callback      → 302 into Tollgate, signed in
//   GET /api/sso/saml/{connectionId}/metadata      → our SAML metadata, for the provider
//   POST /api/sso/saml/{connectionId}/acs          → the provider's Response, checked
//   GET /api/sso/saml/{connectionId}/finish        → 302 into Tollgate, signed in
//   GET /api/portal/{token}                        → 302 to /portal, the setup link in a cookie
// A refusal sends the browser to the sign-in page with the reason's code,
// which the page turns into a fixed sentence (no free text from the URL).
import type { IncomingMessage, ServerResponse } from "node:http";
import { z, ZodError } from "zod";
import { sessionCookieFor } from "../auth/session-cookie.ts";
import { publicUrl } from "../env.ts";
import { RateLimited } from "../errors.ts";
import { logger } from "../logger.ts";
import { finishOidcSignIn, logSsoRefusal, SsoSignInError, startSsoSignIn, type FinishedSignIn } from "../sso/sign-in.ts";
import { finishSamlSignIn, receiveSamlResponse } from "../sso/saml-sign-in.ts";
import { samlServiceProviderOf } from "../sso/connections.ts";
import { spMetadataXml, MAX_SAML_RESPONSE_CHARS } from "../sso/saml-protocol.ts";
import { db } from "../db.ts";
import { Invalid } from "../errors.ts";
import { readRaw } from "./api-route.ts";
import { findUsableSetupLink, recordSetupLinkOpened } from "../sso/setup-links.ts";
import { PORTAL_COOKIE } from "../sso/setup-links.ts";
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

const clearState = () => cookie(STATE_COOKIE, "", 0, "/api/sso");

/** Ends a sign-in's round trip: into Tollgate with a session (or back to the connection's page after a test), or to the sign-in page with the reason. */
async function answerSignIn(req: IncomingMessage, res: ServerResponse, connectionId: string, finish: () => Promise<FinishedSignIn | { kind: "continue"; redirectTo: string }>) {
  const meta = requestMeta(req);
  try {
    const done = await finish();
    if (done.kind === "continue") return sendRedirect(res, done.redirectTo);
    if (done.kind === "test") return sendRedirect(res, done.redirectTo, [clearState()]);
    const session = await sessionCookieFor(done.user, done.sessionId);
    sendRedirect(res, done.redirectTo, [clearState(), `${session.name}=${session.value}; Path=/; Max-Age=${session.maxAgeSeconds}; HttpOnly; SameSite=Lax${session.secure ? "; Secure" : ""}`]);
  } catch (error) {
    if (error instanceof SsoSignInError) {
      logSsoRefusal(meta, connectionId, error);
      return sendRedirect(res, refused(error.reason), [clearState()]);
    }
    logger.error({ err: error, requestId: meta.requestId }, "sso sign-in failed");
    sendRedirect(res, refused("internal"), [clearState()]);
  }
}

export async function ssoOidcCallback(req: IncomingMessage, res: ServerResponse, params: Record<string, string>) {
  const callbackUrl = new URL(req.url ?? "/", publicUrl());
  await answerSignIn(req, res, params.connectionId!, () => finishOidcSignIn(requestMeta(req), params.connectionId!, callbackUrl, cookieValue(req, STATE_COOKIE)));
}

/** A connection id is a UUID: anything else is nobody's, and the database is not asked. */
const isConnectionId = (id: string) => z.uuid().safeParse(id).success;

/** Our SAML metadata for the provider's admin (public, as every SP's is): entity ID and ACS URL. */
export async function ssoSamlMetadata(_req: IncomingMessage, res: ServerResponse, params: Record<string, string>) {
  const id = params.connectionId!;
  const found = isConnectionId(id) ? await db.ssoConnection.findUnique({ where: { id }, select: { protocol: true } }) : null;
  if (found?.protocol !== "saml") return sendJson(res, 404, { error: { code: "connection_not_found", message: "No SAML connection here." } });
  const xml = spMetadataXml(samlServiceProviderOf(id));
  res.writeHead(200, { "content-type": "application/samlmetadata+xml; charset=utf-8", "content-length": String(Buffer.byteLength(xml)), "cache-control": "no-store" }).end(xml);
}

/** The form the provider's page posts: SAMLResponse and RelayState, URL-encoded, bounded in size. */
async function readSamlForm(req: IncomingMessage): Promise<{ SAMLResponse?: string; RelayState?: string }> {
  if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) throw new SsoSignInError("response_missing", "The provider's answer is not a form post.");
  let body: Buffer;
  try {
    // URL-encoding grows base64 by up to 3×.
    body = await readRaw(req, MAX_SAML_RESPONSE_CHARS * 3 + 8192);
  } catch (error) {
    if (error instanceof Invalid) throw new SsoSignInError("response_too_large", "The provider's answer is too large.");
    throw error;
  }
  const form = new URLSearchParams(body.toString("utf8"));
  return { SAMLResponse: form.get("SAMLResponse") ?? undefined, RelayState: form.get("RelayState") ?? undefined };
}

export async function ssoSamlAcs(req: IncomingMessage, res: ServerResponse, params: Record<string, string>) {
  const id = params.connectionId!;
  await answerSignIn(req, res, id, async () => {
    if (!isConnectionId(id)) throw new SsoSignInError("state_invalid", "This SSO connection does not exist.");
    return receiveSamlResponse(requestMeta(req), id, await readSamlForm(req));
  });
}

export async function ssoSamlFinish(req: IncomingMessage, res: ServerResponse, params: Record<string, string>) {
  const id = params.connectionId!;
  const state = new URL(req.url ?? "/", publicUrl()).searchParams.get("state");
  await answerSignIn(req, res, id, async () => {
    if (!isConnectionId(id)) throw new SsoSignInError("state_invalid", "This SSO connection does not exist.");
    return finishSamlSignIn(requestMeta(req), id, state, cookieValue(req, STATE_COOKIE));
  });
}

/**
 * An owner's setup link, opened by the IT admin: the token moves from the URL
 * into a cookie of /portal (out of the address bar and history), and the
 * opening is audited. A link that does not work leads to the portal's notice.
 */
export async function portalOpen(req: IncomingMessage, res: ServerResponse, params: Record<string, string>) {
  const token = params.token ?? "";
  const link = await findUsableSetupLink(token);
  if (!link) return sendRedirect(res, "/portal?link=invalid", [cookie(PORTAL_COOKIE, "", 0, "/portal")]);
  await recordSetupLinkOpened(link, requestMeta(req));
  const maxAge = Math.max(1, Math.floor((link.expiresAt.getTime() - Date.now()) / 1000));
  sendRedirect(res, "/portal", [cookie(PORTAL_COOKIE, token, maxAge, "/portal")]);
}
