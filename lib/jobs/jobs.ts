// Background jobs on pg-boss, in the app's PostgreSQL (schema `pgboss`): one
// client per process. `npm start` works the queues in its own process;
// `npm run worker` does it alone (then app processes only queue jobs).
import PgBoss from "pg-boss";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import type { InstanceCtx } from "../context.ts";
import { connectionLost, LockLost, ownClient } from "../db/own-client.ts";
import { sql, sqlRows } from "../db/sql.ts";
import { NotFound } from "../errors.ts";
import { logger } from "../logger.ts";
import { JOBS, type JobDefinition } from "./definitions.ts";

export const JOBS_SCHEMA = "pgboss";
// On globalThis: the Next.js bundle (server actions, pages) loads its own copy
// of this module, and must find the client the server process started.
const shared = globalThis as { __tollgateJobs?: PgBoss | null };

// Held while a process makes the queues and schedules: pg-boss's createQueue
// deadlocks when app replicas and workers starting together run it at once.
// Tollgate's advisory locks: 7246001 migrations, 7246002 built-in roles, 7246003 setup, 7246004 this.
const QUEUE_SETUP_LOCK_ID = 7_246_004; // arbitrary, constant across versions

async function oneAtATime<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const lock = ownClient({ connectionString: databaseUrl, application_name: "tollgate-jobs-setup" });
  await lock.connect();
  try {
    // A process stuck while holding it must not hold every other one forever.
    await lock.query("SET lock_timeout = '120s'");
    await lock.query("SELECT pg_advisory_lock($1)", [QUEUE_SETUP_LOCK_ID]);
    const result = await work();
    const lost = connectionLost(lock);
    if (lost) throw new LockLost("job queue setup", lost);
    return result;
  } finally {
    await lock.query("SELECT pg_advisory_unlock($1)", [QUEUE_SETUP_LOCK_ID]).catch(() => {});
    await lock.end().catch(() => {});
  }
}

/** Starts the client, makes the queues and schedules, and (with `work`) runs their handlers. */
/** `schedule: false` (tests): no job is queued by its cron, only on demand. */
export async function startJobs(options: { databaseUrl: string; work: boolean; jobs?: JobDefinition[]; schedule?: boolean }) {
  if (shared.__tollgateJobs) return;
  const jobs = options.jobs ?? JOBS;
  const scheduling = options.schedule !== false;
  const client = new PgBoss({ connectionString: options.databaseUrl, schema: JOBS_SCHEMA, max: 4, application_name: "tollgate-jobs", schedule: scheduling });
  client.on("error", (error) => logger.warn({ err: error }, "jobs: pg-boss reported an error"));
  try {
    await oneAtATime(options.databaseUrl, async () => {
      await client.start();
      for (const job of jobs) {
        await client.createQueue(job.name, { name: job.name, retryLimit: job.retryLimit, retryDelay: job.retryDelay, retryBackoff: true, expireInSeconds: job.expireInSeconds });
        if (job.schedule && scheduling) await client.schedule(job.name, job.schedule, {}, { tz: "UTC" });
      }
    });
  } catch (error) {
    // A failed setup leaves no client running (a started one would keep polling and hold its connections).
    await client.stop({ graceful: false, wait: true }).catch(() => {});
    throw error;
  }
  for (const job of jobs) {
    if (options.work) {
      await client.work<Record<string, unknown>>(job.name, { pollingIntervalSeconds: 2 }, async ([item]) => {
        const started = Date.now();
        const output = await job.run(item!.data ?? {});
        logger.info({ job: job.name, id: item!.id, ms: Date.now() - started }, "jobs: done");
        return output;
      });
    }
  }
  shared.__tollgateJobs = client;
}

/** Stops taking jobs, lets running ones finish (up to 10 s), and closes the client. */
export async function stopJobs() {
  const client = shared.__tollgateJobs;
  shared.__tollgateJobs = null;
  await client?.stop({ graceful: true, timeout: 10_000, wait: true });
}

function running(): PgBoss {
  const client = shared.__tollgateJobs;
  if (!client) throw new Error("jobs: not started");
  return client;
}

/** Queues a job (from domain code: e.g. a webhook to process). Returns its id. */
/** `singletonKey`: while a job with this key waits or runs, another is not queued (null returned). */
export async function enqueueJob(name: string, data: Record<string, unknown> = {}, options: { singletonKey?: string } = {}): Promise<string | null> {
  return running().send(name, data, options);
}

/** Queues a job to run now: an instance admin's "Run now". Returns its id. */
export async function runJobNow(ctx: InstanceCtx, name: string): Promise<string> {
  assertInstanceAdmin(ctx, "run jobs");
  if (!JOBS.some((j) => j.name === name)) throw new NotFound("job_not_found", `No job named ${name}.`);
  return (await enqueueJob(name))!;
}

export type JobRun = { id: string; state: string; createdOn: Date; startedOn: Date | null; completedOn: Date | null; retryCount: number; output: unknown };
export type JobOverview = { name: string; title: string; description: string; schedule: string | null; queued: number; active: number; failedLastWeek: number; lastRuns: JobRun[] };

export type QueueCounts = { name: string; queued: number; active: number; failed: number };

/**
 * Per queue: jobs waiting (created or to retry), running, and failed for good
 * in the last 7 days; null before pg-boss made its tables. Instance-wide
 * counts without names or data: the jobs page and the metrics read them.
 */
export async function jobQueueCounts(): Promise<QueueCounts[] | null> {
  const names = JOBS.map((j) => j.name);
  const [{ ready }] = await sqlRows<{ ready: boolean }>(sql`SELECT to_regclass('pgboss.job') IS NOT NULL AS ready`);
  if (!ready) return null;
  const counts = await sqlRows<QueueCounts>(sql`
    SELECT name, count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS queued, count(*) FILTER (WHERE state = 'active')::int AS active,
      count(*) FILTER (WHERE state = 'failed' AND completed_on > now() - interval '7 days')::int AS failed
    FROM pgboss.job WHERE name = ANY(${names}::text[]) GROUP BY name`);
  return names.map((name) => counts.find((c) => c.name === name) ?? { name, queued: 0, active: 0, failed: 0 });
}

/** What the jobs page shows: per queue, what waits, what runs, what failed lately, and the last runs. */
export async function jobsOverview(ctx: InstanceCtx): Promise<JobOverview[]> {
  assertInstanceAdmin(ctx, "see jobs");
  const names = JOBS.map((j) => j.name);
  const counts = await jobQueueCounts();
  if (!counts) return JOBS.map((job) => ({ name: job.name, title: job.title, description: job.description, schedule: job.schedule ?? null, queued: 0, active: 0, failedLastWeek: 0, lastRuns: [] }));
  const runs = await sqlRows<{ name: string; id: string; state: string; created_on: Date; started_on: Date | null; completed_on: Date | null; retry_count: number; output: unknown }>(sql`
    SELECT name, id::text, state::text, created_on, started_on, completed_on, retry_count, output FROM (
      SELECT *, row_number() OVER (PARTITION BY name ORDER BY created_on DESC) AS n FROM pgboss.job
      WHERE name = ANY(${names}::text[]) AND state IN ('active', 'completed', 'failed', 'retry')
    ) j WHERE n <= 5 ORDER BY name, created_on DESC`);
  return JOBS.map((job) => {
    const count = counts.find((c) => c.name === job.name);
    return {
      name: job.name,
      title: job.title,
      description: job.description,
      schedule: job.schedule ?? null,
      queued: count?.queued ?? 0,
      active: count?.active ?? 0,
      failedLastWeek: count?.failed ?? 0,
      lastRuns: runs
        .filter((r) => r.name === job.name)
        .map((r) => ({ id: r.id, state: r.state, createdOn: r.created_on, startedOn: r.started_on, completedOn: r.completed_on, retryCount: r.retry_count, output: r.output })),
    };
  });
}
