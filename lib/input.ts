// Rules for all input, applied where it enters (the lean router, server
// actions, sign-in) and in the schemas of dates: dates lie within the years
// 1970–9999, and text holds no NUL characters or unpaired UTF-16 surrogates
// (PostgreSQL cannot store the first; neither is anything a person typed).
import { z } from "zod";
import { Invalid } from "./errors.ts";

export const EARLIEST_DATE_MS = Date.UTC(1970, 0, 1);
export const LATEST_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A date (ISO string, milliseconds or Date) within the years 1970–9999. */
export function boundedDate(field: string) {
  return z.coerce.date({ error: `${field} must be a date` }).refine((d) => d.getTime() >= EARLIEST_DATE_MS && d.getTime() <= LATEST_DATE_MS, `${field} must be a date between the years 1970 and 9999`);
}

// eslint-disable-next-line no-control-regex -- NUL is exactly what it looks for
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isCleanText(text: string): boolean {
  return !BAD_TEXT.test(text);
}

/** The path of the first string (value or key) that is not clean text, or null. */
export function findUncleanText(value: unknown, path = "", depth = 0): string | null {
  if (typeof value === "string") return isCleanText(value) ? null : path || "input";
  if (depth > 32 || value === null || typeof value !== "object") return null;
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    const where = `${path ? `${path}.` : ""}${key}`;
    if (typeof key === "string" && !isCleanText(key)) return where;
    const found = findUncleanText(item, where, depth + 1);
    if (found) return found;
  }
  return null;
}

export function assertCleanInput(value: unknown) {
  const where = findUncleanText(value);
  if (where) throw new Invalid("invalid_text", `${where}: text may not contain NUL characters or unpaired UTF-16 surrogates`);
}
