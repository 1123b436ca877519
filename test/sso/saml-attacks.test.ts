// Hostile SAML answers, each refused at the ACS URL with its reason (and
// audited), none signing anyone in. The provider is the samlify one the
// sign-in tests use; the attacks change its signed Response as an attacker
// in the middle (or a malicious provider account) would.
import { deflateRawSync } from "node:zlib";
import { DOMParser, XMLSerializer, type Document, type Element } from "@xmldom/xmldom";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { MAX_SAML_RESPONSE_CHARS, useSamlClock } from "../../lib/sso/saml-protocol.ts";
import { CookieBrowser } from "./oidc-idp.ts";
import { followTollgate, lastRefusal, postAcs, samlOrg, sessionOf, startSamlLogin, type SamlOrgOptions, useSamlPeers } from "./saml-flow.ts";
import { signingKey, type ResponseOptions, type TestSamlIdp } from "./saml-idp.ts";

const peers = useSamlPeers();
let idp: TestSamlIdp;
let base: string;
beforeAll(() => {
  ({ idp, base } = peers);
});
afterEach(() => useSamlClock());

const ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";

/** An organization with a SAML connection, and a sign-in started at it in a browser. */
async function started(options: SamlOrgOptions = {}) {
  const org = await samlOrg(idp, options);
  const browser = new CookieBrowser();
  const login = await startSamlLogin(browser, base, { org: org.org.slug });
  const answer = (overrides: Omit<ResponseOptions, "user"> & { user?: ResponseOptions["user"] } = {}) =>
    idp.response(org.sp, { user: { email: `member@${org.domain}` }, inResponseTo: login.requestId, ...overrides });
  /** Posts to the connection's ACS with the sign-in's RelayState, another, or none (null). */
  const post = async (samlResponse: string, relayState: string | null = login.relayState) =>
    (await postAcs(browser, base, org.connection.id, { SAMLResponse: samlResponse, RelayState: relayState ?? undefined })).location;
  const finishUrl = `/api/sso/saml/${org.connection.id}/finish?state=${encodeURIComponent(login.relayState)}`;
  return { ...org, browser, login, answer, post, finishUrl };
}

/** Refused with `reason`: sent to the sign-in page, audited in the organization, nobody signed in. */
async function expectRefused(t: Awaited<ReturnType<typeof started>>, location: string | null, reason: string) {
  expect(location).toBe(`/sign-in?sso_error=${reason}`);
  expect(await lastRefusal(t.org.id)).toBe(reason);
  expect(await sessionOf(t.browser, base)).toBeNull();
  expect(await db.auditEvent.count({ where: { orgId: t.org.id, action: "sso.login.succeeded" } })).toBe(0);
}

const parse = (b64: string): Document => new DOMParser().parseFromString(Buffer.from(b64, "base64").toString("utf8"), "text/xml");
const encode = (doc: Document) => Buffer.from(new XMLSerializer().serializeToString(doc)).toString("base64");
const rewrite = (b64: string, change: (xml: string) => string) => Buffer.from(change(Buffer.from(b64, "base64").toString("utf8"))).toString("base64");
const first = (parent: Document | Element, ns: string, name: string) => parent.getElementsByTagNameNS(ns, name)[0] as Element;
const directSignature = (el: Element) => Array.from(el.childNodes).find((n) => n.nodeType === 1 && (n as Element).localName === "Signature") as Element | undefined;

/** The signed assertion, copied with another ID and a victim's address in it, unsigned: what every wrapping attack smuggles in. */
function evilAssertion(doc: Document, victim: string, keepSignature = false): Element {
  const evil = first(doc, ASSERTION_NS, "Assertion").cloneNode(true) as Element;
  evil.setAttribute("ID", "_evil-assertion");
  first(evil, ASSERTION_NS, "NameID").textContent = victim;
  for (const value of Array.from(evil.getElementsByTagNameNS(ASSERTION_NS, "AttributeValue"))) if (value.textContent?.includes("@")) value.textContent = victim;
  const signature = directSignature(evil);
  if (signature && !keepSignature) evil.removeChild(signature);
  return evil;
}

/** XSW1 and XSW2: the signed Response turned into an unsigned one around the evil assertion, and a copy of the original (its signature's target) to hide. */
function evilResponse(doc: Document, victim: string) {
  const response = doc.documentElement!;
  const original = response.cloneNode(true) as Element;
  original.removeChild(directSignature(original)!);
  response.setAttribute("ID", "_evil-response");
  response.replaceChild(evilAssertion(doc, victim), first(doc, ASSERTION_NS, "Assertion"));
  return { doc, response, original };
}

describe("SAML answers refused", () => {
  it("control: the untouched answer is taken (so each refusal below is the attack's doing)", async () => {
    const t = await started();
    expect(await t.post(await t.answer())).toBe(t.finishUrl);
    expect(await followTollgate(t.browser, base, t.finishUrl)).toBe(`/${t.org.slug}`);
  });

  it("an unsigned assertion in an unsigned response", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ sign: "none" })), "signature_invalid");
  });

  it("a signed response whose assertion was changed after signing", async () => {
    const t = await started();
    const tampered = rewrite(await t.answer({ sign: "response" }), (xml) => xml.replaceAll(`member@${t.domain}`, `owner@${t.domain}`));
    await expectRefused(t, await t.post(tampered), "signature_invalid");
  });

  describe("signature wrapping (XSW)", () => {
    const victimOf = (t: { domain: string }) => `ceo@${t.domain}`;

    it("XSW1: an unsigned response around the evil assertion, the signed original inside its Signature's Object", async () => {
      const t = await started();
      const { doc, response, original } = evilResponse(parse(await t.answer({ sign: "response" })), victimOf(t));
      const object = doc.createElementNS(DSIG_NS, "ds:Object");
      object.appendChild(original);
      directSignature(response)!.appendChild(object);
      await expectRefused(t, await t.post(encode(doc)), "multiple_assertions");
    });

    it("XSW2: as XSW1, with the signed original beside the Signature (detached)", async () => {
      const t = await started();
      const { doc, response, original } = evilResponse(parse(await t.answer({ sign: "response" })), victimOf(t));
      response.insertBefore(original, directSignature(response)!);
      await expectRefused(t, await t.post(encode(doc)), "multiple_assertions");
    });

    it("XSW3: the evil assertion placed before the signed one", async () => {
      const t = await started();
      const doc = parse(await t.answer());
      const signed = first(doc, ASSERTION_NS, "Assertion");
      doc.documentElement!.insertBefore(evilAssertion(doc, victimOf(t)), signed);
      await expectRefused(t, await t.post(encode(doc)), "multiple_assertions");
    });

    it("XSW4: the signed assertion moved inside the evil one", async () => {
      const t = await started();
      const doc = parse(await t.answer());
      const signed = first(doc, ASSERTION_NS, "Assertion");
      const evil = evilAssertion(doc, victimOf(t));
      doc.documentElement!.replaceChild(evil, signed);
      evil.appendChild(signed);
      await expectRefused(t, await t.post(encode(doc)), "multiple_assertions");
    });

    it("XSW5: the evil assertion carries the original's signature; the original, unsigned, at the end", async () => {
      const t = await started();
      const doc = parse(await t.answer());
      const signed = first(doc, ASSERTION_NS, "Assertion");
      const evil = evilAssertion(doc, victimOf(t), true);
      doc.documentElement!.replaceChild(evil, signed);
      signed.removeChild(directSignature(signed)!);
      doc.documentElement!.appendChild(signed);
      await expectRefused(t, await t.post(encode(doc)), "multiple_assertions");
    });

    it("XSW6: the evil assertion carries the signature, the original inside that signature's Object", async () => {
      const t = await started();
      const doc = parse(await t.answer());
      const signed = first(doc, ASSERTION_NS, "Assertion");
      const evil = evilAssertion(doc, victimOf(t), true);
      doc.documentElement!.replaceChild(evil, signed);
      signed.removeChild(directSignature(signed)!);
      const object = doc.createElementNS(DSIG_NS, "ds:Object");
      object.appendChild(signed);
      directSignature(evil)!.appendChild(object);
      await expectRefused(t, await t.post(encode(doc)), "multiple_assertions");
    });

    it("XSW7: the signed assertion hidden in an Extensions element, the evil one in its place", async () => {
      const t = await started();
      const doc = parse(await t.answer());
      const signed = first(doc, ASSERTION_NS, "Assertion");
      const extensions = doc.createElementNS("urn:oasis:names:tc:SAML:2.0:protocol", "samlp:Extensions");
      doc.documentElement!.replaceChild(evilAssertion(doc, victimOf(t)), signed);
      extensions.appendChild(signed);
      doc.documentElement!.insertBefore(extensions, doc.documentElement!.firstChild);
      await expectRefused(t, await t.post(encode(doc)), "multiple_assertions");
    });

    it("XSW8: the original, unsigned, inside an Object of the evil assertion's copied signature", async () => {
      const t = await started();
      const doc = parse(await t.answer());
      const signed = first(doc, ASSERTION_NS, "Assertion");
      const evil = evilAssertion(doc, victimOf(t), true);
      doc.documentElement!.replaceChild(evil, signed);
      const object = doc.createElementNS(DSIG_NS, "ds:Object");
      const inner = signed.cloneNode(true) as Element;
      inner.removeChild(directSignature(inner)!);
      object.appendChild(inner);
      directSignature(evil)!.appendChild(object);
      await expectRefused(t, await t.post(encode(doc)), "multiple_assertions");
    });
  });

  it("a comment injected into a signed NameID (the signature ignores comments; the name would be cut short)", async () => {
    const t = await started();
    // The attacker holds a real account at the provider whose address begins with the victim's.
    const signed = await t.answer({ user: { email: `ceo@${t.domain}.attacker.test` } });
    const injected = rewrite(signed, (xml) => xml.replaceAll(`ceo@${t.domain}.attacker.test`, `ceo@${t.domain}<!---->.attacker.test`));
    await expectRefused(t, await t.post(injected), "response_malformed");
    expect(await db.user.count({ where: { email: `ceo@${t.domain}` } })).toBe(0);
  });

  it("an address that is no address (two @, the last in the organization's domain)", async () => {
    const t = await started();
    expect(await t.post(await t.answer({ user: { email: `ceo@evil.example@${t.domain}` } }))).toBe(t.finishUrl);
    expect(await followTollgate(t.browser, base, t.finishUrl)).toBe("/sign-in?sso_error=email_missing");
    expect(await db.user.count({ where: { email: { endsWith: `@${t.domain}` } } })).toBe(0);
  });

  it("a DOCTYPE with an external entity", async () => {
    const t = await started();
    const withEntity = rewrite(
      await t.answer(),
      (xml) => `<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${xml.replace(`member@${t.domain}</saml:NameID>`, "&xxe;</saml:NameID>")}`,
    );
    await expectRefused(t, await t.post(withEntity), "response_malformed");
  });

  it("an RSA-SHA1 signature, unless the connection opts in", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ algorithm: "sha1" })), "weak_signature_algorithm");
    const optedIn = await started({ allowSha1: true });
    expect(await optedIn.post(await optedIn.answer({ algorithm: "sha1" }))).toBe(optedIn.finishUrl);
  });

  it("two assertions in one response", async () => {
    const t = await started();
    const doc = parse(await t.answer());
    const second = first(doc, ASSERTION_NS, "Assertion").cloneNode(true) as Element;
    second.setAttribute("ID", "_second");
    doc.documentElement!.appendChild(second);
    await expectRefused(t, await t.post(encode(doc)), "multiple_assertions");
  });

  it("an oversized message, and a deflate bomb, refused unread", async () => {
    const t = await started();
    await expectRefused(t, await t.post("A".repeat(MAX_SAML_RESPONSE_CHARS + 4)), "response_too_large");
    // 64 MB of zeros deflate to ~64 KB: a message that would balloon if inflated. POST binding is never deflated.
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024)).toString("base64");
    await expectRefused(t, await t.post(bomb), "response_malformed");
    // A body beyond any Response's size is not read to its end.
    const huge = await postAcs(t.browser, base, t.connection.id, { SAMLResponse: "A".repeat(MAX_SAML_RESPONSE_CHARS * 4) });
    expect(huge.location).toBe("/sign-in?sso_error=response_too_large");
  });

  it("the wrong audience", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ tags: { Audience: "https://other-app.example/saml" } })), "wrong_audience");
  });

  it("the wrong recipient", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ tags: { SubjectRecipient: "https://other-app.example/acs" } })), "wrong_recipient");
  });

  it("the wrong destination", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ tags: { Destination: "https://other-app.example/acs" } })), "wrong_destination");
  });

  it("the wrong issuer", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ tags: { Issuer: "https://another-idp.example" } })), "wrong_issuer");
  });

  it("an expired assertion", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ now: new Date(Date.now() - 10 * 60_000) })), "expired");
  });

  it("an assertion read after its window, by the injected clock (no waiting)", async () => {
    const t = await started();
    const answer = await t.answer();
    useSamlClock(() => new Date(Date.now() + 6 * 60_000 + 60_000));
    await expectRefused(t, await t.post(answer), "expired");
  });

  it("an assertion not yet valid", async () => {
    const t = await started();
    const answer = await t.answer();
    useSamlClock(() => new Date(Date.now() - 10 * 60_000));
    await expectRefused(t, await t.post(answer), "not_yet_valid");
  });

  it("clocks off by less than the connection's tolerance are accepted", async () => {
    const t = await started();
    const answer = await t.answer();
    // The window is 5 minutes; 5½ minutes later is within 60 s of tolerance.
    useSamlClock(() => new Date(Date.now() + 5 * 60_000 + 30_000));
    expect(await t.post(answer)).toBe(t.finishUrl);
  });

  it("a replayed answer", async () => {
    const t = await started();
    const answer = await t.answer();
    expect(await t.post(answer)).toBe(t.finishUrl);
    await expectRefused(t, await t.post(answer), "replayed");
    // Also where it comes unasked (IdP-initiated on): the assertion's ID is taken once.
    const open = await started({ allowIdpInitiated: true });
    const unasked = await open.answer({ inResponseTo: null });
    expect(await open.post(unasked, null)).toBe(`/${open.org.slug}`);
    expect(await open.post(unasked, null)).toBe("/sign-in?sso_error=replayed");
  });

  it("an unsolicited answer where IdP-initiated sign-in is off", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ inResponseTo: null }), null), "unsolicited");
  });

  it("an unasked assertion dressed as an answer (InResponseTo added to the unsigned Response)", async () => {
    const t = await started();
    const unasked = await t.answer({ inResponseTo: null });
    const dressed = rewrite(unasked, (xml) => xml.replace("<samlp:Response ", `<samlp:Response InResponseTo="${t.login.requestId}" `));
    await expectRefused(t, await t.post(dressed), "in_response_to_mismatch");
  });

  it("garbage posted by anyone to a connection's public ACS URL is refused without a line in the organization's audit log", async () => {
    const t = await started();
    const before = await db.auditEvent.count({ where: { orgId: t.org.id } });
    expect(await t.post(Buffer.from("<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'/>").toString("base64"), null)).toBe("/sign-in?sso_error=assertion_missing");
    expect(await t.post(await t.answer({ sign: "none", inResponseTo: null }), null)).toBe("/sign-in?sso_error=signature_invalid");
    expect(await db.auditEvent.count({ where: { orgId: t.org.id } })).toBe(before);
  });

  it("an answer to another sign-in (InResponseTo of another request)", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ inResponseTo: "_some-other-request" })), "in_response_to_mismatch");
  });

  it("a certificate the connection does not know", async () => {
    const t = await started();
    await expectRefused(t, await t.post(await t.answer({ key: signingKey("stranger-idp") })), "signature_invalid");
  });

  it("an answer meant for another organization's connection", async () => {
    const a = await started();
    const b = await started();
    // B's answer (audience and recipient B's, answering B's request) posted to A's ACS, with B's RelayState and with A's.
    const forB = await b.answer({ user: { email: `member@${a.domain}` } });
    expect(await a.post(forB, b.login.relayState)).toBe("/sign-in?sso_error=wrong_audience");
    await expectRefused(a, await a.post(forB, a.login.relayState), "wrong_audience");
    // Made for A's audience and recipient but answering B's request: not A's sign-in.
    const answeringB = await a.answer({ inResponseTo: b.login.requestId });
    expect(await a.post(answeringB, b.login.relayState)).toBe("/sign-in?sso_error=in_response_to_unknown");
    // And B's sign-in still works: nothing of it was taken.
    expect(await b.post(forB)).toBe(b.finishUrl);
  });

  it("a RelayState pointing off-site is never followed", async () => {
    const t = await started({ allowIdpInitiated: true });
    for (const relayState of ["https://evil.example/phish", "//evil.example/x", "/\\evil.example", "/.//evil.example", "javascript:alert(1)", " /x"]) {
      expect(await t.post(await t.answer({ inResponseTo: null }), relayState)).toBe(`/${t.org.slug}`);
    }
  });
});
