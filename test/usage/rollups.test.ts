// The rollups kept by ingest equal a recomputation from the raw events; the
// rebuild reports any row that differs and, asked to, puts it right.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "../../lib/db.ts";
import { foldEvents, MONTH_COUNTS, readUsage, rebuildRollups, storeEvents } from "../../lib/usage/event-store.ts";
import { createMeter } from "../../lib/usage/meters.ts";
import { createTestOrg, createUser, until } from "../helpers.ts";

const HOUR = 3_600_000;

describe("usage rollups", () => {
  it("match the raw events; a damaged row is reported, then repaired", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const { org } = await createTestOrg({ slugPrefix: "rollups" });
    const type = `rollup_${randomUUID().slice(0, 8)}`;
    const sum = await createMeter(admin, { key: `bytes_${randomUUID().slice(0, 8)}`, name: "Bytes", eventType: type, aggregation: "sum", valueProperty: "bytes", groupBy: ["region"] });
    const users = await createMeter(admin, { key: `users_${randomUUID().slice(0, 8)}`, name: "Users", eventType: type, aggregation: "unique_count", valueProperty: "user" });
    // Ten days back, at an hour of their own: no other test writes there.
    const start = Math.floor((Date.now() - 10 * 24 * HOUR) / HOUR) * HOUR + Math.floor(Math.random() * 50) * 60_000;
    const events = Array.from({ length: 60 }, (_, i) => ({
      orgId: org.id,
      id: randomUUID(),
      type,
      timestamp: new Date(start + i * 7 * 60_000),
      properties: { bytes: i, region: i % 3 ? "eu" : "us", user: `u${i % 7}` },
    }));
    await storeEvents(events.slice(0, 40));
    await storeEvents(events.slice(20)); // half of it again: duplicates change nothing
    const range = { from: new Date(start), to: new Date(start + 8 * HOUR) };
    // Only this organization's rows are judged: the database is shared with other test files.
    const ours = async (repair: boolean) => {
      const report = await rebuildRollups({ ...range, repair, orgId: org.id });
      return { ...report, examples: report.examples.filter((d) => d.orgId === org.id) };
    };
    expect((await ours(false)).examples).toEqual([]);
    const total = async () => (await readUsage({ orgId: org.id, meter: sum, ...range }))[0]!.quantity;
    expect(await total()).toBe(String((59 * 60) / 2));

    // Folded first (a fold may be under way elsewhere), so that the rows to damage exist.
    await until(
      "the events are folded",
      async () =>
        (await foldEvents()) !== null && (await db.$queryRaw<unknown[]>`SELECT 1 FROM usage.rollup_value WHERE org_id = ${org.id}::uuid AND meter_id = ${users.id}::uuid LIMIT 1`).length === 1,
      30_000,
    );
    // Damage: one rollup row changed, one distinct value lost.
    await db.$executeRaw`UPDATE usage.rollup SET total = total + 1 WHERE org_id = ${org.id}::uuid AND meter_id = ${sum.id}::uuid AND hour = ${new Date(Math.floor(start / HOUR) * HOUR)} AND dims = '{"region": "eu"}'`;
    await db.$executeRaw`DELETE FROM usage.rollup_value WHERE ctid IN (SELECT ctid FROM usage.rollup_value WHERE org_id = ${org.id}::uuid AND meter_id = ${users.id}::uuid LIMIT 1)`;
    const report = await ours(false);
    expect(report.examples).toHaveLength(2);
    expect(report.examples.find((d) => d.meterId === sum.id)).toMatchObject({ stored: expect.stringMatching(/total=\d+/), expected: expect.stringMatching(/total=\d+/) });
    expect(report.repaired).toBe(false);
    expect(await total()).toBe(String((59 * 60) / 2 + 1));

    const repaired = await ours(true);
    expect(repaired.repaired).toBe(true);
    expect(repaired.examples).toHaveLength(2);
    expect((await ours(false)).examples).toEqual([]);
    expect(await total()).toBe(String((59 * 60) / 2));
    expect((await readUsage({ orgId: org.id, meter: users, ...range }))[0]!.quantity).toBe("7");
  });
});

describe("events a month (what plan limits count)", () => {
  it("are recomputed for the months the range holds whole; a damaged count is reported, then repaired", async () => {
    const { org } = await createTestOrg({ slugPrefix: "months" });
    const now = new Date();
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    await storeEvents(Array.from({ length: 12 }, (_, i) => ({ orgId: org.id, id: `m-${i}`, type: "months_test", timestamp: new Date(month.getTime() + (i + 1) * HOUR), properties: {} })));
    const check = async (repair: boolean) => rebuildRollups({ from: month, to: next, repair, orgId: org.id });
    const count = async () => (await db.$queryRaw<Array<{ events: bigint }>>`SELECT events FROM usage.org_month WHERE org_id = ${org.id}::uuid AND month = ${month}`)[0]?.events;
    // Folded once no transaction older than the events is still running (other suites run beside this one).
    await until("the events are folded", async () => (await foldEvents()) !== null && (await count()) === 12n, 30_000);
    expect((await check(false)).differences).toBe(0);

    await db.$executeRaw`UPDATE usage.org_month SET events = events + 5 WHERE org_id = ${org.id}::uuid AND month = ${month}`;
    const report = await check(false);
    expect(report.examples).toEqual([expect.objectContaining({ orgId: org.id, meterId: MONTH_COUNTS, stored: "events=17", expected: "events=12" })]);
    expect((await check(true)).repaired).toBe(true);
    expect(await count()).toBe(12n);
    expect((await check(false)).differences).toBe(0);
    // A range that holds no whole month does not judge the month's count.
    await db.$executeRaw`UPDATE usage.org_month SET events = events + 5 WHERE org_id = ${org.id}::uuid AND month = ${month}`;
    expect((await rebuildRollups({ from: new Date(month.getTime() + HOUR), to: next, repair: false, orgId: org.id })).differences).toBe(0);
    await check(true);
  });
});

describe("a meter made after events were folded", () => {
  it("counts the events stored from its making on, the same in reads, folds and rebuilds", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const { org } = await createTestOrg({ slugPrefix: "late-meter" });
    const type = `late_${randomUUID().slice(0, 8)}`;
    const at = new Date(Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR);
    const events = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ orgId: org.id, id: `${prefix}-${i}`, type, timestamp: at, properties: {} }));
    await storeEvents(events(5, "before"));
    await until(
      "the first events are folded",
      async () =>
        (await foldEvents()) !== null &&
        (await db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM usage.event WHERE org_id = ${org.id}::uuid AND xid < (SELECT watermark FROM usage.fold_state)`)[0]!.n === 5,
    );
    const meter = await createMeter(admin, { key: `late_${randomUUID().slice(0, 8)}`, name: "Late", eventType: type, aggregation: "count" });
    await storeEvents(events(2, "after"));
    const figure = async () => (await readUsage({ orgId: org.id, meter, from: at, to: new Date(at.getTime() + HOUR) }))[0]?.quantity ?? "0";
    expect(await figure()).toBe("2");
    const report = await rebuildRollups({ from: at, to: new Date(at.getTime() + HOUR), repair: false });
    expect(report.examples.filter((d) => d.orgId === org.id)).toEqual([]);
    expect(await figure()).toBe("2");
  });
});

describe("a latest meter split by a dimension", () => {
  it("is, in all, the sum of each dimension's latest value (seats per workspace)", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const { org } = await createTestOrg({ slugPrefix: "latest-dims" });
    const type = `seats_${randomUUID().slice(0, 8)}`;
    const meter = await createMeter(admin, { key: `seats_${randomUUID().slice(0, 8)}`, name: "Seats", eventType: type, aggregation: "latest", valueProperty: "seats", groupBy: ["workspace"] });
    const now = Date.now();
    const seat = (workspace: string, seats: number, minutesAgo: number) => ({
      orgId: org.id,
      id: randomUUID(),
      type,
      timestamp: new Date(now - minutesAgo * 60_000),
      properties: { workspace, seats },
    });
    await storeEvents([seat("w1", 4, 30), seat("w1", 10, 20), seat("w2", 3, 10)]);
    const range = { from: new Date(now - HOUR), to: new Date(now + HOUR) };
    expect((await readUsage({ orgId: org.id, meter, ...range }))[0]!.quantity).toBe("13");
    expect((await readUsage({ orgId: org.id, meter, ...range, byDimensions: true })).map((r) => r.quantity)).toEqual(["10", "3"]);
  });
});

describe("dimension values", () => {
  it("absent, JSON null, or holding nulls count as their dims object says, the same unfolded, folded and rebuilt", async () => {
    const admin = await createUser({ isInstanceAdmin: true });
    const { org } = await createTestOrg({ slugPrefix: "dims-nulls" });
    const type = `dims_${randomUUID().slice(0, 8)}`;
    const key = () => `m_${randomUUID().slice(0, 8)}`;
    const sum = await createMeter(admin, { key: key(), name: "Bytes", eventType: type, aggregation: "sum", valueProperty: "bytes", groupBy: ["region", "plan"] });
    const latest = await createMeter(admin, { key: key(), name: "Seats", eventType: type, aggregation: "latest", valueProperty: "bytes", groupBy: ["region"] });
    const users = await createMeter(admin, { key: key(), name: "Users", eventType: type, aggregation: "unique_count", valueProperty: "user", groupBy: ["region"] });
    const start = Math.floor((Date.now() - 9 * 24 * HOUR) / HOUR) * HOUR + Math.floor(Math.random() * 50) * 60_000;
    const regions: unknown[] = [undefined, null, { zone: null }, {}, "eu", { zone: "a" }];
    const events = regions.map((region, i) => ({
      orgId: org.id,
      id: randomUUID(),
      type,
      timestamp: new Date(start + i * 60_000),
      properties: { bytes: i + 1, user: `u${i % 2}`, plan: i % 2 ? null : "pro", ...(region === undefined ? {} : { region }) },
    }));
    await storeEvents(events);
    const range = { from: new Date(start), to: new Date(start + HOUR) };
    const byDims = async () =>
      Object.fromEntries(
        await Promise.all(
          [sum, latest, users].map(async (meter) => [
            meter.key,
            (await readUsage({ orgId: org.id, meter, ...range, byDimensions: true })).map((r) => `${JSON.stringify(r.dims)}=${r.quantity}`).sort(),
          ]),
        ),
      );
    // Absent and null are one (no region); {"zone": null} is {} (nulls inside are dropped too).
    const expected = {
      [sum.key]: ['{"plan":"pro","region":"eu"}=5', '{"plan":"pro","region":{}}=3', '{"plan":"pro"}=1', '{"region":{"zone":"a"}}=6', '{"region":{}}=4', "{}=2"],
      [latest.key]: ['{"region":"eu"}=5', '{"region":{"zone":"a"}}=6', '{"region":{}}=4', "{}=2"],
      [users.key]: ['{"region":"eu"}=1', '{"region":{"zone":"a"}}=1', '{"region":{}}=2', "{}=2"],
    };
    expect(await byDims()).toEqual(expected);
    await until(
      "the events are folded",
      async () => (await foldEvents()) !== null && (await db.$queryRaw<unknown[]>`SELECT 1 FROM usage.rollup WHERE org_id = ${org.id}::uuid LIMIT 1`).length === 1,
      30_000,
    );
    expect(await byDims()).toEqual(expected);
    const report = await rebuildRollups({ ...range, repair: false, orgId: org.id });
    expect(report.examples.filter((d) => d.orgId === org.id)).toEqual([]);
  });
});

describe("the events' BRIN indexes", () => {
  it("have every page summarized after a fold, so the next fold and readers of recent events read only new pages", async () => {
    const { org } = await createTestOrg({ slugPrefix: "brin" });
    // A month of its own, far ahead: retention never drops it, and only this test writes there.
    const month = new Date(Date.UTC(2090 + Math.floor(Math.random() * 10), Math.floor(Math.random() * 12), 1));
    const type = `brin_${randomUUID().slice(0, 8)}`;
    // More than one BRIN range (128 pages) of events.
    const events = Array.from({ length: 12_000 }, (_, i) => ({ orgId: org.id, id: `e${i}`, type, timestamp: new Date(month.getTime() + i * 1000), properties: { note: "x".repeat(40) } }));
    for (let i = 0; i < events.length; i += 1_000) await storeEvents(events.slice(i, i + 1_000));
    const partition = `usage.event_${month.toISOString().slice(0, 7).replace("-", "_")}`;
    // Pages a search for no event at all still reads: those of ranges without a summary. (Not
    // asserted above 0 before the fold: another test's fold, or autovacuum, may summarize first.)
    const pagesRead = () =>
      db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL enable_seqscan = off");
        const plan = await tx.$queryRawUnsafe<unknown[]>(`EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM ${partition} WHERE xid < 0`);
        return [...JSON.stringify(plan).matchAll(/"(?:Lossy|Exact) Heap Blocks": ?(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      });
    await until("a fold has summarized the new pages", async () => (await foldEvents()) !== null && (await pagesRead()) === 0, 20_000);
  });
});

describe("stored events", () => {
  it("keep their timestamps to the millisecond, across the years events may carry", async () => {
    const { org } = await createTestOrg({ slugPrefix: "stamps" });
    // Far ahead (retention never drops these months), one of them centuries ahead.
    const stamps = ["2091-02-03T04:05:06.789Z", "2099-12-31T23:59:59.999Z", "2095-01-01T00:00:00.001Z", "2500-06-15T12:34:56.789Z"].map((t) => new Date(t));
    const events = stamps.map((timestamp, i) => ({ orgId: org.id, id: `t${i}`, type: "stamp", timestamp, properties: {} }));
    await storeEvents(events);
    // To the microsecond: a stamp a microsecond off would still read back as the same millisecond.
    const rows = await db.$queryRaw<Array<{ ts: string }>>`SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS ts FROM usage.event WHERE org_id = ${org.id}::uuid ORDER BY id`;
    expect(rows.map((r) => r.ts)).toEqual(stamps.map((t) => t.toISOString().replace("Z", "000")));
  });
});
