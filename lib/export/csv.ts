// CSV (RFC 4180) for exports people open in a spreadsheet: fields with a
// comma, quote or line break are quoted, and text that a spreadsheet would
// run as a formula (=, +, -, @, tab, carriage return first) is defused with a
// leading apostrophe (OWASP's advice on CSV injection).

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header line and one line per row, CRLF-terminated as the RFC has it. */
export function toCsv<Row>(columns: ReadonlyArray<readonly [header: string, value: (row: Row) => unknown]>, rows: readonly Row[]): string {
  const lines = [columns.map(([header]) => csvField(header)).join(",")];
  for (const row of rows) lines.push(columns.map(([, value]) => csvField(value(row))).join(","));
  return lines.join("\r\n") + "\r\n";
}
