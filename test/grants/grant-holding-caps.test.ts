// A grant fits inside at least one way its giver holds each permission it
// gives: it ends no later than that holding, reaches no wider networks, and
// requires MFA when that holding does. Holding Admin through a grant that
// ends tomorrow does not let anyone give Admin forever.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db } from "../../lib/db.ts";
import { Invalid } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { createGroup } from "../../lib/groups/groups.ts";
import { createOrganization } from "../../lib/orgs/create-organization.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { CALLER_NET, DAY, expectRefused, orgWithConditionalAdmin } from "../authz/conditional-giver.ts";
import { builtInRole, createTestOrg, meta } from "../helpers.ts";
import { fresh } from "./fixtures.ts";

const { call } = useMachineServer();
const grantsIn = (orgId: string) => db.grant.count({ where: { orgId } });

describe("createGrant gives no more than its giver holds, in time, networks and MFA", () => {
  it("a giver holding Admin through a grant valid until a date cannot give Admin for longer: not to themself, a member, a group or a key", async () => {
    const until = new Date(Date.now() + DAY);
    const { org, owner, admin, giver, addMember } = await orgWithConditionalAdmin({ validUntil: until.toISOString() });
    const alice = await addMember("viewer");
    const group = await createGroup(owner, { name: "Admins" });
    const { apiKey } = await createApiKey(owner, { name: "automation", permissions: ["projects:read"] });
    const ctx = await giver();
    const before = await grantsIn(org.id);
    const subjects = [
      { type: "user", id: ctx.principal.userId },
      { type: "user", id: alice.principal.userId },
      { type: "group", id: group.id },
      { type: "api_key", id: apiKey.id },
    ] as const;
    for (const subject of subjects) {
      await expectRefused(
        createGrant(ctx, { roleId: admin.id, subject }),
        Invalid,
        "expiry_beyond_holding",
        "members:update",
        `to you from a grant valid until ${until.toISOString()}`,
        "what you give must end by then",
      );
      const later = new Date(until.getTime() + 60_000).toISOString();
      await expectRefused(createGrant(ctx, { roleId: admin.id, subject, conditions: { validUntil: later } }), Invalid, "expiry_beyond_holding");
    }
    expect(await grantsIn(org.id)).toBe(before);

    // Ending by then, it may be given; so may a grant to a key that itself expires by then.
    await createGrant(ctx, { roleId: admin.id, subject: { type: "user", id: alice.principal.userId }, conditions: { validUntil: until.toISOString() } });
    const { apiKey: shortKey } = await createApiKey(owner, { name: "short", permissions: ["projects:read"], expiresAt: until });
    await createGrant(await fresh(ctx), { roleId: admin.id, subject: { type: "api_key", id: shortKey.id } });
    expect(await grantsIn(org.id)).toBe(before + 2);
  });

  it("a giver holding Admin only from some networks cannot give it usable from anywhere, or from wider networks", async () => {
    const { org, owner, admin, giver, addMember } = await orgWithConditionalAdmin({ ipCidrs: [CALLER_NET] });
    const alice = { type: "user", id: (await addMember("viewer")).principal.userId } as const;
    const ctx = await giver();
    const before = await grantsIn(org.id);
    await expectRefused(
      createGrant(ctx, { roleId: admin.id, subject: alice }),
      Invalid,
      "ip_beyond_holding",
      `to you from a grant usable only from ${CALLER_NET}`,
      `what you give must be usable only from within ${CALLER_NET}`,
    );
    await expectRefused(createGrant(ctx, { roleId: admin.id, subject: alice, conditions: { ipCidrs: ["203.0.0.0/16"] } }), Invalid, "ip_beyond_holding");
    await expectRefused(createGrant(ctx, { roleId: admin.id, subject: alice, conditions: { ipCidrs: ["203.0.113.0/28", "10.0.0.1"] } }), Invalid, "ip_beyond_holding");
    expect(await grantsIn(org.id)).toBe(before);

    await createGrant(ctx, { roleId: admin.id, subject: alice, conditions: { ipCidrs: ["203.0.113.0/28"] } });
    // A key limited to the giver's networks gets no wider reach from a grant without a network list.
    const { apiKey } = await createApiKey(owner, { name: "inside", permissions: ["projects:read"], ipAllowList: ["203.0.113.9"] });
    await createGrant(await fresh(ctx), { roleId: admin.id, subject: { type: "api_key", id: apiKey.id } });
  });

  it("a giver holding Admin only with MFA cannot give it without MFA", async () => {
    const { org, admin, giver, addMember } = await orgWithConditionalAdmin({ requireMfa: true });
    const alice = { type: "user", id: (await addMember("viewer")).principal.userId } as const;
    const ctx = await giver({ mfa: true });
    const before = await grantsIn(org.id);
    await expectRefused(createGrant(ctx, { roleId: admin.id, subject: alice }), Invalid, "mfa_beyond_holding", "to you from a grant that requires MFA", "what you give must require MFA too");
    expect(await grantsIn(org.id)).toBe(before);
    await createGrant(ctx, { roleId: admin.id, subject: alice, conditions: { requireMfa: true } });
  });

  it("leaves gifts uncapped for what the giver holds by membership, and by unconditioned grants", async () => {
    const until = new Date(Date.now() + DAY);
    const { owner, giver, addMember } = await orgWithConditionalAdmin({ validUntil: until.toISOString() });
    const reader = await createRole(owner, { name: "Reader", permissions: ["organization:read", "projects:read"] });
    const auditor = await createRole(await fresh(owner), { name: "Auditor", permissions: ["audit:read"] });
    const ctx = await giver();
    const alice = { type: "user", id: (await addMember("viewer")).principal.userId } as const;
    // Reader's permissions come with the giver's Member role.
    await createGrant(ctx, { roleId: reader.id, subject: alice });
    // audit:read comes only from the dated Admin grant, until the owner gives it for good.
    await expectRefused(createGrant(ctx, { roleId: auditor.id, subject: alice }), Invalid, "expiry_beyond_holding", "audit:read comes to you from");
    await createGrant(await fresh(owner), { roleId: auditor.id, subject: { type: "user", id: ctx.principal.userId } });
    await createGrant(await giver(), { roleId: auditor.id, subject: alice });
  });

  it("takes no holding from another organization: owning one does not lift the date on Admin in another", async () => {
    const until = new Date(Date.now() + DAY);
    const { admin, giver, addMember } = await orgWithConditionalAdmin({ validUntil: until.toISOString() });
    const ctx = await giver();
    await createOrganization({ ...meta(), principal: ctx.principal }, { name: "Gail Inc", slug: `gail-${ctx.orgSlug}` });
    const alice = { type: "user", id: (await addMember("viewer")).principal.userId } as const;
    await expectRefused(createGrant(await giver(), { roleId: admin.id, subject: alice }), Invalid, "expiry_beyond_holding");
  });
});

describe("POST /api/v1/grants", () => {
  it("answers a key that holds Admin through a dated grant giving Admin for good with 400 expiry_beyond_holding", async () => {
    const { org, owner, addMember } = await createTestOrg({ slugPrefix: "gift-api" });
    const admin = await builtInRole("admin");
    const { key, apiKey } = await createApiKey(owner, { name: "grants bot", permissions: ["grants:read", "grants:write"] });
    const until = new Date(Date.now() + 2 * DAY);
    await createGrant(await fresh(owner), { roleId: admin.id, subject: { type: "api_key", id: apiKey.id }, conditions: { validUntil: until.toISOString() } });
    const alice = { type: "user", id: (await addMember("viewer")).principal.userId };
    const before = await grantsIn(org.id);

    const refused = await call("POST", "/api/v1/grants", { key, body: { roleId: admin.id, subject: alice } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: "expiry_beyond_holding" } } });
    expect(refused.body.error.message).toContain(`to you from a grant valid until ${until.toISOString()}`);
    expect(await grantsIn(org.id)).toBe(before);
    const ok = await call("POST", "/api/v1/grants", { key, body: { roleId: admin.id, subject: alice, conditions: { validUntil: until.toISOString() } } });
    expect(ok.status).toBe(201);
  });

  it("caps what a key gives by the key's own expiry and networks", async () => {
    const { owner, addMember } = await createTestOrg({ slugPrefix: "gift-api" });
    const auditor = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const expiresAt = new Date(Date.now() + 3 * DAY);
    const { key } = await createApiKey(owner, { name: "limited", permissions: ["grants:write", "audit:read"], expiresAt, ipAllowList: ["10.0.0.0/8"] });
    const alice = { type: "user", id: (await addMember("viewer")).principal.userId };

    const forever = await call("POST", "/api/v1/grants", { key, ip: "10.1.2.3", body: { roleId: auditor.id, subject: alice } });
    expect(forever).toMatchObject({ status: 400, body: { error: { code: "expiry_beyond_holding" } } });
    expect(forever.body.error.message).toContain(`audit:read comes to you from this API key, which is valid until ${expiresAt.toISOString()}`);
    const anywhere = await call("POST", "/api/v1/grants", { key, ip: "10.1.2.3", body: { roleId: auditor.id, subject: alice, conditions: { validUntil: expiresAt.toISOString() } } });
    expect(anywhere).toMatchObject({ status: 400, body: { error: { code: "ip_beyond_holding" } } });
    const inside = await call("POST", "/api/v1/grants", {
      key,
      ip: "10.1.2.3",
      body: { roleId: auditor.id, subject: alice, conditions: { validUntil: expiresAt.toISOString(), ipCidrs: ["10.1.0.0/16"] } },
    });
    expect(inside.status).toBe(201);
  });

  it("answers another organization's key with 404 for this organization's members, whatever it holds", async () => {
    const { org, addMember } = await createTestOrg({ slugPrefix: "gift-api" });
    const alice = await addMember("viewer");
    const other = await createTestOrg({ slugPrefix: "gift-other" });
    const { key } = await createApiKey(other.owner, { name: "their admin", roleId: (await builtInRole("admin")).id });
    const res = await call("POST", "/api/v1/grants", { key, body: { roleId: (await builtInRole("admin")).id, subject: { type: "user", id: alice.principal.userId } } });
    expect(res).toMatchObject({ status: 404, body: { error: { code: "member_not_found" } } });
    expect(await grantsIn(org.id)).toBe(0);
  });
});
