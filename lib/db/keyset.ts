// Keyset pagination for every list: rows are ordered by a few columns and
// last by their id, so the order is total; a page is the rows after the last
// one seen, found by PostgreSQL, plus one more row to know whether another
// page follows. The cursor is that last row's key, opaque to callers: rows
// added or removed elsewhere never shift a page, and a cursor carries no
// tenant, so each list's own orgId filter still decides what it can reach.
import { z } from "zod";
import { Invalid } from "../errors.ts";
import { EARLIEST_DATE_MS, isCleanText, LATEST_DATE_MS } from "../input.ts";

const CURSOR_MAX = 1000;

export const PageQuery = z.object({
  // Checked when decoded, so that every bad cursor is the same invalid_cursor.
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1, "limit: at least 1").max(200, "limit: at most 200").default(50),
});
export type PageRequest = { cursor?: string | null; limit: number };
export type Page<Row> = { data: Row[]; nextCursor: string | null };
/** A list function answers every row when it is asked for no page, else one page. */
export type ListOf<Row, P extends PageRequest | undefined> = P extends PageRequest ? Page<Row> : Row[];

type KeyKind = "string" | "int" | "bigint" | "boolean" | "date" | "uuid";
/** One column of an order: a field, or "relation.field" for a to-one relation. */
export type OrderKey = { path: string; kind: KeyKind; direction: "asc" | "desc" };

export function keysetOrder(...keys: OrderKey[]): readonly OrderKey[] {
  // Without a unique last key, rows that tie on every key could be skipped or repeated.
  if (keys.at(-1)?.path !== "id") throw new Error("A keyset order ends with the row id");
  return keys;
}

const invalidCursor = () => new Invalid("invalid_cursor", "cursor: this page cursor is not valid");

const INT4 = 2 ** 31;
const INT8 = 2n ** 63n;
const decoders: Record<KeyKind, (v: unknown) => unknown> = {
  string: (v) => (typeof v === "string" && isCleanText(v) ? v : undefined),
  uuid: (v) => (z.uuid().safeParse(v).success ? v : undefined),
  int: (v) => (Number.isInteger(v) && (v as number) >= -INT4 && (v as number) < INT4 ? v : undefined),
  bigint: (v) => (typeof v === "string" && /^-?\d{1,19}$/.test(v) && BigInt(v) >= -INT8 && BigInt(v) < INT8 ? BigInt(v) : undefined),
  boolean: (v) => (typeof v === "boolean" ? v : undefined),
  date: (v) => (Number.isInteger(v) && (v as number) >= EARLIEST_DATE_MS && (v as number) <= LATEST_DATE_MS ? new Date(v as number) : undefined),
};

export function decodeCursor(order: readonly OrderKey[], cursor: string): unknown[] {
  let parsed: unknown;
  if (cursor.length > CURSOR_MAX) throw invalidCursor();
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString());
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== order.length) throw invalidCursor();
  return order.map((key, i) => {
    const value = decoders[key.kind](parsed[i]);
    if (value === undefined) throw invalidCursor();
    return value;
  });
}

function valueAt(row: object, path: string): unknown {
  const value = path.split(".").reduce<unknown>((at, field) => (at as Record<string, unknown> | undefined)?.[field], row);
  if (value === undefined || value === null) throw new Error(`A keyset row lacks its key ${path}: select it`);
  return value;
}

export function encodeCursor(order: readonly OrderKey[], row: object): string {
  const values = order.map(({ path }) => {
    const value = valueAt(row, path);
    return value instanceof Date ? value.getTime() : typeof value === "bigint" ? String(value) : value;
  });
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

/** { role: { position: value } } from "role.position". */
function nest(path: string, value: unknown): object {
  return path.split(".").reduceRight<unknown>((inner, field) => ({ [field]: inner }), value) as object;
}

/** The filter on one key that keeps the values after `value` in the order, or null for none. */
function beyond(key: OrderKey, value: unknown): unknown {
  // PostgreSQL orders false before true, but Prisma has no < or > on booleans.
  if (key.kind === "boolean") return value === (key.direction === "asc") ? null : !value;
  return key.direction === "asc" ? { gt: value } : { lt: value };
}

/**
 * Rows after the cursor: (k1 > v1) or (k1 = v1 and k2 > v2) or ..., and k1 >= v1,
 * which those branches imply but PostgreSQL does not derive: with it, an index
 * on k1 is read from the cursor on instead of from its first row.
 */
function afterCursor(order: readonly OrderKey[], values: unknown[]): object {
  const branches: object[] = [];
  order.forEach((key, i) => {
    const past = beyond(key, values[i]);
    if (past === null) return;
    branches.push({ AND: [...order.slice(0, i).map((k, j) => nest(k.path, values[j])), nest(key.path, past)] });
  });
  const [first] = order;
  // Not on a relation's field (members by role position): no index of the list's own table holds it.
  if (order.length === 1 || first!.kind === "boolean" || first!.path.includes(".")) return { OR: branches };
  return { AND: [nest(first!.path, first!.direction === "asc" ? { gte: values[0] } : { lte: values[0] }), { OR: branches }] };
}

export type KeysetQuery = {
  /** Rows after the cursor ({} for the first page): combine it with the list's own filter in an AND. */
  where: object;
  orderBy: object[];
  take?: number;
};

/**
 * One page of a list in `order` (or every row when `page` is undefined).
 * `find` runs the query with its own organization filter and select (which
 * must include the order's keys); `present` shapes each row afterwards.
 */
export async function keysetList<Raw extends object, Row = Raw, P extends PageRequest | undefined = undefined>(
  order: readonly OrderKey[],
  page: P | undefined,
  find: (query: KeysetQuery) => Promise<Raw[]>,
  present?: (row: Raw) => Row,
): Promise<ListOf<Row, P>> {
  const orderBy = order.map((key) => nest(key.path, key.direction));
  const shown = (rows: Raw[]) => (present ? rows.map(present) : (rows as unknown as Row[]));
  if (!page) return shown(await find({ where: {}, orderBy })) as ListOf<Row, P>;
  const where = page.cursor ? afterCursor(order, decodeCursor(order, page.cursor)) : {};
  const rows = await find({ where, orderBy, take: page.limit + 1 });
  const data = rows.slice(0, page.limit);
  const nextCursor = rows.length > page.limit ? encodeCursor(order, data.at(-1)!) : null;
  return { data: shown(data), nextCursor } as ListOf<Row, P>;
}
