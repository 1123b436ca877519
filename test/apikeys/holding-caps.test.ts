// A key, created or rotated, fits inside at least one way its maker holds each
// of its permissions: no later expiry than that grant's validUntil, an IP allow
// list inside its ranges, and never a permission held only with MFA. Rotation
// obeys the same caps as creation (and the organization's key policy), for
// members and for keys on the management API.
import { describe, expect, it } from "vitest";
import { createApiKey, getApiKey, rotateApiKey, updateApiKeyPolicy } from "../../lib/apikeys/api-keys.ts";
import { checkKey } from "../../lib/apikeys/authenticate-api-key.ts";
import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import type { MemberCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { Forbidden, Invalid } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { addGroupMember, createGroup } from "../../lib/groups/groups.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { declarePermission, fresh } from "../grants/fixtures.ts";
import { createTestOrg, createUser, meta } from "../helpers.ts";
import { useMachineServer } from "./http.ts";

const { call } = useMachineServer();
const DAY = 86_400_000;
/** test/helpers.ts meta() calls come from 203.0.113.7. */
const CALLER_NET = "203.0.113.0/24";

/**
 * An organization with a product permission, a role carrying it, and a key
 * manager who holds nothing of it by membership; `grant` gives them the role.
 */
async function setup() {
  const t = await createTestOrg({ slugPrefix: "caps" });
  const traces = await declarePermission("traces");
  const reader = await createRole(t.owner, { name: "Trace reader", permissions: [traces] });
  const managerRole = await createRole(t.owner, { name: "Key manager", permissions: ["organization:read", "apikeys:read", "apikeys:write", "projects:read"] });
  const user = await createUser({ name: "Kim Keys" });
  await authzTransaction(t.org.id, (tx) => tx.membership.create({ data: { orgId: t.org.id, userId: user.principal.userId, roleId: managerRole.id } }));
  const manager = (await resolveOrgContext(user.principal, t.org.slug, meta())) as MemberCtx;
  const grant = async (conditions: Record<string, unknown>, projectId: string | null = null) =>
    createGrant(await fresh(t.owner), { roleId: reader.id, subject: { type: "user", id: user.principal.userId }, projectId, conditions });
  return { ...t, traces, reader, manager, grant };
}

async function expectRefused(promise: Promise<unknown>, type: typeof Invalid | typeof Forbidden, code: string, ...parts: string[]) {
  const error = await promise.then(
    () => null,
    (e) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect(error.code).toBe(code);
  for (const part of parts) expect(error.message).toContain(part);
  return error;
}

describe("keys made by members are capped by the grants their permissions come from", () => {
  it("a permission from a grant valid until a date: the key must expire by then", async () => {
    const { org, traces, manager, grant } = await setup();
    const validUntil = new Date(Date.now() + 30 * DAY);
    await grant({ validUntil: validUntil.toISOString() });
    const ctx = await fresh(manager);

    const message = `${traces} comes to you from a grant valid until ${validUntil.toISOString()}`;
    await expectRefused(createApiKey(ctx, { name: "forever", permissions: [traces] }), Invalid, "expiry_beyond_holding", message, "the key must expire by then");
    await expectRefused(createApiKey(ctx, { name: "later", permissions: [traces], expiresAt: new Date(validUntil.getTime() + 1) }), Invalid, "expiry_beyond_holding", message);
    expect(await db.apiKey.count({ where: { orgId: org.id } })).toBe(0);
    const { apiKey } = await createApiKey(ctx, { name: "in time", permissions: [traces], expiresAt: validUntil });
    expect(apiKey.expiresAt?.toISOString()).toBe(validUntil.toISOString());
  });

  it("a permission from a grant limited to some networks: the key's IP allow list must lie inside them", async () => {
    const { traces, manager, grant } = await setup();
    await grant({ ipCidrs: [CALLER_NET, "2001:db8::/32"] });
    const ctx = await fresh(manager);
    await expectRefused(
      createApiKey(ctx, { name: "anywhere", permissions: [traces] }),
      Invalid,
      "ip_beyond_holding",
      `${traces} comes to you from a grant usable only from ${CALLER_NET}, 2001:db8::/32`,
    );
    await expectRefused(createApiKey(ctx, { name: "wider", permissions: [traces], ipAllowList: ["203.0.0.0/16"] }), Invalid, "ip_beyond_holding");
    await expectRefused(createApiKey(ctx, { name: "elsewhere", permissions: [traces], ipAllowList: ["203.0.113.0/28", "10.0.0.1"] }), Invalid, "ip_beyond_holding");
    const { apiKey } = await createApiKey(ctx, { name: "inside", permissions: [traces], ipAllowList: ["203.0.113.0/28", "2001:db8:1::/48"] });
    expect(apiKey.ipAllowList).toEqual(["203.0.113.0/28", "2001:db8:1::/48"]);
  });

  it("a permission held only with MFA cannot be passed to a key at all (403)", async () => {
    const { org, traces, manager, grant } = await setup();
    await grant({ requireMfa: true });
    const withMfa = { ...(await fresh(manager)), mfa: true };
    await expectRefused(
      createApiKey(withMfa, { name: "mfa", permissions: [traces], expiresAt: new Date(Date.now() + DAY) }),
      Forbidden,
      "mfa_only_permission",
      `${traces} comes to you from a grant that requires MFA`,
      "a key cannot present MFA",
    );
    // Without MFA the member does not hold it at all.
    await expectRefused(createApiKey(await fresh(manager), { name: "mfa", permissions: [traces] }), Forbidden, "privilege_escalation", traces);
    expect(await db.apiKey.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("fits when any one way of holding allows it: an unlimited group grant beside a dated direct grant", async () => {
    const { owner, traces, reader, manager, grant } = await setup();
    await grant({ validUntil: new Date(Date.now() + DAY).toISOString() });
    const group = await createGroup(owner, { name: "Tracing" });
    await addGroupMember(await fresh(owner), { groupId: group.id, userId: manager.principal.userId });
    await createGrant(await fresh(owner), { roleId: reader.id, subject: { type: "group", id: group.id } });
    const { apiKey } = await createApiKey(await fresh(manager), { name: "forever", permissions: [traces] });
    expect(apiKey.expiresAt).toBeNull();
  });

  it("names every way it is held when none fits, and caps project keys by project grants", async () => {
    const { owner, traces, manager, grant } = await setup();
    const web = await createProject(owner, { name: "Web", slug: "web" });
    const soon = new Date(Date.now() + DAY);
    await grant({ validUntil: soon.toISOString() }, web.id);
    await grant({ ipCidrs: [CALLER_NET] }, web.id);
    const ctx = await fresh(manager);
    const error = await expectRefused(
      createApiKey(ctx, { name: "web", permissions: [traces], projectId: web.id }),
      Invalid,
      "expiry_beyond_holding",
      `valid until ${soon.toISOString()}`,
      `usable only from ${CALLER_NET}`,
    );
    expect(error.message).toContain("; or from");
    // A project grant does not reach the organization.
    await expectRefused(createApiKey(ctx, { name: "org", permissions: [traces], expiresAt: soon }), Forbidden, "privilege_escalation", traces);
    await createApiKey(ctx, { name: "web", permissions: [traces], projectId: web.id, expiresAt: soon });
    await createApiKey(ctx, { name: "web net", permissions: [traces], projectId: web.id, ipAllowList: ["203.0.113.7"] });
  });

  it("leaves keys uncapped for permissions held through the membership role", async () => {
    const { owner, traces } = await setup();
    const { apiKey } = await createApiKey(owner, { name: "owner's", permissions: [traces, "projects:read"] });
    expect(apiKey).toMatchObject({ expiresAt: null, ipAllowList: [] });
  });
});

describe("rotation obeys the same caps", () => {
  it("a member cannot rotate, and so receive the secret of, a key beyond the grant they hold it by", async () => {
    const { owner, traces, manager, grant } = await setup();
    const validUntil = new Date(Date.now() + 30 * DAY);
    await grant({ validUntil: validUntil.toISOString() });
    const { key, apiKey } = await createApiKey(owner, { name: "forever", permissions: [traces] });
    await expectRefused(rotateApiKey(await fresh(manager), { apiKeyId: apiKey.id }), Invalid, "expiry_beyond_holding", "You cannot rotate this key", `valid until ${validUntil.toISOString()}`);
    expect((await getApiKey(owner, apiKey.id)).rotatedAt).toBeNull();
    expect(await checkKey(key, null)).toMatchObject({ ok: true });

    const { apiKey: dated } = await createApiKey(owner, { name: "dated", permissions: [traces], expiresAt: validUntil });
    expect((await rotateApiKey(await fresh(manager), { apiKeyId: dated.id })).key).toMatch(/^tg_live_/);
  });

  it("a rotation must fit the organization's key policy as a new key would", async () => {
    const { owner } = await setup();
    const { apiKey } = await createApiKey(owner, { name: "old", permissions: ["projects:read"] });
    const { apiKey: longLived } = await createApiKey(owner, { name: "long", permissions: ["projects:read"], expiresAt: new Date(Date.now() + 200 * DAY) });
    await updateApiKeyPolicy(owner, { requireExpiry: true, maxLifetimeDays: 90 });
    await expectRefused(rotateApiKey(owner, { apiKeyId: apiKey.id }), Invalid, "expiry_required", "You cannot rotate this key");
    await expectRefused(rotateApiKey(owner, { apiKeyId: longLived.id }), Invalid, "expiry_too_far", "90 days");
  });
});

describe("keys on the management API", () => {
  it("a key limited in time and networks cannot rotate a never-expiring, any-IP key (the finding)", async () => {
    const { owner } = await createTestOrg({ slugPrefix: "caps-api" });
    const expiresAt = new Date(Date.now() + 3 * DAY);
    const { key } = await createApiKey(owner, { name: "limited manager", permissions: ["apikeys:write", "projects:read"], expiresAt, ipAllowList: ["10.0.0.0/8"] });
    const { key: strongKey, apiKey: strong } = await createApiKey(owner, { name: "unlimited", permissions: ["projects:read"] });

    const res = await call("POST", `/api/v1/api-keys/${strong.id}/rotate`, { key, ip: "10.1.2.3", body: { overlapHours: 0 } });
    expect(res).toMatchObject({ status: 400, body: { error: { code: "expiry_beyond_caller" } } });
    expect(res.body.key).toBeUndefined();
    expect(await checkKey(strongKey, null)).toMatchObject({ ok: true });

    const { apiKey: anyIp } = await createApiKey(owner, { name: "any ip", permissions: ["projects:read"], expiresAt: new Date(expiresAt.getTime() - DAY) });
    expect(await call("POST", `/api/v1/api-keys/${anyIp.id}/rotate`, { key, ip: "10.1.2.3", body: {} })).toMatchObject({ status: 400, body: { error: { code: "ip_beyond_caller" } } });
    const { apiKey: inside } = await createApiKey(owner, { name: "inside", permissions: ["projects:read"], expiresAt: new Date(expiresAt.getTime() - DAY), ipAllowList: ["10.1.0.0/16"] });
    expect((await call("POST", `/api/v1/api-keys/${inside.id}/rotate`, { key, ip: "10.1.2.3", body: {} })).status).toBe(200);
  });

  it("a key holding a permission through a dated grant to it passes that date on to keys it creates", async () => {
    const { owner, traces, reader } = await setup();
    const { key, apiKey: manager } = await createApiKey(owner, { name: "key manager", permissions: ["apikeys:write"] });
    const validUntil = new Date(Date.now() + 10 * DAY);
    await createGrant(await fresh(owner), { roleId: reader.id, subject: { type: "api_key", id: manager.id }, conditions: { validUntil: validUntil.toISOString() } });

    const refused = await call("POST", "/api/v1/api-keys", { key, body: { name: "child", permissions: [traces] } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: "expiry_beyond_holding" } } });
    expect(refused.body.error.message).toContain(`${traces} comes to you from a grant valid until ${validUntil.toISOString()}`);
    const ok = await call("POST", "/api/v1/api-keys", { key, body: { name: "child", permissions: [traces], expiresAt: validUntil.toISOString() } });
    expect(ok.status).toBe(201);

    const { apiKey: forever } = await createApiKey(owner, { name: "forever", permissions: [traces] });
    expect(await call("POST", `/api/v1/api-keys/${forever.id}/rotate`, { key, body: {} })).toMatchObject({ status: 400, body: { error: { code: "expiry_beyond_holding" } } });
  });
});
