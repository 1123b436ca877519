// SAML 2.0, service-provider side: the identity provider's metadata read,
// our metadata written, the AuthnRequest URL (HTTP-Redirect binding) and the
// check of a Response posted to the ACS URL. Nothing here reads the database:
// lib/sso/saml-sign-in.ts holds the flow (replay cache, logins, users).
//
// node-saml checks the XML signatures (against one or two certificates) and
// takes the assertion from the signed XML only. Everything else is checked
// here on that signed assertion, with our clock: the message shape (no
// DOCTYPE, no comments, one assertion, strong algorithms), Issuer, Audience,
// Recipient, Destination, InResponseTo and the validity windows.
import { X509Certificate, randomBytes } from "node:crypto";
import { SAML, ValidateInResponseTo, type SamlConfig } from "@node-saml/node-saml";
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { z } from "zod";
import { Invalid } from "../errors.ts";
import { providerUrlProblem } from "./oidc-protocol.ts";

const NS = {
  protocol: "urn:oasis:names:tc:SAML:2.0:protocol",
  assertion: "urn:oasis:names:tc:SAML:2.0:assertion",
  metadata: "urn:oasis:names:tc:SAML:2.0:metadata",
  dsig: "http://www.w3.org/2000/09/xmldsig#",
};
const REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";

/** A Response larger than this (base64, as posted) is refused unread. Real ones are a few KB. */
export const MAX_SAML_RESPONSE_CHARS = 256 * 1024;
/** Signing certificates kept at once: the current one and the next (rotation). */
export const MAX_IDP_CERTS = 2;

const STRONG_SIGNATURES = new Set(["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"]);
const STRONG_DIGESTS = new Set(["http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2001/04/xmldsig-more#sha384", "http://www.w3.org/2001/04/xmlenc#sha512"]);
const SHA1_SIGNATURE = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const SHA1_DIGEST = "http://www.w3.org/2000/09/xmldsig#sha1";

/** The identity provider as a connection keeps it. `certs` are the base64 bodies of PEM certificates. */
export type SamlIdp = { entityId: string; ssoUrl: string; certs: string[] };
/** This side of one connection: its entity ID (also the Audience) and ACS URL (also the Recipient and Destination). */
export type SamlSp = { entityId: string; acsUrl: string };
export type SamlPolicy = { allowIdpInitiated: boolean; allowSha1: boolean; clockSkewSeconds: number };

let clock: () => Date = () => new Date();
/** Tests move the clock to check validity windows without waiting; no argument puts the real one back. */
export function useSamlClock(now?: () => Date) {
  clock = now ?? (() => new Date());
}

/** A login the provider's answer does not allow: `reason` is a stable code, `detail` for the audit log and the test result. */
export class SamlLoginError extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
    /** Refused after the signature held: the connection's own provider sent it (worth its audit log). */
    readonly signed = false,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** Parses XML we were given, refusing what has no place in SAML: a DOCTYPE (entities, external or not) or malformed markup. */
function parseXml(xml: string, fail: (detail: string) => never): Document {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) fail("it declares a DOCTYPE or entities, which SAML never uses");
  let problem: string | null = null;
  let doc: Document | null = null;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") problem ??= message;
      },
    }).parseFromString(xml, "text/xml");
  } catch (error) {
    problem ??= error instanceof Error ? error.message : String(error);
  }
  if (problem || !doc?.documentElement) fail(`it is not well-formed XML (${String(problem ?? "no root element").split("\n")[0]})`);
  return doc!;
}

const elements = (parent: Document | Element, ns: string, name: string): Element[] => Array.from(parent.getElementsByTagNameNS(ns, name));
const children = (parent: Element, ns: string, name: string): Element[] =>
  Array.from(parent.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name);
const child = (parent: Element, ns: string, name: string): Element | null => children(parent, ns, name)[0] ?? null;
const text = (el: Element | null): string | null => (el?.textContent ?? "").trim() || null;

/** A certificate's base64 body, from PEM or bare base64; null when it is not an X.509 certificate. */
export function normaliseCertificate(raw: string): string | null {
  const body = raw.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) return null;
  try {
    new X509Certificate(Buffer.from(body, "base64"));
    return body;
  } catch {
    return null;
  }
}

/** What the admin page shows of a certificate: who it names and when it runs out. */
export function describeCertificate(body: string) {
  const cert = new X509Certificate(Buffer.from(body, "base64"));
  return { subject: cert.subject.replace(/\n/g, ", "), notAfter: new Date(cert.validTo).toISOString(), fingerprintSha256: cert.fingerprint256 };
}

/**
 * The identity provider from its metadata XML (pasted or uploaded; nothing is
 * fetched): entity ID, HTTP-Redirect sign-in URL and signing certificates.
 * Throws Invalid naming what is missing.
 */
export function parseIdpMetadata(xml: string): SamlIdp {
  const fail = (detail: string): never => {
    throw new Invalid("invalid_metadata", `metadataXml: ${detail}`);
  };
  const doc = parseXml(xml, (detail) => fail(`the metadata is refused: ${detail}`));
  const descriptor = elements(doc, NS.metadata, "IDPSSODescriptor")[0] ?? fail("no IDPSSODescriptor: is this the identity provider's metadata?");
  const entity = descriptor.parentNode as Element;
  const entityId = entity?.getAttribute("entityID")?.trim() || fail("the EntityDescriptor has no entityID");
  const sso = children(descriptor, NS.metadata, "SingleSignOnService").find((s) => s.getAttribute("Binding") === REDIRECT_BINDING);
  const ssoUrl = sso?.getAttribute("Location")?.trim() || fail("no SingleSignOnService with the HTTP-Redirect binding");
  const urlProblem = providerUrlProblem(ssoUrl);
  if (urlProblem) fail(`the sign-in URL ${ssoUrl} ${urlProblem}`);
  const certs = new Set<string>();
  for (const key of children(descriptor, NS.metadata, "KeyDescriptor")) {
    const use = key.getAttribute("use");
    if (use && use !== "signing") continue;
    for (const c of elements(key, NS.dsig, "X509Certificate")) {
      const body = normaliseCertificate(c.textContent ?? "");
      if (!body) fail("a signing certificate in it cannot be read");
      certs.add(body!);
    }
  }
  if (certs.size === 0) fail('no signing certificate (KeyDescriptor use="signing")');
  if (certs.size > MAX_IDP_CERTS) fail(`it lists ${certs.size} signing certificates; at most ${MAX_IDP_CERTS} are kept`);
  return { entityId, ssoUrl, certs: [...certs] };
}

function samlOf(idp: SamlIdp, sp: SamlSp, options: Partial<SamlConfig> = {}): SAML {
  return new SAML({
    idpCert: idp.certs,
    issuer: sp.entityId,
    audience: sp.entityId,
    callbackUrl: sp.acsUrl,
    entryPoint: idp.ssoUrl,
    // Every time is checked below with our (injectable) clock.
    acceptedClockSkewMs: -1,
    // InResponseTo is checked below against the login the browser started.
    validateInResponseTo: ValidateInResponseTo.never,
    // One signature at least, on the Response or the Assertion (node-saml checks the assertion's when the response has none).
    wantAssertionsSigned: false,
    wantAuthnResponseSigned: false,
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    ...options,
  });
}

/** Our metadata for the provider's admin: entity ID, ACS URL (HTTP-POST) and that we want signed assertions. */
export function spMetadataXml(sp: SamlSp): string {
  return samlOf({ entityId: "", ssoUrl: "https://unused.invalid", certs: [] }, sp, { wantAssertionsSigned: true }).generateServiceProviderMetadata(null, null);
}

/** Where to send the browser: the provider's sign-in URL with a fresh AuthnRequest, and the RelayState it will bring back. */
export async function authnRequest(idp: SamlIdp, sp: SamlSp): Promise<{ url: string; requestId: string; relayState: string }> {
  const requestId = `_${randomBytes(20).toString("hex")}`;
  const relayState = randomBytes(32).toString("base64url");
  const url = await samlOf(idp, sp, { generateUniqueId: () => requestId }).getAuthorizeUrlAsync(relayState, undefined, {});
  return { url, requestId, relayState };
}

/** What a checked assertion says of the person. */
export type SamlAnswer = {
  assertionId: string;
  /** When the assertion stops being valid: its ID is remembered until then (replay). */
  expiresAt: string;
  subject: string;
  email: string | null;
  name: string | null;
  attributes: Record<string, string[]>;
  authnContext: string | null;
};

/**
 * Checks a Response posted to the ACS URL. `expectedRequestId` is the ID of
 * the AuthnRequest this browser's login sent, or null when the post came
 * unasked (IdP-initiated: allowed only by `policy.allowIdpInitiated`).
 * Throws SamlLoginError with the reason.
 */
export async function checkSamlResponse(input: { samlResponse: string; idp: SamlIdp; sp: SamlSp; policy: SamlPolicy; expectedRequestId: string | null }): Promise<SamlAnswer> {
  const { idp, sp, policy } = input;
  const refuse = (reason: string, detail: string): never => {
    throw new SamlLoginError(reason, detail);
  };
  if (input.samlResponse.length > MAX_SAML_RESPONSE_CHARS) refuse("response_too_large", `the SAMLResponse is larger than ${MAX_SAML_RESPONSE_CHARS / 1024} KB`);
  const compact = input.samlResponse.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+=*$/.test(compact)) refuse("response_malformed", "the SAMLResponse is not base64");
  const xml = Buffer.from(compact, "base64").toString("utf8");
  // POST binding carries plain XML: a deflated (or any binary) payload is refused, never inflated.
  if (!/^\s*</.test(xml)) refuse("response_malformed", "the SAMLResponse is not XML (a deflated message is not accepted here)");
  const doc = parseXml(xml, (detail) => refuse("response_malformed", `the SAMLResponse is refused: ${detail}`));
  // A comment can split a signed value (NameID) without breaking its signature: none belongs in a Response.
  if (xml.includes("<!--")) refuse("response_malformed", "the SAMLResponse holds an XML comment");
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.protocol || root.localName !== "Response") refuse("response_malformed", `the message is a ${root.localName}, not a SAML Response`);

  // Wrapping attacks hide a second assertion anywhere (Extensions, Signature Object, inside the first): only one may exist.
  const assertionCount = elements(doc, NS.assertion, "Assertion").length + elements(doc, NS.assertion, "EncryptedAssertion").length;
  if (assertionCount > 1) refuse("multiple_assertions", `the Response holds ${assertionCount} assertions; exactly one is accepted`);
  if (elements(doc, NS.assertion, "EncryptedAssertion").length) refuse("assertion_encrypted", "the assertion is encrypted; turn assertion encryption off at the provider");
  checkAlgorithms(doc, policy.allowSha1, refuse);

  let assertionXml: string;
  try {
    const { profile } = await samlOf(idp, sp).validatePostResponseAsync({ SAMLResponse: compact });
    if (!profile) refuse("assertion_missing", "the Response carries no assertion");
    assertionXml = profile!.getAssertionXml!();
  } catch (error) {
    if (error instanceof SamlLoginError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/status|returned/i.test(message) && /error/i.test(message)) refuse("idp_refused", message.slice(0, 300));
    if (/signature|signed data/i.test(message)) refuse("signature_invalid", `${message}: the Response and its assertion are not signed by a certificate of this connection`);
    if (/audience/i.test(message)) refuse("wrong_audience", `the assertion is not meant for ${sp.entityId}`);
    if (/Missing SAML assertion/i.test(message)) refuse("assertion_missing", "the Response carries no assertion");
    refuse("response_invalid", message.slice(0, 300));
  }

  // From here on, only what the signature covers: the assertion node-saml verified.
  const refuseSigned = (reason: string, detail: string): never => {
    throw new SamlLoginError(reason, detail, true);
  };
  return checkSignedAssertion({ ...input, root, assertionXml: assertionXml!, refuse: refuseSigned });
}

function checkSignedAssertion(input: {
  root: Element;
  assertionXml: string;
  idp: SamlIdp;
  sp: SamlSp;
  policy: SamlPolicy;
  expectedRequestId: string | null;
  refuse: (reason: string, detail: string) => never;
}): SamlAnswer {
  const { root, idp, sp, policy, refuse } = input;
  const assertion = parseXml(input.assertionXml, (detail) => refuse("response_malformed", detail)).documentElement!;
  const now = clock().getTime();
  const skewMs = policy.clockSkewSeconds * 1000;
  const instant = (value: string | null, what: string): number | null => {
    if (value === null) return null;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) refuse("response_malformed", `${what} is not a date: ${value}`);
    return ms;
  };
  const checkWindow = (notBefore: string | null, notOnOrAfter: string | null, what: string) => {
    const from = instant(notBefore, `${what} NotBefore`);
    const until = instant(notOnOrAfter, `${what} NotOnOrAfter`);
    if (from !== null && now + skewMs < from) refuse("not_yet_valid", `${what} is valid only from ${notBefore}`);
    if (until !== null && now - skewMs >= until) refuse("expired", `${what} expired at ${notOnOrAfter}`);
  };

  const issuer = text(child(assertion, NS.assertion, "Issuer"));
  if (issuer !== idp.entityId) refuse("wrong_issuer", `the assertion was issued by ${issuer ?? "nobody"}, not by ${idp.entityId}`);
  const responseIssuer = text(child(root, NS.assertion, "Issuer"));
  if (responseIssuer !== null && responseIssuer !== idp.entityId) refuse("wrong_issuer", `the Response was issued by ${responseIssuer}, not by ${idp.entityId}`);

  const destination = root.getAttribute("Destination");
  if (destination && destination !== sp.acsUrl) refuse("wrong_destination", `the Response is addressed to ${destination}, not to ${sp.acsUrl}`);

  const issued = instant(assertion.getAttribute("IssueInstant"), "IssueInstant");
  if (issued !== null && now + skewMs < issued) refuse("not_yet_valid", `the assertion was issued in the future (${assertion.getAttribute("IssueInstant")})`);

  const conditions = child(assertion, NS.assertion, "Conditions") ?? refuse("response_invalid", "the assertion has no Conditions");
  checkWindow(conditions.getAttribute("NotBefore"), conditions.getAttribute("NotOnOrAfter"), "the assertion");
  const restrictions = children(conditions, NS.assertion, "AudienceRestriction");
  if (!restrictions.length) refuse("wrong_audience", "the assertion names no audience");
  for (const restriction of restrictions) {
    const audiences = children(restriction, NS.assertion, "Audience").map((a) => text(a));
    if (!audiences.includes(sp.entityId)) refuse("wrong_audience", `the assertion is meant for ${audiences.join(", ") || "nobody"}, not for ${sp.entityId}`);
  }

  const subjectEl = child(assertion, NS.assertion, "Subject") ?? refuse("response_invalid", "the assertion has no Subject");
  const bearer = children(subjectEl, NS.assertion, "SubjectConfirmation").filter((c) => c.getAttribute("Method") === BEARER);
  if (bearer.length !== 1) refuse("response_invalid", "the assertion must have exactly one bearer SubjectConfirmation");
  const confirmation = child(bearer[0]!, NS.assertion, "SubjectConfirmationData") ?? refuse("response_invalid", "the bearer confirmation has no SubjectConfirmationData");
  const recipient = confirmation.getAttribute("Recipient");
  if (recipient !== sp.acsUrl) refuse("wrong_recipient", `the assertion is for ${recipient || "no recipient"}, not for ${sp.acsUrl}`);
  const confirmationUntil = confirmation.getAttribute("NotOnOrAfter") || refuse("response_invalid", "the bearer confirmation has no NotOnOrAfter");
  checkWindow(confirmation.getAttribute("NotBefore"), confirmationUntil, "the subject confirmation");

  // InResponseTo: the signed confirmation must name the request this browser sent (the Response's own
  // attribute may be unsigned: it can refuse, never vouch); an answer nobody asked for names none.
  const signedInResponseTo = confirmation.getAttribute("InResponseTo") || null;
  const inResponseTo = [signedInResponseTo, root.getAttribute("InResponseTo")].filter((v): v is string => !!v);
  if (input.expectedRequestId) {
    if (!signedInResponseTo) refuse("in_response_to_mismatch", "the signed assertion does not name the request it answers");
    if (inResponseTo.some((v) => v !== input.expectedRequestId)) refuse("in_response_to_mismatch", "the Response answers another sign-in");
  } else {
    if (inResponseTo.length) refuse("in_response_to_unknown", "the Response answers a sign-in that was not started here, or was started in another browser");
    if (!policy.allowIdpInitiated) refuse("unsolicited", "sign-ins started at the identity provider are turned off for this connection");
  }

  const assertionId = assertion.getAttribute("ID") || refuse("response_invalid", "the assertion has no ID");
  const nameId = child(subjectEl, NS.assertion, "NameID");
  const attributes = attributesOf(assertion);
  const email = [firstOf(attributes, EMAIL_ATTRIBUTES), text(nameId)].find((v) => v !== null && z.email().safeParse(v).success) ?? null;
  const transient = nameId?.getAttribute("Format") === TRANSIENT;
  const subject = (transient ? email : text(nameId)) ?? refuse("response_invalid", "the assertion names nobody (no NameID)");
  const conditionsUntil = instant(conditions.getAttribute("NotOnOrAfter"), "NotOnOrAfter");
  const expiresAt = Math.max(conditionsUntil ?? 0, instant(confirmationUntil, "NotOnOrAfter")!) + skewMs;
  const authnContext = text(elements(assertion, NS.assertion, "AuthnContextClassRef")[0] ?? null);
  return {
    assertionId,
    expiresAt: new Date(expiresAt).toISOString(),
    subject: subject!,
    email: email?.toLowerCase() ?? null,
    name: firstOf(attributes, NAME_ATTRIBUTES) ?? joinedName(attributes),
    attributes,
    authnContext,
  };
}

/** Every Signature must use SHA-256 or stronger (SHA-1 only where the connection allows it); HMAC and the rest are refused. */
function checkAlgorithms(doc: Document, allowSha1: boolean, refuse: (reason: string, detail: string) => never) {
  for (const signature of elements(doc, NS.dsig, "Signature")) {
    const method = elements(signature, NS.dsig, "SignatureMethod")[0]?.getAttribute("Algorithm") ?? "";
    const digests = elements(signature, NS.dsig, "DigestMethod").map((d) => d.getAttribute("Algorithm") ?? "");
    const weakOk = (algorithm: string, sha1: string) => allowSha1 && algorithm === sha1;
    if (!STRONG_SIGNATURES.has(method) && !weakOk(method, SHA1_SIGNATURE)) {
      refuse(
        "weak_signature_algorithm",
        `the signature uses ${method || "no algorithm"}; RSA-SHA256 or stronger is required${method === SHA1_SIGNATURE ? " (RSA-SHA1 only when the connection allows it)" : ""}`,
      );
    }
    for (const digest of digests) {
      if (!STRONG_DIGESTS.has(digest) && !weakOk(digest, SHA1_DIGEST)) refuse("weak_signature_algorithm", `the signature's digest uses ${digest || "no algorithm"}; SHA-256 or stronger is required`);
    }
  }
}

const EMAIL_ATTRIBUTES = ["email", "mail", "emailaddress", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "urn:oid:0.9.2342.19200300.100.1.3"];
const NAME_ATTRIBUTES = ["displayName", "name", "http://schemas.microsoft.com/identity/claims/displayname", "urn:oid:2.16.840.1.113730.3.1.241"];
const GIVEN_NAME = ["givenName", "firstName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42"];
const SURNAME = ["surname", "sn", "lastName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4"];

function attributesOf(assertion: Element): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const statement of children(assertion, NS.assertion, "AttributeStatement")) {
    for (const attribute of children(statement, NS.assertion, "Attribute")) {
      const name = attribute.getAttribute("Name");
      if (!name) continue;
      const values = children(attribute, NS.assertion, "AttributeValue")
        .map((v) => text(v))
        .filter((v): v is string => v !== null);
      (found[name] ??= []).push(...values);
    }
  }
  return found;
}

function firstOf(attributes: Record<string, string[]>, names: string[]): string | null {
  const lower = new Map(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v]));
  for (const name of names) {
    const value = lower.get(name.toLowerCase())?.[0];
    if (value) return value;
  }
  return null;
}

function joinedName(attributes: Record<string, string[]>): string | null {
  return [firstOf(attributes, GIVEN_NAME), firstOf(attributes, SURNAME)].filter(Boolean).join(" ") || null;
}
