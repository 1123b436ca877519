// A SAML 2.0 identity provider for the tests, built with samlify (independent
// of node-saml, which Tollgate uses): it reads Tollgate's AuthnRequest from
// the HTTP-Redirect binding and answers with a signed Response by HTTP-POST,
// as a page with a button (Chromium clicks it) or as the raw message (the
// attack tests change it before posting).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as samlify from "samlify";

// The tests' provider trusts what Tollgate sends it; XML schema checks are Tollgate's side.
samlify.setSchemaValidator({ validate: () => Promise.resolve("skipped") });

export type SigningKey = { privateKey: string; cert: string };
const keys = new Map<string, SigningKey>();

/** An RSA key and a self-signed certificate (openssl, as an IdP admin would make one); one per name per test process. */
export function signingKey(name: string): SigningKey {
  const known = keys.get(name);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), "tollgate-saml-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "30", "-subj", `/CN=${name}`], {
      stdio: "ignore",
    });
    const key = { privateKey: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
    keys.set(name, key);
    return key;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type SamlUser = { email: string; nameId?: string; nameIdFormat?: string; name?: string; groups?: string[]; authnContext?: string };
export type SpTarget = { entityId: string; acsUrl: string };

/** What the Response says, each value replaceable by a test (wrong audience, expired, …). */
export type ResponseTags = {
  ID: string;
  AssertionID: string;
  IssueInstant: string;
  Destination: string;
  InResponseTo: string;
  Issuer: string;
  AssertionIssuer: string;
  NameID: string;
  NameIDFormat: string;
  SubjectRecipient: string;
  SubjectConfirmationDataNotOnOrAfter: string;
  ConditionsNotBefore: string;
  ConditionsNotOnOrAfter: string;
  Audience: string;
};

export type ResponseOptions = {
  user: SamlUser;
  inResponseTo?: string | null;
  /** What is signed: the assertion (default), the whole response, both, or nothing. */
  sign?: "assertion" | "response" | "both" | "none";
  /** Signs with another key than the provider's published one. */
  key?: SigningKey;
  algorithm?: "sha256" | "sha1";
  tags?: Partial<ResponseTags>;
  /** The moment the message claims to be made at (default now). */
  now?: Date;
};

const TEMPLATE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}"{InResponseToAttr}>' +
  "<saml:Issuer>{Issuer}</saml:Issuer>" +
  '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
  '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">' +
  "<saml:Issuer>{AssertionIssuer}</saml:Issuer>" +
  '<saml:Subject><saml:NameID Format="{NameIDFormat}">{NameID}</saml:NameID>' +
  '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{SubjectConfirmationDataNotOnOrAfter}" Recipient="{SubjectRecipient}"{InResponseToAttr}/></saml:SubjectConfirmation></saml:Subject>' +
  '<saml:Conditions NotBefore="{ConditionsNotBefore}" NotOnOrAfter="{ConditionsNotOnOrAfter}"><saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
  '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{AssertionID}"><saml:AuthnContext><saml:AuthnContextClassRef>{AuthnContext}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
  "{TollgateAttributes}" +
  "</saml:Assertion></samlp:Response>";

const escapeXml = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function attributeStatement(user: SamlUser): string {
  const attribute = (name: string, values: string[]) =>
    `<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values.map((v) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`).join("")}</saml:Attribute>`;
  const parts = [attribute("email", [user.email])];
  if (user.name) parts.push(attribute("displayName", [user.name]));
  if (user.groups?.length) parts.push(attribute("groups", user.groups));
  return `<saml:AttributeStatement>${parts.join("")}</saml:AttributeStatement>`;
}

let counter = 0;
const newId = () => `_idp${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 10)}`;

export type TestSamlIdp = {
  entityId: string;
  ssoUrl: string;
  key: SigningKey;
  /** The provider's metadata, as an admin would download it and paste it into Tollgate. */
  metadataXml(extraCerts?: string[]): string;
  /** A Response (base64, as posted) for the service provider. */
  response(sp: SpTarget, options: ResponseOptions): Promise<string>;
  /** Who the provider signs in when the browser arrives at its sign-in URL. */
  signInAs(user: SamlUser | null): void;
  close(): Promise<void>;
};

/**
 * The provider, listening on loopback: GET /sso takes Tollgate's AuthnRequest
 * (HTTP-Redirect) and shows a page whose button posts the Response, signed
 * for the current user, to the request's ACS URL with its RelayState.
 */
export async function startSamlIdp(name = "test-idp"): Promise<TestSamlIdp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${base}/metadata`;
  const ssoUrl = `${base}/sso`;
  const key = signingKey(name);
  let current: SamlUser | null = null;

  const idpOf = (signWith: SigningKey, algorithm: "sha256" | "sha1") =>
    samlify.IdentityProvider({
      entityID: entityId,
      privateKey: signWith.privateKey,
      signingCert: signWith.cert,
      singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: ssoUrl }],
      singleLogoutService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: `${base}/slo` }],
      nameIDFormat: ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"],
      requestSignatureAlgorithm: algorithm === "sha1" ? samlify.Constants.algorithms.signature.RSA_SHA1 : samlify.Constants.algorithms.signature.RSA_SHA256,
      loginResponseTemplate: { context: TEMPLATE, attributes: [] },
    });
  const spOf = (sp: SpTarget, sign: ResponseOptions["sign"]) =>
    samlify.ServiceProvider({
      entityID: sp.entityId,
      assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: sp.acsUrl }],
      wantAssertionsSigned: sign === "assertion" || sign === "both",
      wantMessageSigned: sign === "response" || sign === "both",
    });

  async function response(sp: SpTarget, options: ResponseOptions): Promise<string> {
    const now = options.now ?? new Date();
    const inFive = new Date(now.getTime() + 5 * 60_000).toISOString();
    const tags: ResponseTags = {
      ID: newId(),
      AssertionID: newId(),
      IssueInstant: now.toISOString(),
      Destination: sp.acsUrl,
      InResponseTo: options.inResponseTo ?? "",
      Issuer: entityId,
      AssertionIssuer: options.tags?.Issuer ?? entityId,
      NameID: options.user.nameId ?? options.user.email,
      NameIDFormat: options.user.nameIdFormat ?? "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
      SubjectRecipient: sp.acsUrl,
      SubjectConfirmationDataNotOnOrAfter: inFive,
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: inFive,
      Audience: sp.entityId,
      ...options.tags,
    };
    const fill = (template: string) => {
      let xml = template.replace(/\{InResponseToAttr\}/g, tags.InResponseTo ? ` InResponseTo="${escapeXml(tags.InResponseTo)}"` : "");
      xml = xml.replace("{TollgateAttributes}", attributeStatement(options.user));
      xml = xml.replace(/\{AuthnContext\}/g, escapeXml(options.user.authnContext ?? "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"));
      for (const [tag, value] of Object.entries(tags)) xml = xml.replace(new RegExp(`\\{${tag}\\}`, "g"), escapeXml(value));
      return xml;
    };
    const sign = options.sign ?? "assertion";
    if (sign === "none") return Buffer.from(fill(TEMPLATE)).toString("base64");
    const made = await idpOf(options.key ?? key, options.algorithm ?? "sha256").createLoginResponse(
      spOf(sp, sign),
      { extract: { request: { id: tags.InResponseTo } } } as never,
      "post",
      { email: options.user.email },
      (template) => ({
        id: tags.ID,
        context: fill(template),
      }),
    );
    return made.context;
  }

  server.on("request", (req, res) => {
    const url = new URL(req.url ?? "/", base);
    if (url.pathname === "/metadata") {
      res.writeHead(200, { "content-type": "application/samlmetadata+xml" }).end(metadataXml());
      return;
    }
    if (url.pathname !== "/sso") return void res.writeHead(404).end();
    void (async () => {
      const parsed = await idpOf(key, "sha256").parseLoginRequest(spOf({ entityId: "", acsUrl: "" }, "assertion"), "redirect", { query: Object.fromEntries(url.searchParams) });
      const request = parsed.extract.request as { id: string; issuer?: string; assertionConsumerServiceUrl?: string };
      const issuer = (parsed.extract as { issuer?: string }).issuer ?? "";
      const acsUrl = request.assertionConsumerServiceUrl ?? "";
      if (!current) return void res.writeHead(403, { "content-type": "text/plain" }).end("No user to sign in.");
      const samlResponse = await response({ entityId: issuer, acsUrl }, { user: current, inResponseTo: request.id });
      const relayState = url.searchParams.get("RelayState") ?? "";
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(
          `<!doctype html><html lang="en"><head><title>Test identity provider</title></head><body><main><h1>Test identity provider</h1><p>Signing in ${escapeXml(current.email)}</p>` +
            `<form method="post" action="${escapeXml(acsUrl)}"><input type="hidden" name="SAMLResponse" value="${samlResponse}"><input type="hidden" name="RelayState" value="${escapeXml(relayState)}"><button type="submit">Continue to the application</button></form></main></body></html>`,
        );
    })().catch((error: unknown) => {
      res.writeHead(400, { "content-type": "text/plain" }).end(`Bad request: ${(error as Error).message}`);
    });
  });

  function metadataXml(extraCerts: string[] = []): string {
    const certBody = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "");
    const keyDescriptors = [key.cert, ...extraCerts]
      .map((pem) => `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
      .join("");
    return (
      `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">` +
      `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keyDescriptors}` +
      `<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>` +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ssoUrl}"/>` +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>` +
      `</md:IDPSSODescriptor></md:EntityDescriptor>`
    );
  }

  return {
    entityId,
    ssoUrl,
    key,
    metadataXml,
    response,
    signInAs: (user) => {
      current = user;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
