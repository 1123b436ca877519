// /api/v1/sso over real HTTP with API keys: connections and domains, their
// audit, other organizations' ids, the default role as a gift, and the plan;
// and /api/v1/scim/tokens, whose tokens /scim/v2 takes until they are revoked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db } from "../../lib/db.ts";
import { useTxtResolver } from "../../lib/sso/domains.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { startDnsServer } from "./dns-server.ts";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { auditActions, builtInRole, createTestOrg, createUser, until } from "../helpers.ts";
import { startOidcProvider, type TestIdp } from "./oidc-idp.ts";
import { signingKey, startSamlIdp } from "./saml-idp.ts";
import { onPlanWithoutSso, useTestDns } from "./sso-fixtures.ts";

const server = useMachineServer();
const dns = useTestDns();
let idp: TestIdp;
beforeAll(async () => {
  idp = await startOidcProvider();
});
afterAll(() => idp.close());

const call = (key: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) => server.call(method, path, { key, body, headers });

/** An organization with an API key of `role`, and `owner`: the instance's provisioning key acting in it (keys are never owners; it stands in for one). */
async function orgWithKey(role: "admin" | "member" = "admin") {
  const t = await createTestOrg();
  const { key } = await createApiKey(t.owner, { name: "sso automation", roleId: (await builtInRole(role)).id });
  const admin = await createUser({ isInstanceAdmin: true });
  const provisioning = (await createInstanceKey(admin, { name: "provisioning" })).key;
  const owner = (method: string, path: string, body?: unknown) => call(provisioning, method, path, body, { "tollgate-organization": t.org.slug });
  return { ...t, key, owner };
}

const oidcBody = (extra: Record<string, unknown> = {}) => ({ protocol: "oidc", name: "Okta", issuer: idp.issuer, clientId: "tollgate", clientSecret: "s3cret-value", ...extra });

describe("/api/v1/sso", () => {
  it("creates, reads, changes and deletes a connection; the secret is never answered; every change is audited", async () => {
    const { key, org, owner } = await orgWithKey();
    // Choosing the provider is an owner's: an admin's key is refused.
    expect((await call(key, "POST", "/api/v1/sso/connections", oidcBody())).body.error.code).toBe("owner_required");
    const created = await owner("POST", "/api/v1/sso/connections", oidcBody());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ protocol: "oidc", enabled: false, clientSecretSet: true, tokenEndpoint: `${idp.issuer}/token`, defaultRole: null, lastTest: null });
    expect(created.body.redirectUri).toMatch(new RegExp(`/api/sso/oidc/${created.body.id}/callback$`));
    expect(JSON.stringify(created.body)).not.toContain("s3cret-value");
    const id = created.body.id;

    const member = await builtInRole("member");
    expect((await call(key, "PATCH", `/api/v1/sso/connections/${id}`, { enabled: true })).body.error.code).toBe("owner_required");
    expect((await call(key, "PATCH", `/api/v1/sso/connections/${id}`, { clientSecret: "stolen" })).body.error.code).toBe("owner_required");
    await owner("PATCH", `/api/v1/sso/connections/${id}`, { enabled: true, clientSecret: "n3w-secret" });
    // Renaming and the default role (a gift the admin holds) are the admin's to change.
    const changed = await call(key, "PATCH", `/api/v1/sso/connections/${id}`, { name: "Okta (prod)", defaultRoleId: member.id });
    expect(changed.body).toMatchObject({ name: "Okta (prod)", enabled: true, defaultRole: { id: member.id, name: "Member" } });
    expect((await call(key, "GET", "/api/v1/sso/connections")).body.data.map((c: { id: string }) => c.id)).toEqual([id]);
    expect((await call(key, "GET", `/api/v1/sso/connections/${id}`)).body.name).toBe("Okta (prod)");
    expect((await call(key, "DELETE", `/api/v1/sso/connections/${id}`)).status).toBe(204);
    expect((await call(key, "GET", `/api/v1/sso/connections/${id}`)).status).toBe(404);

    expect(await auditActions(org.id)).toEqual(expect.arrayContaining(["sso.connection.created", "sso.connection.updated", "sso.connection.deleted"]));
    const audits = await db.auditEvent.findMany({ where: { orgId: org.id, action: { startsWith: "sso." } } });
    expect(JSON.stringify(audits)).not.toMatch(/s3cret-value|n3w-secret/);
  });

  it("answers bad input precisely and stores nothing", async () => {
    const { owner, org } = await orgWithKey();
    const wrong = [
      [oidcBody({ issuer: "ftp://idp.example" }), /issuer/],
      [oidcBody({ issuer: "http://idp.example.com" }), /https/],
      [oidcBody({ protocol: "ldap" }), /protocol/],
      [{ protocol: "saml", name: "SAML", metadataXml: "<x/>" }, /metadataXml: .*IDPSSODescriptor/],
      [{ protocol: "saml", name: "SAML", issuer: idp.issuer }, /issuer/],
      [oidcBody({ tokenEndpoint: `${idp.issuer}/token` }), /together/],
      [oidcBody({ surprise: true }), /surprise/],
      [oidcBody({ issuer: "http://127.0.0.1:1" }), /could not read/],
    ] as const;
    for (const [body, message] of wrong) {
      const answer = await owner("POST", "/api/v1/sso/connections", body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body.error.message).toMatch(message);
    }
    expect(await db.ssoConnection.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("makes a SAML connection from pasted metadata and rotates its certificates; another organization's key sees none of it", async () => {
    const samlIdp = await startSamlIdp("api-saml-idp");
    try {
      const { key, owner } = await orgWithKey();
      const created = await owner("POST", "/api/v1/sso/connections", { protocol: "saml", name: "Okta SAML", metadataXml: samlIdp.metadataXml() });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ protocol: "saml", saml: { idpEntityId: samlIdp.entityId, idpSsoUrl: samlIdp.ssoUrl, allowIdpInitiated: false } });
      expect(created.body.saml.acsUrl).toMatch(new RegExp(`/api/sso/saml/${created.body.id}/acs$`));
      const next = signingKey("api-saml-next");
      const rotated = await owner("PATCH", `/api/v1/sso/connections/${created.body.id}`, { idpCertificates: [samlIdp.key.cert, next.cert] });
      expect(rotated.body.saml.idpCertificates).toHaveLength(2);
      // An admin's key renames but does not choose certificates; fields of the other protocol are refused by name.
      expect((await call(key, "PATCH", `/api/v1/sso/connections/${created.body.id}`, { idpCertificates: [next.cert] })).body.error.code).toBe("owner_required");
      expect((await call(key, "PATCH", `/api/v1/sso/connections/${created.body.id}`, { clientSecret: "x" })).body.error.message).toMatch(/^clientSecret: does not apply to a SAML connection/);
      const other = await orgWithKey();
      expect((await call(other.key, "GET", `/api/v1/sso/connections/${created.body.id}`)).status).toBe(404);
      expect((await call(other.key, "PATCH", `/api/v1/sso/connections/${created.body.id}`, { name: "mine" })).status).toBe(404);
      expect((await db.ssoConnection.findUniqueOrThrow({ where: { id: created.body.id } })).samlIdpCerts).toHaveLength(2);
    } finally {
      await samlIdp.close();
    }
  });

  it("another organization's connections and domains are not found, and are not changed", async () => {
    const a = await orgWithKey();
    const b = await orgWithKey();
    const connection = (await b.owner("POST", "/api/v1/sso/connections", oidcBody())).body;
    const domain = (await call(b.key, "POST", "/api/v1/sso/domains", { domain: `${b.org.slug}.example.test` })).body;
    expect((await call(a.key, "GET", `/api/v1/sso/connections/${connection.id}`)).status).toBe(404);
    expect((await call(a.key, "PATCH", `/api/v1/sso/connections/${connection.id}`, { enabled: true })).status).toBe(404);
    expect((await call(a.key, "POST", `/api/v1/sso/connections/${connection.id}/test`)).status).toBe(404);
    expect((await call(a.key, "DELETE", `/api/v1/sso/connections/${connection.id}`)).status).toBe(404);
    expect((await call(a.key, "POST", `/api/v1/sso/domains/${domain.id}/verify`)).status).toBe(404);
    expect((await call(a.key, "DELETE", `/api/v1/sso/domains/${domain.id}`)).status).toBe(404);
    expect((await call(a.key, "GET", "/api/v1/sso/connections")).body.data).toEqual([]);
    expect((await call(a.key, "GET", "/api/v1/sso/domains")).body.data).toEqual([]);
    expect(await db.ssoConnection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({ enabled: false });
  });

  it("a member's key reads nothing; nobody makes a default role of more than they hold", async () => {
    const member = await orgWithKey("member");
    expect((await call(member.key, "GET", "/api/v1/sso/connections")).status).toBe(403);
    expect((await call(member.key, "POST", "/api/v1/sso/connections", oidcBody())).status).toBe(403);
    const admin = await orgWithKey("admin");
    const owner = await builtInRole("owner");
    const connection = (await admin.owner("POST", "/api/v1/sso/connections", oidcBody())).body;
    expect((await call(admin.key, "PATCH", `/api/v1/sso/connections/${connection.id}`, { defaultRoleId: owner.id })).body.error.code).toBe("privilege_escalation");
    expect(await db.ssoConnection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({ defaultRoleId: null });
  });

  it("claims and verifies a domain by its TXT record; a domain verified by one organization is refused to the others", async () => {
    const a = await orgWithKey();
    const b = await orgWithKey();
    const name = `${a.org.slug}.example.test`;
    const claimed = await call(a.key, "POST", "/api/v1/sso/domains", { domain: ` ${name.toUpperCase()} ` });
    expect(claimed.status).toBe(201);
    expect(claimed.body).toMatchObject({ domain: name, verified: false, record: { type: "TXT", name: `_tollgate-challenge.${name}` } });
    expect(claimed.body.record.value).toMatch(/^tollgate-domain-verification=/);
    // b claims it too, before anyone proved it: allowed.
    const rival = await call(b.key, "POST", "/api/v1/sso/domains", { domain: name });
    expect(rival.status).toBe(201);

    const missing = await call(a.key, "POST", `/api/v1/sso/domains/${claimed.body.id}/verify`);
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("verification_record_missing");
    dns.publish(claimed.body.record.name, ["unrelated", claimed.body.record.value]);
    expect((await call(a.key, "POST", `/api/v1/sso/domains/${claimed.body.id}/verify`)).body).toMatchObject({ verified: true });

    // b publishes its own record too: the domain is a's.
    dns.publish(claimed.body.record.name, [rival.body.record.value]);
    const taken = await call(b.key, "POST", `/api/v1/sso/domains/${rival.body.id}/verify`);
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("domain_taken");
    expect((await call(b.key, "POST", "/api/v1/sso/domains", { domain: `x${name}` })).status).toBe(201);
    expect((await call(a.key, "POST", "/api/v1/sso/domains", { domain: name })).body.error.code).toBe("domain_exists");
    expect((await call(a.key, "POST", "/api/v1/sso/domains", { domain: "not a domain" })).status).toBe(400);
    expect(await auditActions(a.org.id)).toEqual(expect.arrayContaining(["sso.domain.added", "sso.domain.verified"]));
  });

  it("a plan without single sign-on cannot turn a connection on", async () => {
    const { owner, org } = await orgWithKey("admin");
    await onPlanWithoutSso(org);
    const refused = await owner("POST", "/api/v1/sso/connections", oidcBody({ enabled: true }));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "plan_without_sso" });
    const off = await owner("POST", "/api/v1/sso/connections", oidcBody());
    expect(off.status).toBe(201);
    expect((await owner("PATCH", `/api/v1/sso/connections/${off.body.id}`, { enabled: true })).body.error.code).toBe("plan_without_sso");
  });
});

describe("/api/v1/scim/tokens", () => {
  /** GET /scim/v2/Users with `token`: the status. */
  const scimUsers = async (token: string) => (await fetch(`${server.baseUrl()}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } })).status;

  it("makes, lists and revokes a token; the secret is answered once, and a revoked token is refused at /scim/v2", async () => {
    const { key, org, owner } = await orgWithKey();
    // Handing out a SCIM token is an owner's: an admin's key is refused, and nothing is made.
    const refused = await call(key, "POST", "/api/v1/scim/tokens", { name: "Okta" });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("owner_required");
    expect((await call(key, "POST", "/api/v1/scim/tokens", { name: " " })).status).toBe(400);

    const made = await owner("POST", "/api/v1/scim/tokens", { name: "Okta" });
    expect(made.status).toBe(201);
    const { token, id } = made.body;
    expect(token).toMatch(/^tgscim_/);
    expect(made.body).toMatchObject({ name: "Okta", lastFour: token.slice(-4), lastUsedAt: null, revokedAt: null });
    expect(made.body.baseUrl).toMatch(/\/scim\/v2$/);

    // Listed (by the admin's key, which manages SCIM) without the secret, with the base URL to give the provider.
    const listed = await call(key, "GET", "/api/v1/scim/tokens");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ baseUrl: made.body.baseUrl, data: [{ id, name: "Okta", lastFour: token.slice(-4), createdAt: made.body.createdAt, lastUsedAt: null, revokedAt: null }] });
    expect(JSON.stringify(listed.body)).not.toContain(token);

    // The provider uses it; its use is shown.
    expect(await scimUsers(token)).toBe(200);
    await until("the token's use is recorded", async () => (await call(key, "GET", "/api/v1/scim/tokens")).body.data[0].lastUsedAt !== null);

    const revoked = await call(key, "DELETE", `/api/v1/scim/tokens/${id}`);
    expect(revoked.status).toBe(204);
    expect(revoked.body).toBeNull();
    const after = (await call(key, "GET", "/api/v1/scim/tokens")).body.data;
    expect(after).toEqual([expect.objectContaining({ id, revokedAt: expect.any(String) })]);
    expect(JSON.stringify(after)).not.toContain(token);
    expect(await scimUsers(token)).toBe(401);
    // Revoking again changes nothing; an unknown id is not found.
    expect((await call(key, "DELETE", `/api/v1/scim/tokens/${id}`)).status).toBe(204);
    expect((await call(key, "DELETE", "/api/v1/scim/tokens/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await auditActions(org.id)).filter((a) => a.startsWith("scim.token."))).toEqual(["scim.token.created", "scim.token.revoked"]);
  });

  it("another organization's key does not find the token to revoke, and the token keeps working", async () => {
    const a = await orgWithKey();
    const b = await orgWithKey();
    const { id, token } = (await a.owner("POST", "/api/v1/scim/tokens", { name: "Okta" })).body;
    const theirs = await call(b.key, "DELETE", `/api/v1/scim/tokens/${id}`);
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe("token_not_found");
    expect((await b.owner("DELETE", `/api/v1/scim/tokens/${id}`)).status).toBe(404);
    expect((await call(b.key, "GET", "/api/v1/scim/tokens")).body.data).toEqual([]);
    expect((await db.scimToken.findUniqueOrThrow({ where: { id } })).revokedAt).toBeNull();
    expect(await scimUsers(token)).toBe(200);
    expect((await auditActions(b.org.id)).filter((a) => a.startsWith("scim."))).toEqual([]);
  });

  it("a member's key neither lists, makes nor revokes tokens", async () => {
    const { key, owner } = await orgWithKey("member");
    const { id } = (await owner("POST", "/api/v1/scim/tokens", { name: "Okta" })).body;
    expect((await call(key, "GET", "/api/v1/scim/tokens")).status).toBe(403);
    expect((await call(key, "POST", "/api/v1/scim/tokens", { name: "mine" })).status).toBe(403);
    expect((await call(key, "DELETE", `/api/v1/scim/tokens/${id}`)).status).toBe(403);
    expect((await db.scimToken.findUniqueOrThrow({ where: { id } })).revokedAt).toBeNull();
  });
});

describe("domain verification through DNS", () => {
  it("reads the TXT record from a real DNS server (TOLLGATE_DNS_SERVERS), not only from an injected resolver", async () => {
    const dnsServer = await startDnsServer();
    const previous = useTxtResolver(null);
    process.env.TOLLGATE_DNS_SERVERS = dnsServer.address;
    try {
      const { key, org } = await orgWithKey();
      const claimed = (await call(key, "POST", "/api/v1/sso/domains", { domain: `${org.slug}.example.test` })).body;
      expect((await call(key, "POST", `/api/v1/sso/domains/${claimed.id}/verify`)).body.error.code).toBe("verification_record_missing");
      dnsServer.publish(claimed.record.name, ["v=spf1 -all", claimed.record.value]);
      expect((await call(key, "POST", `/api/v1/sso/domains/${claimed.id}/verify`)).body).toMatchObject({ verified: true });
    } finally {
      delete process.env.TOLLGATE_DNS_SERVERS;
      useTxtResolver(previous);
      await dnsServer.close();
    }
  });
});
