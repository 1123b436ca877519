// Plan limits where the action happens, on every path that adds: members
// (invitation, acceptance, added by the product), API keys (creation;
// rotation keeps the count), events a month (ingest), concurrent adds
// included, and the fallback limits after a failed payment's grace period.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { createApiKey, revokeApiKey, rotateApiKey } from "../../lib/apikeys/api-keys.ts";
import { resetEventLimitCache } from "../../lib/billing/event-limits.ts";
import { db } from "../../lib/db.ts";
import { LimitExceeded } from "../../lib/errors.ts";
import { acceptInvitation, createInvitation, resendInvitation } from "../../lib/invitations/invitations.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createUser, uniqueEmail } from "../helpers.ts";
import { admin, DAY, meteredPlan, subscribedOrg, tokenMeter } from "./billing-fixtures.ts";

const { call } = useMachineServer();
const provisioning = (await createInstanceKey(admin, { name: "limits" })).key;
const usageKey = (await createInstanceKey(admin, { name: "limits-usage", access: "usage" })).key;
const tokenOf = (url: string) => url.split("/invite/")[1]!;

async function limitedOrg(entitlements: Record<string, number | boolean>, fallbackEntitlements?: Record<string, number | boolean>) {
  const meter = await tokenMeter();
  const plan = await meteredPlan(meter, { entitlements, fallbackEntitlements });
  return { ...(await subscribedOrg(plan.key, 1)), meter, plan };
}

async function refused(promise: Promise<unknown>): Promise<LimitExceeded> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LimitExceeded);
  expect((error as LimitExceeded).code).toBe("plan_limit_reached");
  return error as LimitExceeded;
}

describe("plan limits", () => {
  it("count members and pending invitations on every way in, and let an invitation already sent be accepted", async () => {
    const t = await limitedOrg({ members: 3 });
    const viewer = (await builtInRole("viewer")).id;
    const email = uniqueEmail("seat");
    const invite = await createInvitation(t.owner, { email, roleId: viewer });
    await createInvitation(t.owner, { email: uniqueEmail("seat"), roleId: viewer });
    // Owner + two pending: full.
    const error = await refused(createInvitation(t.owner, { email: uniqueEmail("seat"), roleId: viewer }));
    expect(error.message).toMatch(/at most 3 members \(the pro-\w+ plan\) and has 1 member and 2 pending invitations/);
    // The product adding an existing user is refused alike (402 over the API).
    const user = await createUser();
    const added = await call("POST", "/api/v1/members", { key: provisioning, headers: { "tollgate-organization": t.org.id }, body: { userId: user.principal.userId, roleId: viewer } });
    expect(added.status).toBe(402);
    expect(added.body.error.code).toBe("plan_limit_reached");
    // Someone already in takes no new seat: they hear that first.
    const again = await call("POST", "/api/v1/members", { key: provisioning, headers: { "tollgate-organization": t.org.id }, body: { userId: t.owner.principal.userId, roleId: viewer } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already_member");
    // Accepting an invitation sent within the limit adds no seat.
    await acceptInvitation(await createUser({ email }), tokenOf(invite.url));
    expect(await db.membership.count({ where: { orgId: t.org.id } })).toBe(2);
  });

  it("count an expired invitation sent again as a seat again", async () => {
    const t = await limitedOrg({ members: 2 });
    const viewer = (await builtInRole("viewer")).id;
    const invite = await createInvitation(t.owner, { email: uniqueEmail("late"), roleId: viewer });
    await db.invitation.update({ where: { id: invite.id }, data: { expiresAt: new Date(Date.now() - DAY) } });
    await createInvitation(t.owner, { email: uniqueEmail("seat"), roleId: viewer });
    await refused(resendInvitation(t.owner, { invitationId: invite.id }));
  });

  it("let concurrent invitations take only the seats there are", async () => {
    const t = await limitedOrg({ members: 3 });
    const viewer = (await builtInRole("viewer")).id;
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => createInvitation(t.owner, { email: uniqueEmail("race"), roleId: viewer })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(results.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason instanceof LimitExceeded)).toBe(true);
  });

  it("count active API keys: creation is refused at the limit, rotation keeps the count, a revoked key frees a place", async () => {
    const t = await limitedOrg({ apiKeys: 2 });
    const role = (await builtInRole("viewer")).id;
    const first = await createApiKey(t.owner, { name: "one", roleId: role });
    await createApiKey(t.owner, { name: "two", roleId: role });
    await refused(createApiKey(t.owner, { name: "three", roleId: role }));
    await rotateApiKey(t.owner, { apiKeyId: first.apiKey.id, overlapHours: 24 });
    await revokeApiKey(t.owner, { apiKeyId: first.apiKey.id });
    await createApiKey(t.owner, { name: "three", roleId: role });
  });

  it("apply the plan's fallback limits once a failed payment's grace period is over", async () => {
    const t = await limitedOrg({ apiKeys: 5 }, { apiKeys: 1 });
    const role = (await builtInRole("viewer")).id;
    await createApiKey(t.owner, { name: "one", roleId: role });
    await db.subscription.update({ where: { orgId: t.org.id }, data: { status: "past_due", pastDueSince: new Date(Date.now() - 30 * DAY) } });
    const error = await refused(createApiKey(t.owner, { name: "two", roleId: role }));
    expect(error.message).toMatch(/after a failed payment's grace period/);
    await db.subscription.update({ where: { orgId: t.org.id }, data: { status: "active", pastDueSince: null } });
    await createApiKey(t.owner, { name: "two", roleId: role });
  });

  it("refuse events beyond the plan's events a month, one by one, and still answer a retried accepted event as a duplicate", async () => {
    const t = await limitedOrg({ eventsPerMonth: 5 });
    resetEventLimitCache();
    const at = new Date().toISOString();
    const event = (id = randomUUID()) => ({ id, type: t.meter.eventType, timestamp: at, organization: t.org.id, properties: { tokens: 1 } });
    const send = async (events: unknown[]) => (await call("POST", "/api/v1/usage/events", { key: usageKey, body: { events } })).body;
    const first = [event(), event(), event()];
    expect(await send(first)).toMatchObject({ accepted: 3 });
    const second = await send([event(), event(), event(), event()]);
    expect(second).toMatchObject({ accepted: 2, rejected: 2 });
    expect(second.results[3]).toMatchObject({ status: "rejected", reason: "limit_exceeded" });
    expect(second.results[3].message).toMatch(/allows 5 events a month/);
    expect(await send([first[0]])).toMatchObject({ duplicates: 1, rejected: 0 });
    // A retried batch at the limit: what was stored before is a duplicate and takes no room.
    expect(await send([first[1], first[2]])).toMatchObject({ duplicates: 2, rejected: 0 });
    // Read again from the store (another process, or after the cache expires): still full.
    resetEventLimitCache();
    expect(await send([event()])).toMatchObject({ accepted: 0, rejected: 1 });
    // Another organization, no limit: unaffected.
    const other = await subscribedOrg((await meteredPlan(t.meter)).key, 1);
    expect(await send([{ ...event(), organization: other.org.id }])).toMatchObject({ accepted: 1 });
  });
});
