// Single sign-on with OpenID Connect against a real provider (oidc-provider)
// on loopback: the browser's way through Tollgate's routes, just-in-time
// members, links to the provider's subjects, refusals and their audit.
import { decode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { publicUrl } from "../../lib/env.ts";
import { principalForSession } from "../../lib/auth/sessions.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { createGroup } from "../../lib/groups/groups.ts";
import { createGroupMapping, deleteGroupMapping, listGroupMappings } from "../../lib/sso/group-mappings.ts";
import { createConnection, deleteConnection, getConnection, updateConnection } from "../../lib/sso/connections.ts";
import { purgeSsoLogins, ssoRouteFor, startConnectionTest } from "../../lib/sso/sign-in.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { auditActions, builtInRole, createTestOrg, createUser } from "../helpers.ts";
import { CookieBrowser, signInAtProvider, startOidcProvider, startSignIn, type TestIdp } from "./oidc-idp.ts";
import { useTestDns, verifiedDomain } from "./sso-fixtures.ts";

const server = useMachineServer();
useTestDns();
let idp: TestIdp;
let base: string;
beforeAll(async () => {
  idp = await startOidcProvider();
  base = server.baseUrl();
});
afterAll(() => idp.close());

const callbackPrefix = () => `${publicUrl()}/api/sso/oidc/`;

/** An organization with a verified domain and an enabled connection to the test provider. */
async function ssoOrg(options: { defaultRole?: "member" | "viewer" | null; enabled?: boolean } = {}) {
  const t = await createTestOrg();
  const domain = await verifiedDomain(t.owner, t.org.slug);
  const clientId = `tollgate-${t.org.slug}`;
  const role = options.defaultRole === null ? null : await builtInRole(options.defaultRole ?? "member");
  const connection = await createConnection(t.owner, {
    protocol: "oidc",
    name: "Test IdP",
    issuer: idp.issuer,
    clientId,
    clientSecret: "client-secret-of-the-test",
    defaultRoleId: role?.id ?? null,
    enabled: options.enabled ?? true,
  });
  idp.addClient(clientId, "client-secret-of-the-test", connection.redirectUri);
  return { ...t, domain, connection };
}

/** Starts at Tollgate, signs in at the provider, comes back; returns Tollgate's last answer. */
async function signInThrough(browser: CookieBrowser, start: Record<string, string>, accountId: string) {
  const callback = await signInAtProvider(browser, await startSignIn(browser, base, start), accountId, callbackPrefix());
  const atTollgate = callback.replace(publicUrl(), base);
  return { response: await browser.request(atTollgate), callback: atTollgate };
}

async function sessionOf(browser: CookieBrowser) {
  const token = browser.cookie(new URL(base).host, "next-auth.session-token");
  if (!token) return null;
  const jwt = await decode({ token, secret: process.env.NEXTAUTH_SECRET! });
  return db.session.findUnique({ where: { id: jwt!.sid as string } });
}

describe("OpenID Connect sign-in", () => {
  it("discovers the provider, keeps the secret sealed and never shows it", async () => {
    const { connection, owner } = await ssoOrg();
    expect(connection).toMatchObject({ issuer: idp.issuer, authorizationEndpoint: `${idp.issuer}/auth`, tokenEndpoint: `${idp.issuer}/token`, clientSecretSet: true });
    expect(JSON.stringify(connection)).not.toContain("client-secret-of-the-test");
    const row = await db.ssoConnection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(row.oidcClientSecretSealed).toMatch(/^v1\./);
    expect(row.oidcClientSecretSealed).not.toContain("client-secret-of-the-test");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { orgId: owner.orgId, action: "sso.connection.created" } });
    expect(JSON.stringify(audit.after)).not.toContain("client-secret-of-the-test");
  });

  it("signs a new person of the verified domain in, creating their account and membership with the default role", async () => {
    const { org, domain, connection } = await ssoOrg({ defaultRole: "viewer" });
    idp.accounts.set("alice-1", { email: `alice@${domain}`, email_verified: true, name: "Alice Example" });
    const browser = new CookieBrowser();
    const { response } = await signInThrough(browser, { email: `alice@${domain}`, returnTo: `/${org.slug}/projects` }, "alice-1");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/${org.slug}/projects`);
    const session = await sessionOf(browser);
    expect(session).toMatchObject({ authMethod: "sso", ssoConnectionId: connection.id, revokedAt: null });
    const user = await db.user.findUniqueOrThrow({ where: { email: `alice@${domain}` }, include: { memberships: { include: { role: true } } } });
    expect(user).toMatchObject({ name: "Alice Example", origin: "sso" });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true } })).passwordHash).toBeNull();
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(user.memberships.map((m) => [m.orgId, m.role.key])).toEqual([[org.id, "viewer"]]);
    expect(await auditActions(org.id)).toEqual(expect.arrayContaining(["member.added", "sso.login.succeeded"]));

    // Again, from another browser: the same account, found by its link to the provider's subject.
    const again = new CookieBrowser();
    expect((await signInThrough(again, { org: org.slug }, "alice-1")).response.headers.get("location")).toBe(`/${org.slug}`);
    expect(await db.user.count({ where: { email: `alice@${domain}` } })).toBe(1);
    expect((await sessionOf(again))!.userId).toBe(user.id);
  });

  it("links an existing account of the verified domain instead of making a second one", async () => {
    const { org, domain } = await ssoOrg();
    const existing = await createUser({ email: `bob@${domain}` });
    idp.accounts.set("bob-1", { email: `BOB@${domain}`, email_verified: true });
    const browser = new CookieBrowser();
    await signInThrough(browser, { email: `bob@${domain}` }, "bob-1");
    expect((await sessionOf(browser))!.userId).toBe(existing.principal.userId);
    expect(await db.ssoIdentity.count({ where: { userId: existing.principal.userId } })).toBe(1);
    expect(await db.membership.count({ where: { orgId: org.id, userId: existing.principal.userId } })).toBe(1);
  });

  it("refuses an address outside the organization's verified domains, and creates nothing", async () => {
    const { org, connection } = await ssoOrg();
    const victim = await createUser({ email: `victim-${org.slug}@elsewhere.example` });
    idp.accounts.set("mallory-1", { email: victim.principal.email, email_verified: true });
    const browser = new CookieBrowser();
    const { response } = await signInThrough(browser, { org: org.slug }, "mallory-1");
    expect(response.headers.get("location")).toBe("/sign-in?sso_error=email_domain_not_verified");
    expect(await sessionOf(browser)).toBeNull();
    expect(await db.ssoIdentity.count({ where: { connectionId: connection.id } })).toBe(0);
    const failed = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "sso.login.failed" } });
    expect(failed.after).toMatchObject({ ok: false, reason: "email_domain_not_verified" });
  });

  it("without a default role only members sign in; a provider that says the address is unverified is refused", async () => {
    const { org, domain } = await ssoOrg({ defaultRole: null });
    idp.accounts.set("carol-1", { email: `carol@${domain}`, email_verified: true });
    const first = await signInThrough(new CookieBrowser(), { org: org.slug }, "carol-1");
    expect(first.response.headers.get("location")).toBe("/sign-in?sso_error=not_a_member");
    expect(await db.user.count({ where: { email: `carol@${domain}` } })).toBe(0);

    idp.accounts.set("dave-1", { email: `dave@${domain}`, email_verified: false });
    const second = await signInThrough(new CookieBrowser(), { org: org.slug }, "dave-1");
    expect(second.response.headers.get("location")).toBe("/sign-in?sso_error=email_unverified");
  });

  it("takes the provider's answer once, and only in the browser that started the sign-in", async () => {
    const { org, domain } = await ssoOrg();
    idp.accounts.set("erin-1", { email: `erin@${domain}`, email_verified: true });
    const browser = new CookieBrowser();
    const { callback } = await signInThrough(browser, { org: org.slug }, "erin-1");
    // Replayed by the same browser (its state cookie is cleared; put it back as an attacker would).
    browser.setCookie(new URL(base).host, "tollgate-sso-state", new URL(callback).searchParams.get("state")!);
    expect((await browser.request(callback)).headers.get("location")).toBe("/sign-in?sso_error=state_replayed");

    // Another browser given a fresh answer (login CSRF): refused, and the answer stays unused.
    const victim = new CookieBrowser();
    const fresh = (await signInAtProvider(browser, await startSignIn(browser, base, { org: org.slug }), "erin-1", callbackPrefix())).replace(publicUrl(), base);
    expect((await victim.request(fresh)).headers.get("location")).toBe("/sign-in?sso_error=state_mismatch");
    expect(await sessionOf(victim)).toBeNull();
    expect((await browser.request(fresh)).status).toBe(302);
    expect(await sessionOf(browser)).not.toBeNull();

    // A made-up state, and no state at all.
    expect((await browser.request(`${fresh.split("?")[0]}?code=x&state=made-up`)).headers.get("location")).toBe("/sign-in?sso_error=state_invalid");
    expect((await browser.request(`${fresh.split("?")[0]}?code=x`)).headers.get("location")).toBe("/sign-in?sso_error=state_missing");
  });

  it("a state of one organization's connection is refused at another's callback", async () => {
    const a = await ssoOrg();
    const b = await ssoOrg();
    idp.accounts.set("frank-1", { email: `frank@${a.domain}`, email_verified: true });
    const browser = new CookieBrowser();
    const callback = (await signInAtProvider(browser, await startSignIn(browser, base, { org: a.org.slug }), "frank-1", callbackPrefix())).replace(publicUrl(), base);
    const atB = callback.replace(a.connection.id, b.connection.id);
    expect((await browser.request(atB)).headers.get("location")).toBe("/sign-in?sso_error=state_invalid");
    expect(await sessionOf(browser)).toBeNull();
  });

  it("routes by verified domain only, and a disabled connection signs nobody in", async () => {
    const { org, owner, domain, connection } = await ssoOrg();
    const browser = new CookieBrowser();
    expect(await startSignIn(browser, base, { email: `someone@unclaimed-${org.slug}.example` })).toBe("/sign-in?sso_error=sso_not_configured");
    expect(await startSignIn(browser, base, { email: "not-an-address" })).toBe("/sign-in?sso_error=invalid_request");
    await updateConnection(owner, { connectionId: connection.id, enabled: false });
    expect(await startSignIn(browser, base, { email: `x@${domain}` })).toBe("/sign-in?sso_error=sso_not_configured");
  });

  it("the sign-in page's lookup offers the provider only to addresses of a verified domain whose connection is on", async () => {
    const { org, owner, domain, connection } = await ssoOrg();
    expect(await ssoRouteFor({ email: `someone@${domain}` })).toEqual({ sso: true });
    expect(await ssoRouteFor({ email: `SomeOne@${domain.toUpperCase()}` })).toEqual({ sso: true });
    expect(await ssoRouteFor({ email: `someone@unclaimed-${org.slug}.example` })).toEqual({ sso: false });
    expect(await ssoRouteFor({ email: `half-typed@` })).toEqual({ sso: false });
    await expect(ssoRouteFor({ email: `x@${domain}`, org: org.slug })).rejects.toThrow();
    await updateConnection(owner, { connectionId: connection.id, enabled: false });
    expect(await ssoRouteFor({ email: `someone@${domain}` })).toEqual({ sso: false });
  });

  it("an off-site returnTo is replaced by the organization's home", async () => {
    const { org, domain } = await ssoOrg();
    idp.accounts.set("gina-1", { email: `gina@${domain}`, email_verified: true });
    const { response } = await signInThrough(new CookieBrowser(), { org: org.slug, returnTo: "//evil.example/x" }, "gina-1");
    expect(response.headers.get("location")).toBe(`/${org.slug}`);
  });

  it("a test login shows what the provider sent, even before the connection is enabled, and signs nobody in", async () => {
    const { org, owner, domain, connection } = await ssoOrg({ enabled: false });
    idp.accounts.set("hank-1", { email: `hank@${domain}`, email_verified: true, name: "Hank" });
    const { url } = await startConnectionTest(owner, { connectionId: connection.id });
    const browser = new CookieBrowser();
    const callback = (await signInAtProvider(browser, url, "hank-1", callbackPrefix())).replace(publicUrl(), base);
    const answer = await browser.request(callback);
    expect(answer.headers.get("location")).toBe(`/${org.slug}/sso?tested=${connection.id}`);
    expect(await sessionOf(browser)).toBeNull();
    const tested = await getConnection(owner, connection.id);
    expect(tested.lastTest).toMatchObject({ ok: true, subject: "hank-1", email: `hank@${domain}`, name: "Hank", claims: { iss: idp.issuer, sub: "hank-1" } });
    expect(await db.user.count({ where: { email: `hank@${domain}` } })).toBe(0);
  });

  it("a sign-in is started only from this site (no login CSRF from another page)", async () => {
    const { org } = await ssoOrg();
    const browser = new CookieBrowser();
    for (const origin of ["https://evil.example", "null", undefined]) {
      const res = await browser.request(`${base}/api/sso/start`, { method: "POST", json: { org: org.slug }, headers: origin ? { origin } : {} });
      expect(res.status).toBe(403);
    }
    expect(browser.cookie(new URL(base).host, "tollgate-sso-state")).toBeUndefined();
    expect((await browser.request(`${base}/api/sso/start?org=${org.slug}`)).status).toBe(405);
  });

  it("an existing account with its own second factor, or an instance admin's, is not linked on the provider's word; nor one the provider does not vouch for", async () => {
    const { org, domain } = await ssoOrg();
    const admin = await createUser({ email: `root@${domain}`, isInstanceAdmin: true });
    idp.accounts.set("root-1", { email: admin.principal.email, email_verified: true });
    expect((await signInThrough(new CookieBrowser(), { org: org.slug }, "root-1")).response.headers.get("location")).toBe("/sign-in?sso_error=account_protected");
    const plain = await createUser({ email: `plain@${domain}` });
    idp.accounts.set("plain-1", { email: plain.principal.email });
    expect((await signInThrough(new CookieBrowser(), { org: org.slug }, "plain-1")).response.headers.get("location")).toBe("/sign-in?sso_error=email_unverified");
    expect(await db.ssoIdentity.count({ where: { userId: { in: [admin.principal.userId, plain.principal.userId] } } })).toBe(0);
  });

  it("someone the organization's SCIM deprovisioned does not come back by signing in", async () => {
    const { org, domain } = await ssoOrg();
    idp.accounts.set("gone-1", { email: `gone@${domain}`, email_verified: true });
    await signInThrough(new CookieBrowser(), { org: org.slug }, "gone-1");
    const user = await db.user.findUniqueOrThrow({ where: { email: `gone@${domain}` } });
    await db.membership.delete({ where: { orgId_userId: { orgId: org.id, userId: user.id } } });
    await db.scimUser.create({ data: { orgId: org.id, userId: user.id, active: false } });
    expect((await signInThrough(new CookieBrowser(), { org: org.slug }, "gone-1")).response.headers.get("location")).toBe("/sign-in?sso_error=deprovisioned");
  });

  it("turning a connection off, or deleting it, ends the sessions it opened", async () => {
    const { org, owner, domain, connection } = await ssoOrg();
    idp.accounts.set("ivy-1", { email: `ivy@${domain}`, email_verified: true });
    const browser = new CookieBrowser();
    await signInThrough(browser, { org: org.slug }, "ivy-1");
    const session = (await sessionOf(browser))!;
    expect(await principalForSession(session.id)).not.toBeNull();
    await updateConnection(owner, { connectionId: connection.id, enabled: false });
    expect(await principalForSession(session.id)).toBeNull();
    await updateConnection(owner, { connectionId: connection.id, enabled: true });
    const again = new CookieBrowser();
    await signInThrough(again, { org: org.slug }, "ivy-1");
    await deleteConnection(owner, { connectionId: connection.id });
    expect(await principalForSession((await sessionOf(again))!.id)).toBeNull();
  });

  it("provider groups mapped to Tollgate groups are joined and left at every sign-in; mapping needs the right to change the group", async () => {
    const { org, owner, addMember, domain, connection } = await ssoOrg();
    const engineers = await createGroup(owner, { name: "Engineers" });
    const billing = await createGroup(owner, { name: "Billing team" });
    await createGrant(owner, { roleId: (await builtInRole("billing")).id, subject: { type: "group", id: billing.id } });
    await createGroupMapping(owner, { connectionId: connection.id, idpGroup: "eng", groupId: engineers.id });
    await createGroupMapping(owner, { connectionId: connection.id, idpGroup: "finance", groupId: billing.id });
    await expect(createGroupMapping(owner, { connectionId: connection.id, idpGroup: "eng", groupId: engineers.id })).rejects.toMatchObject({ code: "mapping_exists" });
    // An admin without billing:write cannot hand the Billing team's membership to the provider.
    const admin = await addMember("admin");
    await expect(createGroupMapping(admin, { connectionId: connection.id, idpGroup: "money", groupId: billing.id })).rejects.toMatchObject({ code: "privilege_escalation" });
    // Another organization's group or connection is not found.
    const other = await ssoOrg();
    const theirs = await createGroup(other.owner, { name: "Theirs" });
    await expect(createGroupMapping(owner, { connectionId: connection.id, idpGroup: "x", groupId: theirs.id })).rejects.toMatchObject({ code: "group_not_found" });
    await expect(createGroupMapping(owner, { connectionId: other.connection.id, idpGroup: "x", groupId: engineers.id })).rejects.toMatchObject({ code: "connection_not_found" });
    const [mapping] = (await listGroupMappings(owner, connection.id)).data;
    await expect(deleteGroupMapping(other.owner, { connectionId: connection.id, mappingId: mapping!.id })).rejects.toMatchObject({ code: "connection_not_found" });

    idp.accounts.set("kim-1", { email: `kim@${domain}`, email_verified: true, groups: ["eng", "finance", "unmapped"] });
    await signInThrough(new CookieBrowser(), { org: org.slug }, "kim-1");
    const kim = await db.user.findUniqueOrThrow({ where: { email: `kim@${domain}` } });
    const groupsOfKim = async () => (await db.groupMember.findMany({ where: { userId: kim.id }, select: { group: { select: { name: true } } } })).map((g) => g.group.name).sort();
    expect(await groupsOfKim()).toEqual(["Billing team", "Engineers"]);

    idp.accounts.set("kim-1", { email: `kim@${domain}`, email_verified: true, groups: ["eng"] });
    await signInThrough(new CookieBrowser(), { org: org.slug }, "kim-1");
    expect(await groupsOfKim()).toEqual(["Engineers"]);
    const applied = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "sso.groups.applied" }, orderBy: { createdAt: "desc" } });
    expect(applied.after).toEqual({ joined: [], left: ["Billing team"] });
  });

  it("sign-ins that never came back are dropped a day after they expired", async () => {
    const { connection } = await ssoOrg();
    const old = { connectionId: connection.id, nonce: "n", codeVerifier: "v", purpose: "login" };
    await db.ssoLogin.create({ data: { ...old, stateHash: `stale-${connection.id}`, expiresAt: new Date(Date.now() - 25 * 3_600_000) } });
    await db.ssoLogin.create({ data: { ...old, stateHash: `recent-${connection.id}`, expiresAt: new Date(Date.now() - 3_600_000) } });
    expect(await purgeSsoLogins()).toBeGreaterThanOrEqual(1);
    expect((await db.ssoLogin.findMany({ where: { connectionId: connection.id } })).map((l) => l.stateHash)).toEqual([`recent-${connection.id}`]);
  });
});
