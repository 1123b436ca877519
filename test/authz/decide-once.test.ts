// A request decides and logs each permission once, and hints log nothing.
import { describe, expect, it } from "vitest";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { assertAllowed, authorize, can } from "../../lib/authz/authorize.ts";
import { flushDecisionLog } from "../../lib/authz/decision-log.ts";
import { listDecisions } from "../../lib/authz/list-decisions.ts";
import { createTestOrg, meta } from "../helpers.ts";
import { loggedDecisions } from "../fixtures/logged-decisions.ts";

async function rows(orgId: string, permission: string) {
  await flushDecisionLog();
  return loggedDecisions(orgId, { permission });
}

describe("decisions in one request", () => {
  it("are made and logged once however many layers ask, and again in the next request", async () => {
    const { org, addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    expect(authorize(viewer, "members:update").allowed).toBe(false);
    expect(() => assertAllowed(viewer, "members:update")).toThrow(/members:update/);
    expect(await rows(org.id, "members:update")).toHaveLength(1);
    const next = await resolveOrgContext(viewer.principal, org.slug, meta());
    authorize(next, "members:update");
    expect(await rows(org.id, "members:update")).toHaveLength(2);
  });

  it("hints (which buttons to show) log nothing, so opening a page logs only its own read", async () => {
    const { org, addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    for (const permission of ["members:invite", "members:update", "members:remove", "roles:write"]) expect(can(viewer, permission)).toBe(false);
    expect(can(viewer, "members:read")).toBe(true);
    for (const permission of ["members:invite", "members:update", "members:remove", "roles:write", "members:read"]) expect(await rows(org.id, permission)).toEqual([]);
  });

  it("the log can be filtered by source", async () => {
    const { org, owner } = await createTestOrg();
    authorize(owner, "projects:read");
    authorize(owner, "groups:read", undefined, "access-checker");
    await flushDecisionLog();
    const fromChecker = await listDecisions(owner, { source: "access-checker" });
    expect(fromChecker.decisions.map((d) => d.permission)).toEqual(["groups:read"]);
    const fromApp = (await listDecisions(owner, { source: "app" })).decisions.map((d) => d.permission);
    expect(fromApp).toContain("projects:read");
    expect(fromApp).not.toContain("groups:read");
    await expect(listDecisions(owner, { source: "somewhere" })).rejects.toThrow();
    expect(org.id).toBeTruthy();
  });
});
