import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { authorize } from "../../lib/authz/authorize.ts";
import { flushDecisionLog, recordDecision, type DecisionLogEntry } from "../../lib/authz/decision-log.ts";
import { authzTransaction, freshOrgIndex, getOrgIndex, startAuthzListener, stopAuthzListener } from "../../lib/authz/org-index-cache.ts";
import { db } from "../../lib/db.ts";
import { sql, sqlRows } from "../../lib/db/sql.ts";
import { createTestOrg } from "../helpers.ts";
import { countDecisions, loggedDecisions } from "../fixtures/logged-decisions.ts";

afterAll(() => stopAuthzListener());

// Other test files' listeners share the database: this process's is found by its name.
const name = `tollgate-authz-listener:${process.pid}`;

describe("getOrgIndex", () => {
  it("serves the cached index until the organization's authorization data changes", async () => {
    const { org } = await createTestOrg();
    const first = await getOrgIndex(org.id);
    expect(await getOrgIndex(org.id)).toBe(first);
    await authzTransaction(org.id, (tx) => tx.project.create({ data: { orgId: org.id, name: "P", slug: "p" } }));
    const second = await getOrgIndex(org.id);
    expect(second).not.toBe(first);
    expect(second.version).toBe(first.version + 1);
    expect(second.projects.size).toBe(1);
  });

  it("drops an index within a second when another process NOTIFYs a change", async () => {
    await startAuthzListener(process.env.DATABASE_URL!);
    const { org } = await createTestOrg();
    const before = await getOrgIndex(org.id);
    // Another process: its own connection, its own transaction.
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    await other.query("BEGIN");
    await other.query(`INSERT INTO "Project" (id, "orgId", name, slug, "updatedAt") VALUES (gen_random_uuid(), $1, 'Remote', 'remote', now())`, [org.id]);
    await other.query(`UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1 WHERE id = $1`, [org.id]);
    await other.query(`SELECT pg_notify('tollgate_authz', $1)`, [org.id]);
    await other.query("COMMIT");
    await other.end();
    await expect.poll(async () => (await getOrgIndex(org.id)).projects.size, { timeout: 1_000, interval: 20 }).toBe(1);
    expect((await getOrgIndex(org.id)).version).toBe(before.version + 1);
    await stopAuthzListener();
  });

  it("with the listener up, serves an index past its 30 s at once while one query checks its version, and reloads it when a notice was lost", async () => {
    await startAuthzListener(process.env.DATABASE_URL!);
    const { org } = await createTestOrg();
    const before = await getOrgIndex(org.id);
    // A change whose NOTIFY never came.
    await sqlRows(sql`UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1 WHERE id = ${org.id}::uuid`);
    await sqlRows(sql`INSERT INTO "Project" (id, "orgId", name, slug, "updatedAt") VALUES (gen_random_uuid(), ${org.id}::uuid, 'Unannounced', 'unannounced', now())`);
    const versionChecks = vi.spyOn(db.organization, "findUnique");
    try {
      // Past 35 s, as without the listener, no index is served before its check.
      expect(freshOrgIndex(org.id, Date.now() + 36_000)).toBeUndefined();
      const later = Date.now() + 31_000;
      // Fifty callers at once, as a busy organization's requests come: all served the index they had, without waiting.
      expect(freshOrgIndex(org.id, later)).toBe(before);
      const served = await Promise.all(Array.from({ length: 50 }, () => getOrgIndex(org.id, later)));
      expect(served.every((index) => index === before)).toBe(true);
      expect(versionChecks).toHaveBeenCalledTimes(1);
      // The check found the lost change: the next caller loads the organization afresh.
      await expect.poll(async () => (await getOrgIndex(org.id)).projects.size, { timeout: 1_000, interval: 20 }).toBe(1);
      expect((await getOrgIndex(org.id)).version).toBe(before.version + 1);
    } finally {
      versionChecks.mockRestore();
      await stopAuthzListener();
    }
  });

  it("tries a failed check again at the next caller, and starts a new one in the next period when the last one hung", async () => {
    await startAuthzListener(process.env.DATABASE_URL!);
    const { org } = await createTestOrg();
    const before = await getOrgIndex(org.id);
    const versionChecks = vi.spyOn(db.organization, "findUnique");
    try {
      const later = Date.now() + 31_000;
      versionChecks.mockImplementationOnce((() => Promise.reject(new Error("database unreachable"))) as never);
      expect(freshOrgIndex(org.id, later)).toBe(before);
      await new Promise((resolve) => setImmediate(resolve));
      // The next caller starts another check, which finds the version unchanged: served without one for 30 s.
      expect(freshOrgIndex(org.id, later + 1)).toBe(before);
      expect(versionChecks).toHaveBeenCalledTimes(2);
      await expect.poll(() => freshOrgIndex(org.id, later + 20_000), { timeout: 1_000, interval: 10 }).toBe(before);
      expect(versionChecks).toHaveBeenCalledTimes(2);

      // A check that never answers: past the grace, callers check for themselves (and the entry is checked again)…
      const hangs = later + 1 + 30_000;
      versionChecks.mockImplementationOnce((() => new Promise(() => {})) as never);
      expect(freshOrgIndex(org.id, hangs)).toBe(before);
      expect(freshOrgIndex(org.id, hangs + 5_000)).toBeUndefined();
      expect(await getOrgIndex(org.id, hangs + 5_000)).toBe(before);
      // …and 30 s on, the hung check does not keep a new one from starting.
      const calls = versionChecks.mock.calls.length;
      expect(freshOrgIndex(org.id, hangs + 5_000 + 30_000)).toBe(before);
      expect(versionChecks).toHaveBeenCalledTimes(calls + 1);
    } finally {
      versionChecks.mockRestore();
      await stopAuthzListener();
    }
  });

  it("counts a check that answers after a change moved the index on for the newer index", async () => {
    await startAuthzListener(process.env.DATABASE_URL!);
    const { org } = await createTestOrg();
    await getOrgIndex(org.id);
    const versionChecks = vi.spyOn(db.organization, "findUnique");
    try {
      let answer!: (row: { authzVersion: number }) => void;
      versionChecks.mockImplementationOnce((() => new Promise((resolve) => (answer = resolve))) as never);
      const later = Date.now() + 31_000;
      freshOrgIndex(org.id, later);
      await authzTransaction(org.id, (tx) => tx.project.create({ data: { orgId: org.id, name: "P", slug: "p" } }));
      const moved = await getOrgIndex(org.id);
      answer({ authzVersion: moved.version });
      await new Promise((resolve) => setImmediate(resolve));
      // Served 20 s past the check without another: a busy organization's changes do not keep its checks from counting.
      const checks = versionChecks.mock.calls.length;
      expect(freshOrgIndex(org.id, later + 20_000)).toBe(moved);
      expect(versionChecks).toHaveBeenCalledTimes(checks);
    } finally {
      versionChecks.mockRestore();
      await stopAuthzListener();
    }
  });

  it("without the listener, re-validates an index past its second before serving it", async () => {
    const { org } = await createTestOrg();
    const before = await getOrgIndex(org.id);
    await sqlRows(sql`UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1 WHERE id = ${org.id}::uuid`);
    expect(freshOrgIndex(org.id, Date.now() + 1_500)).toBeUndefined();
    expect((await getOrgIndex(org.id, Date.now() + 1_500)).version).toBe(before.version + 1);
  });

  it("listens again within 1.5 s each time its connection is lost after holding a while, however often", async () => {
    const listenerPid = async () => (await sqlRows<{ pid: number }>(sql`SELECT pid FROM pg_stat_activity WHERE application_name = ${name} AND query LIKE 'LISTEN %'`))[0]?.pid;
    await startAuthzListener(process.env.DATABASE_URL!, { stableMs: 100 });
    // Four losses, each after the connection held: a wait that grew with every loss (0.5, 1, 2, 4 s) was the bug.
    for (let loss = 1; loss <= 4; loss++) {
      await expect.poll(listenerPid, { timeout: 1_500, interval: 20 }).toBeDefined();
      const before = await listenerPid();
      await new Promise((resolve) => setTimeout(resolve, 250));
      await sqlRows(sql`SELECT pg_terminate_backend(${before!}::int, 5000)`);
      await expect.poll(async () => [undefined, before].includes(await listenerPid()), { timeout: 1_500, interval: 20 }).toBe(false);
    }
    await stopAuthzListener();
  });

  it("stays stopped: a reconnect that was waiting when it stopped does not start it again", async () => {
    const listeners = async () => (await sqlRows<{ n: number }>(sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${name}`))[0]!.n;
    await startAuthzListener(process.env.DATABASE_URL!);
    await sqlRows(sql`SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the loss has reached the client: a reconnect waits (0.5 s)
    await stopAuthzListener();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await listeners()).toBe(0);
  });
});

describe("decision log", () => {
  it("records every decision, allowed and denied, with its reason, in batches", async () => {
    const { org, addMember } = await createTestOrg();
    const viewer = await addMember("viewer");
    expect(authorize(viewer, "members:read").allowed).toBe(true);
    expect(authorize(viewer, "members:invite").allowed).toBe(false);
    await flushDecisionLog();
    const rows = await loggedDecisions(org.id, { principalId: viewer.principal.userId });
    expect(rows.map((r) => [r.permission, r.allowed, r.reason])).toEqual([
      ["members:read", true, 'membership role "Viewer" grants members:read'],
      ["members:invite", false, `no role of user ${viewer.principal.userId} grants members:invite`],
    ]);
    expect(rows.every((r) => r.latencyUs >= 0 && r.resourceType === "organization" && r.resourceId === org.id)).toBe(true);
  });
});

describe("decision log writer", () => {
  it("keeps tabs, newlines and backslashes in reasons intact", async () => {
    const { recordDecision } = await import("../../lib/authz/decision-log.ts");
    const { org } = await createTestOrg();
    const reason = 'odd\treason\nwith "quotes" and a \\ backslash';
    recordDecision({
      orgId: org.id,
      principalType: "user",
      principalId: "p\\1",
      permission: "x:y",
      resourceType: "organization",
      resourceId: org.id,
      allowed: false,
      reason,
      latencyUs: 3,
      source: "access-checker",
      createdAt: new Date(),
    });
    await flushDecisionLog();
    const row = (await loggedDecisions(org.id, { source: "access-checker" }))[0]!;
    expect(row.reason).toBe(reason);
    expect(row.principalId).toBe("p\\1");
  });
});

const logRow = (orgId: string, createdAt = new Date()): DecisionLogEntry => ({
  orgId,
  principalType: "user",
  principalId: "x",
  permission: "p:q",
  resourceType: "organization",
  resourceId: orgId,
  allowed: true,
  reason: "r",
  latencyUs: 1,
  source: "check-api",
  createdAt,
});

/** Writes `rows` as one batch per organization, apart from the decisions recorded before. */
async function logBatch(...rows: DecisionLogEntry[]) {
  await flushDecisionLog();
  for (const row of rows) recordDecision(row);
  await flushDecisionLog();
}

describe("decision log retention", () => {
  it("is set per organization and purges only older decisions of that organization", async () => {
    const { setDecisionRetention } = await import("../../lib/orgs/update-organization.ts");
    const { purgeExpiredDecisions } = await import("../../lib/authz/list-decisions.ts");
    const { ZodError } = await import("zod");
    const a = await createTestOrg();
    const b = await createTestOrg();
    await expect(setDecisionRetention(a.owner, { days: 0 })).rejects.toBeInstanceOf(ZodError);
    await setDecisionRetention(a.owner, { days: 7 });
    const old = new Date(Date.now() - 10 * 86_400_000);
    await logBatch(logRow(a.org.id, old), logRow(b.org.id, old));
    await logBatch(logRow(a.org.id));
    // Written together, ten days apart: a batch holds one second's decisions, so the old one goes alone.
    const together = await createTestOrg();
    await setDecisionRetention(together.owner, { days: 7 });
    await logBatch(logRow(together.org.id, old), logRow(together.org.id));
    await purgeExpiredDecisions();
    expect(await countDecisions(a.org.id, { permission: "p:q" })).toBe(1);
    expect(await countDecisions(b.org.id, { permission: "p:q" })).toBe(1); // b keeps 30 days
    expect(await countDecisions(together.org.id, { permission: "p:q" })).toBe(1);
  });

  it("purges the decisions of organizations that no longer exist, however recent", async () => {
    const { purgeExpiredDecisions } = await import("../../lib/authz/list-decisions.ts");
    const kept = await createTestOrg();
    const gone = randomUUID();
    await logBatch(logRow(gone), logRow(gone), logRow(kept.org.id));
    await purgeExpiredDecisions();
    expect(await countDecisions(gone)).toBe(0);
    expect(await countDecisions(kept.org.id)).toBe(1);
  });
});
