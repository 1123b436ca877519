import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { authorize } from "../../lib/authz/authorize.ts";
import { flushDecisionLog } from "../../lib/authz/decision-log.ts";
import { listDecisions } from "../../lib/authz/list-decisions.ts";
import { db, dbPool } from "../../lib/db.ts";
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

/** Runs `work` and answers each SELECT it sent that names `table`, with its parameters, as the database client sent it. */
async function selectsDuring(table: string, work: () => Promise<unknown>): Promise<Array<{ text: string; values: unknown[] }>> {
  const seen: Array<{ text: string; values: unknown[] }> = [];
  const original = pg.Client.prototype.query;
  const query = vi.spyOn(pg.Client.prototype, "query");
  query.mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string; values?: unknown[] };
    const text = typeof config === "string" ? config : config?.text;
    const values = typeof config === "string" ? (args[1] as unknown[]) : config?.values;
    if (text?.startsWith("SELECT") && text.includes(`"${table}"`)) seen.push({ text, values: values ?? [] });
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
    // Decisions made `hoursAgo`, a millisecond apart.
    const history = (org: string, count: number, hoursAgo: number) => db.$executeRaw`
      INSERT INTO "DecisionLog" ("orgId", "principalType", "principalId", permission, "resourceType", "resourceId", allowed, reason, "latencyUs", source, "createdAt")
      SELECT ${org}::uuid, 'user', 'u' || (i % 50), 'members:read', 'organization', ${org}, true, 'test', 1, 'check-api', now() - ${hoursAgo}::int * interval '1 hour' - i * interval '1 millisecond'
      FROM generate_series(1, ${count}::int) i`;
    // The quiet organization's history, then its newest three, then 40,000 of the busy one, later:
    // read newest first by id, they all come before the quiet one's.
    await history(quiet.org.id, 20_000, 1);
    for (const permission of ["members:read", "members:invite", "audit:read"] as const) authorize(viewer, permission);
    await flushDecisionLog();
    await history(busy.org.id, 40_000, 0);
    await db.$executeRaw`ANALYZE "DecisionLog"`;

    // A page deep in the quiet organization's history: from the row 15,000th newest on.
    const [deep] = await db.$queryRaw<Array<{ ms: number; id: bigint }>>`
      SELECT (extract(epoch FROM "createdAt") * 1000)::float8 AS ms, id FROM "DecisionLog" WHERE "orgId" = ${quiet.org.id}::uuid
      ORDER BY "createdAt" DESC, id DESC OFFSET 15000 LIMIT 1`;
    const deepCursor = Buffer.from(JSON.stringify([Math.round(deep!.ms), String(deep!.id)])).toString("base64url");

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
    const at = Math.round(deep!.ms);
    expect(deepPage!.decisions.every((d) => d.createdAt.getTime() < at || (d.createdAt.getTime() === at && d.id < deep!.id))).toBe(true);
    expect(statements).toHaveLength(4);
    for (const statement of statements) {
      const { pages, plan } = await pagesRead(statement);
      // The busy organization's rows fill hundreds of pages; the quiet one's page needs a handful.
      expect(pages, plan).toBeLessThan(30);
    }
  });
});
