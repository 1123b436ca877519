import type { Metadata } from "next";
import { CreditCard } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableFooter, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { authorize } from "@/lib/authz/authorize";
import { formatMoney } from "@/lib/billing/money";
import { invoicePreview } from "@/lib/billing/preview";
import { requirePageOrg } from "@/lib/http/page-context";

export const metadata: Metadata = { title: "Billing" };
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function BillingPage({ params }: { params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "billing:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const preview = await invoicePreview(ctx);
  if (!preview) {
    return (
      <div className="grid gap-6">
        <PageHeader title="Billing" description="Your plan and what this period costs so far." />
        <EmptyState icon={<CreditCard />} title="No plan yet" description="When this organization is put on a plan, its price and this period's invoice so far appear here." />
      </div>
    );
  }
  const money = (amount: number) => formatMoney(amount, preview.plan.currency);
  return (
    <div className="grid gap-6">
      <PageHeader title="Billing" description="Your plan and what this period costs so far. Times are UTC." />
      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2">
            {preview.plan.name}
            <Badge variant={preview.subscription.status === "active" ? "secondary" : "outline"}>{preview.subscription.status}</Badge>
          </CardTitle>
          <CardDescription>
            {money(preview.plan.baseFee)} a {preview.plan.interval}, plus usage.
            {preview.trial && preview.subscription.trialEndsAt && ` Trial until ${dateFormat.format(new Date(preview.subscription.trialEndsAt))}: nothing is due.`}
          </CardDescription>
        </CardHeader>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>This period so far</CardTitle>
          <CardDescription>
            {dateFormat.format(new Date(preview.period.start))} to {dateFormat.format(new Date(preview.period.end))}. Usage is exact and includes events sent seconds ago.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <Table aria-label="Invoice preview">
            <TableHeader>
              <TableRow>
                <TableHead>Item</TableHead>
                <TableHead className="text-right">Quantity</TableHead>
                <TableHead className="text-right">Billable</TableHead>
                <TableHead className="text-right">Amount</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {preview.lines.map((line) => (
                <TableRow key={line.meter ?? "base"}>
                  <TableCell>{line.description}</TableCell>
                  <TableCell className="text-right font-mono">{line.quantity ?? "—"}</TableCell>
                  <TableCell className="text-right font-mono">{line.billableQuantity ?? "—"}</TableCell>
                  <TableCell className="text-right font-mono">{money(line.amount)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
            <TableFooter>
              <TableRow>
                <TableCell colSpan={3} className="font-medium">
                  Total so far
                </TableCell>
                <TableCell className="text-right font-mono font-semibold" data-testid="preview-total">
                  {money(preview.total)}
                </TableCell>
              </TableRow>
            </TableFooter>
          </Table>
        </CardContent>
      </Card>
    </div>
  );
}
