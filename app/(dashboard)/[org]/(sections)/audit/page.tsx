import type { Metadata } from "next";
import Link from "next/link";
import { ScrollText } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { FilterForm } from "@/components/filter-form";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { NativeSelect } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { AuditChanges } from "@/components/audit-changes";
import { LogExportButtons } from "@/components/log-export";
import { listAuditActions, listAuditEvents } from "@/lib/audit/list-audit-events";
import { idsIn, namesOfIds } from "@/lib/authz/id-names";
import { authorize } from "@/lib/authz/authorize";
import { isDomainError } from "@/lib/errors";
import { requirePageOrg } from "@/lib/http/page-context";
import { ZodError } from "zod";
import { exportAuditAction } from "./actions";

export const metadata: Metadata = { title: "Audit log" };

type Search = { actor?: string; action?: string; from?: string; to?: string; cursor?: string };
const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

function dayEnd(date?: string) {
  if (!date) return undefined;
  const d = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? date : new Date(d.getTime() + 86_400_000).toISOString();
}

export default async function AuditPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Search> }) {
  const ctx = await requirePageOrg((await params).org);
  const decision = authorize(ctx, "audit:read");
  if (!decision.allowed) return <ForbiddenState reason={`You need the audit:read permission: ${decision.reason}.`} />;
  const search = await searchParams;
  const filters = { actor: search.actor, action: search.action, from: search.from ? `${search.from}T00:00:00Z` : undefined, to: dayEnd(search.to) };
  let result: Awaited<ReturnType<typeof listAuditEvents>> | null = null;
  let error: string | null = null;
  try {
    result = await listAuditEvents(ctx, { ...filters, cursor: search.cursor });
  } catch (e) {
    if (isDomainError(e) || e instanceof ZodError) error = e instanceof ZodError ? "One of the filters is not valid." : e.message;
    else throw e;
  }
  const [actions, names] = await Promise.all([listAuditActions(ctx), namesOfIds(ctx, idsIn(...(result?.events ?? []).map((e) => e.targetId)))]);
  const filtered = Boolean(search.actor || search.action || search.from || search.to);
  const base = `/${ctx.orgSlug}/audit`;
  const keep = new URLSearchParams(Object.entries({ actor: search.actor, action: search.action, from: search.from, to: search.to }).filter(([, v]) => v) as [string, string][]);

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Audit log"
        description="Every change in this organization, newest first. Times are UTC."
        actions={!error && <LogExportButtons action={exportAuditAction} orgSlug={ctx.orgSlug} query={filters} noun={["event", "events"]} />}
      />
      <FilterForm action={base} label="Filter audit events" filtered={filtered} error={error} className="sm:grid-cols-5">
        <div className="grid gap-2">
          <Label htmlFor="actor">Actor</Label>
          <Input id="actor" name="actor" placeholder="e.g. ada@example.com" defaultValue={search.actor} />
        </div>
        <div className="grid gap-2">
          <Label htmlFor="action">Action</Label>
          <NativeSelect id="action" name="action" defaultValue={search.action ?? ""}>
            <option value="">All actions</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="grid gap-2">
          <Label htmlFor="from">From</Label>
          <Input id="from" name="from" type="date" defaultValue={search.from} />
        </div>
        <div className="grid gap-2">
          <Label htmlFor="to">To</Label>
          <Input id="to" name="to" type="date" defaultValue={search.to} />
        </div>
      </FilterForm>
      {result && result.events.length === 0 && (
        <EmptyState
          icon={<ScrollText />}
          title={filtered ? "No events match these filters" : "No events yet"}
          description={filtered ? "Try a wider time range or another action." : "Changes to this organization will appear here."}
        />
      )}
      {result && result.events.length > 0 && (
        <Table aria-label="Audit events">
          <TableHeader>
            <TableRow>
              <TableHead>Time (UTC)</TableHead>
              <TableHead>Actor</TableHead>
              <TableHead>Action</TableHead>
              <TableHead>Target</TableHead>
              <TableHead>IP</TableHead>
              <TableHead>Changes</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {result.events.map((e) => (
              <TableRow key={e.id}>
                <TableCell className="whitespace-nowrap text-muted-foreground">{timeFormat.format(e.createdAt)}</TableCell>
                <TableCell>{e.actorEmail ?? "system"}</TableCell>
                <TableCell>
                  <Badge variant="outline">{e.action}</Badge>
                </TableCell>
                <TableCell className="text-sm">
                  {e.targetType}
                  {e.targetId && (
                    <span className="block max-w-48 truncate text-xs text-muted-foreground" title={e.targetId}>
                      {names.get(e.targetId.toLowerCase()) ?? e.targetId}
                    </span>
                  )}
                </TableCell>
                <TableCell className="text-sm text-muted-foreground">{e.ip ?? "—"}</TableCell>
                <TableCell className="text-sm">
                  <AuditChanges before={e.before} after={e.after} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <nav aria-label="Pages" className="flex justify-between">
        {search.cursor ? (
          <Button variant="outline" asChild>
            <Link href={`${base}?${keep}`}>Newest</Link>
          </Button>
        ) : (
          <span />
        )}
        {result?.nextCursor && (
          <Button variant="outline" asChild>
            <Link href={`${base}?${new URLSearchParams([...keep, ["cursor", result.nextCursor]])}`}>Older events</Link>
          </Button>
        )}
      </nav>
    </div>
  );
}
