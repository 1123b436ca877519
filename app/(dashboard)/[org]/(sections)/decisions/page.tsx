import type { Metadata } from "next";
import Link from "next/link";
import { Scale } from "lucide-react";
import { ZodError } from "zod";
import { ForbiddenState } from "@/components/forbidden-state";
import { LogExportButtons } from "@/components/log-export";
import { ReasonText } from "@/components/reason-text";
import { FilterForm } from "@/components/filter-form";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { NativeSelect } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { authorize, DECISION_SOURCES } from "@/lib/authz/authorize";
import { listDecisions } from "@/lib/authz/list-decisions";
import { isDomainError } from "@/lib/errors";
import { requirePageOrg } from "@/lib/http/page-context";
import { exportDecisionsAction } from "./actions";

export const metadata: Metadata = { title: "Access decisions" };
type Search = { principal?: string; permission?: string; result?: string; source?: string; from?: string; to?: string; cursor?: string };
const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

export default async function DecisionsPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Search> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "decisions:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const search = await searchParams;
  let result: Awaited<ReturnType<typeof listDecisions>> | null = null;
  let error: string | null = null;
  const { cursor, ...chosen } = search;
  const filters = { ...chosen, from: search.from ? `${search.from}T00:00:00Z` : undefined, to: search.to ? `${search.to}T23:59:59.999Z` : undefined };
  try {
    result = await listDecisions(ctx, { ...filters, cursor });
  } catch (e) {
    if (isDomainError(e) || e instanceof ZodError) error = e instanceof ZodError ? "One of the filters is not valid." : e.message;
    else throw e;
  }
  const names = result?.names ?? new Map<string, string>();
  const base = `/${ctx.orgSlug}/decisions`;
  const keep = new URLSearchParams(Object.entries({ ...search, cursor: undefined }).filter(([, v]) => v) as [string, string][]);
  const filtered = keep.size > 0;
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Access decisions"
        description="Every allow and deny, from the app, the API and the check API, with the reason. Times are UTC."
        actions={!error && <LogExportButtons action={exportDecisionsAction} orgSlug={ctx.orgSlug} query={filters} noun={["decision", "decisions"]} />}
      />
      <FilterForm action={base} label="Filter decisions" filtered={filtered} error={error} className="sm:grid-cols-8">
        <div className="grid gap-2 sm:col-span-2">
          <Label htmlFor="principal">Who</Label>
          <Input id="principal" name="principal" placeholder="e.g. ada@example.com" defaultValue={search.principal} />
        </div>
        <div className="grid gap-2">
          <Label htmlFor="permission">Permission</Label>
          <Input id="permission" name="permission" placeholder="e.g. traces:read" defaultValue={search.permission} />
        </div>
        <div className="grid gap-2">
          <Label htmlFor="result">Result</Label>
          <NativeSelect id="result" name="result" defaultValue={search.result ?? ""}>
            <option value="">Any</option>
            <option value="allowed">Allowed</option>
            <option value="denied">Denied</option>
          </NativeSelect>
        </div>
        <div className="grid gap-2">
          <Label htmlFor="source">Source</Label>
          <NativeSelect id="source" name="source" defaultValue={search.source ?? ""}>
            <option value="">Any</option>
            {Object.entries(DECISION_SOURCES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
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
      {result && result.decisions.length === 0 && (
        <EmptyState icon={<Scale />} title={filtered ? "No decisions match these filters" : "No decisions yet"} description="Decisions appear within a second of being made." />
      )}
      {result && result.decisions.length > 0 && (
        <Table aria-label="Decisions">
          <TableHeader>
            <TableRow>
              <TableHead>Time (UTC)</TableHead>
              <TableHead>Who</TableHead>
              <TableHead>Permission</TableHead>
              <TableHead>On</TableHead>
              <TableHead>Result</TableHead>
              <TableHead>Why</TableHead>
              <TableHead>Source</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {result.decisions.map((d) => (
              <TableRow key={String(d.id)}>
                <TableCell className="whitespace-nowrap text-muted-foreground">{timeFormat.format(d.createdAt)}</TableCell>
                <TableCell>{names.get(d.principalId) ?? d.principalId}</TableCell>
                <TableCell className="font-mono text-xs">{d.permission}</TableCell>
                <TableCell className="text-sm">
                  {d.resourceType === "project" ? <span title={d.resourceId}>project {names.get(d.resourceId) ?? `${d.resourceId.slice(0, 8)}…`}</span> : "organization"}
                </TableCell>
                <TableCell>
                  <Badge variant={d.allowed ? "success" : "destructive"}>{d.allowed ? "allowed" : "denied"}</Badge>
                </TableCell>
                <TableCell className="max-w-md text-sm">
                  <ReasonText text={d.reason} names={names} />
                </TableCell>
                <TableCell className="text-xs text-muted-foreground">{DECISION_SOURCES[d.source as keyof typeof DECISION_SOURCES] ?? d.source}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {result?.nextCursor && (
        <div className="flex justify-end">
          <Button variant="outline" asChild>
            <Link href={`${base}?${new URLSearchParams([...keep, ["cursor", result.nextCursor]])}`}>Older decisions</Link>
          </Button>
        </div>
      )}
    </div>
  );
}
