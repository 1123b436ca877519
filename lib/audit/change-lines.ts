// An audit event's before and after, as people read a change: one line per
// field that changed ("Role: Viewer → Admin"), in words, not JSON. The JSON
// stays available behind a toggle for whoever needs all of it.

export type ChangeLine = { field: string; before?: string; after?: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** "validUntil" → "Valid until", "ipCidrs" → "Ip cidrs" (close enough to read; ids stay as they are). */
export function fieldWords(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A value in a few words: text as it is, lists joined, objects by their name or as `key: value` pairs. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "string") return value === "" ? "(empty)" : value;
  if (typeof value === "number" || typeof value === "boolean") return value === true ? "yes" : value === false ? "no" : String(value);
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map(valueText).join(", ");
  if (isRecord(value)) {
    if (typeof value.name === "string") return value.name;
    if (typeof value.email === "string") return value.email;
    const pairs = Object.entries(value).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0));
    return pairs.length === 0 ? "none" : pairs.map(([k, v]) => `${fieldWords(k).toLowerCase()} ${valueText(v)}`).join("; ");
  }
  return String(value);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The lines of a change: fields set (only after), removed (only before) or changed (both, differing). */
export function changeLines(before: unknown, after: unknown): ChangeLine[] {
  if (!isRecord(before) && !isRecord(after)) {
    if (before == null && after == null) return [];
    return same(before, after) ? [] : [{ field: "Value", ...(before != null && { before: valueText(before) }), ...(after != null && { after: valueText(after) }) }];
  }
  const b = isRecord(before) ? before : {};
  const a = isRecord(after) ? after : {};
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const lines: ChangeLine[] = [];
  for (const key of keys) {
    const inBefore = isRecord(before) && key in b;
    const inAfter = isRecord(after) && key in a;
    if (inBefore && inAfter && same(b[key], a[key])) continue;
    lines.push({ field: fieldWords(key), ...(inBefore && { before: valueText(b[key]) }), ...(inAfter && { after: valueText(a[key]) }) });
  }
  return lines;
}

/** "Role: Viewer → Admin", "Name: Web" (set), "Slug: web (removed)". */
export function changeLineText(line: ChangeLine): string {
  if (line.before !== undefined && line.after !== undefined) return `${line.field}: ${line.before} → ${line.after}`;
  return line.after !== undefined ? `${line.field}: ${line.after}` : `${line.field}: ${line.before} (removed)`;
}
