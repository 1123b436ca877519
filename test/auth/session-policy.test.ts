// An organization's session rules, enforced by the door: maximum age and idle
// time (the session ends), two-step sign-in required; and ending the sessions
// of a member of the organization's own domains.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { resolveOrgContext } from "../../lib/auth/request-context.ts";
import { createSession, principalForSession } from "../../lib/auth/sessions.ts";
import { db } from "../../lib/db.ts";
import { endMemberSessions, updateSecurityPolicy } from "../../lib/orgs/security-policy.ts";
import { useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createTestOrg, createUser, meta } from "../helpers.ts";
import { useTestDns, verifiedDomain } from "../sso/sso-fixtures.ts";

const server = useMachineServer();
useTestDns();
const HOUR = 3_600_000;

async function memberSession(orgSlug: string, userId: string, options: { mfa?: boolean; ageMs?: number; idleMs?: number } = {}) {
  const { id } = await createSession(userId, meta(), { authMethod: "password", mfa: options.mfa });
  const now = Date.now();
  await db.session.update({ where: { id }, data: { createdAt: new Date(now - (options.ageMs ?? 0)), lastSeenAt: new Date(now - (options.idleMs ?? 0)) } });
  return { id, enter: async () => resolveOrgContext((await principalForSession(id))!, orgSlug, meta()) };
}

describe("session rules of an organization", () => {
  it("a session older than the maximum age, or unused for longer than the idle time, ends", async () => {
    const t = await createTestOrg();
    const member = await t.addMember("member");
    await updateSecurityPolicy(t.owner, { mfaRequired: false, sessionMaxHours: 8, sessionIdleMinutes: 30 });
    const fresh = await memberSession(t.org.slug, member.principal.userId, { ageMs: HOUR, idleMs: 60_000 });
    expect((await fresh.enter()).orgId).toBe(t.org.id);

    const old = await memberSession(t.org.slug, member.principal.userId, { ageMs: 9 * HOUR });
    await expect(old.enter()).rejects.toMatchObject({ code: "session_too_old" });
    const idle = await memberSession(t.org.slug, member.principal.userId, { idleMs: 31 * 60_000 });
    await expect(idle.enter()).rejects.toMatchObject({ code: "session_idle" });
    // Ended, so no retry passes once "last seen" moved on.
    await expect.poll(async () => (await db.session.findUniqueOrThrow({ where: { id: idle.id } })).revokedAt).not.toBeNull();
    expect(await principalForSession(idle.id)).toBeNull();

    // Another organization's rules are not this one's.
    const other = await createTestOrg();
    const elsewhere = await memberSession(other.org.slug, other.owner.principal.userId, { ageMs: 9 * HOUR });
    expect((await elsewhere.enter()).orgId).toBe(other.org.id);
  });

  it("two-step sign-in required: only sessions that used it enter; nobody turns it on from a session without it", async () => {
    const t = await createTestOrg();
    await expect(updateSecurityPolicy(t.owner, { mfaRequired: true, sessionMaxHours: null, sessionIdleMinutes: null })).rejects.toMatchObject({ code: "mfa_first" });
    const strongOwner = await memberSession(t.org.slug, t.owner.principal.userId, { mfa: true });
    await updateSecurityPolicy(await strongOwner.enter(), { mfaRequired: true, sessionMaxHours: null, sessionIdleMinutes: null });
    const user = await createUser();
    await db.membership.create({ data: { orgId: t.org.id, userId: user.principal.userId, roleId: (await builtInRole("member")).id } });
    await expect((await memberSession(t.org.slug, user.principal.userId)).enter()).rejects.toMatchObject({ code: "mfa_required" });
    expect((await (await memberSession(t.org.slug, user.principal.userId, { mfa: true })).enter()).orgId).toBe(t.org.id);
  });

  it("MFA an organization's identity provider vouched for counts in that organization only", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const user = await createUser();
    for (const org of [a, b]) await db.membership.create({ data: { orgId: org.org.id, userId: user.principal.userId, roleId: (await builtInRole("member")).id } });
    const { id } = await createSession(user.principal.userId, meta(), { authMethod: "sso", mfa: true, mfaOrgId: a.org.id });
    const principal = (await principalForSession(id))!;
    expect((await resolveOrgContext(principal, a.org.slug, meta())).mfa).toBe(true);
    expect((await resolveOrgContext(principal, b.org.slug, meta())).mfa).toBe(false);
  });

  it("over the API: read and set, with precise errors", async () => {
    const t = await createTestOrg();
    const { key } = await createApiKey(t.owner, { name: "k", roleId: (await builtInRole("admin")).id });
    expect((await server.call("GET", "/api/v1/security-policy", { key })).body).toEqual({ mfaRequired: false, sessionMaxHours: null, sessionIdleMinutes: null });
    const bad = await server.call("PUT", "/api/v1/security-policy", { key, body: { mfaRequired: false, sessionMaxHours: 0, sessionIdleMinutes: 1 } });
    expect(bad.status).toBe(400);
    expect((await server.call("PUT", "/api/v1/security-policy", { key, body: { mfaRequired: true, sessionMaxHours: 12, sessionIdleMinutes: null } })).body).toMatchObject({
      mfaRequired: true,
      sessionMaxHours: 12,
    });
    expect(await db.auditEvent.count({ where: { orgId: t.org.id, action: "organization.security_policy.updated" } })).toBe(1);
  });
});

describe("ending a member's sessions", () => {
  it("ends every session of a member of the verified domains; refuses others' and what the caller could not remove", async () => {
    const t = await createTestOrg();
    const domain = await verifiedDomain(t.owner, t.org.slug);
    const employee = await createUser({ email: `worker@${domain}` });
    await db.membership.create({ data: { orgId: t.org.id, userId: employee.principal.userId, roleId: (await builtInRole("member")).id } });
    const outsider = await t.addMember("member");
    const sessions = [await createSession(employee.principal.userId, meta()), await createSession(employee.principal.userId, meta())];
    for (const s of sessions) expect(await principalForSession(s.id)).not.toBeNull();

    const viewer = await t.addMember("viewer");
    await expect(endMemberSessions(viewer, { userId: employee.principal.userId })).rejects.toMatchObject({ code: "forbidden" });
    await expect(endMemberSessions(t.owner, { userId: outsider.principal.userId })).rejects.toMatchObject({ code: "not_your_domain" });
    const other = await createTestOrg();
    await expect(endMemberSessions(t.owner, { userId: other.owner.principal.userId })).rejects.toMatchObject({ code: "member_not_found" });

    expect(await endMemberSessions(t.owner, { userId: employee.principal.userId })).toEqual({ ended: 2 });
    for (const s of sessions) expect(await principalForSession(s.id)).toBeNull();
  });
});
