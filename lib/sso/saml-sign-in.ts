// The provider's SAML answer, in two steps.
//
// acs: the provider's page posts the Response to the connection's ACS URL.
// That POST comes from another site, so the browser sends no SameSite cookie
// with it: the answer is checked (lib/sso/saml-protocol.ts), its assertion ID
// taken once (replay cache), and what it says kept on the login its
// RelayState names; the browser is then sent on to `finish`.
// finish: a plain navigation back to us, which carries the state cookie: only
// the browser that started the sign-in completes it (no login CSRF).
//
// A Response nobody asked for (started at the provider's app tile) is taken
// only where the connection allows it; there is no browser state to bind, so
// the session is opened at once and its RelayState used only as a path here.
import type { RequestMeta } from "../context.ts";
import { db } from "../db.ts";
import { RateLimited } from "../errors.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { hashToken, safeEqual } from "../secrets/secrets.ts";
import { requireSourceSlot } from "../auth/throttle.ts";
import { safeCallbackPath } from "../safe-path.ts";
import { samlSettingsOf } from "./connections.ts";
import { checkSamlResponse, SamlLoginError, type SamlAnswer } from "./saml-protocol.ts";
import { connectionForLogin, openSession, recordTest, refuseSignIn, SsoSignInError, type FinishedSignIn, type ProviderIdentity } from "./sign-in.ts";

/** Answers one source may post to the ACS URLs per hour (a company behind one address signs in many people). */
const ACS_POSTS_PER_HOUR = 3_000;

/** How long a checked answer waits for its browser to come back for it. */
const ANSWER_TTL_MS = 5 * 60_000;

/** RFC 8176-like: the provider says it used more than a password. */
const MFA_CONTEXTS = new Set([
  "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor",
  "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
  "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
  "http://schemas.microsoft.com/claims/multipleauthn",
]);
const AUTHN_METHODS_ATTRIBUTE = "http://schemas.microsoft.com/claims/authnmethodsreferences";

function identityOf(answer: SamlAnswer): ProviderIdentity {
  // The organization's own provider vouches for addresses in its verified domains (a SAML assertion has no "verified" flag).
  return { subject: answer.subject, email: answer.email, emailVerified: answer.email ? true : null, name: answer.name, claims: answer.attributes };
}

function usedMfa(answer: SamlAnswer): boolean {
  return (answer.authnContext !== null && MFA_CONTEXTS.has(answer.authnContext)) || (answer.attributes[AUTHN_METHODS_ATTRIBUTE] ?? []).some((v) => MFA_CONTEXTS.has(v));
}

/** A path on this site, or null: an IdP-initiated RelayState is never followed off-site. */
function sitePath(relayState: string | null): string | null {
  if (!relayState || relayState.length > 2000 || /[\s\\]/.test(relayState)) return null;
  return safeCallbackPath(relayState, "") || null;
}

export type AcsResult = FinishedSignIn | { kind: "continue"; redirectTo: string };

/** Takes a Response posted to the connection's ACS URL. Throws SsoSignInError. */
export async function receiveSamlResponse(meta: RequestMeta, connectionId: string, form: { SAMLResponse?: string; RelayState?: string }): Promise<AcsResult> {
  if (!form.SAMLResponse) throw new SsoSignInError("response_missing", "The provider's answer carries no SAMLResponse.");
  try {
    await requireSourceSlot("saml-acs", meta.ip, ACS_POSTS_PER_HOUR, 3_600_000, "Too many sign-in answers from your network. Try again later.");
  } catch (error) {
    if (error instanceof RateLimited) throw new SsoSignInError("too_many_requests", "Too many sign-in answers from this source.");
    throw error;
  }
  const connection = await db.ssoConnection.findUnique({ where: { id: connectionId }, select: connectionForLogin });
  if (!connection || connection.protocol !== "saml") throw new SsoSignInError("state_invalid", "This SSO connection does not exist.");
  const relayState = form.RelayState ?? null;
  // The login this browser started, if the RelayState names one of this connection's.
  const found = relayState ? await db.ssoLogin.findUnique({ where: { stateHash: hashToken(relayState) } }) : null;
  const login = found && found.connectionId === connection.id && found.samlRequestId ? found : null;
  const purpose = login?.purpose ?? "login";
  const fail = (reason: string, detail: string) => refuseSignIn(meta, connection, purpose, reason, detail);

  let answer: SamlAnswer;
  try {
    const { idp, sp, policy } = samlSettingsOf(connection);
    answer = await checkSamlResponse({ samlResponse: form.SAMLResponse, idp, sp, policy, expectedRequestId: login?.samlRequestId ?? null });
  } catch (error) {
    // Anyone can post here (the ACS URL is public): a refusal reaches the organization's audit log only when it
    // answers one of its sign-ins or carries its provider's signature; other noise is only logged.
    if (error instanceof SamlLoginError) {
      if (login || error.signed) return fail(error.reason, error.detail);
      throw new SsoSignInError(error.reason, error.detail);
    }
    if (error instanceof SsoSignInError) return fail(error.reason, error.message);
    throw error;
  }

  // Taken once: the login (if any) is answered once, and the assertion's ID is remembered until it expires.
  try {
    await db.$transaction(async (tx) => {
      await tx.samlAssertionUse.create({ data: { connectionId: connection.id, assertionId: answer.assertionId, expiresAt: new Date(answer.expiresAt) } });
      if (login) {
        const taken = await tx.ssoLogin.updateMany({
          where: { id: login.id, answeredAt: null, usedAt: null, expiresAt: { gt: new Date() } },
          data: { answeredAt: new Date(), samlAnswer: JSON.parse(JSON.stringify(answer)) },
        });
        if (taken.count !== 1)
          throw new SamlLoginError(login.answeredAt ? "state_replayed" : "state_expired", login.answeredAt ? "This sign-in was answered already." : "This sign-in took too long. Start again.");
      }
    });
  } catch (error) {
    if (isUniqueViolation(error)) return fail("replayed", `The assertion ${answer.assertionId} was used already.`);
    if (error instanceof SamlLoginError) return fail(error.reason, error.detail);
    throw error;
  }

  if (login?.purpose === "test") {
    await db.ssoLogin.update({ where: { id: login.id }, data: { usedAt: new Date() } });
    return recordTest(meta, connection, identityOf(answer), login.returnTo);
  }
  if (login) return { kind: "continue", redirectTo: `/api/sso/saml/${connection.id}/finish?state=${encodeURIComponent(relayState!)}` };
  // Unasked (IdP-initiated, allowed by the check above): no browser state to bind.
  return openSession(meta, connection, identityOf(answer), usedMfa(answer), sitePath(relayState));
}

/** The browser came back for the answer its sign-in got: `stateCookie` must be the state it was given at the start. */
export async function finishSamlSignIn(meta: RequestMeta, connectionId: string, state: string | null, stateCookie: string | null): Promise<FinishedSignIn> {
  if (!state) throw new SsoSignInError("state_missing", "The sign-in's state is missing.");
  const login = await db.ssoLogin.findUnique({ where: { stateHash: hashToken(state) } });
  if (!login || login.connectionId !== connectionId || !login.samlRequestId || login.purpose !== "login")
    throw new SsoSignInError("state_invalid", "This sign-in was not started here, or by another connection.");
  if (!stateCookie || !safeEqual(stateCookie, state)) throw new SsoSignInError("state_mismatch", "This sign-in was started in another browser.");
  const connection = await db.ssoConnection.findUnique({ where: { id: connectionId }, select: connectionForLogin });
  if (!connection) throw new SsoSignInError("state_invalid", "This SSO connection no longer exists.");
  const taken = await db.ssoLogin.updateMany({
    where: { id: login.id, usedAt: null, answeredAt: { gt: new Date(Date.now() - ANSWER_TTL_MS) } },
    data: { usedAt: new Date() },
  });
  if (taken.count !== 1 || !login.samlAnswer) {
    return refuseSignIn(meta, connection, "login", login.usedAt ? "state_replayed" : "state_expired", login.usedAt ? "This sign-in was used already." : "This sign-in took too long. Start again.");
  }
  const answer = login.samlAnswer as SamlAnswer;
  return openSession(meta, connection, identityOf(answer), usedMfa(answer), login.returnTo);
}
