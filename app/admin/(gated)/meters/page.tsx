import type { Metadata } from "next";
import { Gauge } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { requirePageUser } from "@/lib/http/page-context";
import { listMeters } from "@/lib/usage/meters";
import { CreateMeterDialog, DeleteMeterButton } from "./meter-controls";

export const metadata: Metadata = { title: "Meters" };

const AGGREGATIONS: Record<string, string> = { count: "Count", sum: "Sum", max: "Max", unique_count: "Distinct", latest: "Latest" };

export default async function MetersPage() {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const meters = await listMeters();
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Meters"
        description="What usage counts, and how: your product sends usage events (POST /api/v1/usage/events with a usage key) and each meter counts the ones of its type. Also managed at /api/v1/meters with a provisioning key."
        actions={<CreateMeterDialog />}
      />
      {meters.length === 0 ? (
        <EmptyState icon={<Gauge />} title="No meters yet" description="Define a meter for each thing you bill or limit: API calls, tokens, seats, storage." />
      ) : (
        <Table aria-label="Meters">
          <TableHeader>
            <TableRow>
              <TableHead>Meter</TableHead>
              <TableHead>Event type</TableHead>
              <TableHead>Counts</TableHead>
              <TableHead>Filter and dimensions</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {meters.map((m) => (
              <TableRow key={m.id} data-testid={`meter-row-${m.key}`}>
                <TableCell className="font-medium">
                  {m.name}
                  <span className="block font-mono text-xs font-normal text-muted-foreground">{m.key}</span>
                </TableCell>
                <TableCell className="font-mono text-sm">{m.eventType}</TableCell>
                <TableCell>
                  {AGGREGATIONS[m.aggregation]}
                  {m.valueProperty && <span className="font-mono text-sm text-muted-foreground"> of {m.valueProperty}</span>}
                </TableCell>
                <TableCell className="text-sm text-muted-foreground">
                  {Object.keys(m.filter).length > 0 &&
                    `only ${Object.entries(m.filter)
                      .map(([k, v]) => `${k}=${String(v)}`)
                      .join(", ")}`}
                  {Object.keys(m.filter).length > 0 && m.groupBy.length > 0 && " · "}
                  {m.groupBy.length > 0 && `by ${m.groupBy.join(", ")}`}
                  {Object.keys(m.filter).length === 0 && m.groupBy.length === 0 && "—"}
                </TableCell>
                <TableCell className="text-right">
                  <DeleteMeterButton meterKey={m.key} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
