// The fast check of a usage event gives the schema's answer: every event it
// takes, the schema takes with the same data; every event the schema refuses,
// it leaves to the schema (which says why).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { expectSchemaAnswers, seededRandom } from "../../test/fast-parse.ts";
import { ISO_DATETIME_WITH_ZONE, plainlyValidEvent, UsageEventInput } from "./ingest.ts";

const { random, pick } = seededRandom(11);

const texts = ["", "a", "x".repeat(200), "x".repeat(201), "evt_1", "acct 42", "é🎉", 7, null, undefined, true, {}, []];
const timestamps = [
  "2026-12-03T10:15:00Z",
  "2026-12-03T10:15:00.123456Z",
  "2026-12-03T10:15:00+02:00",
  "2026-12-03T10:15:00-11:30",
  "2026-12-03T10:15Z",
  "2026-12-03T10:15:00",
  "2026-12-03 10:15:00Z",
  "2026-12-03T10:15:00z",
  "2026-12-03T24:00:00Z",
  "2024-02-29T00:00:00Z",
  "2023-02-29T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-12-03T10:15:00+2:00",
  "yesterday",
  1733220000000,
  undefined,
];
const deep = (levels: number): unknown => (levels === 0 ? 1 : { next: deep(levels - 1) });
const propertyValues = [
  undefined,
  null,
  [],
  "text",
  {},
  { tokens: 12, model: "small" },
  { ["k".repeat(100)]: 1 },
  { ["k".repeat(101)]: 1 },
  { list: [1, "two", { three: 3 }] },
  { nested: deep(3) },
  { nested: deep(4) },
  { nested: deep(5) },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { "": "empty name" },
];

function randomEvent(): unknown {
  if (random() < 0.03) return pick([null, "event", 12, [], [{ id: "x" }]]);
  const event: Record<string, unknown> = {};
  const set = (field: string, value: unknown) => {
    if (value !== undefined) event[field] = value;
  };
  set("id", random() < 0.8 ? `evt_${Math.floor(random() * 1e6)}` : pick(texts));
  set("type", random() < 0.8 ? "api_call" : pick(texts));
  set("timestamp", random() < 0.6 ? "2026-12-03T10:15:00.5Z" : pick(timestamps));
  set("organization", random() < 0.8 ? "acct_1042" : pick(texts));
  set("properties", random() < 0.6 ? { tokens: Math.floor(random() * 1000), model: "large" } : pick(propertyValues));
  if (random() < 0.05) event[pick(["extra", "Id", "timestamps", "org"])] = 1;
  return JSON.parse(JSON.stringify(event)) as unknown;
}

describe("the fast check of a usage event", () => {
  it("checks timestamps with the pattern of the schema's z.iso.datetime", () => {
    const schema = z.iso.datetime({ offset: true });
    expect(ISO_DATETIME_WITH_ZONE.source).toBe((schema._zod.def as { pattern: RegExp }).pattern.source);
  });

  it("answers as the schema does, for 5,000 random events valid and not", () => {
    // Left to the schema: nearly always because it is invalid; the rare valid one (a "__proto__" property) is parsed there.
    expectSchemaAnswers({ fast: plainlyValidEvent, schema: UsageEventInput, randomInput: randomEvent, leftOnPurpose: (raw) => JSON.stringify(raw).includes("__proto__") });
  });
});
