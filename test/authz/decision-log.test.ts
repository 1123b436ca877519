// The decision log under load: every recorded decision reaches the table,
// across several COPY batches, and answers wait (instead of decisions being
// shed) while the writers are far behind.
import { describe, expect, it } from "vitest";
import { decisionLogRoom, flushDecisionLog, recordDecision, type DecisionLogEntry } from "../../lib/authz/decision-log.ts";
import { db } from "../../lib/db.ts";
import { createTestOrg } from "../helpers.ts";

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

describe("decision log writer", () => {
  it("writes every decision when more arrive than one COPY batch holds", async () => {
    const { org } = await createTestOrg();
    recordMany(org.id, 45_000);
    await flushDecisionLog();
    expect(await db.decisionLog.count({ where: { orgId: org.id } })).toBe(45_000);
    expect(await db.decisionLog.count({ where: { orgId: org.id, allowed: true } })).toBe(22_500);
  });

  it("writes a decision whose text holds a NUL (which PostgreSQL cannot store) without it, and goes on", async () => {
    const { org } = await createTestOrg();
    recordDecision(decision(org.id, { principalId: "a\u0000b" }));
    recordMany(org.id, 3);
    await flushDecisionLog();
    expect(await db.decisionLog.count({ where: { orgId: org.id } })).toBe(4);
    expect(await db.decisionLog.count({ where: { orgId: org.id, principalId: "ab" } })).toBe(1);
  });

  it("writes the rest of a batch when the database refuses one of its rows", async () => {
    const { org } = await createTestOrg();
    recordMany(org.id, 2);
    recordDecision(decision("not-a-uuid"));
    recordMany(org.id, 3);
    await flushDecisionLog();
    expect(await db.decisionLog.count({ where: { orgId: org.id } })).toBe(5);
  });

  it("writes the rest of a large batch when a row deep inside it is refused", async () => {
    const { org } = await createTestOrg();
    recordMany(org.id, 1_000);
    recordDecision(decision("not-a-uuid"));
    recordMany(org.id, 2_000);
    await flushDecisionLog();
    expect(await db.decisionLog.count({ where: { orgId: org.id } })).toBe(3_000);
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
    expect(await db.decisionLog.count({ where: { orgId: org.id } })).toBe(150_000);
  });
});
