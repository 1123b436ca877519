// The fast check of a check's input gives the schema's answer: every input it
// takes, the schema takes with the same data; every input the schema refuses,
// it leaves to the schema (which says why).
import { describe, expect, it } from "vitest";
import { expectSchemaAnswers, seededRandom } from "../../test/fast-parse.ts";
import { CheckInput, parseCheckInput, plainlyValidCheck } from "./check-access.ts";

const { random, pick } = seededRandom(7);

const USER = "0b9d6d7e-6f1a-4e41-9c43-6c6a3c9a5c1e";
const texts = ["", " ", "a", " a", "a ", "\ta", "a\n", "\u00a0a", "x".repeat(100), "x".repeat(101), "x".repeat(200), "x".repeat(201), "x".repeat(254), "x".repeat(255), "é🎉", 7, null, true, {}, []];
const ips = ["10.1.2.3", "2001:db8::1", "::ffff:10.0.0.1", " 10.1.2.3", "10.1.2.3 ", "", "10.1.2.3/8", "example.com", "1".repeat(64), "1".repeat(65), null, 12, undefined];
const times = ["2027-01-31T12:00:00Z", "2027-01-31T12:00:00+02:00", "2027-01-31", "soon", 1, undefined];

function randomCheck(): unknown {
  if (random() < 0.03) return pick([null, "check", 12, [], [{ permission: "x" }]]);
  const check: Record<string, unknown> = {};
  const set = (target: Record<string, unknown>, field: string, value: unknown) => {
    if (value !== undefined) target[field] = value;
  };
  if (random() < 0.95) {
    const subject: Record<string, unknown> = {};
    set(subject, "type", random() < 0.85 ? pick(["user", "api_key"]) : pick(["User", "key", "", null, 1]));
    set(subject, "id", random() < 0.8 ? pick([USER, "ada@example.com"]) : pick(texts));
    if (random() < 0.05) subject[pick(["name", "ID", "kind"])] = "x";
    check.subject = random() < 0.97 ? subject : pick([null, "user", [subject]]);
  }
  set(check, "permission", random() < 0.8 ? pick(["traces:read", "members:write"]) : pick(texts));
  if (random() < 0.5) {
    const resource: Record<string, unknown> = {};
    set(resource, "type", random() < 0.85 ? pick(["organization", "project"]) : pick(["Project", "group", null]));
    set(resource, "id", random() < 0.8 ? USER : pick(texts));
    if (random() < 0.05) resource.slug = "x";
    check.resource = random() < 0.97 ? resource : pick([null, "project", []]);
  }
  if (random() < 0.7) {
    const context: Record<string, unknown> = {};
    set(context, "ip", random() < 0.6 ? "10.1.2.3" : pick(ips));
    if (random() < 0.3) set(context, "mfa", pick([true, false, "yes", null, 1]));
    if (random() < 0.15) set(context, "time", pick(times));
    if (random() < 0.05) context.region = "eu";
    check.context = random() < 0.97 ? context : pick([null, "context", []]);
  }
  // defineProperty: assigning "__proto__" would set the prototype; JSON.parse makes it an own field, as a request body would.
  if (random() < 0.05) Object.defineProperty(check, pick(["extra", "Permission", "subjects", "__proto__"]), { value: 1, enumerable: true });
  return JSON.parse(JSON.stringify(check)) as unknown;
}

const hasUntrimmedText = (value: unknown): boolean => (typeof value === "string" ? value.trim() !== value : value !== null && typeof value === "object" && Object.values(value).some(hasUntrimmedText));
const asksAboutTime = (raw: unknown) => (raw as { context?: { time?: unknown } }).context?.time !== undefined;

describe("the fast check of a check's input", () => {
  it("answers as the schema does, for 5,000 random inputs valid and not", () => {
    // Left to the schema: invalid, or valid only once trimmed, or asking about another time. The routes' parse answers as the schema either way.
    expectSchemaAnswers({ fast: plainlyValidCheck, schema: CheckInput, randomInput: randomCheck, leftOnPurpose: (raw) => asksAboutTime(raw) || hasUntrimmedText(raw), parse: parseCheckInput });
  });

  it("leaves a check with a time to the schema, which parses it", () => {
    const raw = { subject: { type: "user", id: USER }, permission: "traces:read", context: { time: "2027-01-31T12:00:00Z" } };
    expect(plainlyValidCheck(raw)).toBeNull();
    expect(parseCheckInput(raw).context.time).toBe("2027-01-31T12:00:00Z");
  });
});
