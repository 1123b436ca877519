// OpenID Connect, relying-party side, through openid-client: discovery, the
// authorization URL (code flow with PKCE, state and nonce) and the code
// exchange, which checks the ID token (signature against the provider's JWKS,
// issuer, audience, expiry, nonce) and the RFC 9207 `iss` parameter. Nothing
// here reads the database: lib/sso/sign-in.ts holds the flow.
import * as oidc from "openid-client";
import { env } from "../env.ts";
import { Invalid } from "../errors.ts";

/** What is kept of a provider's metadata: enough to sign in without asking it again. */
export type OidcProviderMetadata = {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  authorization_response_iss_parameter_supported?: boolean;
};

export type OidcClient = { metadata: OidcProviderMetadata; clientId: string; clientSecret: string };

const DISCOVERY_TIMEOUT_S = 10;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Providers are reached over https only, but for a loopback provider when TOLLGATE_SSO_ALLOW_HTTP is true (tests, development). */
export function providerUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be a URL such as https://login.example.com";
  }
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && env().TOLLGATE_SSO_ALLOW_HTTP === "true" && LOOPBACK.has(url.hostname)) return null;
  return "must start with https://";
}

function configuration(client: OidcClient): oidc.Configuration {
  const config = new oidc.Configuration(client.metadata, client.clientId, { id_token_signed_response_alg: "RS256" }, oidc.ClientSecretPost(client.clientSecret));
  if (env().TOLLGATE_SSO_ALLOW_HTTP === "true") oidc.allowInsecureRequests(config);
  // openid-client trusts an ID token from the token endpoint on the strength
  // of TLS alone (OIDC Core 3.1.3.7 allows it) and checks no signature unless
  // asked: a forged token would sign anyone in. Check it against the JWKS.
  oidc.enableNonRepudiationChecks(config);
  return config;
}

/** The provider's metadata from its discovery document (`/.well-known/openid-configuration`). */
export async function discoverProvider(issuer: string): Promise<OidcProviderMetadata> {
  try {
    const config = await oidc.discovery(new URL(issuer), "discovery", undefined, undefined, {
      execute: env().TOLLGATE_SSO_ALLOW_HTTP === "true" ? [oidc.allowInsecureRequests] : [],
      timeout: DISCOVERY_TIMEOUT_S,
    });
    const found = config.serverMetadata();
    if (!found.authorization_endpoint || !found.token_endpoint || !found.jwks_uri) {
      throw new Invalid("discovery_incomplete", `issuer: the discovery document of ${issuer} lacks an authorization, token or JWKS endpoint; enter them instead.`);
    }
    return {
      issuer: found.issuer,
      authorization_endpoint: found.authorization_endpoint,
      token_endpoint: found.token_endpoint,
      jwks_uri: found.jwks_uri,
      authorization_response_iss_parameter_supported: found.authorization_response_iss_parameter_supported === true,
    };
  } catch (error) {
    if (error instanceof Invalid) throw error;
    throw new Invalid("discovery_failed", `issuer: could not read ${issuer.replace(/\/$/, "")}/.well-known/openid-configuration (${describeError(error)}). Check the issuer, or enter the endpoints.`);
  }
}

export type AuthorizationRequest = { url: string; state: string; nonce: string; codeVerifier: string };

/** Where to send the browser: the provider's authorization endpoint with a fresh state, nonce and PKCE challenge. */
export async function authorizationRequest(client: OidcClient, redirectUri: string, options: { loginHint?: string } = {}): Promise<AuthorizationRequest> {
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const params: Record<string, string> = {
    redirect_uri: redirectUri,
    scope: "openid email profile",
    response_type: "code",
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  };
  if (options.loginHint) params.login_hint = options.loginHint;
  return { url: oidc.buildAuthorizationUrl(configuration(client), params).href, state, nonce, codeVerifier };
}

/** What the provider says of the user, from the checked ID token. */
export type OidcClaims = { subject: string; email: string | null; emailVerified: boolean | null; name: string | null; claims: Record<string, unknown> };

/**
 * Exchanges the code of the provider's answer (`callbackUrl`, with its query)
 * for tokens and checks the ID token. Throws OidcLoginError with the reason.
 */
export async function exchangeCode(client: OidcClient, callbackUrl: URL, expected: { state: string; nonce: string; codeVerifier: string }): Promise<OidcClaims> {
  let claims: oidc.IDToken | undefined;
  try {
    const tokens = await oidc.authorizationCodeGrant(configuration(client), callbackUrl, {
      expectedState: expected.state,
      expectedNonce: expected.nonce,
      pkceCodeVerifier: expected.codeVerifier,
      idTokenExpected: true,
    });
    claims = tokens.claims();
  } catch (error) {
    throw new OidcLoginError(providerErrorReason(error), describeError(error));
  }
  if (!claims) throw new OidcLoginError("id_token_missing", "the provider sent no ID token");
  const { sub, email, email_verified, name } = claims as Record<string, unknown>;
  return {
    subject: String(sub),
    email: typeof email === "string" ? email.toLowerCase() : null,
    emailVerified: typeof email_verified === "boolean" ? email_verified : null,
    name: typeof name === "string" ? name : null,
    claims: claims as Record<string, unknown>,
  };
}

/** A sign-in the provider's answer does not allow: `reason` is a stable code, `detail` for the audit log and the test result. */
export class OidcLoginError extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** openid-client's error codes, mapped to the few reasons people act on. */
function providerErrorReason(error: unknown): string {
  const e = error as { code?: string; error?: string };
  if (e.error) return "provider_error"; // the provider answered the code with an OAuth error
  // Signature, algorithm and key failures come as "invalid response": they are about the ID token.
  if (e.code === "OAUTH_INVALID_RESPONSE" && /\bJWT\b|\bJWS\b|ID Token/i.test(describeError(error))) return "id_token_invalid";
  switch (e.code) {
    case "OAUTH_AUTHORIZATION_RESPONSE_ERROR":
      return "provider_error";
    case "OAUTH_JWT_CLAIM_COMPARISON_FAILED":
    case "OAUTH_JWT_TIMESTAMP_CHECK_FAILED":
    case "OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED":
    case "OAUTH_UNSUPPORTED_OPERATION":
    case "OAUTH_KEY_SELECTION_FAILED":
    case "OAUTH_MISSING_REQUIRED_CLAIM":
      return "id_token_invalid";
    case "OAUTH_RESPONSE_IS_NOT_CONFORM":
    case "OAUTH_INVALID_RESPONSE":
      return "invalid_response";
    default:
      return "token_exchange_failed";
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { error?: string; error_description?: string };
  if (e.error) return `${e.error}${e.error_description ? `: ${e.error_description}` : ""}`;
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
  return `${e.message}${cause}`.slice(0, 500);
}
