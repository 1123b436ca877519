// The SDK against a real Tollgate server: checks, batches, errors, the
// decision cache and its invalidation by the authorization version.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeApiKey, createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db } from "../../lib/db.ts";
import { changeMemberRole } from "../../lib/members/members.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { builtInRole } from "../../test/helpers.ts";
import { AuthenticationError, NotFoundError, PermissionDeniedError, Tollgate, TollgateError, ValidationError, isCheckError, type CheckInput } from "../src/index.ts";
import { orgWithCheckKey, recordingFetch, startTollgate } from "./real-server.ts";

let server: Awaited<ReturnType<typeof startTollgate>>;
beforeAll(async () => {
  server = await startTollgate();
});
afterAll(() => server.close());

async function setup(options: { cacheTtlMs?: number } = {}) {
  const org = await orgWithCheckKey();
  const recorder = recordingFetch();
  const tollgate = new Tollgate({ baseUrl: server.baseUrl + "/", apiKey: org.key, fetch: recorder.fetch, ...options });
  return { ...org, tollgate, calls: recorder.calls };
}

const user = (id: string) => ({ type: "user" as const, id });
const authzVersion = async (orgId: string) => (await db.organization.findUniqueOrThrow({ where: { id: orgId } })).authzVersion;

describe("check", () => {
  it("answers allowed with the reason and the organization's authorization version", async () => {
    const { tollgate, viewer, org, calls, key } = await setup();
    // Other test files share the database: declaring a product permission there bumps every organization's version.
    const before = await authzVersion(org.id);
    const result = await tollgate.check({ subject: user(viewer.principal.userId), permission: "members:read" });
    const after = await authzVersion(org.id);
    expect(result).toEqual({ allowed: true, reason: 'membership role "Viewer" grants members:read', version: expect.any(Number) });
    expect(result.version).toBeGreaterThanOrEqual(before);
    expect(result.version).toBeLessThanOrEqual(after);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe(`${server.baseUrl}/api/v1/authz/check`);
    expect(calls[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect(calls[0]!.body).toEqual({ subject: user(viewer.principal.userId), permission: "members:read" });
  });

  it("explains a denial on a project, finding the subject by email, and sends context as given", async () => {
    const { tollgate, viewer, project, calls } = await setup();
    const input: CheckInput = {
      subject: user(viewer.principal.email),
      permission: "members:invite",
      resource: { type: "project", id: project.id },
      context: { ip: "203.0.113.9", mfa: undefined },
    };
    const result = await tollgate.check(input);
    expect(result).toEqual({ allowed: false, reason: `no role of user ${viewer.principal.userId} grants members:invite on project ${project.id}`, version: expect.any(Number) });
    expect(calls[0]!.body).toEqual({ subject: input.subject, permission: "members:invite", resource: input.resource, context: { ip: "203.0.113.9" } });
    expect(JSON.stringify(calls[0]!.body)).not.toContain("mfa");
  });
});

describe("checkBatch", () => {
  it("answers in order with per-check errors", async () => {
    const { tollgate, owner, viewer } = await setup();
    const results = await tollgate.checkBatch([
      { subject: user(owner.principal.userId), permission: "organization:delete" },
      { subject: user(viewer.principal.userId), permission: "organization:delete" },
      { subject: user("nobody@example.test"), permission: "organization:read" },
    ]);
    expect(results.map((r) => r.allowed)).toEqual([true, false, false]);
    const failed = results[2]!;
    expect(isCheckError(failed) && failed.error.code).toBe("subject_not_found");
    expect(isCheckError(results[0]!)).toBe(false);
  });

  it("splits more than 100 checks into requests of 100 and keeps the order", async () => {
    const { tollgate, owner, viewer, calls } = await setup();
    const checks = Array.from({ length: 250 }, (_, i) => ({ subject: user((i % 3 === 0 ? owner : viewer).principal.userId), permission: "members:invite" }));
    const results = await tollgate.checkBatch(checks);
    expect(calls.map((c) => c.body.checks.length)).toEqual([100, 100, 50]);
    expect(results).toHaveLength(250);
    expect(results.map((r) => r.allowed)).toEqual(checks.map((_, i) => i % 3 === 0));
    expect(await tollgate.checkBatch([])).toEqual([]);
    expect(calls).toHaveLength(3);
  });
});

describe("errors", () => {
  it("throws AuthenticationError for unknown and revoked keys", async () => {
    const { key, apiKey, owner, viewer } = await setup();
    const input = { subject: user(viewer.principal.userId), permission: "members:read" };
    const unknown = await new Tollgate({ baseUrl: server.baseUrl, apiKey: key.slice(0, -4) + "AAAA" }).check(input).catch((e) => e);
    expect(unknown).toBeInstanceOf(AuthenticationError);
    expect(unknown).toMatchObject({ status: 401, code: "invalid_api_key" });
    await revokeApiKey(owner, { apiKeyId: apiKey.id });
    const revoked = await new Tollgate({ baseUrl: server.baseUrl, apiKey: key }).check(input).catch((e) => e);
    expect(revoked).toBeInstanceOf(TollgateError);
    expect(revoked).toMatchObject({ name: "AuthenticationError", status: 401, code: "revoked_api_key", message: "This API key was revoked." });
  });

  it("throws PermissionDeniedError when the key lacks authz:check", async () => {
    const { owner, viewer } = await setup();
    const { key } = await createApiKey(owner, { name: "reader", permissions: ["members:read"] });
    const error = await new Tollgate({ baseUrl: server.baseUrl, apiKey: key }).check({ subject: user(viewer.principal.userId), permission: "members:read" }).catch((e) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.status).toBe(403);
    expect(error.message).toContain("authz:check");
  });

  it("throws NotFoundError for unknown subjects and ValidationError for bad input, without retrying", async () => {
    const { tollgate, calls } = await setup();
    const missing = await tollgate.check({ subject: user("nobody@example.test"), permission: "members:read" }).catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.code).toBe("subject_not_found");
    const invalid = await tollgate.check({ subject: { type: "group" as "user", id: "x" }, permission: "a:b" }).catch((e) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.message).toMatch(/^subject\.type: /);
    expect(calls).toHaveLength(2);
  });
});

describe("decision cache", () => {
  it("answers identical checks from memory, whatever the property order", async () => {
    const { tollgate, viewer, project, calls } = await setup({ cacheTtlMs: 60_000 });
    const a = await tollgate.check({ subject: user(viewer.principal.userId), permission: "members:read", resource: { type: "project", id: project.id } });
    const b = await tollgate.check({ resource: { id: project.id, type: "project" }, permission: "members:read", subject: { id: viewer.principal.userId, type: "user" } });
    expect(b).toEqual(a);
    expect(calls).toHaveLength(1);
    await tollgate.check({ subject: user(viewer.principal.userId), permission: "members:read" }); // no resource: another check
    expect(calls).toHaveLength(2);
  });

  it("keeps a check at another time (context.time) apart from the same check now; API keys are subjects too", async () => {
    const { tollgate, viewer, apiKey, calls } = await setup({ cacheTtlMs: 60_000 });
    const now: CheckInput = { subject: user(viewer.principal.userId), permission: "members:read" };
    expect((await tollgate.check(now)).allowed).toBe(true);
    expect((await tollgate.check({ ...now, context: { time: "2030-01-01T00:00:00Z" } })).allowed).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.body.context).toEqual({ time: "2030-01-01T00:00:00Z" });
    expect((await tollgate.check({ subject: { type: "api_key", id: apiKey.id }, permission: "authz:check" })).allowed).toBe(true);
  });

  it("shares one request between identical concurrent checks", async () => {
    const { tollgate, viewer, calls } = await setup();
    const input = { subject: user(viewer.principal.userId), permission: "members:read" };
    const results = await Promise.all([tollgate.check(input), tollgate.check(input), tollgate.check(input)]);
    expect(new Set(results.map((r) => r.reason)).size).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it("expires entries after cacheTtlMs, is off with cacheTtlMs 0, and clearCache forgets", async () => {
    const { tollgate, viewer, calls, key } = await setup({ cacheTtlMs: 100 });
    const input = { subject: user(viewer.principal.userId), permission: "members:read" };
    await tollgate.check(input);
    await tollgate.check(input);
    expect(calls).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 150));
    await tollgate.check(input);
    expect(calls).toHaveLength(2);
    tollgate.clearCache();
    await tollgate.check(input);
    expect(calls).toHaveLength(3);

    const recorder = recordingFetch();
    const uncached = new Tollgate({ baseUrl: server.baseUrl, apiKey: key, cacheTtlMs: 0, fetch: recorder.fetch });
    await uncached.check(input);
    await uncached.check(input);
    expect(recorder.calls).toHaveLength(2);
  });

  it("drops every cached decision when an answer shows a newer authorization version (role change)", async () => {
    const { tollgate, viewer, owner, org, calls } = await setup({ cacheTtlMs: 60_000 });
    const invite = { subject: user(viewer.principal.userId), permission: "members:invite" };
    const before = await tollgate.check(invite);
    expect(before.allowed).toBe(false);

    await changeMemberRole(owner, { membershipId: viewer.membership.id, roleId: (await builtInRole("admin")).id });
    const version = await authzVersion(org.id);
    expect(version).toBeGreaterThan(before.version);

    // Still cached: nothing has shown the SDK the new version yet.
    expect(await tollgate.check(invite)).toEqual(before);
    expect(calls).toHaveLength(1);

    // Any other answer carries the new version and clears the cache ...
    const other = await tollgate.check({ subject: user(owner.principal.userId), permission: "members:read" });
    expect(other.version).toBeGreaterThanOrEqual(version); // or newer: other test files bump every organization

    // ... so the same check now asks again and sees the new role.
    const after = await tollgate.check(invite);
    expect(calls).toHaveLength(3);
    expect(after.allowed).toBe(true);
    expect(after.version).toBeGreaterThanOrEqual(version);
    expect(after.reason).toContain("Admin");
  });

  it("is also invalidated by batch answers, e.g. after a new project", async () => {
    const { tollgate, viewer, owner, calls } = await setup({ cacheTtlMs: 60_000 });
    const read = { subject: user(viewer.principal.userId), permission: "members:read" };
    const first = await tollgate.check(read);
    await createProject(owner, { name: "Mobile", slug: "mobile" });
    const [batched] = await tollgate.checkBatch([{ subject: user(owner.principal.userId), permission: "members:read" }]);
    expect(batched).toMatchObject({ allowed: true, version: first.version + 1 });
    const again = await tollgate.check(read);
    expect(calls).toHaveLength(3);
    expect(again.version).toBe(first.version + 1);
  });
});
