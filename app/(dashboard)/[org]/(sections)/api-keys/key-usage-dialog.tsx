"use client";
// A key's last 30 days: requests and refusals per day as a chart, with the
// exact figures in a table beside it. Loaded when the dialog opens.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { KeyUsageHistory } from "@/lib/apikeys/key-usage-history";
import { keyUsageAction } from "./actions";

const count = (n: number) => n.toLocaleString("en");
const requests = (n: number) => `${count(n)} request${n === 1 ? "" : "s"}`;

function UsageChart({ history, name }: { history: KeyUsageHistory; name: string }) {
  const used = history.days.filter((d) => d.requests || d.refusals);
  if (used.length === 0) return <p className="text-sm text-muted-foreground">No requests with this key in the last 30 days.</p>;
  const points = history.days.map((d) => ({ ...d, label: d.day.slice(5) }));
  return (
    <div className="grid gap-4">
      <div className="h-56" role="img" aria-label={`${name}: ${requests(history.requests)} and ${count(history.refusals)} refused in the last 30 days`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} className="stroke-border" />
            <XAxis dataKey="label" tickLine={false} axisLine={false} fontSize={12} />
            <YAxis tickLine={false} axisLine={false} fontSize={12} width={48} allowDecimals={false} />
            <Tooltip labelFormatter={(label) => `Day ${label} (UTC)`} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {/* Colours by variable, not currentColor: the legend's swatches take the fill as it is written. */}
            <Bar dataKey="requests" name="Requests" stackId="day" fill="var(--primary)" isAnimationActive={false} />
            <Bar dataKey="refusals" name="Refused" stackId="day" fill="var(--destructive)" radius={[3, 3, 0, 0]} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="max-h-48 overflow-auto">
        <Table aria-label={`${name} by day`}>
          <TableHeader>
            <TableRow>
              <TableHead>Day (UTC)</TableHead>
              <TableHead className="text-right">Requests</TableHead>
              <TableHead className="text-right">Refused</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {used.map((d) => (
              <TableRow key={d.day}>
                <TableCell>{d.day}</TableCell>
                <TableCell className="text-right font-mono">{count(d.requests)}</TableCell>
                <TableCell className="text-right font-mono">{count(d.refusals)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </div>
  );
}

export function KeyUsageButton({ orgSlug, apiKeyId, name }: { orgSlug: string; apiKeyId: string; name: string }) {
  const [open, setOpen] = useState(false);
  const usage = useQuery({
    queryKey: ["api-key-usage", orgSlug, apiKeyId],
    enabled: open,
    queryFn: async () => {
      const result = await keyUsageAction(orgSlug, { apiKeyId });
      if (!result.ok) throw new Error(result.error.message);
      return result.data;
    },
  });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={`Usage of key ${name}`}>
          Usage
        </Button>
      </DialogTrigger>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>Usage of {name}</DialogTitle>
          <DialogDescription>
            {usage.data
              ? `Last 30 days: ${requests(usage.data.requests)}, ${count(usage.data.refusals)} refused. Counts arrive within about 10 seconds.`
              : "Requests and refusals per day, the last 30 days."}{" "}
            Refused: turned away for its secret, expiry, address or rate limit.
          </DialogDescription>
        </DialogHeader>
        {usage.isPending ? (
          <div role="status">
            <span className="sr-only">Loading usage…</span>
            <Skeleton className="h-56 w-full" />
          </div>
        ) : usage.isError ? (
          <Alert variant="destructive">
            <AlertDescription>
              {usage.error.message}{" "}
              <Button variant="link" className="h-auto p-0" onClick={() => void usage.refetch()}>
                Try again
              </Button>
            </AlertDescription>
          </Alert>
        ) : (
          <UsageChart history={usage.data} name={name} />
        )}
      </DialogContent>
    </Dialog>
  );
}
