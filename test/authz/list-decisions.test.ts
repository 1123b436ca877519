import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { authorize } from "../../lib/authz/authorize.ts";
import { flushDecisionLog, recordDecision, type DecisionLogEntry } from "../../lib/authz/decision-log.ts";
import { listDecisions } from "../../lib/authz/list-decisions.ts";
import { db, dbPool } from "../../lib/db.ts";
import { Forbidden } from "../../lib/errors.ts";
import { createTestOrg } from "../helpers.ts";
import { countDecisions, loggedDecisions } from "../fixtures/logged-decisions.ts";

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
    expect(await countDecisions(a.org.id, { principalId: viewer.principal.userId })).toBeGreaterThan(0);
  });
});

describe("pages of a log written in batches", () => {
  it("hold every decision once, newest first, however the batches' times overlap", async () => {
    const { owner, org } = await createTestOrg();
    await flushDecisionLog();
    const base = Date.now() - 60_000;
    const entry = (ms: number, i: number): DecisionLogEntry => ({
      orgId: org.id,
      principalType: "user",
      principalId: `u${i % 3}`,
      permission: "p:q",
      resourceType: "organization",
      resourceId: org.id,
      allowed: i % 2 === 0,
      reason: `r${i}`,
      latencyUs: i,
      source: "check-api",
      createdAt: new Date(base + ms),
    });
    // Five flushes whose times interleave (and tie), some across a second: batches of one, of several, overlapping.
    const flushes = [[0, 10, 10, 2_500], [5, 10, 900, 1_100, 1_100], [10], [3, 2_400, 2_600, 2_600, 2_600, 7], [1_000, 999, 1_001]];
    let i = 0;
    for (const times of flushes) {
      for (const ms of times) recordDecision(entry(ms, i++));
      await flushDecisionLog();
    }
    const expected = (await loggedDecisions(org.id, { permission: "p:q" })).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id > a.id ? 1 : -1));
    expect(expected).toHaveLength(i);
    for (const filters of [{}, { principal: "u1" }, { result: "denied" }, { from: new Date(base + 900).toISOString(), to: new Date(base + 2_600).toISOString() }]) {
      const want = expected.filter(
        (d) =>
          (!("principal" in filters) || d.principalId === filters.principal) &&
          (!("result" in filters) || !d.allowed) &&
          (!("from" in filters) || (d.createdAt.getTime() >= base + 900 && d.createdAt.getTime() < base + 2_600)),
      );
      for (const limit of [1, 2, 3, 50]) {
        const seen: string[] = [];
        let cursor: string | null | undefined;
        do {
          const page = await listDecisions(owner, { ...filters, permission: "p:q", limit, cursor });
          seen.push(...page.decisions.map((d) => d.reason));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen, `${JSON.stringify(filters)}, ${limit} a page`).toEqual(want.map((d) => d.reason));
      }
    }
  });
});

describe("a search for a rare permission in a long log", () => {
  it("reads more batches each round, so a few dozen queries cover thousands of batches", async () => {
    const { owner, org } = await createTestOrg();
    await flushDecisionLog();
    // 3,000 batches of 10 decisions, a second apart, and one decision of the rare permission before them all.
    await db.$executeRaw`
      INSERT INTO "DecisionLog" ("orgId", "firstAt", "lastAt", "size", "principalIds", "entries")
      SELECT ${org.id}::uuid, at, at, 10, ARRAY['u'],
             array_to_string(array_fill(concat_ws(chr(31), 'u', (extract(epoch FROM at) * 1000)::bigint, 'user', CASE WHEN i = 0 THEN 'rare:read' ELSE 'members:read' END,
                                                  'organization', ${org.id}::text, 't', 'test', 1, 'check-api'), ARRAY[CASE WHEN i = 0 THEN 1 ELSE 10 END]), chr(30))
      FROM (SELECT i, date_trunc('second', now()) - (3001 - i) * interval '1 second' AS at FROM generate_series(0, 3000) i) d`;
    let found: Awaited<ReturnType<typeof listDecisions>> | undefined;
    const statements = await selectsDuring("DecisionLog", async () => {
      found = await listDecisions(owner, { permission: "rare:read" });
    });
    expect(found!.decisions.map((d) => d.permission)).toEqual(["rare:read"]);
    expect(statements.length).toBeLessThan(30);
  });
});

/** Runs `work` and answers each SELECT it sent that names `table`, with its parameters, as the database client sent it. */
async function selectsDuring(table: string, work: () => Promise<unknown>): Promise<Array<{ text: string; values: unknown[] }>> {
  const seen: Array<{ text: string; values: unknown[] }> = [];
  const original = pg.Client.prototype.query;
  const query = vi.spyOn(pg.Client.prototype, "query");
  query.mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string; values?: unknown[] };
    const text = typeof config === "string" ? config : config?.text;
    const values = typeof config === "string" ? (args[1] as unknown[]) : config?.values;
    if (text?.trimStart().startsWith("SELECT") && text.includes(`"${table}"`)) seen.push({ text, values: values ?? [] });
    return original.apply(this, args as never) as never;
  });
  try {
    await work();
  } finally {
    query.mockRestore();
  }
  return seen;
}

/** Shared buffers (index and table pages) a query reads, from its actual plan. */
async function pagesRead(statement: { text: string; values: unknown[] }) {
  // Other test files log decisions meanwhile, whose principals wait in the GIN index's pending
  // list (read whole by every principal search, at most 4 MB): filed first, as a vacuum would.
  await dbPool().query(`SELECT gin_clean_pending_list('"DecisionLog_principalIds_idx"')`);
  const [{ "QUERY PLAN": plan }] = await dbPool()
    .query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`, statement.values)
    .then((r) => r.rows as Array<{ "QUERY PLAN": Array<{ Plan: { "Shared Hit Blocks": number; "Shared Read Blocks": number } }> }>);
  return { pages: plan[0]!.Plan["Shared Hit Blocks"] + plan[0]!.Plan["Shared Read Blocks"], plan: JSON.stringify(plan) };
}

describe("the decision log of a quiet organization beside a busy one", () => {
  it("is paged from the organization's own index entries, however many decisions another organization logs", async () => {
    const busy = await createTestOrg();
    const quiet = await createTestOrg();
    const viewer = await quiet.addMember("viewer");
    // Decisions made `hoursAgo`, a millisecond apart, in batches of 10.
    const history = (org: string, count: number, hoursAgo: number) => db.$executeRaw`
      INSERT INTO "DecisionLog" ("orgId", "firstAt", "lastAt", "size", "principalIds", "entries")
      SELECT ${org}::uuid, min(at), max(at), count(*), array_agg(DISTINCT principal),
             string_agg(concat_ws(chr(31), principal, (extract(epoch FROM at) * 1000)::bigint, 'user', 'members:read', 'organization', ${org}::text, 't', 'test', 1, 'check-api'), chr(30) ORDER BY at)
      FROM (SELECT i, 'u' || (i % 50) AS principal, now() - ${hoursAgo}::int * interval '1 hour' - i * interval '1 millisecond' AS at FROM generate_series(1, ${count}::int) i) d
      GROUP BY i / 10`;
    // The quiet organization's history, then its newest three, then 40,000 of the busy one, later:
    // read newest first by id, they all come before the quiet one's.
    await history(quiet.org.id, 20_000, 1);
    for (const permission of ["members:read", "members:invite", "audit:read"] as const) authorize(viewer, permission);
    await flushDecisionLog();
    await history(busy.org.id, 40_000, 0);
    // As autovacuum would: new principals wait in the GIN index's pending list (at most 4 MB), read whole by every search, until a vacuum files them.
    await db.$executeRaw`VACUUM ANALYZE "DecisionLog"`;

    // A page deep in the quiet organization's history: from the 15,000th newest decision on.
    const deep = (await loggedDecisions(quiet.org.id)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id > a.id ? 1 : -1))[15_000]!;
    const deepCursor = Buffer.from(JSON.stringify([deep.createdAt.getTime(), String(deep.id)])).toString("base64url");

    let first: Awaited<ReturnType<typeof listDecisions>> | undefined;
    let deepPage: Awaited<ReturnType<typeof listDecisions>> | undefined;
    const statements = await selectsDuring("DecisionLog", async () => {
      first = await listDecisions(quiet.owner, { limit: 2 });
      await listDecisions(quiet.owner, { limit: 2, cursor: first.nextCursor });
      await listDecisions(quiet.owner, { principal: viewer.principal.userId, limit: 2 });
      deepPage = await listDecisions(quiet.owner, { limit: 2, cursor: deepCursor });
    });
    // The newest decisions, none of the history (the owner's own decisions:read may be among them).
    expect(first!.decisions).toHaveLength(2);
    expect(first!.decisions.map((d) => d.reason)).not.toContain("test");
    expect(deepPage!.decisions).toHaveLength(2);
    const at = deep.createdAt.getTime();
    expect(deepPage!.decisions.every((d) => d.createdAt.getTime() < at || (d.createdAt.getTime() === at && d.id < deep.id))).toBe(true);
    // Each list reads its batches, then the decisions of those it needs (of two batches when the first holds too few);
    // the deep page first passes over the batches of the second after its cursor.
    expect(statements.length).toBeGreaterThanOrEqual(8);
    expect(statements.length).toBeLessThanOrEqual(16);
    for (const statement of statements) {
      const { pages, plan } = await pagesRead(statement);
      // The busy organization's rows fill hundreds of pages; the quiet one's page needs a few dozen at most
      // (a principal's search may combine the principal index with the organization's: 35 pages once, on PostgreSQL 18).
      expect(pages, plan).toBeLessThan(40);
    }
  });
});
