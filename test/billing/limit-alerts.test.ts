// Alerts at 80% and 100% of a plan limit: mail to the organization's billing
// managers once per crossing (and again after the use fell below and rose
// again), the banner and the limits API for those who read billing, and soft
// limits that warn without refusing.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { resetEventLimitCache } from "../../lib/billing/event-limits.ts";
import { limitWarnings, sendLimitAlerts } from "../../lib/billing/limit-alerts.ts";
import { db } from "../../lib/db.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { auditActions, builtInRole } from "../helpers.ts";
import { admin, meteredPlan, subscribedOrg, tokenMeter } from "./billing-fixtures.ts";

const { call } = useMachineServer();
const usageKey = (await createInstanceKey(admin, { name: "alerts-usage", access: "usage" })).key;

async function limitedOrg(entitlements: Record<string, unknown>) {
  const meter = await tokenMeter();
  const plan = await meteredPlan(meter, { entitlements });
  return { ...(await subscribedOrg(plan.key, 1)), meter, plan };
}

const alertMail = (orgId: string) => db.outboxEmail.findMany({ where: { relatedId: orgId }, orderBy: { createdAt: "asc" } });

describe("limit alerts", () => {
  it("mail billing managers once at 80% and once at 100%, and again after the use fell below and rose", async () => {
    const t = await limitedOrg({ members: 5 });
    const billing = await t.addMember("billing", "Bill Ing");
    await t.addMember("viewer");
    const extra = await t.addMember("member"); // owner + 3: 80%
    expect(await sendLimitAlerts(new Date(), [t.org.id])).toEqual({ organizations: 1, alerts: 1 });
    let mail = await alertMail(t.org.id);
    // The owner and the billing manager; not the viewer or the member.
    expect(mail.map((m) => m.to).sort()).toEqual([t.owner.principal.email, billing.principal.email].sort());
    expect(mail[0]!.subject).toMatch(/has used 80% of its plan's limit of members/);
    expect(mail[0]!.text).toContain("4 of 5 members");
    expect(mail[0]!.text).toContain(`/${t.org.slug}/billing`);
    expect(await sendLimitAlerts(new Date(), [t.org.id])).toMatchObject({ alerts: 0 });

    const fifth = await t.addMember("member");
    await sendLimitAlerts(new Date(), [t.org.id]);
    mail = await alertMail(t.org.id);
    expect(mail).toHaveLength(4);
    expect(mail.at(-1)!.subject).toMatch(/has reached its plan's limit of members/);
    expect((await auditActions(t.org.id)).filter((a) => a === "billing.limit_alert")).toHaveLength(2);

    // Below 80% again (a day after the alerts): re-armed; rising again alerts again.
    await db.limitAlert.updateMany({ where: { orgId: t.org.id }, data: { createdAt: new Date(Date.now() - 2 * 86_400_000) } });
    await db.membership.deleteMany({ where: { orgId: t.org.id, userId: { in: [fifth.principal.userId, extra.principal.userId] } } });
    await sendLimitAlerts(new Date(), [t.org.id]);
    expect(await db.limitAlert.count({ where: { orgId: t.org.id } })).toBe(0);
    await t.addMember("member");
    await sendLimitAlerts(new Date(), [t.org.id]);
    expect(await alertMail(t.org.id)).toHaveLength(6);
  });

  it("show the banner and the limits to billing readers only, through the page helper and the API", async () => {
    const t = await limitedOrg({ members: 10, apiKeys: 2 });
    const viewer = await t.addMember("viewer");
    const { key: ownerKey } = await createApiKey(t.owner, { name: "billing", roleId: (await builtInRole("billing")).id });
    // One active key of two: below 80%, no banner.
    expect(await limitWarnings(t.owner)).toEqual([]);
    await createApiKey(t.owner, { name: "second", roleId: (await builtInRole("viewer")).id });
    // Two of two: reached, and the limit is hard (a third key is refused).
    expect(await limitWarnings(t.owner)).toEqual([expect.objectContaining({ limit: "apiKeys", used: 2, max: 2, percent: 100, level: "reached", soft: false })]);
    await expect(createApiKey(t.owner, { name: "third", roleId: (await builtInRole("viewer")).id })).rejects.toMatchObject({ code: "plan_limit_reached" });
    // Nothing for someone who does not read billing.
    expect(await limitWarnings(viewer)).toEqual([]);

    const listed = await call("GET", "/api/v1/billing/limits", { key: ownerKey });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((u: { limit: string; used: number }) => [u.limit, u.used])).toEqual([
      ["members", 2],
      ["apiKeys", 2],
    ]);
    // Another organization's key sees only its own limits (none: no plan).
    const other = await subscribedOrg((await meteredPlan(t.meter)).key, 1);
    const { key: otherKey } = await createApiKey(other.owner, { name: "billing", roleId: (await builtInRole("billing")).id });
    expect((await call("GET", "/api/v1/billing/limits", { key: otherKey })).body).toEqual({ data: [] });
  });

  it("let a soft limit warn and refuse nothing", async () => {
    const t = await limitedOrg({ eventsPerMonth: 10, soft: ["eventsPerMonth"] });
    resetEventLimitCache();
    const events = Array.from({ length: 12 }, () => ({ id: randomUUID(), type: t.meter.eventType, timestamp: new Date().toISOString(), organization: t.org.id, properties: { tokens: 1 } }));
    const sent = await call("POST", "/api/v1/usage/events", { key: usageKey, body: { events } });
    expect(sent.body.accepted).toBe(12);
    await sendLimitAlerts(new Date(), [t.org.id]);
    const [mail] = await alertMail(t.org.id);
    expect(mail!.subject).toMatch(/has reached its plan's limit of usage events this month/);
    expect(mail!.text).toMatch(/12 of 10 usage events this month\. Nothing is refused \(a soft limit\)/);
    expect(await db.limitAlert.findMany({ where: { orgId: t.org.id }, select: { threshold: true, period: true } })).toEqual(
      expect.arrayContaining([
        { threshold: 80, period: new Date().toISOString().slice(0, 7) },
        { threshold: 100, period: new Date().toISOString().slice(0, 7) },
      ]),
    );
  });

  it("refuse a plan naming an unknown soft limit", async () => {
    const meter = await tokenMeter();
    await expect(meteredPlan(meter, { entitlements: { soft: ["seats" as "members"] } })).rejects.toThrow(/soft: members, apiKeys or eventsPerMonth/);
  });
});
