// Usage ingest over HTTP: who may send, what is accepted, what is a duplicate
// (within a batch, across batches, across concurrent requests, after a failed
// write), what is rejected and why, and what the rollups then say.
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { createApiKey } from "../../lib/apikeys/api-keys.ts";
import { db, dbPool } from "../../lib/db.ts";
import { claimAndTellIfSeen, forgetClaimedIds } from "../../lib/usage/claimed-ids.ts";
import { foldEvents, readUsage, storeEvents } from "../../lib/usage/event-store.ts";
import { createMeter, deleteMeter, type Meter } from "../../lib/usage/meters.ts";
import { removeOrganization } from "../../lib/orgs/update-organization.ts";
import { updateOrganizationById } from "../../lib/admin/provisioning.ts";
import { orgWithAdminKey, useMachineServer } from "../apikeys/http.ts";
import { builtInRole, createTestOrg, createUser, until } from "../helpers.ts";

const { call } = useMachineServer();
const admin = await createUser({ isInstanceAdmin: true });
const usageKey = (await createInstanceKey(admin, { name: "usage", access: "usage" })).key;
const HOUR = 3_600_000;

const send = (events: unknown[], key: string | null = usageKey) => call("POST", "/api/v1/usage/events", { key, body: { events } });
const unique = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;
const event = (orgId: string, type: string, properties: Record<string, unknown> = {}, at = new Date(), id: string = randomUUID()) => ({
  id,
  type,
  timestamp: at.toISOString(),
  organization: orgId,
  properties,
});

async function meter(aggregation: Meter["aggregation"], extra: Partial<{ valueProperty: string; filter: Record<string, string>; groupBy: string[] }> = {}) {
  const type = unique("evt");
  return createMeter(admin, { key: unique(aggregation.replace("_", "")), name: `${aggregation} meter`, eventType: type, aggregation, ...extra });
}

/** One figure for the organization and meter over all time the store keeps. */
async function quantity(orgId: string, m: Meter, byDimensions = false) {
  const rows = await readUsage({ orgId, meter: m, from: new Date(Date.now() - 40 * 24 * HOUR), to: new Date(Date.now() + 2 * HOUR), byDimensions });
  return byDimensions ? Object.fromEntries(rows.map((r) => [JSON.stringify(r.dims), r.quantity])) : (rows[0]?.quantity ?? "0");
}

describe("usage ingest", () => {
  it("accepts new events, answers repeats as duplicates, and counts each once", async () => {
    const { org } = await createTestOrg({ slugPrefix: "usage" });
    const m = await meter("count");
    const first = [event(org.id, m.eventType), event(org.id, m.eventType)];
    const answer = await send(first);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 0 });
    expect(answer.body.results).toEqual(first.map((e) => ({ id: e.id, status: "accepted" })));

    // A repeat in a later request, and twice in the same request.
    const again = await send([first[0], event(org.id, m.eventType, {}, new Date(), "same"), event(org.id, m.eventType, {}, new Date(), "same")]);
    expect(again.body.results.map((r: { status: string }) => r.status)).toEqual(["duplicate", "accepted", "duplicate"]);
    expect(await quantity(org.id, m)).toBe("3");
  });

  it.each([
    ["surely never saw", 0],
    ["may have seen, a third of them (false maybes: claimed checked, found new)", 3],
  ])("stores an id once when three requests race with it, ids this process %s", async (_, everyNth) => {
    const { org } = await createTestOrg({ slugPrefix: "usage-race" });
    const m = await meter("sum", { valueProperty: "tokens" });
    const batch = Array.from({ length: 300 }, (_, i) => event(org.id, m.eventType, { tokens: i }));
    forgetClaimedIds();
    if (everyNth) for (const e of batch.filter((_, i) => i % everyNth === 0)) claimAndTellIfSeen(org.id, e.id);
    const answers = await Promise.all([send(batch), send(batch), send([...batch].reverse())]);
    expect(answers.reduce((n, a) => n + a.body.accepted, 0)).toBe(300);
    expect(answers.reduce((n, a) => n + a.body.duplicates, 0)).toBe(600);
    expect(await quantity(org.id, m)).toBe(String((299 * 300) / 2));
  });

  it("answers a repeat this process never saw (sent through another, or before a restart) as a duplicate, and stops guessing when such repeats are common", async () => {
    const { org } = await createTestOrg({ slugPrefix: "usage-unknown" });
    const m = await meter("count");
    const first = Array.from({ length: 20 }, () => event(org.id, m.eventType));
    expect((await send(first)).body.accepted).toBe(20);
    forgetClaimedIds();
    const mixed = await send([first[0], event(org.id, m.eventType), first[1]]);
    expect(mixed.body.results.map((r: { status: string }) => r.status)).toEqual(["duplicate", "accepted", "duplicate"]);

    // Each batch below holds a new id and a repeat this process forgot: its plain claims are refused, and it is stored checked.
    forgetClaimedIds();
    const query = vi.spyOn(dbPool(), "query");
    const triedPlain: boolean[] = [];
    try {
      for (let round = 0; round < 12; round++) {
        forgetClaimedIds({ keepRefusals: true });
        query.mockClear();
        const answer = await send([event(org.id, m.eventType), first[2 + round]]);
        expect(answer.body.results.map((r: { status: string }) => r.status)).toEqual(["accepted", "duplicate"]);
        triedPlain.push(query.mock.calls.some(([q]: unknown[]) => String((q as { text?: unknown }).text).includes("claimed AS (")));
      }
    } finally {
      query.mockRestore();
    }
    // After six refusals (a tenth of batches lately), every id is checked: no statement is refused while the share falls.
    expect(triedPlain).toEqual([...Array(6).fill(true), ...Array(6).fill(false)]);
    expect(await quantity(org.id, m)).toBe(String(20 + 1 + 12));
  });

  it("stores a batch whose plain claims deadlocked with another batch again, with every id checked", async () => {
    const { org } = await createTestOrg({ slugPrefix: "usage-deadlock" });
    const m = await meter("count");
    const fail = `usage_deadlock_${randomUUID().slice(0, 8)}`;
    // The first claim of this organization's ids ends as PostgreSQL ends a deadlock (a sequence, which no rollback undoes, counts).
    await db.$executeRawUnsafe(`CREATE SEQUENCE usage.${fail}`);
    await db.$executeRawUnsafe(
      `CREATE FUNCTION usage.${fail}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF nextval('usage.${fail}') = 1 THEN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END IF; RETURN NEW; END $$`,
    );
    await db.$executeRawUnsafe(`CREATE TRIGGER ${fail} BEFORE INSERT ON usage.event_id FOR EACH ROW WHEN (NEW.org_id = '${org.id}') EXECUTE FUNCTION usage.${fail}()`);
    forgetClaimedIds();
    const query = vi.spyOn(dbPool(), "query");
    try {
      const answer = await send([event(org.id, m.eventType), event(org.id, m.eventType)]);
      expect(answer.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 0 });
      const claims = query.mock.calls.map(([q]: unknown[]) => String((q as { text?: unknown }).text)).filter((text) => text.includes("INSERT INTO usage.event_id"));
      expect(claims.map((text) => text.includes("claimed AS ("))).toEqual([true, false]);
    } finally {
      query.mockRestore();
      await db.$executeRawUnsafe(`DROP TRIGGER ${fail} ON usage.event_id`);
      await db.$executeRawUnsafe(`DROP FUNCTION usage.${fail}()`);
      await db.$executeRawUnsafe(`DROP SEQUENCE usage.${fail}`);
    }
    expect(await quantity(org.id, m)).toBe("2");
  });

  it("claims an id only with its event: a write that failed leaves the retry to store it", async () => {
    const { org } = await createTestOrg({ slugPrefix: "usage-retry" });
    const m = await meter("count");
    const fail = `usage_fail_${randomUUID().slice(0, 8)}`;
    // The event write fails for this organization, after the ids were claimed in the same statement.
    await db.$executeRawUnsafe(`CREATE FUNCTION usage.${fail}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`);
    await db.$executeRawUnsafe(`CREATE TRIGGER ${fail} BEFORE INSERT ON usage.event FOR EACH ROW WHEN (NEW.org_id = '${org.id}') EXECUTE FUNCTION usage.${fail}()`);
    const events = [1, 2, 3].map(() => ({ orgId: org.id, id: randomUUID(), type: m.eventType, timestamp: new Date(), properties: {} }));
    try {
      await expect(storeEvents(events)).rejects.toThrow(/disk full/);
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER ${fail} ON usage.event`);
      await db.$executeRawUnsafe(`DROP FUNCTION usage.${fail}()`);
    }
    expect(await storeEvents(events)).toEqual(new Set([0, 1, 2]));
    expect(await quantity(org.id, m)).toBe("3");
  });

  it("rejects, one by one and with the reason, what it cannot take, and takes the rest", async () => {
    const { org } = await createTestOrg({ slugPrefix: "usage-reject" });
    const m = await meter("sum", { valueProperty: "bytes" });
    const answer = await send([
      event(org.id, m.eventType, { bytes: 10 }),
      event(org.id, m.eventType, { bytes: 1 }, new Date(Date.now() - 36 * 24 * HOUR)),
      event(org.id, m.eventType, { bytes: 1 }, new Date(Date.now() + HOUR)),
      event(randomUUID(), m.eventType, { bytes: 1 }),
      event("no-such-external-id", m.eventType, { bytes: 1 }),
      event(org.id, m.eventType, { bytes: "a lot" }),
      event(org.id, m.eventType, { bytes: -5 }),
      event(org.id, m.eventType, { bytes: 2 ** 60 }),
      { ...event(org.id, m.eventType), extra: true },
      { id: "no-timestamp", type: m.eventType, organization: org.id },
      event(org.id, m.eventType, { bytes: 1, deep: { a: { b: { c: { d: 1 } } } } }),
      event(org.id, m.eventType, { bytes: 1, note: "nul \u0000 inside" }),
      event(org.id, m.eventType, { bytes: "2.5" }),
    ]);
    expect(answer.status).toBe(202);
    expect(answer.body.results.map((r: { status: string; reason?: string }) => r.reason ?? r.status)).toEqual([
      "accepted",
      "too_old",
      "in_future",
      "organization_not_found",
      "organization_not_found",
      "invalid_value",
      "invalid_value",
      "invalid_value",
      "invalid_event",
      "invalid_event",
      "invalid_event",
      "invalid_event",
      "accepted",
    ]);
    expect(answer.body.results[10].message).toBe("properties: properties nest at most 4 levels deep");
    expect(answer.body.results[11].message).toMatch(/NUL characters/);
    expect(answer.body.results[7].message).toMatch(/send this one as a string/);
    expect(answer.body.results[8].message).toBe("unknown field extra");
    expect(answer.body.results[9].message).toMatch(/^timestamp: /);
    expect(answer.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 11 });
    expect(await quantity(org.id, m)).toBe("12.5");
  });

  it("refuses NUL and lone surrogates event by event, only as \\u escapes can make them; raw UTF-8, and bytes that are not, is text", async () => {
    const { org } = await createTestOrg({ slugPrefix: "usage-text" });
    const m = await meter("sum", { valueProperty: "bytes" });
    const raw = (note: Buffer | string) => Buffer.concat([Buffer.from(`${JSON.stringify(event(org.id, m.eventType, { bytes: 1 })).slice(0, -2)},"note":"`), Buffer.from(note), Buffer.from(`"}}`)]);
    const body = (...events: Buffer[]) => Buffer.concat([Buffer.from(`{"events":[`), ...events.flatMap((e, n) => (n ? [Buffer.from(","), e] : [e])), Buffer.from("]}")]);
    // Raw UTF-8, an encoded surrogate (not UTF-8), and bytes that are not UTF-8.
    const plain = () => ["café ☃ 🎉", Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x62]), Buffer.from([0xff, 0xfe])].map(raw);
    const statuses = (answer: { body: { results: Array<{ status: string; reason?: string }> } }) => answer.body.results.map((r) => r.reason ?? r.status);

    // No escape anywhere: nothing is searched, and the decoder made every byte text (bad ones U+FFFD).
    expect(statuses(await call("POST", "/api/v1/usage/events", { key: usageKey, rawBody: body(...plain()) }))).toEqual(["accepted", "accepted", "accepted"]);
    const escaped = await call("POST", "/api/v1/usage/events", {
      key: usageKey,
      rawBody: body(raw("a lone \\ud800"), raw("nul \\u0000"), raw("a pair \\ud83c\\udf89"), raw("\\u00e9"), ...plain()),
    });
    expect(statuses(escaped)).toEqual(["invalid_event", "invalid_event", "accepted", "accepted", "accepted", "accepted", "accepted"]);
    expect(escaped.body.results[0].message).toMatch(/^properties\.note: .*unpaired UTF-16 surrogates/);
    const key = await call("POST", "/api/v1/usage/events", { key: usageKey, rawBody: Buffer.from(JSON.stringify({ events: [event(org.id, m.eventType, { bytes: 1, "a\u0000b": 1 })] })) });
    expect(statuses(key)).toEqual(["invalid_event"]);
    expect(await quantity(org.id, m)).toBe("8");
  });

  it("refuses a request that is not a batch of 1 to 1,000 events, and changes nothing", async () => {
    expect((await send([])).body.error.message).toMatch(/at least one event/);
    expect((await send(Array.from({ length: 1001 }, () => ({})))).body.error.message).toMatch(/at most 1,000/);
    expect((await call("POST", "/api/v1/usage/events", { key: usageKey, body: { events: [], more: 1 } })).status).toBe(400);
  });

  it("names organizations by id or by the external id provisioning gave them", async () => {
    const externalId = unique("acct");
    const { key } = await createInstanceKey(admin, { name: "provisioning" });
    const org = (await call("POST", "/api/v1/organizations", { key, body: { name: "Ext", slug: unique("ext").replace("_", "-"), externalId, owner: { email: `${unique("o")}@example.com` } } })).body;
    expect(org.externalId).toBe(externalId);
    const m = await meter("count");
    expect((await send([event(externalId, m.eventType), event(org.id, m.eventType)])).body.accepted).toBe(2);
    expect(await quantity(org.id, m)).toBe("2");
  });

  it("takes only keys holding usage:write, and a usage key can do nothing else", async () => {
    const { org, adminKey } = await orgWithAdminKey();
    const m = await meter("count");
    const refused = await send([event(org.id, m.eventType)], adminKey);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/usage:write/);
    expect((await send([event(org.id, m.eventType)], null)).status).toBe(401);
    // An instance admin's key holds every instance permission.
    const { key: provisioning } = await createInstanceKey(admin, { name: "provisioning" });
    expect((await send([event(org.id, m.eventType)], provisioning)).body.accepted).toBe(1);
    // The usage key provisions nothing and acts in no organization.
    expect((await call("GET", "/api/v1/organizations", { key: usageKey })).status).toBe(403);
    expect((await call("GET", "/api/v1/meters", { key: usageKey })).status).toBe(403);
    const inOrg = await call("GET", "/api/v1/members", { key: usageKey, headers: { "tollgate-organization": org.id } });
    expect(inOrg.status).toBe(403);
    expect(inOrg.body.error.message).toMatch(/holds only usage:write/);
  });

  it("keeps each organization's usage its own: the same id in two organizations is two events", async () => {
    const a = await createTestOrg({ slugPrefix: "usage-a" });
    const b = await createTestOrg({ slugPrefix: "usage-b" });
    const m = await meter("count");
    const id = randomUUID();
    const answer = await send([event(a.org.id, m.eventType, {}, new Date(), id), event(b.org.id, m.eventType, {}, new Date(), id), event(a.org.id, m.eventType)]);
    expect(answer.body.accepted).toBe(3);
    expect(await quantity(a.org.id, m)).toBe("2");
    expect(await quantity(b.org.id, m)).toBe("1");
    // An organization key with every permission an org key can hold still cannot send usage for it.
    const { key } = await createApiKey(b.owner, { name: "admin key", roleId: (await builtInRole("admin")).id });
    expect((await send([event(b.org.id, m.eventType)], key)).status).toBe(403);
    expect(await quantity(b.org.id, m)).toBe("1");
  });

  it("aggregates by meter: count, sum, max, latest and distinct values, with filters and dimensions, late events in their own hour", async () => {
    const { org } = await createTestOrg({ slugPrefix: "usage-agg" });
    const type = unique("llm");
    const make = (key: string, aggregation: Meter["aggregation"], extra: object = {}) => createMeter(admin, { key: unique(key), name: key, eventType: type, aggregation, ...extra });
    const count = await make("calls", "count", { groupBy: ["model"] });
    const sum = await make("tokens", "sum", { valueProperty: "tokens", groupBy: ["model"] });
    const eu = await make("eu_tokens", "sum", { valueProperty: "tokens", filter: { region: "eu" } });
    const max = await make("peak", "max", { valueProperty: "tokens" });
    const latest = await make("seats", "latest", { valueProperty: "seats" });
    const users = await make("users", "unique_count", { valueProperty: "user" });
    const now = Date.now();
    const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR);
    await send([
      event(org.id, type, { model: "small", tokens: 10, region: "eu", seats: 3, user: "u1" }, at(5)),
      event(org.id, type, { model: "large", tokens: "0.25", region: "us", seats: 5, user: "u2" }, at(3)),
      event(org.id, type, { model: "small", tokens: 7, region: "eu", seats: 4, user: "u1" }, at(1)),
    ]);
    // Late, but inside the window: it counts in its own hour, and is not the latest.
    await send([event(org.id, type, { model: "large", tokens: 100, seats: 9, user: 7 }, at(48))]);
    // The same figures before the events are folded into the rollups (read from the events) and after.
    for (const folded of [false, true]) {
      if (folded)
        await until("the events are folded", async () => (await foldEvents()) !== null && (await db.$queryRaw<unknown[]>`SELECT 1 FROM usage.rollup WHERE meter_id = ${count.id}::uuid`).length === 4);
      expect(await quantity(org.id, count, true)).toEqual({ '{"model":"large"}': "2", '{"model":"small"}': "2" });
      expect(await quantity(org.id, sum, true)).toEqual({ '{"model":"large"}': "100.25", '{"model":"small"}': "17" });
      expect(await quantity(org.id, eu)).toBe("17");
      expect(await quantity(org.id, max)).toBe("100");
      expect(await quantity(org.id, latest)).toBe("4");
      expect(await quantity(org.id, users)).toBe("3");
      const hourly = await readUsage({ orgId: org.id, meter: sum, from: at(49), to: at(-1), window: "hour" });
      expect(hourly.map((r) => r.quantity)).toEqual(["100", "10", "0.25", "7"]);
      expect(hourly[0]!.windowStart!.getTime()).toBe(Math.floor((now - 48 * HOUR) / HOUR) * HOUR);
    }
    // A deleted meter takes its rollups with it.
    await deleteMeter(admin, eu.key);
    expect(await db.$queryRaw<unknown[]>`SELECT 1 FROM usage.rollup WHERE meter_id = ${eu.id}::uuid`).toEqual([]);
  });

  it("refuses events for an organization deleted since it was last named, and follows an external id to the organization that holds it now", async () => {
    const m = await meter("count");
    const gone = await createTestOrg({ slugPrefix: "usage-ref-gone" });
    const from = await createTestOrg({ slugPrefix: "usage-ref-from" });
    const to = await createTestOrg({ slugPrefix: "usage-ref-to" });
    const account = unique("acct");
    await updateOrganizationById(admin, from.org.id, { externalId: account });
    // Named once, so that the references are known to this process.
    expect((await send([event(gone.org.id, m.eventType), event(account, m.eventType)])).body.accepted).toBe(2);

    await removeOrganization(gone.owner, gone.org.id);
    await updateOrganizationById(admin, from.org.id, { externalId: null });
    await updateOrganizationById(admin, to.org.id, { externalId: account });
    const answer = await send([event(gone.org.id, m.eventType), event(account, m.eventType)]);
    expect(answer.body.results.map((r: { status: string; reason?: string }) => r.reason ?? r.status)).toEqual(["organization_not_found", "accepted"]);
    expect(await quantity(from.org.id, m)).toBe("1");
    expect(await quantity(to.org.id, m)).toBe("1");
  });

  it("forgets an organization's usage when the organization is deleted", async () => {
    const t = await createTestOrg({ slugPrefix: "usage-gone" });
    const m = await meter("count");
    await send([event(t.org.id, m.eventType)]);
    await removeOrganization(t.owner, t.org.id);
    for (const table of ["usage.event", "usage.event_id", "usage.rollup"]) {
      expect(await db.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM ${table} WHERE org_id = $1::uuid`, t.org.id)).toEqual([]);
    }
  });
});

describe("GET /api/v1/usage", () => {
  it("answers an organization's key with its own usage only, by window and dimension", async () => {
    const a = await orgWithAdminKey();
    const b = await orgWithAdminKey();
    const m = await meter("sum", { valueProperty: "tokens", groupBy: ["model"] });
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    await send([event(a.org.id, m.eventType, { tokens: 5, model: "x" }), event(a.org.id, m.eventType, { tokens: 7, model: "y" }), event(b.org.id, m.eventType, { tokens: 1000, model: "x" })]);
    const query = `meter=${m.key}&from=${day.toISOString()}&to=${new Date(day.getTime() + 86_400_000).toISOString()}`;
    const total = await call("GET", `/api/v1/usage?${query}`, { key: a.adminKey });
    expect(total.status).toBe(200);
    expect(total.body).toMatchObject({ meter: { key: m.key, aggregation: "sum" }, window: null, data: [{ windowStart: null, quantity: "12", events: "2" }] });
    const split = await call("GET", `/api/v1/usage?${query}&window=day&byDimensions=true`, { key: a.adminKey });
    expect(split.body.data.map((p: { dimensions: unknown; quantity: string }) => [p.dimensions, p.quantity])).toEqual([
      [{ model: "x" }, "5"],
      [{ model: "y" }, "7"],
    ]);
    // The other organization sees its own figure, never this one's.
    expect((await call("GET", `/api/v1/usage?${query}`, { key: b.adminKey })).body.data[0].quantity).toBe("1000");
  });

  it("needs usage:read, and refuses a bad range or an unknown meter with a clear error", async () => {
    const { org, owner } = await orgWithAdminKey();
    const { key: viewerKey } = await createApiKey(owner, { name: "viewer", roleId: (await builtInRole("viewer")).id });
    const m = await meter("count");
    const now = Date.now();
    const query = (from: number, to: number, meterKey = m.key) => `/api/v1/usage?meter=${meterKey}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    expect((await call("GET", query(now - HOUR, now), { key: viewerKey })).status).toBe(403);
    const { key } = await createApiKey(owner, { name: "reader", permissions: ["usage:read"] });
    expect((await call("GET", query(now, now - HOUR), { key })).body.error).toMatchObject({ code: "invalid_range", message: "from must be before to." });
    expect((await call("GET", query(now - 500 * 24 * HOUR, now), { key })).body.error.message).toMatch(/At most 400 days/);
    expect((await call("GET", query(now - HOUR, now, "no_such_meter"), { key })).status).toBe(404);
    expect((await call("GET", `${query(now - HOUR, now)}&window=week`, { key })).body.error.message).toMatch(/hour, day or month/);
    expect(org.id).toBeTruthy();
  });
});
