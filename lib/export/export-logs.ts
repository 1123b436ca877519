// Exports of the audit log and the decision log, of what the filters select
// (not only the page shown): newest first, up to EXPORT_MAX_ROWS rows, as CSV
// or JSON, with names beside ids.
import { z } from "zod";
import { changeLines, changeLineText } from "../audit/change-lines.ts";
import { listAuditEvents } from "../audit/list-audit-events.ts";
import { DECISION_SOURCES } from "../authz/authorize.ts";
import { idsIn, namesOfIds } from "../authz/id-names.ts";
import { listDecisions } from "../authz/list-decisions.ts";
import type { OrgCtx } from "../context.ts";
import { toCsv } from "./csv.ts";

export const EXPORT_MAX_ROWS = 10_000;
const PAGE = 200;

const ExportInput = z.looseObject({ format: z.enum(["csv", "json"], "format: csv or json") });

export type LogExport = { fileName: string; contentType: string; text: string; rows: number; truncated: boolean };

/** Every page of a keyset list, until it ends or `max` rows are in. */
async function collect<Row>(max: number, page: (cursor: string | undefined) => Promise<{ rows: Row[]; nextCursor: string | null }>) {
  const rows: Row[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    rows.push(...next.rows);
    cursor = next.nextCursor ?? undefined;
  } while (cursor && rows.length < max);
  return { rows: rows.slice(0, max), truncated: rows.length > max || Boolean(cursor) };
}

const today = () => new Date().toISOString().slice(0, 10);

function finish(ctx: OrgCtx, log: string, format: "csv" | "json", rows: number, truncated: boolean, csv: () => string, json: () => unknown): LogExport {
  return {
    fileName: `${log}-${ctx.orgSlug}-${today()}.${format}`,
    contentType: format === "csv" ? "text/csv" : "application/json",
    text: format === "csv" ? csv() : JSON.stringify(json(), null, 2) + "\n",
    rows,
    truncated,
  };
}

/** The audit events the filters select (actor, action, from, to), with the target's name and the change in words. */
export async function exportAuditEvents(ctx: OrgCtx, raw: unknown): Promise<LogExport> {
  const { format, cursor: _cursor, limit: _limit, ...filters } = ExportInput.parse(raw);
  const { rows, truncated } = await collect(EXPORT_MAX_ROWS, async (cursor) => {
    const page = await listAuditEvents(ctx, { ...filters, cursor, limit: PAGE });
    return { rows: page.events, nextCursor: page.nextCursor };
  });
  const names = await namesOfIds(ctx, idsIn(...rows.map((e) => e.targetId)));
  const changeText = (e: (typeof rows)[number]) => changeLines(e.before, e.after).map(changeLineText).join("; ");
  return finish(
    ctx,
    "audit",
    format,
    rows.length,
    truncated,
    () =>
      toCsv(
        [
          ["time", (e) => e.createdAt],
          ["actor", (e) => e.actorEmail ?? "system"],
          ["actor_id", (e) => e.actorId],
          ["action", (e) => e.action],
          ["target_type", (e) => e.targetType],
          ["target_id", (e) => e.targetId],
          ["target_name", (e) => (e.targetId ? names.get(e.targetId.toLowerCase()) : undefined)],
          ["ip", (e) => e.ip],
          ["changes", changeText],
          ["before", (e) => e.before],
          ["after", (e) => e.after],
        ],
        rows,
      ),
    () =>
      rows.map((e) => ({
        id: e.id,
        time: e.createdAt,
        actor: { id: e.actorId, email: e.actorEmail },
        action: e.action,
        target: { type: e.targetType, id: e.targetId, name: e.targetId ? (names.get(e.targetId.toLowerCase()) ?? null) : null },
        ip: e.ip,
        userAgent: e.userAgent,
        before: e.before,
        after: e.after,
      })),
  );
}

/** The decisions the filters select (principal, permission, result, source, from, to), with names beside ids. */
export async function exportDecisions(ctx: OrgCtx, raw: unknown): Promise<LogExport> {
  const { format, cursor: _cursor, limit: _limit, ...filters } = ExportInput.parse(raw);
  const names = new Map<string, string>();
  const { rows, truncated } = await collect(EXPORT_MAX_ROWS, async (cursor) => {
    const page = await listDecisions(ctx, { ...filters, cursor, limit: PAGE });
    for (const [id, name] of page.names) names.set(id, name);
    return { rows: page.decisions, nextCursor: page.nextCursor };
  });
  const source = (s: string) => DECISION_SOURCES[s as keyof typeof DECISION_SOURCES] ?? s;
  return finish(
    ctx,
    "decisions",
    format,
    rows.length,
    truncated,
    () =>
      toCsv(
        [
          ["time", (d) => d.createdAt],
          ["principal_type", (d) => d.principalType],
          ["principal_id", (d) => d.principalId],
          ["principal_name", (d) => names.get(d.principalId)],
          ["permission", (d) => d.permission],
          ["resource_type", (d) => d.resourceType],
          ["resource_id", (d) => d.resourceId],
          ["resource_name", (d) => names.get(d.resourceId)],
          ["allowed", (d) => d.allowed],
          ["reason", (d) => d.reason],
          ["source", (d) => source(d.source)],
          ["latency_us", (d) => d.latencyUs],
        ],
        rows,
      ),
    () =>
      rows.map((d) => ({
        id: String(d.id),
        time: d.createdAt,
        principal: { type: d.principalType, id: d.principalId, name: names.get(d.principalId) ?? null },
        permission: d.permission,
        resource: { type: d.resourceType, id: d.resourceId, name: names.get(d.resourceId) ?? null },
        allowed: d.allowed,
        reason: d.reason,
        source: d.source,
        latencyUs: d.latencyUs,
      })),
  );
}
