import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { countAllUsers, directoryPageMissing, getOrganizationOverview, getUserOverview, listAllUsers } from "../../lib/admin/instance-directory.ts";
import { db } from "../../lib/db.ts";
import { Forbidden, NotFound } from "../../lib/errors.ts";
import { createTestOrg, createUser } from "../helpers.ts";

describe("the instance admin's directory", () => {
  it("is refused to anyone but an instance admin, whatever their organizations let them do", async () => {
    const { owner, org } = await createTestOrg();
    await expect(listAllUsers(owner, { limit: 10 })).rejects.toBeInstanceOf(Forbidden);
    await expect(countAllUsers(owner)).rejects.toBeInstanceOf(Forbidden);
    await expect(getOrganizationOverview(owner, org.id)).rejects.toBeInstanceOf(Forbidden);
    await expect(getUserOverview(owner, owner.principal.userId)).rejects.toBeInstanceOf(Forbidden);
  });

  it("shows an organization: its counts, members by role and recent changes; none of another organization's", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const { org, owner, addMember } = await createTestOrg();
    const viewer = await addMember("viewer", "Vera Viewer");
    const other = await createTestOrg();
    await other.addMember("member");
    await db.project.create({ data: { orgId: org.id, name: "Web", slug: "web" } });
    // Pending invitations only: not one accepted, revoked or expired.
    const viewerRole = viewer.membership.roleId;
    const invitation = (email: string, extra: object) => ({ orgId: org.id, email, roleId: viewerRole, tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 86_400_000), ...extra });
    await db.invitation.createMany({
      data: [
        invitation("pending@example.test", {}),
        invitation("accepted@example.test", { acceptedAt: new Date() }),
        invitation("revoked@example.test", { revokedAt: new Date() }),
        invitation("expired@example.test", { expiresAt: new Date(Date.now() - 1000) }),
      ],
    });

    const overview = await getOrganizationOverview(admin, org.id);

    expect(overview).toMatchObject({ id: org.id, name: org.name, slug: org.slug, subscription: null });
    expect(overview.counts).toEqual({ members: 2, projects: 1, groups: 0, pendingInvitations: 1, activeApiKeys: 0 });
    expect(overview.members.map((m) => [m.user.id, m.role.name])).toEqual([
      [owner.principal.userId, "Owner"],
      [viewer.principal.userId, "Viewer"],
    ]);
    expect(overview.recentAudit.map((e) => e.action)).toContain("organization.created");
    const otherAudit = await db.auditEvent.findMany({ where: { orgId: other.org.id }, select: { id: true } });
    expect(overview.recentAudit.map((e) => e.id)).not.toEqual(expect.arrayContaining(otherAudit.map((e) => e.id)));
  });

  it("shows a user: their organizations with roles, sign-in facts, and what they did where", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const { org, owner } = await createTestOrg();
    await db.session.create({ data: { userId: owner.principal.userId, expiresAt: new Date(Date.now() + 3_600_000) } });
    await db.session.create({ data: { userId: owner.principal.userId, expiresAt: new Date(Date.now() + 3_600_000), revokedAt: new Date() } });

    const user = await getUserOverview(admin, owner.principal.userId);

    expect(user).toMatchObject({ id: owner.principal.userId, email: owner.principal.email, activeSessions: 1, authenticatorApps: 0, passkeys: 0, isInstanceAdmin: false });
    expect(user.memberships.map((m) => [m.org.id, m.role.name])).toEqual([[org.id, "Owner"]]);
    expect(user.recentAudit.find((e) => e.action === "organization.created")).toMatchObject({ orgName: org.name, instanceWide: false });
  });

  it("answers not found for an unknown or malformed id", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    await expect(getOrganizationOverview(admin, randomUUID())).rejects.toBeInstanceOf(NotFound);
    await expect(getOrganizationOverview(admin, "not-a-uuid")).rejects.toBeInstanceOf(NotFound);
    await expect(getUserOverview(admin, randomUUID())).rejects.toBeInstanceOf(NotFound);
    await expect(getUserOverview(admin, "'; DROP TABLE")).rejects.toBeInstanceOf(NotFound);
    // The same, asked by the pages' layout before anything streams (a real 404).
    const { org } = await createTestOrg();
    expect(await directoryPageMissing(admin, `/admin/organizations/${org.id}`)).toBe(false);
    expect(await directoryPageMissing(admin, `/admin/users/${admin.principal.userId}`)).toBe(false);
    expect(await directoryPageMissing(admin, `/admin/organizations/${randomUUID()}`)).toBe(true);
    expect(await directoryPageMissing(admin, `/admin/users/${org.id}`)).toBe(true);
    expect(await directoryPageMissing(admin, "/admin/users/not-a-uuid")).toBe(true);
    expect(await directoryPageMissing(admin, "/admin/plans")).toBe(false);
  });

  it("lists users newest first in pages, searched by name or email with % and _ matching themselves", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const tag = randomUUID().slice(0, 8);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createUser({ name: `Dir ${tag} ${i}`, email: `dir-${tag}-${i}@example.test` }));
    const percent = await createUser({ name: `Dir ${tag} 100%` });
    // Distinct creation times (two made in one millisecond would be ordered by id).
    const base = Date.now();
    for (const [i, u] of [...made, percent].entries()) await db.user.update({ where: { id: u.principal.userId }, data: { createdAt: new Date(base + i * 1000) } });

    const first = await listAllUsers(admin, { limit: 2 }, tag);
    const second = await listAllUsers(admin, { limit: 2, cursor: first.nextCursor }, tag);
    expect([...first.data, ...second.data].map((u) => u.id)).toEqual([percent, ...made.reverse()].map((u) => u.principal.userId));
    expect(second.nextCursor).toBeNull();
    expect(await countAllUsers(admin, tag)).toBe(4);
    expect((await listAllUsers(admin, { limit: 10 }, `${tag} 100%`)).data.map((u) => u.id)).toEqual([percent.principal.userId]);
    expect(await countAllUsers(admin, `${tag}_`)).toBe(0);
    expect(first.data[0]).toMatchObject({ organizations: 0, isInstanceAdmin: false });
  });
  it("searches users through trigram indexes, not by reading every user", async () => {
    // The planner prefers a scan on a small table; with scans priced out, the indexes must serve the search's ILIKE '%…%'.
    const plan = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SET LOCAL enable_seqscan = off`;
      return tx.$queryRaw<Array<{ "QUERY PLAN": string }>>`EXPLAIN SELECT id FROM "User" WHERE email ILIKE '%ada_lov%' OR name ILIKE '%ada_lov%'`;
    });
    const text = plan.map((row) => row["QUERY PLAN"]).join("\n");
    expect(text).toContain("User_email_trgm_idx");
    expect(text).toContain("User_name_trgm_idx");
  });
});
