"use client";
// One meter's month on the Usage page: a bar per day, and the exact figures
// in a table beside it (the chart rounds; the table does not).
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Download } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { MeterMonth } from "@/lib/usage/usage-report";

const AGGREGATION_WORDS: Record<string, string> = {
  count: "events counted",
  sum: "sum of values",
  max: "highest value",
  unique_count: "distinct values",
  latest: "latest value",
};

export function MeterMonthCard({ month }: { month: MeterMonth }) {
  const points = month.days.map((d) => ({ day: d.day.slice(8), quantity: Number(d.quantity), exact: d.quantity }));
  const used = month.days.filter((d) => d.quantity !== "0");
  return (
    <Card data-testid={`meter-${month.meter.key}`}>
      <CardHeader>
        <CardTitle>{month.meter.name}</CardTitle>
        <CardDescription>
          <span className="font-mono">{month.meter.key}</span> · {AGGREGATION_WORDS[month.meter.aggregation] ?? month.meter.aggregation} · this month:{" "}
          <span className="font-semibold text-foreground" data-testid="meter-total">
            {month.total}
          </span>
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <div className="h-56" role="img" aria-label={`${month.meter.name} per day this month: ${month.total} in all`}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} className="stroke-border" />
              <XAxis dataKey="day" tickLine={false} axisLine={false} fontSize={12} />
              <YAxis tickLine={false} axisLine={false} fontSize={12} width={48} allowDecimals={false} />
              <Tooltip formatter={(_value, _name, item) => [(item.payload as { exact: string }).exact, month.meter.name]} labelFormatter={(day) => `Day ${day}`} />
              <Bar dataKey="quantity" fill="currentColor" className="text-primary" radius={[3, 3, 0, 0]} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
        <div className="max-h-56 overflow-auto">
          {used.length === 0 ? (
            <p className="text-sm text-muted-foreground">No usage this month yet.</p>
          ) : (
            <Table aria-label={`${month.meter.name} by day`}>
              <TableHeader>
                <TableRow>
                  <TableHead>Day (UTC)</TableHead>
                  <TableHead className="text-right">Quantity</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {used.map((d) => (
                  <TableRow key={d.day}>
                    <TableCell>{d.day}</TableCell>
                    <TableCell className="text-right font-mono">{d.quantity}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </div>
      </CardContent>
    </Card>
  );
}

/** Downloads what the page shows, as CSV or JSON, made in the browser from the same figures. */
export function UsageExport({ months, fileName }: { months: MeterMonth[]; fileName: string }) {
  const download = (type: "csv" | "json") => {
    const text = type === "json" ? JSON.stringify(months, null, 2) : ["meter,day,quantity", ...months.flatMap((m) => m.days.map((d) => `${m.meter.key},${d.day},${d.quantity}`))].join("\n") + "\n";
    const url = URL.createObjectURL(new Blob([text], { type: type === "json" ? "application/json" : "text/csv" }));
    const link = Object.assign(document.createElement("a"), { href: url, download: `${fileName}.${type}` });
    link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <div className="flex gap-2">
      <Button type="button" variant="outline" size="sm" onClick={() => download("csv")}>
        <Download className="size-4" aria-hidden="true" />
        Export CSV
      </Button>
      <Button type="button" variant="outline" size="sm" onClick={() => download("json")}>
        <Download className="size-4" aria-hidden="true" />
        Export JSON
      </Button>
    </div>
  );
}
