// Forged and bent provider answers are refused. A hostile provider on
// loopback (its token endpoint answers whatever ID token the test forges)
// stands behind a connection with entered endpoints; each attack is its own
// test, and none signs anyone in. Answers with a missing, unknown or replayed
// state are refused before the provider is asked for a token.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { createConnection, type SsoConnectionView } from "../../lib/sso/connections.ts";
import { finishOidcSignIn, SsoSignInError, startSsoSignIn } from "../../lib/sso/sign-in.ts";
import { builtInRole, createTestOrg, meta } from "../helpers.ts";
import { useTestDns, verifiedDomain } from "./sso-fixtures.ts";

type Forge = (request: { nonce: string; clientId: string }) => Promise<string>;

let server: http.Server;
let issuer: string;
let signingKey: CryptoKey;
let publicJwk: JWK;
let forge: Forge;
let tokenRequests = 0;
useTestDns();

beforeAll(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "good-key", alg: "RS256", use: "sig" };
  server = http.createServer(async (req, res) => {
    if (req.url === "/jwks") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [publicJwk] }));
    if (req.url === "/token" && req.method === "POST") {
      tokenRequests += 1;
      let body = "";
      for await (const chunk of req) body += chunk;
      const params = new URLSearchParams(body);
      const idToken = await forge({ nonce: pendingNonce, clientId: params.get("client_id")! });
      return res
        .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
        .end(JSON.stringify({ access_token: "at", token_type: "Bearer", expires_in: 60, id_token: idToken }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let pendingNonce = "";

async function orgBehindHostileProvider() {
  const t = await createTestOrg();
  const domain = await verifiedDomain(t.owner, t.org.slug);
  const connection = await createConnection(t.owner, {
    protocol: "oidc",
    name: "Hostile",
    issuer,
    clientId: `client-${t.org.slug}`,
    clientSecret: "secret",
    authorizationEndpoint: `${issuer}/authorize`,
    tokenEndpoint: `${issuer}/token`,
    jwksUri: `${issuer}/jwks`,
    defaultRoleId: (await builtInRole("member")).id,
    enabled: true,
  });
  return { ...t, domain, connection };
}

const now = () => Math.floor(Date.now() / 1000);

/** A well-formed ID token; `change` bends one part of it. */
function goodToken(domain: string, change: { claims?: Record<string, unknown>; key?: CryptoKey | Uint8Array; header?: Record<string, unknown> } = {}): Forge {
  return async ({ nonce, clientId }) =>
    new SignJWT({ email: `user@${domain}`, email_verified: true, nonce, ...change.claims })
      .setProtectedHeader({ alg: "RS256", kid: "good-key", ...change.header } as { alg: string })
      .setIssuer((change.claims?.iss as string) ?? issuer)
      .setSubject("subject-1")
      .setAudience((change.claims?.aud as string) ?? clientId)
      .setIssuedAt((change.claims?.iat as number) ?? now())
      .setExpirationTime((change.claims?.exp as number) ?? now() + 300)
      .sign(change.key ?? signingKey);
}

/** Starts a sign-in, lets the provider answer with `forged`, and returns the refusal's reason (or "signed_in"). */
async function attempt(connection: SsoConnectionView, orgSlug: string, forged: Forge, answer: Record<string, string> = {}): Promise<string> {
  const { state, callback } = await startedSignIn(connection, orgSlug, forged);
  return finish(connection, callback({ code: "the-code", state, ...answer }), state);
}

/** Starts a sign-in whose provider will answer with `forged`; returns its state and the callback URL with a `query` of the test's choosing. */
async function startedSignIn(connection: SsoConnectionView, orgSlug: string, forged: Forge) {
  const { url, state } = await startSsoSignIn({ org: orgSlug });
  pendingNonce = new URL(url).searchParams.get("nonce")!;
  forge = forged;
  const callback = (query: Record<string, string>) => {
    const at = new URL(connection.redirectUri);
    at.search = new URLSearchParams(query).toString();
    return at;
  };
  return { state, callback };
}

/** Finishes at the callback; answers the refusal's reason (or "signed_in"). */
async function finish(connection: SsoConnectionView, callback: URL, stateCookie: string | null): Promise<string> {
  try {
    await finishOidcSignIn(meta(), connection.id, callback, stateCookie);
    return "signed_in";
  } catch (error) {
    if (error instanceof SsoSignInError) return error.reason;
    throw error;
  }
}

/** Nobody of the domain exists and the connection opened no session. */
async function expectNobodySignedIn(connection: SsoConnectionView, domain: string) {
  expect(await db.user.count({ where: { email: `user@${domain}` } })).toBe(0);
  expect(await db.session.count({ where: { ssoConnectionId: connection.id } })).toBe(0);
}

const unsignedToken =
  (domain: string): Forge =>
  async ({ nonce, clientId }) => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    return `${part({ alg: "none", typ: "JWT" })}.${part({ iss: issuer, sub: "subject-1", aud: clientId, exp: now() + 300, iat: now(), nonce, email: `user@${domain}`, email_verified: true })}.`;
  };

describe("OpenID Connect answers that are refused", () => {
  it("a well-formed answer signs in (the control for the cases below)", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    expect(await attempt(connection, org.slug, goodToken(domain))).toBe("signed_in");
  });

  it("a token from another issuer", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    expect(await attempt(connection, org.slug, goodToken(domain, { claims: { iss: "https://evil.example" } }))).toBe("id_token_invalid");
  });

  it("an RFC 9207 iss parameter naming another issuer", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    expect(await attempt(connection, org.slug, goodToken(domain), { iss: "https://evil.example" })).toBe("invalid_response");
  });

  it("a token for another client (audience), such as another organization's connection", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    const other = await orgBehindHostileProvider();
    expect(await attempt(connection, org.slug, goodToken(domain, { claims: { aud: `client-${other.org.slug}` } }))).toBe("id_token_invalid");
  });

  it("a token for another application (audience) of the same provider", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    expect(await attempt(connection, org.slug, goodToken(domain, { claims: { aud: "https://other-app.example" } }))).toBe("id_token_invalid");
    await expectNobodySignedIn(connection, domain);
  });

  it("an expired token", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    expect(await attempt(connection, org.slug, goodToken(domain, { claims: { iat: now() - 7200, exp: now() - 3600 } }))).toBe("id_token_invalid");
  });

  it("a nonce other than the one sent", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    expect(await attempt(connection, org.slug, goodToken(domain, { claims: { nonce: "someone-elses-nonce" } }))).toBe("id_token_invalid");
  });

  it("an unsigned token (alg: none)", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    expect(await attempt(connection, org.slug, unsignedToken(domain))).toBe("id_token_invalid");
  });

  it("an HS256 token keyed with the provider's public key", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    const publicKeyAsSecret = new TextEncoder().encode(JSON.stringify(publicJwk));
    expect(await attempt(connection, org.slug, goodToken(domain, { key: publicKeyAsSecret, header: { alg: "HS256" } }))).toBe("id_token_invalid");
  });

  it("a token signed by a key the provider's JWKS does not hold", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    const stranger = (await generateKeyPair("RS256")).privateKey;
    expect(await attempt(connection, org.slug, goodToken(domain, { key: stranger }))).toBe("id_token_invalid");
    expect(await attempt(connection, org.slug, goodToken(domain, { key: stranger, header: { kid: "unknown-key" } }))).toBe("id_token_invalid");
  });

  it("refusals sign nobody in, create nobody, and are audited with their reason", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    await attempt(connection, org.slug, goodToken(domain, { claims: { iss: "https://evil.example" } }));
    expect(await db.user.count({ where: { email: `user@${domain}` } })).toBe(0);
    expect(await db.session.count({ where: { ssoConnectionId: connection.id } })).toBe(0);
    const failed = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "sso.login.failed" } });
    expect(failed.after).toMatchObject({ ok: false, reason: "id_token_invalid" });
  });
});

describe("OpenID Connect answers with a bad state", () => {
  it("an answer without a state, and the sign-in it would have finished stays unused", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    const { state, callback } = await startedSignIn(connection, org.slug, goodToken(domain));
    const before = tokenRequests;
    expect(await finish(connection, callback({ code: "the-code" }), state)).toBe("state_missing");
    expect(tokenRequests).toBe(before);
    await expectNobodySignedIn(connection, domain);
    expect(await db.ssoLogin.findFirstOrThrow({ where: { connectionId: connection.id } })).toMatchObject({ usedAt: null });
  });

  it("an answer with a state nobody started (an attacker's cookie matching it)", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    const { callback } = await startedSignIn(connection, org.slug, goodToken(domain));
    const before = tokenRequests;
    expect(await finish(connection, callback({ code: "the-code", state: "made-up-state" }), "made-up-state")).toBe("state_invalid");
    expect(tokenRequests).toBe(before);
    await expectNobodySignedIn(connection, domain);
    expect(await db.ssoLogin.findFirstOrThrow({ where: { connectionId: connection.id } })).toMatchObject({ usedAt: null });
  });

  it("an answer replayed after it signed someone in: refused, audited, the provider not asked again", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    const { state, callback } = await startedSignIn(connection, org.slug, goodToken(domain));
    const answer = callback({ code: "the-code", state });
    expect(await finish(connection, answer, state)).toBe("signed_in");
    const before = tokenRequests;
    expect(await finish(connection, answer, state)).toBe("state_replayed");
    expect(tokenRequests).toBe(before);
    expect(await db.session.count({ where: { ssoConnectionId: connection.id } })).toBe(1);
    const failed = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "sso.login.failed" } });
    expect(failed.after).toMatchObject({ ok: false, reason: "state_replayed" });
  });

  it("an answer replayed after it was refused does not get a second try", async () => {
    const { org, domain, connection } = await orgBehindHostileProvider();
    const { state, callback } = await startedSignIn(connection, org.slug, goodToken(domain, { claims: { iss: "https://evil.example" } }));
    const answer = callback({ code: "the-code", state });
    expect(await finish(connection, answer, state)).toBe("id_token_invalid");
    forge = goodToken(domain);
    expect(await finish(connection, answer, state)).toBe("state_replayed");
    await expectNobodySignedIn(connection, domain);
  });
});
