// Bad dates and strings are refused at the edge with 400 and change nothing:
// far dates (year 275760, 8.64e15 ms), NUL characters, unpaired surrogates.
import { describe, expect, it } from "vitest";
import { createGrant, listGrants } from "../../lib/grants/grants.ts";
import { listAuditEvents } from "../../lib/audit/list-audit-events.ts";
import { listDecisions } from "../../lib/authz/list-decisions.ts";
import { db } from "../../lib/db.ts";
import { builtInRole } from "../helpers.ts";
import { orgWithAdminKey, useMachineServer } from "../apikeys/http.ts";

const { call } = useMachineServer();
const FAR = "+275760-09-13T00:00:00.000Z";

describe("dates beyond the years 1970–9999", () => {
  it("are refused for grants and keys, over the API and in the domain, and nothing is written", async () => {
    const { org, owner, adminKey, addMember } = await orgWithAdminKey();
    const member = await addMember("member");
    const viewer = (await builtInRole("viewer")).id;
    const grant = await call("POST", "/api/v1/grants", { key: adminKey, body: { roleId: viewer, subject: { type: "user", id: member.principal.userId }, conditions: { validUntil: FAR } } });
    expect(grant.status).toBe(400);
    expect(grant.body.error.message).toBe("conditions.validUntil: validUntil must be a date between the years 1970 and 9999");
    await expect(createGrant(owner, { roleId: viewer, subject: { type: "user", id: member.principal.userId }, conditions: { validUntil: new Date(8.64e15) } })).rejects.toThrow(
      /between the years 1970 and 9999/,
    );
    for (const expiresAt of [8.64e15, FAR, "10000-01-01"]) {
      const key = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "far", permissions: ["projects:read"], expiresAt } });
      expect(key.status, String(expiresAt)).toBe(400);
    }
    expect(await db.grant.count({ where: { orgId: org.id } })).toBe(0);
    expect(await db.apiKey.count({ where: { orgId: org.id } })).toBe(1);
    // The Access page's list still reads.
    expect(await listGrants(owner)).toEqual([]);
  });

  it("are refused in audit and decision filters", async () => {
    const { owner } = await orgWithAdminKey();
    for (const list of [listAuditEvents, listDecisions]) {
      await expect(list(owner, { from: FAR })).rejects.toThrow(/between the years 1970 and 9999/);
      await expect(list(owner, { to: "8640000000000000" })).rejects.toThrow();
    }
  });
});

describe("NUL characters and unpaired surrogates", () => {
  it("get 400 invalid_text in bodies, queries and filters, and change nothing", async () => {
    const { org, owner, adminKey } = await orgWithAdminKey();
    for (const name of ["Web\u0000", "Web\ud800", "\udc00Web"]) {
      const res = await call("POST", "/api/v1/projects", { key: adminKey, body: { name, slug: "web" } });
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect(res.body.error).toEqual({ code: "invalid_text", message: "name: text may not contain NUL characters or unpaired UTF-16 surrogates" });
    }
    // Raw bytes cannot make one: a NUL byte is not JSON, and bytes that are not UTF-8 (here an encoded surrogate) decode to U+FFFD.
    const rawNul = await call("POST", "/api/v1/projects", { key: adminKey, rawBody: Buffer.from('{"name":"Web\u0000","slug":"web"}') });
    expect(rawNul).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
    const encodedSurrogate = Buffer.concat([Buffer.from('{"name":"Web'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('","slug":"web"}')]);
    const replaced = await call("POST", "/api/v1/projects", { key: adminKey, rawBody: encodedSurrogate });
    expect(replaced).toMatchObject({ status: 201, body: { name: "Web\ufffd\ufffd\ufffd" } });
    await db.project.deleteMany({ where: { orgId: org.id } });
    expect(await db.project.count({ where: { orgId: org.id } })).toBe(0);
    const key = await call("POST", "/api/v1/api-keys", { key: adminKey, body: { name: "k", permissions: ["projects:read"], description: "x\u0000" } });
    expect(key.body.error.code).toBe("invalid_text");
    const query = await call("GET", "/api/v1/grants?roleId=%00", { key: adminKey });
    expect(query).toMatchObject({ status: 400, body: { error: { code: "invalid_text" } } });
    const check = await call("POST", "/api/v1/authz/check", { key: adminKey, body: { subject: { type: "user", id: "a\u0000" }, permission: "projects:read" } });
    expect(check.status).toBe(400);
    await expect(listAuditEvents(owner, { actor: "a\u0000b" })).rejects.toMatchObject({ code: "invalid_text" });
    await expect(listDecisions(owner, { principal: "\ud800" })).rejects.toMatchObject({ code: "invalid_text" });
  });
});

describe("edges of pages and paging", () => {
  it("refuses a NUL character anywhere in the address with 400 before any route, and a NUL slug finds no organization", async () => {
    const { LeanRouter } = await import("../../lib/http/lean-router.ts");
    const { createTollgateServer } = await import("../../server/http-server.ts");
    let reachedNext = 0;
    const server = createTollgateServer(new LeanRouter(), async (_req, res) => void (reachedNext++, res.end("page")), { publicUrl: "http://localhost:3000" });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
    for (const path of ["/acme%00/members", "/acme/audit?actor=%00", "/api/v1/projects/%00"]) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(400);
      expect((await res.json()).error.code).toBe("invalid_text");
    }
    expect(reachedNext).toBe(0);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { resolveOrgContext } = await import("../../lib/auth/request-context.ts");
    const { owner } = await orgWithAdminKey();
    await expect(resolveOrgContext(owner.principal, "acme\u0000", owner)).rejects.toMatchObject({ code: "organization_not_found" });
  });

  it("refuses audit and decision cursors out of range with a clear error, not a 500", async () => {
    const { owner } = await orgWithAdminKey();
    const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString("base64url");
    await expect(listAuditEvents(owner, { cursor: cursorOf([-8640000000000000, crypto.randomUUID()]) })).rejects.toMatchObject({ code: "invalid_cursor" });
    await expect(listDecisions(owner, { cursor: cursorOf([Date.now(), "99999999999999999999999"]) })).rejects.toMatchObject({ code: "invalid_cursor" });
  });
});
