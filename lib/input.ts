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

/** No NUL character and no unpaired surrogate (String.prototype.isWellFormed: native, a tenth of a regular expression's time). */
export function isCleanText(text: string): boolean {
  return text.isWellFormed() && !text.includes("\u0000");
}

/** The keys down to the first string (value or key) that is not clean text, or null; the path is only spelled out when one is found. */
function uncleanKeys(value: unknown, depth: number): Array<string | number> | null {
  if (typeof value === "string") return isCleanText(value) ? null : [];
  if (depth > 32 || value === null || typeof value !== "object") return null;
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof key === "string" && !isCleanText(key)) return [key];
    const found = uncleanKeys(item, depth + 1);
    if (found) {
      found.unshift(key);
      return found;
    }
  }
  return null;
}

/** The path of the first string (value or key) that is not clean text, or null. */
export function findUncleanText(value: unknown, path = "", depth = 0): string | null {
  const keys = uncleanKeys(value, depth);
  if (!keys) return null;
  return keys.reduce<string>((where, key) => `${where ? `${where}.` : ""}${key}`, path) || "input";
}

export function assertCleanInput(value: unknown) {
  const where = findUncleanText(value);
  if (where) throw new Invalid("invalid_text", `${where}: text may not contain NUL characters or unpaired UTF-16 surrogates`);
}
