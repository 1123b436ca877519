import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { authorize } from "../../lib/authz/authorize.ts";
import { decide } from "../../lib/authz/decide.ts";
import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import { db } from "../../lib/db.ts";
import { Invalid, zodMessage } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { createTestOrg } from "../helpers.ts";
import { fresh, thrown } from "./fixtures.ts";

/** An organization whose member has no audit:read of their own; `grant` gives it to them with conditions. */
async function setup() {
  const { org, owner, addMember } = await createTestOrg();
  const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
  const member = await addMember("member");
  const project = await createProject(owner, { name: "P1", slug: "p1" });
  const grant = async (conditions: Record<string, unknown>, projectId: string | null = project.id) =>
    createGrant(await fresh(owner), { roleId: role.id, subject: { type: "user", id: member.principal.userId }, projectId, conditions });
  return { org, member, project, grant, resource: { type: "project", id: project.id } as const };
}

describe("grant conditions", () => {
  it("refuses validUntil in the past with Invalid valid_until_in_past and creates nothing", async () => {
    const { org, grant } = await setup();
    const error = await thrown(() => grant({ validUntil: new Date(Date.now() - 60_000).toISOString() }));
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: "valid_until_in_past" });
    expect(await db.grant.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("allows until validUntil and denies afterwards, naming the grant that would allow", async () => {
    const { member, grant, resource } = await setup();
    const validUntil = new Date(Date.now() + 60 * 60_000);
    const g = await grant({ validUntil: validUntil.toISOString() });
    expect(g.validUntil?.toISOString()).toBe(validUntil.toISOString());

    const ctx = await fresh(member);
    const subject = { type: "user", id: member.principal.userId } as const;
    expect(authorize(ctx, "audit:read", resource)).toMatchObject({ allowed: true, grantId: g.id });
    expect(decide(ctx.authz, subject, "audit:read", resource, { ip: ctx.ip, now: validUntil.getTime() - 1 }).allowed).toBe(true);
    const after = decide(ctx.authz, subject, "audit:read", resource, { ip: ctx.ip, now: validUntil.getTime() });
    expect(after.allowed).toBe(false);
    expect(after.reason).toBe(`grant ${g.id} (role "Auditor" on project ${resource.id}) would allow audit:read, but it expired at ${validUntil.toISOString()}`);
  });

  it("denies through authorize() once the grant's time has passed", async () => {
    const { org, member, grant, resource } = await setup();
    const g = await grant({ validUntil: new Date(Date.now() + 60_000) });
    const expired = new Date(Date.now() - 1_000);
    await authzTransaction(org.id, (tx) => tx.grant.update({ where: { id: g.id }, data: { validUntil: expired } }));

    const decision = authorize(await fresh(member), "audit:read", resource);
    expect(decision.allowed).toBe(false);
    expect(decision.reason.startsWith(`grant ${g.id} (role "Auditor" on project ${resource.id}) would allow audit:read`)).toBe(true);
    expect(decision.reason).toContain(`it expired at ${expired.toISOString()}`);
  });

  it("allows only from an IPv4 allow list", async () => {
    const { member, grant, resource } = await setup();
    const g = await grant({ ipCidrs: ["203.0.113.0/24", "192.0.2.10"] });
    const ctx = await fresh(member);
    expect(ctx.ip).toBe("203.0.113.7");
    expect(authorize(ctx, "audit:read", resource)).toMatchObject({ allowed: true, grantId: g.id });
    expect(authorize({ ...ctx, ip: "192.0.2.10" }, "audit:read", resource).allowed).toBe(true);
    expect(authorize({ ...ctx, ip: "::ffff:203.0.113.9" }, "audit:read", resource).allowed).toBe(true);
    expect(authorize({ ...ctx, ip: "192.0.2.11" }, "audit:read", resource).allowed).toBe(false);
    expect(authorize({ ...ctx, ip: "198.51.100.7" }, "audit:read", resource)).toEqual({
      allowed: false,
      code: "grant_condition_failed",
      reason: `grant ${g.id} (role "Auditor" on project ${resource.id}) would allow audit:read, but the request IP 198.51.100.7 is not in its allow list`,
    });
    expect(authorize({ ...ctx, ip: null }, "audit:read", resource).reason).toContain("the request IP (unknown) is not in its allow list");
  });

  it("allows only from an IPv6 allow list", async () => {
    const { member, grant, resource } = await setup();
    await grant({ ipCidrs: ["2001:db8:abcd::/48"] });
    const ctx = await fresh(member);
    expect(authorize({ ...ctx, ip: "2001:db8:abcd:12::1" }, "audit:read", resource).allowed).toBe(true);
    expect(authorize({ ...ctx, ip: "2001:DB8:ABCD::7" }, "audit:read", resource).allowed).toBe(true);
    for (const ip of ["2001:db8:abce::1", "203.0.113.7", "::1"]) {
      const decision = authorize({ ...ctx, ip }, "audit:read", resource);
      expect(decision.allowed).toBe(false);
      expect(decision.reason).toContain(`the request IP ${ip} is not in its allow list`);
    }
  });

  it("requires MFA when asked to: denied without, allowed with", async () => {
    const { member, grant, resource } = await setup();
    const g = await grant({ requireMfa: true });
    const ctx = await fresh(member);
    expect(ctx.mfa).toBe(false);
    expect(authorize(ctx, "audit:read", resource)).toEqual({
      allowed: false,
      code: "grant_condition_failed",
      reason: `grant ${g.id} (role "Auditor" on project ${resource.id}) would allow audit:read, but it requires MFA and this session has not used MFA`,
    });
    expect(authorize({ ...ctx, mfa: true }, "audit:read", resource)).toMatchObject({ allowed: true, grantId: g.id });
  });

  it("needs every condition at once", async () => {
    const { member, grant, resource } = await setup();
    await grant({ ipCidrs: ["203.0.113.0/24"], requireMfa: true, validUntil: new Date(Date.now() + 60_000) });
    const ctx = await fresh(member);
    expect(authorize({ ...ctx, mfa: true }, "audit:read", resource).allowed).toBe(true);
    expect(authorize({ ...ctx, mfa: true, ip: "198.51.100.1" }, "audit:read", resource).allowed).toBe(false);
    expect(authorize(ctx, "audit:read", resource).allowed).toBe(false);
  });

  it("lets an unconditional grant allow where a conditional one is blocked", async () => {
    const { member, grant, resource } = await setup();
    await grant({ requireMfa: true });
    const open = await grant({}, null);
    expect(authorize(await fresh(member), "audit:read", resource)).toMatchObject({ allowed: true, grantId: open.id });
  });

  it.each(["10.0.0.0/33", "not-an-ip", "2001:db8::/129", "300.1.2.3"])("rejects the CIDR %j with a ZodError naming conditions.ipCidrs", async (cidr) => {
    const { org, grant } = await setup();
    const error = await thrown(() => grant({ ipCidrs: ["203.0.113.0/24", cidr] }));
    expect(error).toBeInstanceOf(ZodError);
    expect(zodMessage(error)).toBe(`conditions.ipCidrs.1: “${cidr}” is not an IP address or CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32`);
    expect(await db.grant.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("stores the conditions on the grant row", async () => {
    const { grant } = await setup();
    const g = await grant({ ipCidrs: [" 10.0.0.0/8 ", "2001:db8::/32"], requireMfa: true });
    expect(await db.grant.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({ ipCidrs: ["10.0.0.0/8", "2001:db8::/32"], requireMfa: true, validUntil: null });
  });
});
