// Whoever rotates a key receives its secret, and with it everything the key
// holds: its own permissions and every grant made to it. Each grant must be
// one the rotator could give, at its own project, with its conditions
// narrowed by the key's own expiry and networks.
import { describe, expect, it } from "vitest";
import { createApiKey, getApiKey, rotateApiKey } from "../../lib/apikeys/api-keys.ts";
import { checkKey } from "../../lib/apikeys/authenticate-api-key.ts";
import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import type { MemberCtx } from "../../lib/context.ts";
import { Forbidden } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { DAY, expectRefused } from "../authz/conditional-giver.ts";
import { fresh } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg, createUser, meta } from "../helpers.ts";
import { useMachineServer } from "./http.ts";

const { call } = useMachineServer();

/** An organization with a key manager: apikeys:write and read permissions, nothing else. */
async function orgWithKeyManager() {
  const t = await createTestOrg({ slugPrefix: "rot" });
  const role = await createRole(t.owner, { name: "Key manager", permissions: ["organization:read", "apikeys:read", "apikeys:write", "projects:read"] });
  const user = await createUser({ name: "Kim Keys" });
  await authzTransaction(t.org.id, (tx) => tx.membership.create({ data: { orgId: t.org.id, userId: user.principal.userId, roleId: role.id } }));
  const manager = (await resolveOrgContext(user.principal, t.org.slug, meta())) as MemberCtx;
  const grantToKey = async (roleId: string, apiKeyId: string, more: Record<string, unknown> = {}) => createGrant(await fresh(t.owner), { roleId, subject: { type: "api_key", id: apiKeyId }, ...more });
  return { ...t, manager, grantToKey };
}

describe("rotating a key passes on the grants made to it", () => {
  it("the finding: a key manager cannot rotate a key granted Admin, and so never gets a secret that lists the members", async () => {
    const { owner, manager, grantToKey } = await orgWithKeyManager();
    const { key: oldSecret, apiKey } = await createApiKey(owner, { name: "deploy", permissions: ["projects:read"] });
    await grantToKey((await builtInRole("admin")).id, apiKey.id);
    const { key: managersOwn } = await createApiKey(await fresh(manager), { name: "mine", permissions: ["projects:read"] });
    expect((await call("GET", "/api/v1/members", { key: managersOwn })).status).toBe(403);

    await expectRefused(rotateApiKey(await fresh(manager), { apiKeyId: apiKey.id }), Forbidden, "privilege_escalation", "You cannot rotate this key", "the Admin role", "members:read");
    expect((await getApiKey(owner, apiKey.id)).rotatedAt).toBeNull();
    expect(await checkKey(oldSecret, null)).toMatchObject({ ok: true });

    // The owner, who holds Admin, may rotate it.
    const { key: newSecret } = await rotateApiKey(await fresh(owner), { apiKeyId: apiKey.id });
    expect((await call("GET", "/api/v1/members", { key: newSecret })).status).toBe(200);
  });

  it("answers the same over the management API: 403 and no secret", async () => {
    const { owner, grantToKey } = await orgWithKeyManager();
    const { key: rotator } = await createApiKey(owner, { name: "rotator", permissions: ["apikeys:read", "apikeys:write", "projects:read"] });
    const { apiKey } = await createApiKey(owner, { name: "deploy", permissions: ["projects:read"] });
    await grantToKey((await builtInRole("admin")).id, apiKey.id);
    const res = await call("POST", `/api/v1/api-keys/${apiKey.id}/rotate`, { key: rotator, body: { overlapHours: 0 } });
    expect(res).toMatchObject({ status: 403, body: { error: { code: "privilege_escalation" } } });
    expect(res.body.key).toBeUndefined();
  });

  it("checks each grant at its own project", async () => {
    const { owner, manager, grantToKey } = await orgWithKeyManager();
    const web = await createProject(owner, { name: "Web", slug: "web" });
    const deleter = await createRole(owner, { name: "Project deleter", permissions: ["projects:delete"] });
    const { apiKey } = await createApiKey(owner, { name: "deploy", permissions: ["projects:read"] });
    await grantToKey(deleter.id, apiKey.id, { projectId: web.id });
    await expectRefused(rotateApiKey(await fresh(manager), { apiKeyId: apiKey.id }), Forbidden, "privilege_escalation", "projects:delete", 'project "Web"');
    // Holding it on that project is enough.
    await createGrant(await fresh(owner), { roleId: deleter.id, subject: { type: "user", id: manager.principal.userId }, projectId: web.id });
    await rotateApiKey(await fresh(manager), { apiKeyId: apiKey.id });
  });

  it("caps by the grant's conditions narrowed by the key's own expiry, and skips grants that require MFA", async () => {
    const { owner, manager, grantToKey } = await orgWithKeyManager();
    const auditor = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const until = new Date(Date.now() + 10 * DAY);
    // The manager holds audit:read until `until` only.
    await createGrant(await fresh(owner), { roleId: auditor.id, subject: { type: "user", id: manager.principal.userId }, conditions: { validUntil: until.toISOString() } });

    const { apiKey: forever } = await createApiKey(owner, { name: "forever", permissions: ["projects:read"] });
    await grantToKey(auditor.id, forever.id);
    await expectRefused(rotateApiKey(await fresh(manager), { apiKeyId: forever.id }), Forbidden, "expiry_beyond_holding", "audit:read comes to you from a grant valid until");

    const { apiKey: shortKey } = await createApiKey(owner, { name: "short", permissions: ["projects:read"], expiresAt: until });
    await grantToKey(auditor.id, shortKey.id);
    const { apiKey: datedGrant } = await createApiKey(owner, { name: "dated grant", permissions: ["projects:read"] });
    await grantToKey(auditor.id, datedGrant.id, { conditions: { validUntil: until.toISOString() } });
    const { apiKey: mfaOnly } = await createApiKey(owner, { name: "mfa grant", permissions: ["projects:read"] });
    await grantToKey((await builtInRole("admin")).id, mfaOnly.id, { conditions: { requireMfa: true } });
    for (const apiKey of [shortKey, datedGrant, mfaOnly]) {
      expect((await rotateApiKey(await fresh(manager), { apiKeyId: apiKey.id })).key).toMatch(/^tg_live_/);
    }
  });
});
