// The decision log under load: every recorded decision reaches the table,
// across several COPY batches, and answers wait (instead of decisions being
// shed) while the writers are far behind.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decisionLogRoom, flushDecisionLog, recordDecision, type DecisionLogEntry } from "../../lib/authz/decision-log.ts";
import { DECISIONS_OF_BATCH, listDecisions } from "../../lib/authz/list-decisions.ts";
import { db } from "../../lib/db.ts";
import { createTestOrg, until } from "../helpers.ts";
import { countDecisions, loggedDecisions } from "../fixtures/logged-decisions.ts";

const decision = (orgId: string, more: Partial<DecisionLogEntry> = {}): DecisionLogEntry => ({
  orgId,
  principalType: "user",
  principalId: "x",
  permission: "traces:read",
  resourceType: "organization",
  resourceId: orgId,
  allowed: false,
  reason: "r",
  latencyUs: 1,
  source: "check-api",
  ...more,
});

function recordMany(orgId: string, n: number) {
  for (let i = 0; i < n; i++) recordDecision(decision(orgId, { principalId: `user-${i}`, allowed: i % 2 === 0, reason: `reason ${i}` }));
}

/**
 * `work` while a row trigger on the decision log runs `action` once, for the
 * `nth` batch that holds a decision of principal `principalId` (a sequence counts, since it is
 * not rolled back with a failed COPY).
 */
async function withOneTimeTrigger(name: string, principalId: string, action: string, work: () => Promise<void>, nth = 1) {
  await db.$executeRawUnsafe(`CREATE SEQUENCE IF NOT EXISTS ${name}_seen`);
  await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF '${principalId}' = ANY(NEW."principalIds") AND nextval('${name}_seen') = ${nth} THEN ${action}; END IF;
      RETURN NEW;
    END $$`);
  await db.$executeRawUnsafe(`CREATE TRIGGER ${name} BEFORE INSERT ON "DecisionLog" FOR EACH ROW EXECUTE FUNCTION ${name}()`);
  try {
    await work();
  } finally {
    await db.$executeRawUnsafe(`DROP TRIGGER ${name} ON "DecisionLog"`);
    await db.$executeRawUnsafe(`DROP FUNCTION ${name}()`);
    await db.$executeRawUnsafe(`DROP SEQUENCE ${name}_seen`);
  }
}

describe("decision log writer", () => {
  it("writes every decision when more arrive than one COPY batch holds", async () => {
    const { org } = await createTestOrg();
    recordMany(org.id, 45_000);
    await flushDecisionLog();
    expect(await countDecisions(org.id)).toBe(45_000);
    expect(await countDecisions(org.id, { allowed: true })).toBe(22_500);
  });

  it("writes a decision whose text holds a NUL (which PostgreSQL cannot store) without it, and goes on", async () => {
    const { org } = await createTestOrg();
    recordDecision(decision(org.id, { principalId: "a\u0000b" }));
    recordMany(org.id, 3);
    await flushDecisionLog();
    expect(await countDecisions(org.id)).toBe(4);
    expect(await countDecisions(org.id, { principalId: "ab" })).toBe(1);
  });

  it("writes the rest of a batch when the database refuses one of its rows", async () => {
    const { org } = await createTestOrg();
    recordMany(org.id, 2);
    recordDecision(decision("not-a-uuid"));
    recordMany(org.id, 3);
    await flushDecisionLog();
    expect(await countDecisions(org.id)).toBe(5);
  });

  it("writes the rest of a large batch when a row deep inside it is refused", async () => {
    const { org } = await createTestOrg();
    recordMany(org.id, 1_000);
    recordDecision(decision("not-a-uuid"));
    recordMany(org.id, 2_000);
    await flushDecisionLog();
    expect(await countDecisions(org.id)).toBe(3_000);
  });

  it("writes the rows of a refused batch's first half once when its second half fails for another reason", async () => {
    const { org } = await createTestOrg();
    // A failure that is not the rows' own (a serialization failure), once: COPY fires row triggers.
    await withOneTimeTrigger("decision_log_test_fail_once", "fails-once", "RAISE EXCEPTION 'transient' USING ERRCODE = '40001'", async () => {
      recordMany(org.id, 2);
      recordDecision(decision("not-a-uuid")); // the batch is refused and halved: the first half holds the two rows above
      recordMany(org.id, 1);
      recordDecision(decision(org.id, { principalId: "fails-once" })); // the second half fails, then succeeds on the retry
      recordMany(org.id, 2);
      await flushDecisionLog();
    });
    expect(await countDecisions(org.id)).toBe(6);
    expect(await countDecisions(org.id, { principalId: "fails-once" })).toBe(1);
  });

  it("writes every decision once when the database ends the writer's connection mid-batch (a restart), and the process goes on", async () => {
    const { org } = await createTestOrg();
    // The server ends the COPY's connection, once, as a restart would.
    await withOneTimeTrigger("decision_log_test_end_once", "ends-connection", "PERFORM pg_terminate_backend(pg_backend_pid())", async () => {
      recordMany(org.id, 2);
      recordDecision(decision(org.id, { principalId: "ends-connection" }));
      recordMany(org.id, 2);
      await flushDecisionLog();
    });
    expect(await countDecisions(org.id)).toBe(5);
    expect(await countDecisions(org.id, { principalId: "ends-connection" })).toBe(1);
  });

  it("keeps text outside ASCII intact across buffers, also in the halves of a batch with a refused row", async () => {
    const { org } = await createTestOrg();
    const reason = (i: number) => `Zugriff für „Prüfer“ 🚀 ${i}`;
    for (let i = 0; i < 3_000; i++) {
      if (i === 1_777) recordDecision(decision("not-a-uuid", { reason: reason(i) }));
      recordDecision(decision(org.id, { principalId: `user-${i}`, reason: reason(i) }));
    }
    await flushDecisionLog();
    expect(await countDecisions(org.id)).toBe(3_000);
    const rows = await loggedDecisions(org.id, { principalIds: ["user-0", "user-1776", "user-1777", "user-2999"] });
    expect(new Map(rows.map((r) => [r.principalId, r.reason]))).toEqual(
      new Map([
        ["user-0", reason(0)],
        ["user-1776", reason(1776)],
        ["user-1777", reason(1777)],
        ["user-2999", reason(2999)],
      ]),
    );
  });

  it("writes the halves of a small refused batch from their own copy, while chunks are taken and written over meanwhile", async () => {
    // Three short lines share one chunk; the middle one is refused. The retry of the first
    // line (its half) is held for a second while another organization's batch grows into
    // 64 KB chunks: the shared chunk, were it given back before the second half is sent.
    const [held, after, big] = [randomUUID(), randomUUID(), (await createTestOrg()).org.id];
    await withOneTimeTrigger(
      "decision_log_test_hold_half",
      "hold-half",
      "PERFORM pg_sleep(1)",
      async () => {
        recordDecision(decision(held, { principalId: "hold-half" }));
        recordDecision(decision("not-a-uuid"));
        recordDecision(decision(after, { principalId: "after-refused" }));
        const writing = flushDecisionLog();
        await until("the half waits", async () => (await db.$queryRaw<unknown[]>`SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE 'COPY%'`).length > 0);
        recordMany(big, 2_000);
        await writing;
        await flushDecisionLog();
      },
      2,
    );
    expect((await loggedDecisions(held)).map((d) => d.principalId)).toEqual(["hold-half"]);
    expect((await loggedDecisions(after)).map((d) => d.principalId)).toEqual(["after-refused"]);
    expect(await countDecisions(big)).toBe(2_000);
  });

  it("keeps principals with quotes, backslashes, braces and commas intact, and finds decisions by them", async () => {
    const { org, owner } = await createTestOrg();
    const odd = ['a"b', "c\\d", "{e},f g", "NULL", "", "h\ti\u001ej"];
    for (const principalId of odd) recordDecision(decision(org.id, { principalId, permission: "odd:read" }));
    await flushDecisionLog();
    const stored = odd.map((p) => p.replace("\u001e", "\ufffd"));
    expect((await loggedDecisions(org.id, { permission: "odd:read" })).map((d) => d.principalId)).toEqual(stored);
    for (const principalId of stored.filter(Boolean)) {
      const { decisions } = await listDecisions(owner, { principal: principalId, permission: "odd:read" });
      expect(
        decisions.map((d) => d.principalId),
        principalId,
      ).toEqual([principalId]);
    }
  });

  it("keeps every decision whole across the chunks of a batch, and while it is written, in chunks that batches recorded meanwhile take", async () => {
    // Reasons of 0-2,000 bytes: decisions end anywhere in a chunk, and some do not fit in what is left of one.
    const reason = (round: number, i: number) => `${round}:${i}:${"ü".repeat((i * 37) % 1_000)}`;
    const [held, big, later] = await Promise.all([createTestOrg(), createTestOrg(), createTestOrg()]).then((created) => created.map((o) => o.org.id));
    const record = (orgId: string, round: number, n: number) => {
      for (let i = 0; i < n; i++) recordDecision(decision(orgId, { principalId: `user-${i}`, reason: reason(round, i) }));
    };
    // The COPY stops at its first row for a second: the 15 MB behind it wait in the sockets and
    // in the process, while another batch is recorded (in freed chunks, were any freed too soon).
    await withOneTimeTrigger("decision_log_test_hold", "hold", "PERFORM pg_sleep(1)", async () => {
      recordDecision(decision(held, { principalId: "hold" }));
      record(big, 1, 15_000);
      const writing = flushDecisionLog();
      await until("the COPY waits", async () => (await db.$queryRaw<unknown[]>`SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE 'COPY%'`).length > 0);
      record(later, 2, 2_000);
      await writing;
      await flushDecisionLog();
    });
    for (const [orgId, round, n] of [
      [big, 1, 15_000],
      [later, 2, 2_000],
    ] as const) {
      const rows = await loggedDecisions(orgId);
      expect(rows).toHaveLength(n);
      expect(new Map(rows.map((r) => [r.principalId, r.reason]))).toEqual(new Map(Array.from({ length: n }, (_, i) => [`user-${i}`, reason(round, i)])));
    }
  });

  it("goes on when a row is refused while the batch's bytes are backed up in the socket, and writes the rest", async () => {
    // Organizations' lines of 17 KB, too large to be copied together: each is sent as pieces of
    // a few KB (its header, its decisions' 2, 8 and 32 KB chunks, a newline), which the COPY stream
    // would take several at a time. The COPY stops at its first row for a second, so the sockets
    // fill; then the next row is refused while the client still holds pieces to send.
    const neighbour = `neighbour-${randomUUID()}`;
    const orgs = Array.from({ length: 600 }, () => randomUUID());
    await withOneTimeTrigger("decision_log_test_hold_refuse", "hold-refuse", "PERFORM pg_sleep(1)", async () => {
      recordDecision(decision(randomUUID(), { principalId: "hold-refuse" }));
      recordDecision(decision("not-a-uuid"));
      for (const orgId of orgs) for (let i = 0; i < 17; i++) recordDecision(decision(orgId, { principalId: neighbour, reason: "r".repeat(1_000) }));
      await flushDecisionLog();
    });
    const [{ n }] = await db.$queryRaw<[{ n: number }]>`SELECT coalesce(sum(size), 0)::int AS n FROM "DecisionLog" WHERE ${neighbour} = ANY("principalIds")`;
    expect(n).toBe(orgs.length * 17);
  });

  it("keeps many organizations' small batches whole when they are copied together, with escapes, a large batch and a refused row among them", async () => {
    // A few decisions each: their lines are copied into shared chunks (a large batch's are sent as they are).
    const orgs = Array.from({ length: 3_000 }, () => randomUUID());
    const large = (await createTestOrg()).org.id;
    // ~1.5 KB each: an organization's second decision does not fit its first 2 KB chunk, so its line is two chunks' bytes.
    const text = (orgId: string, i: number) => `${orgId.slice(0, 4)}\t"ü"\\{${i}},\n🚀${"·".repeat(i < 10 ? 0 : 700)}`;
    for (const [n, orgId] of orgs.entries()) {
      if (n === 1_500) {
        recordDecision(decision("not-a-uuid"));
        recordMany(large, 5_000);
      }
      for (let i = 0; i < 2; i++) recordDecision(decision(orgId, { principalId: text(orgId, i), reason: text(orgId, i + 10) }));
    }
    await flushDecisionLog();
    const rows = await db.$queryRaw<Array<{ orgId: string; principalId: string; reason: string }>>`
      SELECT b."orgId"::text AS "orgId", e."principalId", e.reason FROM "DecisionLog" b ${DECISIONS_OF_BATCH} WHERE b."orgId" = ANY(${orgs}::uuid[]) ORDER BY b.id, e.n`;
    expect(rows).toEqual(orgs.flatMap((orgId) => [0, 1].map((i) => ({ orgId, principalId: text(orgId, i), reason: text(orgId, i + 10) }))));
    expect(await countDecisions(large)).toBe(5_000);
  });

  it("writes a decision larger than a whole buffer", async () => {
    const { org } = await createTestOrg();
    const reason = "é".repeat(300_000); // 600 KB in UTF-8; room is kept for 900 KB
    recordMany(org.id, 2);
    recordDecision(decision(org.id, { principalId: "long", reason }));
    recordMany(org.id, 2);
    await flushDecisionLog();
    expect(await countDecisions(org.id)).toBe(5);
    expect((await loggedDecisions(org.id, { principalId: "long" }))[0]?.reason).toBe(reason);
  });

  it("holds answers back while over 100,000 decisions wait, and lets them go once the writers catch up", async () => {
    const { org } = await createTestOrg();
    expect(decisionLogRoom()).toBeNull();
    // Two writers take 20,000 each at once; the rest waits.
    recordMany(org.id, 150_000);
    const room = decisionLogRoom();
    expect(room).toBeInstanceOf(Promise);
    await room;
    expect(decisionLogRoom()).toBeNull();
    await flushDecisionLog();
    expect(await countDecisions(org.id)).toBe(150_000);
  });
});
