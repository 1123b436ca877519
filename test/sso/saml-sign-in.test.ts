// Single sign-on with SAML 2.0 against a provider built with samlify on
// loopback: the browser's way through Tollgate's routes, just-in-time members,
// group mappings, the test login, IdP-initiated sign-in, certificate
// rotation, and who may change a connection.
import { beforeAll, describe, expect, it } from "vitest";
import type { ZodError } from "zod";
import { db } from "../../lib/db.ts";
import { zodMessage } from "../../lib/errors.ts";
import { createGroup } from "../../lib/groups/groups.ts";
import { createConnection, getConnection, updateConnection } from "../../lib/sso/connections.ts";
import { createGroupMapping } from "../../lib/sso/group-mappings.ts";
import { startConnectionTest } from "../../lib/sso/sign-in.ts";
import { auditActions, createTestOrg } from "../helpers.ts";
import { CookieBrowser } from "./oidc-idp.ts";
import { followTollgate, postAcs, samlOrg, samlSignIn, sessionOf, startSamlLogin, useSamlPeers } from "./saml-flow.ts";
import { signingKey, startSamlIdp, type TestSamlIdp } from "./saml-idp.ts";

const peers = useSamlPeers();
let idp: TestSamlIdp;
let base: string;
beforeAll(() => {
  ({ idp, base } = peers);
});

describe("SAML connections", () => {
  it("reads the provider from its metadata, and serves ours at the metadata URL", async () => {
    const { connection, owner } = await samlOrg(idp);
    expect(connection.protocol).toBe("saml");
    expect(connection.saml).toMatchObject({ idpEntityId: idp.entityId, idpSsoUrl: idp.ssoUrl, allowIdpInitiated: false, allowSha1: false, clockSkewSeconds: 60 });
    expect(connection.saml!.idpCertificates).toEqual([expect.objectContaining({ subject: "CN=test-idp", fingerprintSha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) })]);
    const res = await fetch(`${base}/api/sso/saml/${connection.id}/metadata`);
    expect(res.headers.get("content-type")).toContain("application/samlmetadata+xml");
    const xml = await res.text();
    expect(xml).toContain(`entityID="${connection.saml!.spEntityId}"`);
    expect(xml).toContain(`Location="${connection.saml!.acsUrl}"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
    const audit = await db.auditEvent.findFirstOrThrow({ where: { orgId: owner.orgId, action: "sso.connection.created" } });
    expect(audit.after).toMatchObject({ protocol: "saml", idpEntityId: idp.entityId });

    expect((await fetch(`${base}/api/sso/saml/00000000-0000-4000-8000-000000000000/metadata`)).status).toBe(404);
    expect((await fetch(`${base}/api/sso/saml/not-a-uuid/metadata`)).status).toBe(404);
  });

  it("refuses metadata it cannot use, with the reason, and writes nothing", async () => {
    const { owner } = await createTestOrg();
    const refused = (metadataXml: string) =>
      createConnection(owner, { protocol: "saml", name: "Bad", metadataXml }).then(
        () => "accepted",
        (e: Error) => e.message,
      );
    expect(await refused("<not-xml")).toMatch(/^metadataXml: the metadata is refused: it is not well-formed XML/);
    expect(await refused('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')).toMatch(/DOCTYPE/);
    expect(await refused(idp.metadataXml().replace(/<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>/, ""))).toMatch(/no signing certificate/);
    expect(await refused(idp.metadataXml().replace(/<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*\/>/, ""))).toMatch(/HTTP-Redirect/);
    expect(await refused(idp.metadataXml([signingKey("second").cert, signingKey("third").cert]))).toMatch(/at most 2/);
    expect(await refused(idp.metadataXml().replaceAll("http://127.0.0.1", "http://idp.example"))).toMatch(/must start with https:\/\//);
    const entered = await createConnection(owner, { protocol: "saml", name: "Entered", idpEntityId: "x", idpSsoUrl: idp.ssoUrl }).then(
      () => "accepted",
      (e: ZodError) => zodMessage(e),
    );
    expect(entered).toMatch(/metadataXml: paste the identity provider's metadata XML/);
    expect(await db.ssoConnection.count({ where: { orgId: owner.orgId } })).toBe(0);
  });

  it("is made before the provider is known (its ACS URL comes first), but neither turned on nor tested until it is", async () => {
    const { owner } = await createTestOrg();
    const draft = await createConnection(owner, { protocol: "saml", name: "Later" });
    expect(draft.saml).toMatchObject({ idpEntityId: "", idpSsoUrl: "", idpCertificates: [] });
    expect(draft.saml!.acsUrl).toMatch(new RegExp(`/api/sso/saml/${draft.id}/acs$`));
    await expect(updateConnection(owner, { connectionId: draft.id, enabled: true })).rejects.toMatchObject({ code: "connection_incomplete" });
    await expect(createConnection(owner, { protocol: "saml", name: "On", enabled: true })).rejects.toMatchObject({ code: "connection_incomplete" });
    await expect(startConnectionTest(owner, { connectionId: draft.id })).rejects.toMatchObject({ code: "connection_incomplete" });
    const completed = await updateConnection(owner, { connectionId: draft.id, metadataXml: idp.metadataXml(), enabled: true });
    expect(completed).toMatchObject({ enabled: true, saml: { idpEntityId: idp.entityId } });
  });

  it("signs a new person of the verified domain in, made a member with the default role and the mapped groups", async () => {
    const { org, owner, domain, connection } = await samlOrg(idp, { defaultRole: "viewer" });
    const group = await createGroup(owner, { name: "Engineering" });
    await createGroupMapping(owner, { connectionId: connection.id, idpGroup: "eng", groupId: group.id });
    const browser = new CookieBrowser();
    const landed = await samlSignIn(browser, base, idp, { email: `alice@${domain}`, returnTo: `/${org.slug}/projects` }, { email: `alice@${domain}`, name: "Alice Example", groups: ["eng", "other"] });
    expect(landed).toBe(`/${org.slug}/projects`);
    const session = await sessionOf(browser, base);
    expect(session).toMatchObject({ authMethod: "sso", ssoConnectionId: connection.id, revokedAt: null, mfaAt: null });
    const user = await db.user.findUniqueOrThrow({ where: { email: `alice@${domain}` }, include: { memberships: { include: { role: true } }, groupMembers: true } });
    expect(user).toMatchObject({ name: "Alice Example", origin: "sso" });
    expect(user.memberships.map((m) => [m.orgId, m.role.key])).toEqual([[org.id, "viewer"]]);
    expect(user.groupMembers.map((g) => g.groupId)).toEqual([group.id]);
    expect(await auditActions(org.id)).toEqual(expect.arrayContaining(["member.added", "sso.login.succeeded"]));
    expect(browser.cookie(new URL(base).host, "tollgate-sso-state")).toBeUndefined();

    // Again, from another browser: the same account, found by its link to the NameID.
    const again = new CookieBrowser();
    expect(await samlSignIn(again, base, idp, { org: org.slug }, { email: `alice@${domain}`, groups: [] })).toBe(`/${org.slug}`);
    expect(await db.user.count({ where: { email: `alice@${domain}` } })).toBe(1);
    // The provider no longer lists the group: the person leaves it.
    expect(await db.groupMember.count({ where: { userId: user.id } })).toBe(0);
  });

  it("a session counts as MFA when the provider says it used more than a password", async () => {
    const { org, domain } = await samlOrg(idp);
    const browser = new CookieBrowser();
    await samlSignIn(browser, base, idp, { org: org.slug }, { email: `mfa@${domain}`, authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor" });
    expect(await sessionOf(browser, base)).toMatchObject({ mfaOrgId: org.id, mfaAt: expect.any(Date) });
  });

  it("finishes only in the browser that started the sign-in (no login CSRF), and only once", async () => {
    const { org, domain, connection, sp } = await samlOrg(idp);
    const attacker = new CookieBrowser();
    const { requestId, relayState } = await startSamlLogin(attacker, base, { org: org.slug });
    const samlResponse = await idp.response(sp, { user: { email: `mallory@${domain}` }, inResponseTo: requestId });
    // The attacker's answer is posted from the victim's browser: the finish needs the state cookie it does not have.
    const victim = new CookieBrowser();
    const posted = await postAcs(victim, base, connection.id, { SAMLResponse: samlResponse, RelayState: relayState });
    expect(posted.location).toBe(`/api/sso/saml/${connection.id}/finish?state=${encodeURIComponent(relayState)}`);
    expect(await followTollgate(victim, base, posted.location)).toBe("/sign-in?sso_error=state_mismatch");
    expect(await sessionOf(victim, base)).toBeNull();
    // The browser that started it finishes it, once.
    expect(await followTollgate(attacker, base, posted.location)).toBe(`/${org.slug}`);
    attacker.setCookie(new URL(base).host, "tollgate-sso-state", relayState);
    expect(await followTollgate(attacker, base, posted.location)).toBe("/sign-in?sso_error=state_replayed");
    expect(await followTollgate(attacker, base, `/api/sso/saml/${connection.id}/finish?state=made-up`)).toBe("/sign-in?sso_error=state_invalid");
  });

  it("a test login shows the attributes the provider sent, before the connection is enabled, and signs nobody in", async () => {
    const { org, owner, domain, connection, sp } = await samlOrg(idp, { enabled: false });
    const { url } = await startConnectionTest(owner, { connectionId: connection.id });
    idp.signInAs({ email: `hank@${domain}`, name: "Hank", groups: ["eng"] });
    const browser = new CookieBrowser();
    const page = await (await browser.request(url)).text();
    const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(page)![1]!;
    const relayState = /name="RelayState" value="([^"]*)"/.exec(page)![1]!;
    const posted = await postAcs(browser, base, connection.id, { SAMLResponse: samlResponse, RelayState: relayState });
    expect(posted.location).toBe(`/${org.slug}/sso?tested=${connection.id}`);
    expect(await sessionOf(browser, base)).toBeNull();
    const tested = await getConnection(owner, connection.id);
    expect(tested.lastTest).toMatchObject({
      ok: true,
      subject: `hank@${domain}`,
      email: `hank@${domain}`,
      name: "Hank",
      claims: { email: [`hank@${domain}`], displayName: ["Hank"], groups: ["eng"] },
    });
    expect(await db.user.count({ where: { email: `hank@${domain}` } })).toBe(0);

    // A failed test keeps the exact reason.
    const second = await startConnectionTest(owner, { connectionId: connection.id });
    const wrong = await idp.response(sp, { user: { email: `hank@${domain}` }, inResponseTo: "_not-the-request" });
    await postAcs(browser, base, connection.id, { SAMLResponse: wrong, RelayState: new URL(second.url).searchParams.get("RelayState")! });
    expect((await getConnection(owner, connection.id)).lastTest).toMatchObject({ ok: false, reason: "in_response_to_mismatch" });
  });

  it("signs in when the provider starts it, only where the connection allows it, and never follows an off-site RelayState", async () => {
    const { org, owner, domain, connection, sp } = await samlOrg(idp);
    const unasked = () => idp.response(sp, { user: { email: `ivy@${domain}` } });
    const browser = new CookieBrowser();
    expect((await postAcs(browser, base, connection.id, { SAMLResponse: await unasked() })).location).toBe("/sign-in?sso_error=unsolicited");

    await updateConnection(owner, { connectionId: connection.id, allowIdpInitiated: true });
    expect((await postAcs(browser, base, connection.id, { SAMLResponse: await unasked(), RelayState: `/${org.slug}/projects` })).location).toBe(`/${org.slug}/projects`);
    expect(await sessionOf(browser, base)).toMatchObject({ authMethod: "sso", ssoConnectionId: connection.id });
    for (const offSite of ["https://evil.example/phish", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]) {
      expect((await postAcs(new CookieBrowser(), base, connection.id, { SAMLResponse: await unasked(), RelayState: offSite })).location).toBe(`/${org.slug}`);
    }
  });

  it("accepts either of two certificates while the provider rotates, then only the one kept", async () => {
    const next = signingKey("rotated-idp");
    const { org, owner, domain, connection, sp } = await samlOrg(idp, { metadataXml: idp.metadataXml([next.cert]), allowIdpInitiated: true });
    expect(connection.saml!.idpCertificates).toHaveLength(2);
    const post = async (key = idp.key) => (await postAcs(new CookieBrowser(), base, connection.id, { SAMLResponse: await idp.response(sp, { user: { email: `rot@${domain}` }, key }) })).location;
    expect(await post()).toBe(`/${org.slug}`);
    expect(await post(next)).toBe(`/${org.slug}`);
    await updateConnection(owner, { connectionId: connection.id, idpCertificates: [next.cert] });
    expect(await post(next)).toBe(`/${org.slug}`);
    expect(await post()).toBe("/sign-in?sso_error=signature_invalid");
  });

  it("pointing a connection at another provider unlinks the people the old one named (its subjects mean nothing to the new one)", async () => {
    const { org, owner, domain, connection } = await samlOrg(idp);
    await samlSignIn(new CookieBrowser(), base, idp, { org: org.slug }, { email: `linked@${domain}` });
    expect(await db.ssoIdentity.count({ where: { connectionId: connection.id } })).toBe(1);
    // Rotating the certificate keeps the links.
    await updateConnection(owner, { connectionId: connection.id, idpCertificates: [idp.key.cert, signingKey("rotation-only").cert] });
    expect(await db.ssoIdentity.count({ where: { connectionId: connection.id } })).toBe(1);
    const other = await startSamlIdp("replacement-idp");
    try {
      const changed = await updateConnection(owner, { connectionId: connection.id, metadataXml: other.metadataXml() });
      expect(changed.saml!.idpEntityId).toBe(other.entityId);
      expect(await db.ssoIdentity.count({ where: { connectionId: connection.id } })).toBe(0);
      const audit = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "sso.connection.updated" }, orderBy: { createdAt: "desc" } });
      expect(audit.after).toMatchObject({ identitiesUnlinked: 1 });
    } finally {
      await other.close();
    }
  });

  it("only an owner changes the provider, its certificates or loosens the checks; an admin may rename", async () => {
    const { owner, connection, addMember } = await samlOrg(idp);
    const admin = await addMember("admin");
    await expect(updateConnection(admin, { connectionId: connection.id, idpCertificates: [signingKey("attacker").cert] })).rejects.toMatchObject({ code: "owner_required" });
    await expect(updateConnection(admin, { connectionId: connection.id, metadataXml: idp.metadataXml() })).rejects.toMatchObject({ code: "owner_required" });
    await expect(updateConnection(admin, { connectionId: connection.id, allowSha1: true })).rejects.toMatchObject({ code: "owner_required" });
    await expect(updateConnection(admin, { connectionId: connection.id, allowIdpInitiated: true })).rejects.toMatchObject({ code: "owner_required" });
    await expect(updateConnection(admin, { connectionId: connection.id, clockSkewSeconds: 600 })).rejects.toMatchObject({ code: "owner_required" });
    expect((await updateConnection(admin, { connectionId: connection.id, name: "Okta", clockSkewSeconds: 30 })).name).toBe("Okta");
    // Fields of the other protocol are refused by name.
    await expect(updateConnection(owner, { connectionId: connection.id, issuer: "https://idp.example" })).rejects.toMatchObject({ code: "wrong_protocol" });
    await expect(updateConnection(owner, { connectionId: connection.id, idpCertificates: ["not a certificate"] })).rejects.toThrow(/X.509 certificate/);
    expect((await db.ssoConnection.findUniqueOrThrow({ where: { id: connection.id } })).samlIdpCerts).toHaveLength(1);
  });
});
