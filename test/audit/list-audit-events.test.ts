import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { listAuditActions, listAuditEvents } from "../../lib/audit/list-audit-events.ts";
import type { OrgCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { Forbidden, Invalid } from "../../lib/errors.ts";
import { createInvitation } from "../../lib/invitations/invitations.ts";
import { renameOrganization } from "../../lib/orgs/update-organization.ts";
import { builtInRole, createTestOrg, uniqueEmail } from "../helpers.ts";

const T0 = Date.parse("2024-03-01T12:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

type Seed = { action: string; minutes: number; actorId?: string; actorEmail?: string };

/** Past events with chosen timestamps; older than the organization.created event. */
async function seed(orgId: string, events: Seed[]) {
  return db.auditEvent.createManyAndReturn({
    data: events.map((e) => ({
      orgId,
      action: e.action,
      actorId: e.actorId ?? null,
      actorEmail: e.actorEmail ?? null,
      targetType: "test",
      createdAt: at(e.minutes),
    })),
    select: { id: true, createdAt: true },
  });
}

async function allPages(ctx: OrgCtx, query: Record<string, unknown>) {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof listAuditEvents>> = await listAuditEvents(ctx, { ...query, cursor });
    pages.push(page.events.map((e) => e.id));
    cursor = page.nextCursor;
  } while (cursor && pages.length < 100);
  return pages;
}

const newestFirst = (rows: { id: string; createdAt: Date }[]) => [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((r) => r.id);

describe("listAuditEvents", () => {
  it("returns the organization's events newest first", async () => {
    const { org, owner } = await createTestOrg();
    await renameOrganization(owner, { name: "Renamed", slug: org.slug });
    await createInvitation(owner, { email: uniqueEmail(), roleId: (await builtInRole("viewer")).id });
    const { events, nextCursor } = await listAuditEvents(owner, {});
    expect(events.map((e) => e.action)).toEqual(["member.invited", "organization.renamed", "organization.created"]);
    expect(nextCursor).toBeNull();
  });

  it("pages with a cursor through every event exactly once, in order, even when timestamps tie", async () => {
    const { org, owner } = await createTestOrg();
    // 22 past events; minutes repeat so several share a timestamp.
    await seed(
      org.id,
      Array.from({ length: 22 }, (_, i) => ({ action: `test.e${i}`, minutes: Math.floor(i / 4) })),
    );
    const everything = await db.auditEvent.findMany({ where: { orgId: org.id }, select: { id: true, createdAt: true } });
    expect(everything).toHaveLength(23);

    const pages = await allPages(owner, { limit: 5 });

    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(newestFirst(everything));
  });

  it("stays stable when new events arrive between pages", async () => {
    const { org, owner } = await createTestOrg();
    await seed(
      org.id,
      Array.from({ length: 6 }, (_, i) => ({ action: "test.old", minutes: i })),
    );
    const first = await listAuditEvents(owner, { limit: 4 });
    await renameOrganization(owner, { name: "Newer", slug: org.slug });
    const second = await listAuditEvents(owner, { limit: 4, cursor: first.nextCursor });

    const ids = [...first.events, ...second.events].map((e) => e.id);
    expect(new Set(ids).size).toBe(7);
    expect(second.events.map((e) => e.action)).not.toContain("organization.renamed");
    expect(second.nextCursor).toBeNull();
  });

  it("returns no cursor when the last page is exactly full", async () => {
    const { org, owner } = await createTestOrg();
    await seed(org.id, [{ action: "test.a", minutes: 0 }]);
    const page = await listAuditEvents(owner, { limit: 2 });
    expect(page.events).toHaveLength(2);
    expect(page.nextCursor).toBeNull();
  });

  it("filters by actor email, case-insensitively and by substring, or by actor id", async () => {
    const { org, owner } = await createTestOrg();
    const aliceId = randomUUID();
    await seed(org.id, [
      { action: "test.a", minutes: 0, actorId: aliceId, actorEmail: "alice@corp.example" },
      { action: "test.b", minutes: 1, actorId: aliceId, actorEmail: "alice@corp.example" },
      { action: "test.c", minutes: 2, actorId: randomUUID(), actorEmail: "bob@corp.example" },
    ]);
    const byEmail = await listAuditEvents(owner, { actor: "ALICE@Corp" });
    expect(byEmail.events.map((e) => e.action)).toEqual(["test.b", "test.a"]);
    const byId = await listAuditEvents(owner, { actor: aliceId });
    expect(byId.events.map((e) => e.action)).toEqual(["test.b", "test.a"]);
    const bySuffix = await listAuditEvents(owner, { actor: "corp.example" });
    expect(bySuffix.events).toHaveLength(3);
  });

  it("filters by exact action name", async () => {
    const { org, owner } = await createTestOrg();
    await seed(org.id, [
      { action: "member.invited", minutes: 0 },
      { action: "member.invited", minutes: 1 },
      { action: "member.removed", minutes: 2 },
    ]);
    expect((await listAuditEvents(owner, { action: "member.invited" })).events).toHaveLength(2);
    expect((await listAuditEvents(owner, { action: "member" })).events).toHaveLength(0);
  });

  it("filters by a half-open time range: from inclusive, to exclusive", async () => {
    const { org, owner } = await createTestOrg();
    await seed(
      org.id,
      [0, 10, 20, 30].map((minutes) => ({ action: `test.m${minutes}`, minutes })),
    );
    const { events } = await listAuditEvents(owner, { from: at(10).toISOString(), to: at(30).toISOString() });
    expect(events.map((e) => e.action)).toEqual(["test.m20", "test.m10"]);
    const onlyFrom = await listAuditEvents(owner, { from: at(20) });
    expect(onlyFrom.events.map((e) => e.action)).toEqual(["organization.created", "test.m30", "test.m20"]);
  });

  it("pages through a filtered result with the filter applied on every page", async () => {
    const { org, owner } = await createTestOrg();
    await seed(
      org.id,
      Array.from({ length: 9 }, (_, i) => ({ action: i % 3 === 0 ? "test.keep" : "test.skip", minutes: i })),
    );
    const pages = await allPages(owner, { action: "test.keep", limit: 2 });
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
  });

  it("ignores empty filters and combines the others", async () => {
    const { org, owner } = await createTestOrg();
    await seed(org.id, [
      { action: "test.x", minutes: 0, actorEmail: "carol@example.test" },
      { action: "test.x", minutes: 5, actorEmail: "dave@example.test" },
      { action: "test.y", minutes: 6, actorEmail: "carol@example.test" },
    ]);
    expect((await listAuditEvents(owner, { actor: "", action: "", from: "", to: null })).events).toHaveLength(4);
    const { events } = await listAuditEvents(owner, { actor: "carol", action: "test.x", to: at(10).toISOString() });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "test.x", actorEmail: "carol@example.test" });
  });

  it("rejects a cursor that does not decode with Invalid invalid_cursor", async () => {
    const { owner } = await createTestOrg();
    const error = await listAuditEvents(owner, { cursor: "not-a-cursor" }).catch((e) => e);
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: "invalid_cursor" });
  });

  // A tampered cursor must not reach PostgreSQL as a malformed uuid (a 500).
  it("rejects a tampered cursor whose id is not a UUID with Invalid invalid_cursor", async () => {
    const { owner } = await createTestOrg();
    const cursor = Buffer.from(JSON.stringify([Date.now(), "not-a-uuid"])).toString("base64url");
    const error = await listAuditEvents(owner, { cursor }).catch((e) => e);
    expect(error).toBeInstanceOf(Invalid);
    expect(error).toMatchObject({ code: "invalid_cursor" });
  });

  it("rejects bad dates and limits outside 1..200 with a ZodError", async () => {
    const { owner } = await createTestOrg();
    await expect(listAuditEvents(owner, { from: "yesterday-ish" })).rejects.toBeInstanceOf(ZodError);
    await expect(listAuditEvents(owner, { limit: 0 })).rejects.toBeInstanceOf(ZodError);
    await expect(listAuditEvents(owner, { limit: 201 })).rejects.toBeInstanceOf(ZodError);
  });

  it("lets an admin read the log", async () => {
    const { addMember } = await createTestOrg();
    const admin = await addMember("admin");
    expect((await listAuditEvents(admin, {})).events.map((e) => e.action)).toEqual(["organization.created"]);
  });

  it.each(["member", "viewer"] as const)("rejects a %s (no audit:read) with Forbidden", async (role) => {
    const { addMember } = await createTestOrg();
    const caller = await addMember(role);
    const error = await listAuditEvents(caller, {}).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
  });
});

describe("listAuditActions", () => {
  it("lists the distinct actions recorded in this organization, sorted", async () => {
    const { org, owner } = await createTestOrg();
    await seed(org.id, [
      { action: "member.removed", minutes: 0 },
      { action: "member.invited", minutes: 1 },
      { action: "member.invited", minutes: 2 },
    ]);
    const other = await createTestOrg();
    await seed(other.org.id, [{ action: "test.elsewhere", minutes: 0 }]);
    expect(await listAuditActions(owner)).toEqual(["member.invited", "member.removed", "organization.created"]);
  });

  it("rejects a viewer with Forbidden", async () => {
    const { addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    await expect(listAuditActions(viewer)).rejects.toBeInstanceOf(Forbidden);
  });
});
