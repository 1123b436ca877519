// Setup links (the IT admin's portal): who makes them, what a link can do
// (single sign-on's set-up on its maker's behalf) and cannot (anything else),
// when it stops working, how it is opened, and its audit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { portalContext } from "../../lib/auth/request-context.ts";
import type { OrgCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { listMembers } from "../../lib/members/members.ts";
import { createScimToken } from "../../lib/scim/tokens.ts";
import { createConnection, deleteConnection, getConnection, listConnections, updateConnection } from "../../lib/sso/connections.ts";
import { addDomain } from "../../lib/sso/domains.ts";
import { updateSsoPolicy } from "../../lib/sso/policy.ts";
import { createSetupLink, listSetupLinks, revokeSetupLink } from "../../lib/sso/setup-links.ts";
import { startConnectionTest } from "../../lib/sso/sign-in.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createTestOrg, createUser, meta } from "../helpers.ts";
import { startSamlIdp, type TestSamlIdp } from "./saml-idp.ts";
import { useTestDns } from "./sso-fixtures.ts";

const server = useMachineServer();
useTestDns();
let idp: TestSamlIdp;
beforeAll(async () => {
  idp = await startSamlIdp("portal-idp");
});
afterAll(() => idp.close());

const tokenOf = (url: string) => url.split("/api/portal/")[1]!;
const portal = (url: string) => portalContext(tokenOf(url), meta());

describe("setup links", () => {
  it("an owner makes one (shown once, audited); an admin, an organization's key and a link cannot", async () => {
    const { owner, addMember } = await createTestOrg();
    const link = await createSetupLink(owner, { name: "Acme IT", expiresInHours: 24 });
    expect(link).toMatchObject({ name: "Acme IT", status: "active", createdBy: owner.principal.email });
    expect(link.url).toMatch(/\/api\/portal\/tgsetup_[A-Za-z0-9_-]{43}$/);
    expect(link.expiresAt.getTime() - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect((await listSetupLinks(owner)).data.map((l) => l.id)).toEqual([link.id]);
    expect(JSON.stringify(await listSetupLinks(owner))).not.toContain(tokenOf(link.url));
    const row = await db.setupLink.findUniqueOrThrow({ where: { id: link.id } });
    expect(row.tokenHash).not.toContain(tokenOf(link.url));
    expect(await db.auditEvent.count({ where: { orgId: owner.orgId, action: "sso.setup_link.created" } })).toBe(1);

    const admin = await addMember("admin");
    await expect(createSetupLink(admin, { name: "x" })).rejects.toMatchObject({ code: "owner_required" });
    const { key } = await createApiKey(owner, { name: "automation", roleId: (await builtInRole("admin")).id });
    const keyAnswer = await server.call("POST", "/api/v1/sso/setup-links", { key, body: { name: "x" } });
    expect(keyAnswer.body.error.code).toBe("owner_required");
    await expect(createSetupLink(await portal(link.url), { name: "another" })).rejects.toMatchObject({ code: "owner_required" });
    await expect(createSetupLink(owner, { name: "too long", expiresInHours: 24 * 8 })).rejects.toThrow(/at most 7 days/);
  });

  it("a link sets up single sign-on on its maker's behalf, audited as the link's", async () => {
    const { owner, org } = await createTestOrg();
    const link = await createSetupLink(owner, { name: "Acme IT" });
    const ctx = await portal(link.url);
    const connection = await createConnection(ctx, { protocol: "saml", name: "Okta", metadataXml: idp.metadataXml() });
    await addDomain(ctx, { domain: `${org.slug}.example.test` });
    const scim = await createScimToken(ctx, { name: "Okta provisioning" });
    expect(scim.token).toMatch(/^tgscim_/);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "sso.connection.created" } });
    expect(audit).toMatchObject({ actorId: null, actorEmail: `Setup link Acme IT (made by ${owner.principal.email})` });
    // A test from the portal comes back to the portal.
    const { url } = await startConnectionTest(ctx, { connectionId: connection.id });
    const relayState = new URL(url).searchParams.get("RelayState")!;
    const login = await db.ssoLogin.findFirstOrThrow({ where: { connectionId: connection.id, purpose: "test" } });
    expect(login.returnTo).toBe("/portal");
    expect(relayState).toBeTruthy();
  });

  it("sets up, but neither turns a connection on nor changes or deletes one that is on (its sign-ins are the owner's)", async () => {
    const { owner } = await createTestOrg();
    const ctx = await portal((await createSetupLink(owner, { name: "Acme IT" })).url);
    await expect(createConnection(ctx, { protocol: "saml", name: "On", metadataXml: idp.metadataXml(), enabled: true })).rejects.toMatchObject({ code: "owner_required" });
    const draft = await createConnection(ctx, { protocol: "saml", name: "Draft", metadataXml: idp.metadataXml() });
    await expect(updateConnection(ctx, { connectionId: draft.id, enabled: true })).rejects.toMatchObject({ code: "owner_required" });
    await updateConnection(ctx, { connectionId: draft.id, allowIdpInitiated: true });
    // The owner turns it on; from then on the link leaves it alone.
    await updateConnection(owner, { connectionId: draft.id, enabled: true });
    await expect(updateConnection(ctx, { connectionId: draft.id, metadataXml: idp.metadataXml() })).rejects.toMatchObject({ code: "owner_required" });
    await expect(updateConnection(ctx, { connectionId: draft.id, allowSha1: true })).rejects.toMatchObject({ code: "owner_required" });
    await expect(deleteConnection(ctx, { connectionId: draft.id })).rejects.toMatchObject({ code: "owner_required" });
    expect((await updateConnection(ctx, { connectionId: draft.id, name: "Renamed" })).name).toBe("Renamed");
  });

  it("and nothing else: no members, no policy, no role for people who join, no other organization", async () => {
    const { owner } = await createTestOrg();
    const other = await createTestOrg();
    const theirs = await createConnection(other.owner, { protocol: "saml", name: "Theirs" });
    const ctx: OrgCtx = await portal((await createSetupLink(owner, { name: "Acme IT" })).url);
    await expect(listMembers(ctx)).rejects.toMatchObject({ code: "forbidden", message: expect.stringContaining("sets up single sign-on only") });
    await expect(updateSsoPolicy(ctx, { requireSso: true })).rejects.toMatchObject({ code: "forbidden" });
    const member = await builtInRole("admin");
    await expect(createConnection(ctx, { protocol: "saml", name: "JIT", defaultRoleId: member.id })).rejects.toMatchObject({ code: "forbidden" });
    await expect(getConnection(ctx, theirs.id)).rejects.toMatchObject({ code: "connection_not_found" });
    expect((await listConnections(ctx)).data).toEqual([]);
  });

  it("stops working when revoked, expired, or its maker is no longer a member", async () => {
    const { owner, org, addMember } = await createTestOrg();
    const revoked = await createSetupLink(owner, { name: "revoked" });
    await revokeSetupLink(owner, { linkId: revoked.id });
    await expect(portal(revoked.url)).rejects.toMatchObject({ code: "setup_link_invalid" });
    expect((await listSetupLinks(owner)).data.find((l) => l.id === revoked.id)?.status).toBe("revoked");

    const expired = await createSetupLink(owner, { name: "expired" });
    await db.setupLink.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(portal(expired.url)).rejects.toMatchObject({ code: "setup_link_invalid" });

    // A second owner makes a link, then leaves.
    const second = await addMember("owner");
    const theirs = await createSetupLink(second, { name: "theirs" });
    expect(await portal(theirs.url)).toMatchObject({ orgId: org.id });
    await db.membership.deleteMany({ where: { orgId: org.id, userId: second.principal.userId } });
    await expect(portal(theirs.url)).rejects.toMatchObject({ code: "setup_link_invalid" });

    await expect(portalContext("tgsetup_made-up", meta())).rejects.toMatchObject({ code: "setup_link_invalid" });
    await expect(portalContext(null, meta())).rejects.toMatchObject({ code: "setup_link_invalid" });
  });

  it("a maker demoted from owner lends only what they still hold: no provider is chosen through their link", async () => {
    const { owner, org, addMember } = await createTestOrg();
    const second = await addMember("owner");
    const link = await createSetupLink(second, { name: "Acme IT" });
    await db.membership.updateMany({ where: { orgId: org.id, userId: second.principal.userId }, data: { roleId: (await builtInRole("admin")).id } });
    const ctx = await portal(link.url);
    await expect(createConnection(ctx, { protocol: "saml", name: "Okta", metadataXml: idp.metadataXml() })).rejects.toMatchObject({ code: "owner_required" });
    expect(owner.orgId).toBe(org.id);
  });

  it("the provisioning key makes links for a customer's IT admin over the API; they die with the key", async () => {
    const { owner, org } = await createTestOrg();
    const admin = await createUser({ isInstanceAdmin: true });
    const provisioning = await createInstanceKey(admin, { name: "provisioning" });
    const made = await server.call("POST", "/api/v1/sso/setup-links", { key: provisioning.key, body: { name: "Customer IT", expiresInHours: 2 }, headers: { "tollgate-organization": org.slug } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ name: "Customer IT", status: "active", createdBy: "API key provisioning" });
    const ctx = await portal(made.body.url);
    // Limited like any link, though its maker holds everything.
    await expect(listMembers(ctx)).rejects.toMatchObject({ code: "forbidden" });
    await createConnection(ctx, { protocol: "saml", name: "Okta", metadataXml: idp.metadataXml() });
    const listed = await server.call("GET", "/api/v1/sso/setup-links", { key: provisioning.key, headers: { "tollgate-organization": org.slug } });
    expect(listed.body.data).toHaveLength(1);
    await db.apiKey.update({ where: { id: provisioning.apiKey.id }, data: { revokedAt: new Date() } });
    await expect(portal(made.body.url)).rejects.toMatchObject({ code: "setup_link_invalid" });
    expect((await listSetupLinks(owner)).data[0]!.createdBy).toBe("API key provisioning");
  });

  it("opening the link moves its token into a cookie of /portal and audits the opening; a dead link says so", async () => {
    const { owner, org } = await createTestOrg();
    const link = await createSetupLink(owner, { name: "Acme IT" });
    const opened = await fetch(`${server.baseUrl()}/api/portal/${tokenOf(link.url)}`, { redirect: "manual" });
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("/portal");
    const cookie = opened.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(new RegExp(`^tollgate-portal=${tokenOf(link.url)}; Path=/portal; Max-Age=\\d+; HttpOnly; SameSite=Lax`));
    expect(await db.auditEvent.findFirst({ where: { orgId: org.id, action: "sso.setup_link.opened" } })).toMatchObject({ actorEmail: `Setup link Acme IT (made by ${owner.principal.email})` });

    await revokeSetupLink(owner, { linkId: link.id });
    const dead = await fetch(`${server.baseUrl()}/api/portal/${tokenOf(link.url)}`, { redirect: "manual" });
    expect(dead.headers.get("location")).toBe("/portal?link=invalid");
    expect(dead.headers.getSetCookie()[0]).toMatch(/^tollgate-portal=; Path=\/portal; Max-Age=0/);
  });

  it("another organization's key neither lists nor revokes a link", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const link = await createSetupLink(b.owner, { name: "B's IT" });
    const { key } = await createApiKey(a.owner, { name: "a", roleId: (await builtInRole("admin")).id });
    expect((await server.call("GET", "/api/v1/sso/setup-links", { key })).body.data).toEqual([]);
    expect((await server.call("DELETE", `/api/v1/sso/setup-links/${link.id}`, { key })).status).toBe(404);
    expect((await db.setupLink.findUniqueOrThrow({ where: { id: link.id } })).revokedAt).toBeNull();
  });
});
