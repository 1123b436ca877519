// Shared by the SAML tests: an organization with a verified domain and a SAML
// connection to the test provider, and a browser's way through Tollgate's
// routes (start, the provider's page, the ACS post, the finish).
import { inflateRawSync } from "node:zlib";
import { decode } from "next-auth/jwt";
import { db } from "../../lib/db.ts";
import { publicUrl } from "../../lib/env.ts";
import { createConnection, samlServiceProviderOf } from "../../lib/sso/connections.ts";
import { builtInRole, createTestOrg } from "../helpers.ts";
import { CookieBrowser, startSignIn } from "./oidc-idp.ts";
import { afterAll, beforeAll } from "vitest";
import { useMachineServer } from "../apikeys/http.ts";
import { startSamlIdp, type SamlUser, type SpTarget, type TestSamlIdp } from "./saml-idp.ts";
import { useTestDns, verifiedDomain } from "./sso-fixtures.ts";

/** A file's SAML set-up: Tollgate's routes on loopback, test DNS, and the samlify provider. */
export function useSamlPeers() {
  const server = useMachineServer();
  useTestDns();
  const peers = { idp: undefined as unknown as TestSamlIdp, base: "", server };
  beforeAll(async () => {
    peers.idp = await startSamlIdp();
    peers.base = server.baseUrl();
  });
  afterAll(() => peers.idp.close());
  return peers;
}

export type SamlOrgOptions = { defaultRole?: "member" | "viewer" | null; enabled?: boolean; allowIdpInitiated?: boolean; allowSha1?: boolean; metadataXml?: string };

/** An organization with a verified domain and a SAML connection to `idp`, made from its metadata. */
export async function samlOrg(idp: TestSamlIdp, options: SamlOrgOptions = {}) {
  const t = await createTestOrg();
  const domain = await verifiedDomain(t.owner, t.org.slug);
  const role = options.defaultRole === null ? null : await builtInRole(options.defaultRole ?? "member");
  const connection = await createConnection(t.owner, {
    protocol: "saml",
    name: "Test SAML IdP",
    metadataXml: options.metadataXml ?? idp.metadataXml(),
    defaultRoleId: role?.id ?? null,
    enabled: options.enabled ?? true,
    allowIdpInitiated: options.allowIdpInitiated,
    allowSha1: options.allowSha1,
  });
  const sp: SpTarget = samlServiceProviderOf(connection.id);
  return { ...t, domain, connection, sp };
}

/** The AuthnRequest's ID in a redirect-binding URL (deflated, base64). */
export function requestIdOf(url: string): string {
  const request = inflateRawSync(Buffer.from(new URL(url).searchParams.get("SAMLRequest")!, "base64")).toString("utf8");
  return /\bID="([^"]+)"/.exec(request)![1]!;
}

/** Starts a sign-in at Tollgate as the sign-in page does; answers the AuthnRequest's ID and the RelayState the provider must bring back. */
export async function startSamlLogin(browser: CookieBrowser, base: string, start: Record<string, string>) {
  const url = await startSignIn(browser, base, start);
  if (!url.startsWith("http")) throw new Error(`the sign-in was refused at the start: ${url}`);
  return { url, requestId: requestIdOf(url), relayState: new URL(url).searchParams.get("RelayState")! };
}

/** Posts a Response to a connection's ACS URL as the provider's page would; answers Tollgate's redirect. */
export async function postAcs(browser: CookieBrowser, base: string, connectionId: string, form: { SAMLResponse: string; RelayState?: string }) {
  const res = await browser.request(`${base}/api/sso/saml/${connectionId}/acs`, {
    method: "POST",
    form: { SAMLResponse: form.SAMLResponse, ...(form.RelayState === undefined ? {} : { RelayState: form.RelayState }) },
  });
  return { status: res.status, location: res.headers.get("location") };
}

/** Where a redirect of Tollgate's leads, followed within Tollgate until it leaves the API (the app's page, or the sign-in page with a reason). */
export async function followTollgate(browser: CookieBrowser, base: string, location: string | null): Promise<string | null> {
  let current = location;
  for (let hops = 0; current?.startsWith("/api/sso/") && hops < 5; hops++) {
    current = (await browser.request(`${base}${current}`)).headers.get("location");
  }
  return current;
}

/**
 * The whole sign-in: started at Tollgate, the provider's page read (its form
 * holds the signed Response), the form posted to the ACS, and the browser back
 * for its session. Answers where Tollgate sent it in the end.
 */
export async function samlSignIn(browser: CookieBrowser, base: string, idp: TestSamlIdp, start: Record<string, string>, user: SamlUser): Promise<string | null> {
  const { url } = await startSamlLogin(browser, base, start);
  idp.signInAs(user);
  const page = await (await browser.request(url)).text();
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
  const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(page)?.[1];
  const relayState = /name="RelayState" value="([^"]*)"/.exec(page)?.[1];
  if (!action || !samlResponse) throw new Error(`the provider's page has no form: ${page.slice(0, 300)}`);
  const acs = action.replace(/&amp;/g, "&").replace(publicUrl(), base);
  const posted = await browser.request(acs, { method: "POST", form: { SAMLResponse: samlResponse, RelayState: relayState ?? "" } });
  return followTollgate(browser, base, posted.headers.get("location"));
}

export async function sessionOf(browser: CookieBrowser, base: string) {
  const token = browser.cookie(new URL(base).host, "next-auth.session-token");
  if (!token) return null;
  const jwt = await decode({ token, secret: process.env.NEXTAUTH_SECRET! });
  return db.session.findUnique({ where: { id: jwt!.sid as string } });
}

/** The reason of the organization's newest refused SAML sign-in, from its audit log. */
export async function lastRefusal(orgId: string): Promise<string | undefined> {
  const failed = await db.auditEvent.findFirst({ where: { orgId, action: { in: ["sso.login.failed", "sso.connection.tested"] } }, orderBy: { createdAt: "desc" } });
  return (failed?.after as { reason?: string } | null)?.reason;
}
