// SCIM list queries over real HTTP (RFC 7644 §3.4.2): every filter operator,
// logical and grouped expressions, Groups by displayName, and pagination by
// startIndex and count; and a grant on a group the identity provider made,
// which reaches exactly the members SCIM puts in it.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db } from "../../lib/db.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { fresh } from "../grants/fixtures.ts";
import { builtInRole } from "../helpers.ts";
import { useTestDns } from "../sso/sso-fixtures.ts";
import { GROUP, PATCH, provisionedOrg as provisionedOrgOn, USER } from "./scim-fixtures.ts";

const server = useMachineServer();
useTestDns();
const provisionedOrg = () => provisionedOrgOn(server);

type Listed = { id: string; userName?: string; displayName: string };

/**
 * Four provisioned users, created in this order, each last modified on the
 * first of a month of 2024 (January to April): anna and alex (who came with
 * the provider's ids, alex deactivated), then bob and carl.
 */
async function orgWithFourUsers() {
  const t = await provisionedOrg();
  const people = [
    { local: "anna", displayName: "Anna Andersson", externalId: "okta-anna", active: true },
    { local: "alex", displayName: "Alex Alvarez", externalId: "okta-alex", active: false },
    { local: "bob", displayName: "Bob Berg", active: true },
    { local: "carl", displayName: "Carl Peterson", active: true },
  ];
  const ids: Record<string, string> = {};
  for (const [month, p] of people.entries()) {
    const created = await t.scim("POST", "/Users", { schemas: [USER], userName: `${p.local}@${t.domain}`, displayName: p.displayName, externalId: p.externalId, active: p.active });
    expect(created.status).toBe(201);
    ids[p.local] = created.body.id;
    await db.scimUser.update({ where: { orgId_userId: { orgId: t.org.id, userId: created.body.id } }, data: { updatedAt: new Date(Date.UTC(2024, month, 1)) } });
  }
  /** GET /Users with `filter`: the total and the local parts of the userNames answered, in order. */
  const usersMatching = async (filter: string) => {
    const answer = await t.scim("GET", `/Users?filter=${encodeURIComponent(filter)}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const names = (answer.body.Resources as Listed[]).map((u) => u.userName!.split("@")[0]);
    expect(answer.body.totalResults).toBe(names.length);
    return names;
  };
  return { ...t, ids, usersMatching };
}

describe("filtering Users", () => {
  it("eq matches one userName exactly, whatever its case", async () => {
    const { domain, usersMatching } = await orgWithFourUsers();
    expect(await usersMatching(`userName eq "bob@${domain}"`)).toEqual(["bob"]);
    expect(await usersMatching(`userName eq "BOB@${domain.toUpperCase()}"`)).toEqual(["bob"]);
    expect(await usersMatching(`userName eq "bo@${domain}"`)).toEqual([]);
    expect(await usersMatching('externalId eq "okta-alex"')).toEqual(["alex"]);
  });

  it("ne answers everyone but the one named", async () => {
    const { domain, usersMatching } = await orgWithFourUsers();
    expect(await usersMatching(`userName ne "bob@${domain}"`)).toEqual(["anna", "alex", "carl"]);
  });

  it("co matches a part of the value", async () => {
    const { usersMatching } = await orgWithFourUsers();
    expect(await usersMatching('userName co "ar"')).toEqual(["carl"]);
    expect(await usersMatching('displayName co "ers"')).toEqual(["anna", "carl"]);
  });

  it("sw matches the start of the value", async () => {
    const { usersMatching } = await orgWithFourUsers();
    expect(await usersMatching('userName sw "a"')).toEqual(["anna", "alex"]);
    expect(await usersMatching('userName sw "An"')).toEqual(["anna"]);
  });

  it("ew matches the end of the value", async () => {
    const { domain, usersMatching } = await orgWithFourUsers();
    expect(await usersMatching(`userName ew "l@${domain}"`)).toEqual(["carl"]);
    expect(await usersMatching(`userName ew "@${domain}"`)).toEqual(["anna", "alex", "bob", "carl"]);
  });

  it("pr answers those that have the attribute", async () => {
    const { usersMatching } = await orgWithFourUsers();
    expect(await usersMatching("externalId pr")).toEqual(["anna", "alex"]);
    expect(await usersMatching("userName pr")).toEqual(["anna", "alex", "bob", "carl"]);
  });

  // Each user was last modified on the first of a month: anna in January, alex in February, bob in March, carl in April.
  it.each([
    ["gt", ["bob", "carl"]],
    ["ge", ["alex", "bob", "carl"]],
    ["lt", ["anna"]],
    ["le", ["anna", "alex"]],
  ] as const)("%s compares meta.lastModified with a time", async (op, expected) => {
    const { usersMatching } = await orgWithFourUsers();
    expect(await usersMatching(`meta.lastModified ${op} "2024-02-01T00:00:00.000Z"`)).toEqual(expected);
  });

  it("and answers those matching both sides", async () => {
    const { usersMatching } = await orgWithFourUsers();
    expect(await usersMatching('userName sw "a" and active eq true')).toEqual(["anna"]);
    expect(await usersMatching('userName sw "a" and userName sw "b"')).toEqual([]);
  });

  it("or answers those matching either side", async () => {
    const { domain, usersMatching } = await orgWithFourUsers();
    expect(await usersMatching(`userName eq "bob@${domain}" or userName eq "carl@${domain}"`)).toEqual(["bob", "carl"]);
    expect(await usersMatching('externalId eq "okta-anna" or active eq false')).toEqual(["anna", "alex"]);
  });

  it("not answers those not matching", async () => {
    const { usersMatching } = await orgWithFourUsers();
    expect(await usersMatching('not (userName sw "a")')).toEqual(["bob", "carl"]);
    expect(await usersMatching("not (active eq true)")).toEqual(["alex"]);
  });

  it("a grouped expression is taken as grouped: (… or …) and not (…)", async () => {
    const { usersMatching } = await orgWithFourUsers();
    expect(await usersMatching('(userName sw "a" or userName sw "b") and not (active eq false)')).toEqual(["anna", "bob"]);
    // Without the parentheses `and` binds first: the deactivated alex is answered too.
    expect(await usersMatching('userName sw "a" or userName sw "b" and not (active eq false)')).toEqual(["anna", "alex", "bob"]);
  });
});

describe("filtering Groups", () => {
  it("finds a group by displayName (eq and sw), and only that one", async () => {
    const t = await provisionedOrg();
    const ids: Record<string, string> = {};
    for (const displayName of ["Engineering", "Engineering Managers", "Sales"]) {
      const created = await t.scim("POST", "/Groups", { schemas: [GROUP], displayName });
      expect(created.status).toBe(201);
      ids[displayName] = created.body.id;
    }
    const groupsMatching = async (filter: string) => {
      const answer = await t.scim("GET", `/Groups?filter=${encodeURIComponent(filter)}`);
      expect(answer.status).toBe(200);
      expect(answer.body.totalResults).toBe(answer.body.Resources.length);
      return (answer.body.Resources as Listed[]).map((g) => [g.displayName, g.id]);
    };
    expect(await groupsMatching('displayName eq "Engineering"')).toEqual([["Engineering", ids.Engineering]]);
    expect(await groupsMatching('displayName eq "Marketing"')).toEqual([]);
    expect(await groupsMatching('displayName sw "Engineering"')).toEqual([
      ["Engineering", ids.Engineering],
      ["Engineering Managers", ids["Engineering Managers"]],
    ]);
    expect(await groupsMatching('displayName ne "Sales" and not (displayName co "Managers")')).toEqual([["Engineering", ids.Engineering]]);
    // displayName is not case-exact (RFC 7643 §4.2).
    expect(await groupsMatching('displayName eq "engineering"')).toEqual([["Engineering", ids.Engineering]]);
  });
});

describe("email addresses in filters", () => {
  it("match whatever their case, as sent by the provider and as asked for, also inside emails[…]", async () => {
    const t = await provisionedOrg();
    const address = `Dana.Doe@${t.domain}`;
    const created = await t.scim("POST", "/Users", { schemas: [USER], userName: address, emails: [{ value: address, primary: true, type: "work" }] });
    expect(created.status).toBe(201);
    for (const filter of [`emails.value eq "${address}"`, `emails.value eq "${address.toLowerCase()}"`, `emails[value eq "${address.toUpperCase()}"]`, `emails.value co "DANA.doe@"`]) {
      const answer = await t.scim("GET", `/Users?filter=${encodeURIComponent(filter)}`);
      expect(answer.status, filter).toBe(200);
      expect(
        answer.body.Resources.map((u: Listed) => u.id),
        filter,
      ).toEqual([created.body.id]);
    }
    // What the provider sent is answered as it sent it.
    const listed = await t.scim("GET", `/Users?filter=${encodeURIComponent(`emails.value eq "${address}"`)}`);
    expect(listed.body.Resources[0].emails[0].value).toBe(address);
  });
});

describe("pagination", () => {
  it("startIndex and count answer a page of the users in order, with the total", async () => {
    const { usersMatching, scim } = await orgWithFourUsers();
    expect(await usersMatching("userName pr")).toEqual(["anna", "alex", "bob", "carl"]);
    const page = await scim("GET", "/Users?startIndex=2&count=1");
    expect(page.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 4, startIndex: 2, itemsPerPage: 1 });
    expect(page.body.Resources.map((u: Listed) => u.userName!.split("@")[0])).toEqual(["alex"]);
    const next = await scim("GET", "/Users?startIndex=3&count=2");
    expect(next.body).toMatchObject({ totalResults: 4, startIndex: 3, itemsPerPage: 2 });
    expect(next.body.Resources.map((u: Listed) => u.userName!.split("@")[0])).toEqual(["bob", "carl"]);
    // Past the end: the total, and nothing.
    expect((await scim("GET", "/Users?startIndex=5&count=2")).body).toMatchObject({ totalResults: 4, startIndex: 5, itemsPerPage: 0, Resources: [] });
    // A page of a filtered list counts the matches only.
    const filtered = await scim("GET", `/Users?filter=${encodeURIComponent("active eq true")}&startIndex=2&count=1`);
    expect(filtered.body).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect(filtered.body.Resources.map((u: Listed) => u.userName!.split("@")[0])).toEqual(["bob"]);
  });

  it("count=0 answers only how many there are", async () => {
    const { scim } = await orgWithFourUsers();
    const counted = await scim("GET", "/Users?count=0");
    expect(counted.status).toBe(200);
    expect(counted.body).toMatchObject({ totalResults: 4, itemsPerPage: 0 });
    expect(counted.body.Resources ?? []).toEqual([]);
  });
});

describe("a grant on a group SCIM made", () => {
  it("reaches a member the provider puts in the group, and no longer once it takes them out", async () => {
    const t = await provisionedOrg();
    const { key } = await createApiKey(t.owner, { name: "product backend", permissions: ["authz:check"] });
    const check = async (userId: string) => {
      const answer = await server.call("POST", "/api/v1/authz/check", { key, body: { subject: { type: "user", id: userId }, permission: "billing:read" } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body as { allowed: boolean; reason: string };
    };
    const alice = (await t.scim("POST", "/Users", { schemas: [USER], userName: `alice@${t.domain}` })).body.id as string;
    const bob = (await t.scim("POST", "/Users", { schemas: [USER], userName: `bob@${t.domain}` })).body.id as string;
    const group = await t.scim("POST", "/Groups", { schemas: [GROUP], displayName: "Finance", members: [] });
    const gid = group.body.id as string;
    // An owner gives the Billing role to the group in Tollgate (SCIM keeps its members, not its roles).
    await createGrant(await fresh(t.owner), { roleId: (await builtInRole("billing")).id, subject: { type: "group", id: gid } });
    expect((await check(alice)).allowed).toBe(false);

    await t.scim("PATCH", `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value: alice }] }] });
    expect(await check(alice)).toMatchObject({ allowed: true, reason: expect.stringContaining("Billing") });
    expect((await check(bob)).allowed).toBe(false);

    await t.scim("PATCH", `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: "remove", path: `members[value eq "${alice}"]` }] });
    expect(await check(alice)).toMatchObject({ allowed: false, reason: `no role of user ${alice} grants billing:read` });
    expect(await db.grant.count({ where: { orgId: t.org.id, groupId: gid } })).toBe(1);
  });
});
