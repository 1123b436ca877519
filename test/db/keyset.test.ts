// Keyset pagination of every list the management API serves, and of audit
// and decisions: pages cover every row once, in the order of the whole list,
// while rows are added at the page boundary; bad cursors and limits are 400;
// a cursor of one organization reaches nothing of another.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { listOrganizations } from "../../lib/admin/provisioning.ts";
import { listApiKeys, createApiKey } from "../../lib/apikeys/api-keys.ts";
import { listAuditEvents } from "../../lib/audit/list-audit-events.ts";
import { authorize } from "../../lib/authz/authorize.ts";
import { flushDecisionLog } from "../../lib/authz/decision-log.ts";
import { listDecisions } from "../../lib/authz/list-decisions.ts";
import type { OrgCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { createGrant, listGrants } from "../../lib/grants/grants.ts";
import { createGroup, listGroups } from "../../lib/groups/groups.ts";
import { createInvitation, listInvitations } from "../../lib/invitations/invitations.ts";
import { listMembers } from "../../lib/members/members.ts";
import { listProjects } from "../../lib/projects/projects.ts";
import { createRole, listRoles } from "../../lib/roles/roles.ts";
import { orgWithAdminKey, useMachineServer, type Caller } from "../apikeys/http.ts";
import { builtInRole, createTestOrg, createUser, uniqueEmail } from "../helpers.ts";

const { call } = useMachineServer();

type Row = { id: string };

/** Every page of a list route, following nextCursor to the end. */
async function pagesOf(call: Caller, key: string, path: string, limit: number, between?: (pageNumber: number) => Promise<void>) {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res = await call("GET", `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    pages.push(res.body.data.map((r: Row) => r.id));
    cursor = res.body.nextCursor;
    await between?.(pages.length);
  } while (cursor && pages.length < 1000);
  return pages;
}

const ids = (rows: Row[]) => rows.map((r) => r.id);
const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString("base64url");

async function seedProjects(orgId: string, names: string[]) {
  return db.project.createManyAndReturn({ data: names.map((name) => ({ orgId, name, slug: `p-${randomUUID().slice(0, 12)}` })), select: { id: true, name: true } });
}

/** An organization with a few rows in every list, some of them tying on their sort key. */
async function seededOrg() {
  const t = await orgWithAdminKey();
  const { owner, org } = t;
  await seedProjects(org.id, ["Beta", "Alpha", "Same", "Same", "Same", "Zulu"]);
  const groups = [];
  for (const name of ["Ops", "Dev", "Sales", "Admins", "Support"]) groups.push(await createGroup(owner, { name }));
  for (const role of ["viewer", "member", "admin", "viewer"] as const) await t.addMember(role);
  for (let i = 0; i < 3; i++) await createInvitation(owner, { email: uniqueEmail("invitee"), roleId: (await builtInRole("viewer")).id });
  for (const name of ["Auditor", "Reviewer", "Deployer"]) await createRole(owner, { name, permissions: ["projects:read"] });
  for (const name of ["ci", "deploy", "metrics"]) await createApiKey(owner, { name, permissions: ["projects:read"] });
  const viewer = await builtInRole("viewer");
  for (const group of groups) await createGrant(owner, { roleId: viewer.id, subject: { type: "group", id: group.id } });
  return t;
}

describe("keyset pagination of management API lists", () => {
  it("pages through every list the API serves, each row once, in the order of the whole list", async () => {
    const { owner, adminKey } = await seededOrg();
    const lists: Array<[string, (ctx: OrgCtx) => Promise<Row[]>]> = [
      ["/api/v1/projects", (ctx) => listProjects(ctx)],
      ["/api/v1/members", (ctx) => listMembers(ctx)],
      ["/api/v1/invitations", (ctx) => listInvitations(ctx)],
      ["/api/v1/groups", (ctx) => listGroups(ctx)],
      ["/api/v1/roles", (ctx) => listRoles(ctx)],
      ["/api/v1/api-keys", (ctx) => listApiKeys(ctx)],
      ["/api/v1/grants", (ctx) => listGrants(ctx)],
    ];
    for (const [path, whole] of lists) {
      const all = ids(await whole(owner));
      expect(all.length, path).toBeGreaterThanOrEqual(3);
      for (const limit of [1, 2, 200]) {
        const pages = await pagesOf(call, adminKey, path, limit);
        expect(pages.flat(), `${path} limit ${limit}`).toEqual(all);
        expect(pages.length, `${path} limit ${limit}`).toBe(Math.max(1, Math.ceil(all.length / limit)));
      }
    }
  });

  it("pages filtered lists (api-keys by status, grants by subject) through the same cursor", async () => {
    const { owner, adminKey } = await seededOrg();
    const group = (await listGroups(owner))[0]!;
    const grants = ids(await listGrants(owner, { subjectType: "group", subjectId: group.id }));
    expect((await pagesOf(call, adminKey, `/api/v1/grants?subjectType=group&subjectId=${group.id}`, 1)).flat()).toEqual(grants);
    const active = ids(await listApiKeys(owner, { status: "active" }));
    expect((await pagesOf(call, adminKey, "/api/v1/api-keys?status=active", 2)).flat()).toEqual(active);
  });

  it("covers every row exactly once while rows are added at, before and after the page boundary", async () => {
    const { org, owner, adminKey } = await orgWithAdminKey();
    const before = ids(await seedProjects(org.id, ["Alpha", "Same", "Same", "Same", "Same", "Zulu"]));
    const added: Array<{ id: string; name: string }> = [];
    // After each page: one project that ties with every "Same" (its id falls on either side of the
    // cursor), one before everything already read and one after.
    const pages = await pagesOf(call, adminKey, "/api/v1/projects", 2, async (pageNumber) => {
      if (pageNumber <= 3) added.push(...(await seedProjects(org.id, ["Same", "Aardvark", "Zz top"])));
    });
    const seen = pages.flat();
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before)
      expect(
        seen.filter((s) => s === id),
        id,
      ).toHaveLength(1);
    // The pages are the whole list as it is now, less the rows added behind the cursor.
    const now = ids(await listProjects(owner));
    expect(seen).toEqual(now.filter((id) => seen.includes(id)));
    expect(seen).not.toContain(added.find((p) => p.name === "Aardvark")!.id);
    for (const zz of added.filter((p) => p.name === "Zz top")) expect(seen).toContain(zz.id);
  });

  it("covers every row exactly once while another client keeps inserting", async () => {
    const { org, owner, adminKey } = await orgWithAdminKey();
    const names = ["Alpha", "Bravo", "Same", "Same", "Same", "Victor", "Zulu"];
    const before = ids(await seedProjects(org.id, [...names, ...names]));
    let paging = true;
    const writer = (async () => {
      for (let i = 0; paging && i < 200; i++) await seedProjects(org.id, [names[i % names.length]!]);
    })();
    const seen = (await pagesOf(call, adminKey, "/api/v1/projects", 3)).flat();
    paging = false;
    await writer;
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before)
      expect(
        seen.filter((s) => s === id),
        id,
      ).toHaveLength(1);
    const now = ids(await listProjects(owner));
    expect(seen).toEqual(now.filter((id) => seen.includes(id)));
  });

  it("answers 400 invalid_cursor for a cursor that is not one, or not of this list", async () => {
    const { adminKey } = await orgWithAdminKey();
    const bad = [
      "garbage!",
      "bm90IGpzb24", // "not json"
      cursorOf([]),
      cursorOf(["Alpha"]),
      cursorOf(["Alpha", "not-a-uuid"]),
      cursorOf(["Alpha", randomUUID(), "extra"]),
      cursorOf([42, randomUUID()]),
      cursorOf(["Al\u0000pha", randomUUID()]),
      cursorOf({ name: "Alpha", id: randomUUID() } as unknown as unknown[]),
      "x".repeat(5000),
    ];
    for (const cursor of bad) {
      const res = await call("GET", `/api/v1/projects?cursor=${encodeURIComponent(cursor)}`, { key: adminKey });
      expect(res.status, cursor).toBe(400);
      expect(res.body.error.code, cursor).toBe("invalid_cursor");
    }
    const member = await call("GET", `/api/v1/members?cursor=${cursorOf([2 ** 40, Date.now(), randomUUID()])}`, { key: adminKey });
    expect(member.body.error.code).toBe("invalid_cursor");
    const grant = await call("GET", `/api/v1/grants?cursor=${cursorOf([Date.UTC(10000, 0, 1), randomUUID()])}`, { key: adminKey });
    expect(grant.body.error.code).toBe("invalid_cursor");
    // A cursor of another list, well formed for this one, is just a position in it.
    expect((await call("GET", `/api/v1/projects?cursor=${cursorOf(["M", randomUUID()])}`, { key: adminKey })).status).toBe(200);
  });

  it("takes limits from 1 to 200, 50 by default, and answers 400 outside them", async () => {
    const { org, adminKey } = await orgWithAdminKey();
    await db.group.createMany({ data: Array.from({ length: 201 }, (_, i) => ({ orgId: org.id, name: `Group ${String(i).padStart(3, "0")}` })) });
    const first = await call("GET", "/api/v1/groups", { key: adminKey });
    expect(first.body.data).toHaveLength(50);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const most = await call("GET", "/api/v1/groups?limit=200", { key: adminKey });
    expect(most.body.data).toHaveLength(200);
    const last = await call("GET", `/api/v1/groups?limit=200&cursor=${most.body.nextCursor}`, { key: adminKey });
    expect(last.body).toMatchObject({ data: [{ name: "Group 200" }], nextCursor: null });
    for (const limit of ["0", "201", "-1", "1.5", "many"]) {
      const res = await call("GET", `/api/v1/groups?limit=${limit}`, { key: adminKey });
      expect(res.status, limit).toBe(400);
    }
  });

  it("gives a cursor from organization A in organization B nothing of A", async () => {
    const a = await orgWithAdminKey();
    const b = await orgWithAdminKey();
    const aProjects = ids(await seedProjects(a.org.id, ["A1", "A2", "A3", "A4"]));
    const bProjects = ids(await seedProjects(b.org.id, ["A0", "A25", "B1"]));
    const aPage = await call("GET", "/api/v1/projects?limit=2", { key: a.adminKey });
    expect(aPage.body.nextCursor).toEqual(expect.any(String));
    const inB = await call("GET", `/api/v1/projects?limit=200&cursor=${aPage.body.nextCursor}`, { key: b.adminKey });
    expect(inB.status).toBe(200);
    const seen = ids(inB.body.data);
    expect(seen.filter((id) => aProjects.includes(id))).toEqual([]);
    expect(seen.every((id) => bProjects.includes(id))).toBe(true);

    for (const path of ["/api/v1/members", "/api/v1/groups", "/api/v1/roles", "/api/v1/api-keys", "/api/v1/grants", "/api/v1/invitations"]) {
      const aIds = (await pagesOf(call, a.adminKey, path, 200)).flat();
      const first = await call("GET", `${path}?limit=1`, { key: a.adminKey });
      if (!first.body.nextCursor) continue;
      const res = await call("GET", `${path}?limit=200&cursor=${first.body.nextCursor}`, { key: b.adminKey });
      expect(res.status, path).toBe(200);
      // Built-in roles are shared by every organization; nothing else of A may show.
      const builtIn = ids(await db.role.findMany({ where: { orgId: null }, select: { id: true } }));
      expect(
        ids(res.body.data).filter((id) => aIds.includes(id) && !builtIn.includes(id)),
        path,
      ).toEqual([]);
    }
  });
});

describe("keyset pagination of organizations, audit and decisions", () => {
  it("pages organizations for an instance key, each once, the ones made meanwhile after the cursor included", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const { key } = await createInstanceKey(admin, { name: "pager" });
    const mine: string[] = [];
    for (let i = 0; i < 4; i++) mine.push((await createTestOrg()).org.id);
    const madeMeanwhile: string[] = [];
    const pages = await pagesOf(call, key, "/api/v1/organizations", 3, async (n) => {
      if (n === 1) madeMeanwhile.push((await createTestOrg()).org.id);
    });
    const seen = pages.flat();
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of [...mine, ...madeMeanwhile])
      expect(
        seen.filter((s) => s === id),
        id,
      ).toHaveLength(1);
    const whole = ids(await listOrganizations({ principal: { type: "api_key", keyId: "k", name: "pager", display: "pager", instance: true }, requestId: "r", ip: null, userAgent: null }));
    expect(seen).toEqual(whole.filter((id) => seen.includes(id)));
  });

  it("pages audit events and decisions with the same cursors, and refuses another list's shape", async () => {
    const { owner, addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    for (const permission of ["members:read", "members:invite", "audit:read", "projects:read", "groups:read"] as const) authorize(viewer, permission);
    await flushDecisionLog();
    const allDecisions = (await listDecisions(owner, { principal: viewer.principal.userId, limit: 200 })).decisions.map((d) => d.id);
    expect(allDecisions).toHaveLength(5);
    const decisionPages: bigint[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listDecisions>> = await listDecisions(owner, { principal: viewer.principal.userId, limit: 2, cursor });
      decisionPages.push(...page.decisions.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(decisionPages).toEqual(allDecisions);
    await expect(listDecisions(owner, { cursor: cursorOf([Date.now(), randomUUID()]) })).rejects.toMatchObject({ code: "invalid_cursor" });
    await expect(listAuditEvents(owner, { cursor: cursorOf(["1"]) })).rejects.toMatchObject({ code: "invalid_cursor" });
  });
});
