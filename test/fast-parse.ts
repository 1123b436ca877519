// A fast parse beside the schema it stands in for on a hot path (a usage
// event, a check's input): held to the schema's answers over random inputs.
import { expect } from "vitest";
import type { z } from "zod";

/** A seeded generator (the same inputs every run), and a pick from a list with it. */
export function seededRandom(seed: number) {
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(choices: readonly T[]): T => choices[Math.floor(random() * choices.length)]!;
  return { random, pick };
}

/**
 * Over `count` random inputs: every input `fast` takes, the schema takes with
 * the same data; an input it leaves that the schema takes must be one
 * `leftOnPurpose` names (the rest it leaves are invalid, and the schema says
 * why). `parse`, when given (fast, else the schema), answers as the schema
 * does every time. Both kinds of input must be common.
 */
export function expectSchemaAnswers<T>(options: {
  fast: (raw: unknown) => T | null;
  schema: z.ZodType<T>;
  randomInput: () => unknown;
  leftOnPurpose: (raw: unknown) => boolean;
  parse?: (raw: unknown) => T;
  count?: number;
}) {
  const { fast, schema, randomInput, leftOnPurpose, parse, count = 5_000 } = options;
  let taken = 0;
  let left = 0;
  for (let i = 0; i < count; i++) {
    const raw = randomInput();
    const quick = fast(raw);
    const parsed = schema.safeParse(raw);
    if (quick) {
      taken++;
      expect(parsed.success, JSON.stringify(raw)).toBe(true);
      expect(quick).toEqual(parsed.data);
    } else {
      left++;
      if (parsed.success) expect(leftOnPurpose(raw), JSON.stringify(raw)).toBe(true);
    }
    if (parse && parsed.success) expect(parse(raw)).toEqual(parsed.data);
    else if (parse) expect(() => parse(raw)).toThrow();
  }
  expect(taken).toBeGreaterThan(count / 5);
  expect(left).toBeGreaterThan(count / 5);
}
