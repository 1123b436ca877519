import { describe, expect, it } from "vitest";
import { authorize } from "../../lib/authz/authorize.ts";
import { flushDecisionLog } from "../../lib/authz/decision-log.ts";
import { listDecisions } from "../../lib/authz/list-decisions.ts";
import { db } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { createTestOrg } from "../helpers.ts";

describe("listDecisions", () => {
  it("filters by who (email or id), permission, result and time, newest first, in pages", async () => {
    const { owner, addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    authorize(viewer, "members:read");
    authorize(viewer, "members:invite");
    authorize(viewer, "audit:read");
    await flushDecisionLog();
    const denied = await listDecisions(owner, { principal: viewer.principal.email, result: "denied" });
    expect(denied.decisions.map((d) => d.permission)).toEqual(["audit:read", "members:invite"]);
    expect((await listDecisions(owner, { principal: viewer.principal.userId, permission: "members:read" })).decisions).toHaveLength(1);
    const page = await listDecisions(owner, { principal: viewer.principal.userId, limit: 2 });
    expect(page.decisions).toHaveLength(2);
    const rest = await listDecisions(owner, { principal: viewer.principal.userId, limit: 2, cursor: page.nextCursor });
    expect(rest.decisions.map((d) => d.permission)).toEqual(["members:read"]);
    expect((await listDecisions(owner, { principal: viewer.principal.userId, to: new Date(Date.now() - 3_600_000).toISOString() })).decisions).toEqual([]);
  });

  it("never shows another organization's decisions and needs decisions:read", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const viewer = await a.addMember("viewer");
    authorize(viewer, "members:invite");
    await flushDecisionLog();
    expect((await listDecisions(b.owner, { principal: viewer.principal.userId })).decisions).toEqual([]);
    await expect(listDecisions(viewer, {})).rejects.toBeInstanceOf(Forbidden);
    expect(await db.decisionLog.count({ where: { orgId: a.org.id, principalId: viewer.principal.userId } })).toBeGreaterThan(0);
  });
});
