// Background jobs on pg-boss: queued, worked, retried with backoff, shown to
// instance admins; and the usage retention job's work.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { JOBS, type JobDefinition } from "../../lib/jobs/definitions.ts";
import { enqueueJob, jobsOverview, runJobNow, startJobs, stopJobs } from "../../lib/jobs/jobs.ts";
import { purgeOldUsage, storeEvents } from "../../lib/usage/event-store.ts";
import { createTestOrg, createUser, until } from "../helpers.ts";

let flakyRuns = 0;
const flaky: JobDefinition = {
  name: `test-flaky-${randomUUID().slice(0, 8)}`,
  title: "Flaky",
  description: "Fails twice, then works.",
  retryLimit: 3,
  retryDelay: 1,
  expireInSeconds: 60,
  run: async () => {
    if (++flakyRuns <= 2) throw new Error(`failure ${flakyRuns}`);
    return { ok: true };
  },
};

beforeAll(() => startJobs({ databaseUrl: process.env.DATABASE_URL!, work: true, jobs: [...JOBS, flaky], schedule: false }), 60_000);
afterAll(() => stopJobs());

const stateOf = async (id: string) => (await db.$queryRaw<Array<{ state: string; retry_count: number }>>`SELECT state::text, retry_count FROM pgboss.job WHERE id = ${id}::uuid`)[0];

describe("background jobs", () => {
  it("retry a failing job with backoff until it works", { timeout: 60_000 }, async () => {
    const id = (await enqueueJob(flaky.name))!;
    await until("the flaky job completes", async () => (await stateOf(id))?.state === "completed", 45_000);
    expect(await stateOf(id)).toEqual({ state: "completed", retry_count: 2 });
    expect(flakyRuns).toBe(3);
  });

  it("are queued by an instance admin and shown with their last runs; others are refused", { timeout: 60_000 }, async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const id = await runJobNow(admin, "usage-retention");
    await until("the retention job completes", async () => (await stateOf(id))?.state === "completed", 45_000);
    const retention = (await jobsOverview(admin)).find((j) => j.name === "usage-retention")!;
    expect(retention).toMatchObject({ title: "Usage retention", schedule: "17 3 * * *" });
    expect(retention.lastRuns[0]).toMatchObject({ id, state: "completed", output: { partitionsDropped: expect.any(Array), claimsDeleted: expect.any(Number) } });

    const someone = await createUser();
    await expect(runJobNow(someone, "usage-retention")).rejects.toMatchObject({ code: "instance_admin_only" });
    await expect(jobsOverview(someone)).rejects.toMatchObject({ code: "instance_admin_only" });
    await expect(runJobNow(admin, "no-such-job")).rejects.toMatchObject({ code: "job_not_found" });
  });
});

describe("usage retention", () => {
  it("drops whole months of raw events older than the retention, and old claims, and keeps the rest", async () => {
    const { org } = await createTestOrg({ slugPrefix: "retention" });
    const now = new Date();
    // Events stored directly: ingest itself refuses anything older than its window.
    const old = new Date(Date.UTC(now.getUTCFullYear() - 3, 0, 15));
    await storeEvents([
      { orgId: org.id, id: "old", type: "retention", timestamp: old, properties: {} },
      { orgId: org.id, id: "new", type: "retention", timestamp: now, properties: {} },
    ]);
    await db.$executeRaw`UPDATE usage.event_id SET received_at = ${old} WHERE org_id = ${org.id}::uuid AND id = 'old'`;
    const result = await purgeOldUsage(400, now);
    expect(result.partitionsDropped).toContain(`event_${old.getUTCFullYear()}_01`);
    expect(result.claimsDeleted).toBeGreaterThanOrEqual(1);
    expect(await db.$queryRaw`SELECT id FROM usage.event WHERE org_id = ${org.id}::uuid`).toEqual([{ id: "new" }]);
    expect(await db.$queryRaw`SELECT id FROM usage.event_id WHERE org_id = ${org.id}::uuid`).toEqual([{ id: "new" }]);
    // Run again: nothing more to do.
    expect((await purgeOldUsage(400, now)).partitionsDropped).not.toContain(`event_${old.getUTCFullYear()}_01`);
  });
});
