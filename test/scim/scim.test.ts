// SCIM 2.0 over real HTTP, as Okta and Microsoft Entra drive it: scripted
// provisioning sequences, deactivation that ends sessions and API keys at
// once, malformed requests answered with SCIM errors, and another
// organization's token, which sees and changes nothing.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { createSession, principalForSession } from "../../lib/auth/sessions.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { db } from "../../lib/db.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { createScimToken, revokeScimToken } from "../../lib/scim/tokens.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createTestOrg, meta } from "../helpers.ts";
import { onPlanWithoutSso, useTestDns } from "../sso/sso-fixtures.ts";
import { GROUP, PATCH, provisionedOrg as provisionedOrgOn, USER } from "./scim-fixtures.ts";

const server = useMachineServer();
useTestDns();
const provisionedOrg = () => provisionedOrgOn(server);

const memberRoleOf = async (orgId: string, userId: string) =>
  (await db.membership.findUnique({ where: { orgId_userId: { orgId, userId } }, select: { role: { select: { key: true } } } }))?.role.key ?? null;

describe("SCIM discovery and the token", () => {
  it("describes itself, and refuses a missing, wrong or revoked token with a SCIM error", async () => {
    const t = await provisionedOrg();
    const config = await t.scim("GET", "/ServiceProviderConfig");
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true }, etag: { supported: true } });
    expect((await t.scim("GET", "/ResourceTypes")).body.Resources.map((r: { id: string }) => r.id)).toEqual(["User", "Group"]);
    expect((await t.scim("GET", `/Schemas/${USER}`)).body.attributes.map((a: { name: string }) => a.name)).toContain("userName");
    const anonymous = await fetch(`${server.baseUrl()}/scim/v2/Users`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "401" });
    // A plan without single sign-on pauses provisioning.
    await onPlanWithoutSso(t.org);
    expect((await t.scim("GET", "/Users")).body).toMatchObject({ status: "403", detail: expect.stringMatching(/single sign-on/) });
    await db.subscription.delete({ where: { orgId: t.org.id } });
    await revokeScimToken(t.owner, { tokenId: t.tokenId });
    expect((await t.scim("GET", "/Users")).status).toBe(401);
  });

  it("only those who manage SCIM make tokens, and the token is kept as a hash", async () => {
    const t = await createTestOrg();
    const member = await t.addMember("member");
    await expect(createScimToken(member, { name: "x" })).rejects.toMatchObject({ code: "forbidden" });
    // It removes members and ends sessions: an owner's reach, so an owner hands it out.
    await expect(createScimToken(await t.addMember("admin"), { name: "x" })).rejects.toMatchObject({ code: "owner_required" });
    const { token, id } = await createScimToken(t.owner, { name: "Entra" });
    expect(token).toMatch(/^tgscim_/);
    expect(JSON.stringify(await db.scimToken.findUniqueOrThrow({ where: { id } }))).not.toContain(token);
  });
});

describe("an Okta-style sequence", () => {
  it("creates, finds, deactivates (ending sessions and keys at once), reactivates, and keeps a group's members", async () => {
    const t = await provisionedOrg();
    const email = `alice@${t.domain}`;
    const none = await t.scim("GET", `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}&startIndex=1&count=100`);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });

    const created = await t.scim("POST", "/Users", {
      schemas: [USER],
      userName: email,
      name: { givenName: "Alice", familyName: "Doe" },
      emails: [{ primary: true, value: email, type: "work" }],
      displayName: "Alice Doe",
      locale: "en-US",
      externalId: "00u1okta",
      groups: [],
      password: "ignored-by-tollgate",
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(created.body.meta.location);
    expect(created.body).toMatchObject({ userName: email, externalId: "00u1okta", active: true, displayName: "Alice Doe", name: { givenName: "Alice" } });
    const id = created.body.id as string;
    expect(await memberRoleOf(t.org.id, id)).toBe("member");

    const read = await t.scim("GET", `/Users/${id}`);
    expect(read.headers.get("etag")).toBe('W/"1"');
    expect((await t.scim("GET", `/Users?filter=${encodeURIComponent(`userName eq "${email.toUpperCase()}"`)}`)).body.totalResults).toBe(1);

    // Alice signs in and makes an API key; then Okta deactivates her.
    const { id: sessionId } = await createSession(id, meta());
    await createGrant(t.owner, { roleId: (await builtInRole("admin")).id, subject: { type: "user", id } });
    const alice = await resolveOrgContext((await principalForSession(sessionId))!, t.org.slug, meta());
    const { apiKey } = await createApiKey(alice, { name: "alice's key", roleId: (await builtInRole("viewer")).id });

    const deactivated = await t.scim("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] });
    expect(deactivated.body).toMatchObject({ active: false, meta: { version: 'W/"2"' } });
    expect(await memberRoleOf(t.org.id, id)).toBeNull();
    expect(await principalForSession(sessionId)).toBeNull();
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).revokedAt).not.toBeNull();
    expect(await db.grant.count({ where: { orgId: t.org.id, userId: id } })).toBe(0);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { orgId: t.org.id, action: "scim.user.deactivated" } });
    expect(audit.after).toMatchObject({ memberRemoved: true, apiKeysRevoked: 1, sessionsEnded: 1 });
    expect(audit.actorEmail).toBe("SCIM token Okta");

    expect((await t.scim("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: true }] })).body.active).toBe(true);
    expect(await memberRoleOf(t.org.id, id)).toBe("member");

    // Groups: created empty, members pushed, renamed, one removed by filter, deleted.
    const group = await t.scim("POST", "/Groups", { schemas: [GROUP], displayName: "Engineering", members: [] });
    expect(group.status).toBe(201);
    const gid = group.body.id as string;
    await t.scim("PATCH", `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value: id, display: email }] }] });
    expect((await t.scim("GET", `/Groups/${gid}`)).body.members.map((m: { value: string }) => m.value)).toEqual([id]);
    expect((await t.scim("GET", `/Users/${id}`)).body.groups).toEqual([{ value: gid, display: "Engineering" }]);
    await t.scim("PATCH", `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { id: gid, displayName: "Platform" } }] });
    expect((await t.scim("GET", `/Groups?filter=${encodeURIComponent('displayName eq "Platform"')}`)).body.totalResults).toBe(1);
    // Someone an admin added in Tollgate (not provisioned) does not stop the provider's changes.
    const local = await t.addMember("member");
    await db.groupMember.create({ data: { groupId: gid, userId: local.principal.userId, orgId: t.org.id } });
    await t.scim("PATCH", `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: "remove", path: `members[value eq "${id}"]` }] });
    expect((await t.scim("GET", `/Groups/${gid}`)).body.members.map((m: { value: string }) => m.value)).toEqual([local.principal.userId]);
    expect((await t.scim("DELETE", `/Groups/${gid}`)).status).toBe(204);
    expect((await t.scim("GET", `/Groups/${gid}`)).status).toBe(404);
  });
});

describe("a Microsoft Entra-style sequence", () => {
  it("takes PascalCase operations and string booleans, group members added and removed by value, and DELETE", async () => {
    const t = await provisionedOrg();
    const email = `bob@${t.domain}`;
    expect((await t.scim("GET", `/Users?filter=${encodeURIComponent('externalId eq "e-123"')}`)).body.totalResults).toBe(0);
    const created = await t.scim("POST", "/Users", {
      schemas: [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
      externalId: "e-123",
      userName: email,
      active: true,
      displayName: "Bob",
      emails: [{ primary: true, type: "work", value: email }],
      name: { formatted: "Bob Builder", familyName: "Builder", givenName: "Bob" },
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Eng" },
    });
    const id = created.body.id as string;
    const group = await t.scim("POST", "/Groups", { schemas: [GROUP], displayName: "Sales", externalId: "g-1" });
    await t.scim("PATCH", `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: "Add", path: "members", value: [{ value: id }] }] });
    expect((await t.scim("GET", `/Groups/${group.body.id}`)).body.members).toHaveLength(1);
    await t.scim("PATCH", `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: "Remove", path: "members", value: [{ value: id }] }] });
    expect((await t.scim("GET", `/Groups/${group.body.id}`)).body.members).toHaveLength(0);

    const patched = await t.scim("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: "Replace", path: "displayName", value: "Bob B." },
        { op: "Replace", path: "active", value: "False" },
      ],
    });
    expect(patched.body).toMatchObject({ displayName: "Bob B.", active: false });
    expect(await memberRoleOf(t.org.id, id)).toBeNull();
    expect((await t.scim("DELETE", `/Users/${id}`)).status).toBe(204);
    expect((await t.scim("GET", `/Users/${id}`)).status).toBe(404);
  });
});

describe("malformed requests and refusals", () => {
  it("answers each with a SCIM error and changes nothing", async () => {
    const t = await provisionedOrg();
    const email = `carol@${t.domain}`;
    const bad = [
      [await t.scim("GET", `/Users?filter=${encodeURIComponent("userName eq")}`), 400, "invalidFilter"],
      [await t.scim("POST", "/Users", "{not json"), 400, "invalidSyntax"],
      [await t.scim("POST", "/Users", { schemas: [USER], userName: "not-an-address" }), 400, "invalidValue"],
      [await t.scim("POST", "/Users", { schemas: [USER], userName: `mallory@elsewhere-${t.org.slug}.example` }), 400, "invalidValue"],
    ] as const;
    for (const [answer, status, scimType] of bad) {
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status), scimType });
    }
    expect(await db.scimUser.count({ where: { orgId: t.org.id } })).toBe(0);

    const id = (await t.scim("POST", "/Users", { schemas: [USER], userName: email })).body.id;
    expect((await t.scim("POST", "/Users", { schemas: [USER], userName: email })).body).toMatchObject({ status: "409", scimType: "uniqueness" });
    expect((await t.scim("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] }, { "if-match": 'W/"7"' })).status).toBe(412);
    expect((await t.scim("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "move", path: "active" }] })).body.scimType).toBe("invalidSyntax");
    expect((await t.scim("PATCH", `/Users/${id}`, { schemas: ["wrong"], Operations: [] })).status).toBe(400);
    expect((await t.scim("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "userName", value: `other@${t.domain}` }] })).body.scimType).toBe("mutability");
    expect((await t.scim("POST", "/Groups", { schemas: [GROUP], displayName: "G", members: [{ value: "not-a-user" }] })).body.scimType).toBe("invalidValue");
    expect((await t.scim("GET", "/Users/not-a-uuid")).status).toBe(404);
    expect((await t.scim("GET", `/Users/${id}`)).body.active).toBe(true);
  });

  it("an owner is not deactivated over SCIM (an owner removes owners)", async () => {
    const t = await provisionedOrg();
    const email = `boss@${t.domain}`;
    const boss = await db.user.create({ data: { email, name: "Boss", emailVerifiedAt: new Date() } });
    await db.membership.create({ data: { orgId: t.org.id, userId: boss.id, roleId: (await builtInRole("owner")).id } });
    const linked = await t.scim("POST", "/Users", { schemas: [USER], userName: email });
    expect(linked.body.id).toBe(boss.id);
    const refused = await t.scim("PATCH", `/Users/${boss.id}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] });
    expect(refused.body).toMatchObject({ status: "400", scimType: "mutability" });
    expect(await memberRoleOf(t.org.id, boss.id)).toBe("owner");
  });
});

describe("another organization's token", () => {
  it("sees none of this organization's users or groups, and changes none", async () => {
    const a = await provisionedOrg();
    const b = await provisionedOrg();
    const userOfA = (await a.scim("POST", "/Users", { schemas: [USER], userName: `dana@${a.domain}` })).body.id;
    const groupOfA = (await a.scim("POST", "/Groups", { schemas: [GROUP], displayName: "A team", members: [{ value: userOfA }] })).body.id;
    expect((await b.scim("GET", "/Users")).body.totalResults).toBe(0);
    expect((await b.scim("GET", "/Groups")).body.totalResults).toBe(0);
    expect((await b.scim("GET", `/Users/${userOfA}`)).status).toBe(404);
    expect((await b.scim("PATCH", `/Users/${userOfA}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] })).status).toBe(404);
    expect((await b.scim("DELETE", `/Users/${userOfA}`)).status).toBe(404);
    expect((await b.scim("GET", `/Groups/${groupOfA}`)).status).toBe(404);
    expect((await b.scim("PATCH", `/Groups/${groupOfA}`, { schemas: [PATCH], Operations: [{ op: "remove", path: "members" }] })).status).toBe(404);
    expect((await b.scim("DELETE", `/Groups/${groupOfA}`)).status).toBe(404);
    // Nor can b put a's user into its own groups, or provision an address of a's domain.
    expect((await b.scim("POST", "/Groups", { schemas: [GROUP], displayName: "B team", members: [{ value: userOfA }] })).body.scimType).toBe("invalidValue");
    expect((await b.scim("POST", "/Users", { schemas: [USER], userName: `eve@${a.domain}` })).body.scimType).toBe("invalidValue");
    expect(await memberRoleOf(a.org.id, userOfA)).toBe("member");
    expect((await a.scim("GET", `/Groups/${groupOfA}`)).body.members).toHaveLength(1);
  });
});
