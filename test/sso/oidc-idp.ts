// A real OpenID Connect provider (oidc-provider) on loopback for the SSO
// tests, and a small cookie-keeping client that walks a sign-in through it
// and through Tollgate's routes as a browser would.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type Adapter, type AdapterPayload } from "oidc-provider";

export type IdpAccount = { email?: string; email_verified?: boolean; name?: string; groups?: string[] };

/** Every model in one map; clients are added by the test (their redirect URIs name connections made at run time). */
function memoryAdapter(store: Map<string, AdapterPayload>) {
  return class MemoryAdapter implements Adapter {
    constructor(private name: string) {}
    private key = (id: string) => `${this.name}:${id}`;
    async upsert(id: string, payload: AdapterPayload) {
      store.set(this.key(id), payload);
    }
    async find(id: string) {
      return store.get(this.key(id));
    }
    async findByUid(uid: string) {
      for (const [key, payload] of store) if (key.startsWith(`${this.name}:`) && payload.uid === uid) return payload;
      return undefined;
    }
    async findByUserCode(userCode: string) {
      for (const [key, payload] of store) if (key.startsWith(`${this.name}:`) && payload.userCode === userCode) return payload;
      return undefined;
    }
    async consume(id: string) {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, payload] of store) if (payload.grantId === grantId) store.delete(key);
    }
  };
}

export type TestIdp = {
  issuer: string;
  accounts: Map<string, IdpAccount>;
  /** Registers a confidential client allowed to come back to `redirectUri`. */
  addClient(clientId: string, clientSecret: string, redirectUri: string): void;
  close(): Promise<void>;
};

export async function startOidcProvider(): Promise<TestIdp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = new Map<string, AdapterPayload>();
  const accounts = new Map<string, IdpAccount>();
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(store),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: "test-idp", alg: "RS256", use: "sig" }] },
    cookies: { keys: ["tollgate-test-idp-cookie-key"] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
    // The claims in the ID token itself (Tollgate reads no userinfo).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      return account ? { accountId: sub, claims: async () => ({ sub, ...account }) } : undefined;
    },
    // Consent is taken as given: the tests sign in, they do not consent.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });
  server.on("request", provider.callback());
  return {
    issuer,
    accounts,
    addClient(clientId, clientSecret, redirectUri) {
      store.set(`Client:${clientId}`, {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      } as AdapterPayload);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A browser's cookies and redirects, by host, for walking a sign-in. */
export class CookieBrowser {
  private jars = new Map<string, Map<string, string>>();

  cookie(host: string, name: string): string | undefined {
    return this.jars.get(host)?.get(name);
  }

  setCookie(host: string, name: string, value: string) {
    let jar = this.jars.get(host);
    if (!jar) this.jars.set(host, (jar = new Map()));
    jar.set(name, value);
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.jars.get(target.host);
    const headers: Record<string, string> = { ...init.headers };
    if (jar?.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    if (init.form) headers["content-type"] = "application/x-www-form-urlencoded";
    if (init.json !== undefined) headers["content-type"] = "application/json";
    const body = init.form ? new URLSearchParams(init.form).toString() : init.json !== undefined ? JSON.stringify(init.json) : undefined;
    const res = await fetch(url, { method: init.method ?? "GET", headers, body, redirect: "manual" });
    for (const set of res.headers.getSetCookie()) {
      const [pair, ...attributes] = set.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === "") this.jars.get(target.host)?.delete(name);
      else this.setCookie(target.host, name, value);
    }
    return res;
  }

  /** Follows redirects from `url` until one leaves for `stopAt` (a URL prefix) or a page answers; returns that URL. */
  async follow(url: string, stopAt: string[]): Promise<{ url: string; response: Response | null }> {
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      if (hops > 0 && stopAt.some((prefix) => current.startsWith(prefix))) return { url: current, response: null };
      const res = await this.request(current);
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, response: res };
      current = new URL(location, current).href;
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

/**
 * Signs in at the provider as `accountId` from the provider's interaction
 * page, and returns the URL it sends the browser back to (the callback).
 */
export async function signInAtProvider(browser: CookieBrowser, authorizationUrl: string, accountId: string, callbackPrefix: string): Promise<string> {
  const atInteraction = await browser.follow(authorizationUrl, [callbackPrefix]);
  if (atInteraction.url.startsWith(callbackPrefix)) return atInteraction.url;
  const uid = /\/interaction\/([^/?]+)/.exec(atInteraction.url)?.[1];
  if (!uid) throw new Error(`not at the provider's login page: ${atInteraction.url} (${atInteraction.response?.status})`);
  const origin = new URL(atInteraction.url).origin;
  const submitted = await browser.request(`${origin}/interaction/${uid}`, { method: "POST", form: { prompt: "login", login: accountId, password: "any" } });
  const next = submitted.headers.get("location");
  if (!next) throw new Error(`the provider did not take the login: ${submitted.status} ${await submitted.text()}`);
  const back = await browser.follow(new URL(next, origin).href, [callbackPrefix]);
  if (!back.url.startsWith(callbackPrefix)) throw new Error(`the provider did not send the browser back: ${back.url} ${back.response?.status} ${await back.response?.text()}`);
  return back.url;
}

/** The sign-in page's step: asks Tollgate (same origin) where to go; answers that URL (the provider, or a refusal on the sign-in page). */
export async function startSignIn(browser: CookieBrowser, base: string, input: Record<string, string>): Promise<string> {
  const res = await browser.request(`${base}/api/sso/start`, { method: "POST", json: input, headers: { origin: base } });
  if (res.status !== 200) throw new Error(`start answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { url: string }).url;
}
