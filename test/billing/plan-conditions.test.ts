// The plan as an organization attribute authorization reads: a grant can
// hold only while the organization is on some plans; a plan change (or a
// cancellation) applies to decisions at once; a plan condition names plans
// that exist; and a giver who holds a permission only on some plans cannot
// give it on others.
import { describe, expect, it } from "vitest";
import { authorize } from "../../lib/authz/authorize.ts";
import { authzTransaction, getOrgIndex } from "../../lib/authz/org-index-cache.ts";
import { subscribeOrganization } from "../../lib/billing/subscriptions.ts";
import { Forbidden, Invalid } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { expectRefused, orgWithConditionalAdmin } from "../authz/conditional-giver.ts";
import { fresh } from "../grants/fixtures.ts";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { builtInRole } from "../helpers.ts";
import { admin, meteredPlan, subscribedOrg, tokenMeter } from "./billing-fixtures.ts";

const { call } = useMachineServer();

async function twoPlans() {
  const meter = await tokenMeter();
  return { pro: await meteredPlan(meter, { name: "Pro", selfServe: true }), free: await meteredPlan(meter, { name: "Free", baseFee: 0, selfServe: true }) };
}

describe("plan conditions on grants", () => {
  it("hold only while the organization is on one of the plans, and follow a plan change or a cancellation at once", async () => {
    const { pro, free } = await twoPlans();
    const t = await subscribedOrg(pro.key, 3);
    const auditor = await createRole(t.owner, { name: "Auditor", permissions: ["audit:read"] });
    const member = await t.addMember("member");
    const grant = await createGrant(await fresh(t.owner), { roleId: auditor.id, subject: { type: "user", id: member.principal.userId }, conditions: { plans: [pro.key] } });
    expect(grant.plans).toEqual([pro.key]);
    expect(authorize(await fresh(member), "audit:read")).toMatchObject({ allowed: true, grantId: grant.id });

    await subscribeOrganization(admin, t.org.id, { plan: free.key });
    expect((await getOrgIndex(t.org.id)).plan).toBe(free.key);
    const denied = authorize(await fresh(member), "audit:read");
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toContain(`but it holds only on the ${pro.key} plan and this organization is on the ${free.key} plan`);

    // Back on Pro, then canceled (Stripe's event): no plan, so the condition fails.
    await subscribeOrganization(admin, t.org.id, { plan: pro.key });
    expect(authorize(await fresh(member), "audit:read").allowed).toBe(true);
    await authzTransaction(t.org.id, (tx) => tx.subscription.update({ where: { orgId: t.org.id }, data: { status: "canceled", canceledAt: new Date() } }));
    expect(authorize(await fresh(member), "audit:read").reason).toContain("this organization is on no plan");
  });

  it("over the API: a plan condition names plans that exist, and a key of another organization sees none of it", async () => {
    const { pro } = await twoPlans();
    const t = await subscribedOrg(pro.key, 3);
    const member = await t.addMember("member");
    const { key } = await createApiKey(t.owner, { name: "grants", roleId: (await builtInRole("admin")).id });
    const viewer = (await builtInRole("viewer")).id;
    const body = (plans: string[]) => ({ roleId: viewer, subject: { type: "user", id: member.principal.userId }, conditions: { plans } });
    const unknown = await call("POST", "/api/v1/grants", { key, body: body(["no-such-plan"]) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "plan_not_found", message: 'conditions.plans: no plan with the key "no-such-plan".' });
    expect((await call("POST", "/api/v1/grants", { key, body: body(["Not A Key"]) })).status).toBe(400);
    // A private plan (not self-serve, not this organization's) answers as if it did not exist: no organization learns another's plans.
    const secret = await meteredPlan(await tokenMeter(), { name: "Acme enterprise" });
    const hidden = await call("POST", "/api/v1/grants", { key, body: body([secret.key]) });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe("plan_not_found");
    const made = await call("POST", "/api/v1/grants", { key, body: body([pro.key]) });
    expect(made.status).toBe(201);
    expect(made.body.plans).toEqual([pro.key]);
    const listed = await call("GET", `/api/v1/grants?subjectType=user&subjectId=${member.principal.userId}`, { key });
    expect(listed.body.data.map((g: { plans: string[] }) => g.plans)).toEqual([[pro.key]]);
    // Another organization's admin key does not see or reach it.
    const other = await subscribedOrg(pro.key, 3);
    const { key: otherKey } = await createApiKey(other.owner, { name: "grants", roleId: (await builtInRole("admin")).id });
    expect((await call("GET", `/api/v1/grants?subjectType=user&subjectId=${member.principal.userId}`, { key: otherKey })).body.data).toEqual([]);
    expect((await call("DELETE", `/api/v1/grants/${made.body.id}`, { key: otherKey })).status).toBe(404);
  });

  it("a giver holding Admin only on the Pro plan cannot give it on any plan, or on another", async () => {
    const { pro, free } = await twoPlans();
    const { org, admin: adminRole, giver, addMember } = await orgWithConditionalAdmin({ plans: [pro.key] });
    await subscribeOrganization(admin, org.id, { plan: pro.key });
    const alice = await addMember("viewer");
    const subject = { type: "user", id: alice.principal.userId } as const;
    const ctx = await giver();
    await expectRefused(createGrant(ctx, { roleId: adminRole.id, subject }), Invalid, "plan_beyond_holding", "held only on the", "what you give must hold only on the");
    await expectRefused(createGrant(ctx, { roleId: adminRole.id, subject, conditions: { plans: [pro.key, free.key] } }), Invalid, "plan_beyond_holding");
    // Held only on Pro, it may be given held only on Pro.
    await createGrant(ctx, { roleId: adminRole.id, subject, conditions: { plans: [pro.key] } });
    // Off Pro, the giver holds nothing: not even the right to give.
    await subscribeOrganization(admin, org.id, { plan: free.key });
    await expectRefused(createGrant(await giver(), { roleId: adminRole.id, subject, conditions: { plans: [pro.key] } }), Forbidden, "forbidden");
  });
});
