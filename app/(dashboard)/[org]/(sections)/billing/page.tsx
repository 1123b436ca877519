import type { Metadata } from "next";
import { CreditCard, ExternalLink, Receipt } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableFooter, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { authorize, can } from "@/lib/authz/authorize";
import { listCredits, listInvoices, type InvoiceView } from "@/lib/billing/billing-account";
import { entitlementsOf } from "@/lib/billing/entitlements";
import { organizationLimitUse } from "@/lib/billing/limit-alerts";
import { LimitUseTable } from "@/components/billing/limit-banner";
import { formatMoney } from "@/lib/billing/money";
import { listPlans } from "@/lib/billing/plans";
import { invoicePreview } from "@/lib/billing/preview";
import { stripeConfigured } from "@/lib/billing/stripe-client";
import { requirePageOrg } from "@/lib/http/page-context";
import { ChangePlanForm, PortalButton } from "./billing-controls";

export const metadata: Metadata = { title: "Billing" };
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dayFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

const STATUS: Record<string, { label: string; variant: "secondary" | "outline" | "success" | "destructive" }> = {
  draft: { label: "Being sent", variant: "outline" },
  open: { label: "Due", variant: "secondary" },
  paid: { label: "Paid", variant: "success" },
  void: { label: "Void", variant: "outline" },
  uncollectible: { label: "Uncollectible", variant: "destructive" },
};

function InvoiceStatus({ invoice }: { invoice: InvoiceView }) {
  if (invoice.status === "open" && invoice.paymentFailedAt) return <Badge variant="destructive">Payment failed</Badge>;
  const status = STATUS[invoice.status] ?? { label: invoice.status, variant: "outline" as const };
  return <Badge variant={status.variant}>{status.label}</Badge>;
}

const CHECKOUT_NOTICES: Record<string, { text: string; variant: "success" | "default" }> = {
  done: { text: "Stripe has your payment details. The new plan applies as soon as Stripe confirms it, usually within seconds.", variant: "success" },
  canceled: { text: "Checkout was canceled: nothing changed.", variant: "default" },
};

export default async function BillingPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<{ checkout?: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const notice = CHECKOUT_NOTICES[(await searchParams).checkout ?? ""];
  const read = authorize(ctx, "billing:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const [preview, invoices, credits, entitlements, limits] = await Promise.all([invoicePreview(ctx), listInvoices(ctx), listCredits(ctx), entitlementsOf(ctx.orgId), organizationLimitUse(ctx)]);
  const manage = can(ctx, "billing:write") && stripeConfigured();
  const plans = manage
    ? (await listPlans()).filter((p) => !p.archivedAt && p.selfServe).map((p) => ({ key: p.key, label: `${p.name}: ${formatMoney(p.baseFee, p.currency)} a ${p.interval} plus usage` }))
    : [];
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
      {notice && (
        <Alert variant={notice.variant}>
          <AlertDescription>{notice.text}</AlertDescription>
        </Alert>
      )}
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
      {entitlements.pastDueSince && entitlements.graceEndsAt && (
        <Alert variant="destructive">
          <AlertDescription>
            A payment failed on {dateFormat.format(entitlements.pastDueSince)}.{" "}
            {entitlements.source === "fallback"
              ? "The grace period is over: this organization has its plan's reduced limits until the invoice is paid."
              : `Pay the open invoice by ${dateFormat.format(entitlements.graceEndsAt)} to keep your plan's limits.`}
          </AlertDescription>
        </Alert>
      )}
      {limits.length > 0 && (
        <Card>
          <CardHeader>
            <CardTitle>Plan limits</CardTitle>
            <CardDescription>What this organization uses of its plan&apos;s limits now. Billing managers get an email at 80% and at 100%.</CardDescription>
          </CardHeader>
          <CardContent>
            <LimitUseTable uses={limits} />
          </CardContent>
        </Card>
      )}
      {manage && (
        <Card>
          <CardHeader>
            <CardTitle>Plan and payment</CardTitle>
            <CardDescription>Payment details and receipts are kept by Stripe.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-6 sm:grid-cols-2">
            <ChangePlanForm orgSlug={ctx.orgSlug} plans={plans} current={preview.plan.key} />
            <div className="sm:justify-self-end">
              <PortalButton orgSlug={ctx.orgSlug} />
            </div>
          </CardContent>
        </Card>
      )}
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
      <Card>
        <CardHeader>
          <CardTitle>Invoices</CardTitle>
          <CardDescription>One for each period, made when it ends. Usage sent late for a period already invoiced appears as a correction on the next one.</CardDescription>
        </CardHeader>
        <CardContent>
          {invoices.data.length === 0 ? (
            <EmptyState icon={<Receipt />} title="No invoices yet" description={`The first is made when this period ends, on ${dateFormat.format(new Date(preview.period.end))}.`} />
          ) : (
            <Table aria-label="Invoices">
              <TableHeader>
                <TableRow>
                  <TableHead>Period</TableHead>
                  <TableHead>Number</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead className="text-right">Total</TableHead>
                  <TableHead>
                    <span className="sr-only">Stripe</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {invoices.data.map((invoice) => (
                  <TableRow key={invoice.id} data-testid="invoice-row">
                    <TableCell>
                      {dayFormat.format(invoice.periodStart)} – {dayFormat.format(new Date(invoice.periodEnd.getTime() - 1))}
                    </TableCell>
                    <TableCell className="font-mono">{invoice.number ?? "—"}</TableCell>
                    <TableCell>
                      <InvoiceStatus invoice={invoice} />
                    </TableCell>
                    <TableCell className="text-right font-mono">
                      {formatMoney(invoice.total, invoice.currency)}
                      {invoice.creditsApplied > 0 && <span className="block text-xs text-muted-foreground">after {formatMoney(invoice.creditsApplied, invoice.currency)} of credit</span>}
                    </TableCell>
                    <TableCell className="text-right">
                      {invoice.hostedInvoiceUrl && (
                        <a href={invoice.hostedInvoiceUrl} target="_blank" rel="noreferrer" className="inline-flex items-center gap-1 text-sm underline-offset-4 hover:underline">
                          View<span className="sr-only"> invoice {invoice.number}</span>
                          <ExternalLink className="size-3" aria-hidden="true" />
                        </a>
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Credits</CardTitle>
          <CardDescription>
            Used before anything is charged, those that expire first first.
            {Object.entries(credits.available).length > 0 &&
              ` Available now: ${Object.entries(credits.available)
                .map(([currency, amount]) => formatMoney(amount, currency))
                .join(", ")}.`}
          </CardDescription>
        </CardHeader>
        <CardContent>
          {credits.data.length === 0 ? (
            <p className="text-sm text-muted-foreground">No credits. Prepaid and promotional credits granted to this organization appear here.</p>
          ) : (
            <Table aria-label="Credits">
              <TableHeader>
                <TableRow>
                  <TableHead>Credit</TableHead>
                  <TableHead>Kind</TableHead>
                  <TableHead>Expires</TableHead>
                  <TableHead className="text-right">Remaining</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {credits.data.map((credit) => (
                  <TableRow key={credit.id}>
                    <TableCell>{credit.description}</TableCell>
                    <TableCell className="capitalize">{credit.kind}</TableCell>
                    <TableCell>{credit.expiresAt ? dayFormat.format(credit.expiresAt) : "Never"}</TableCell>
                    <TableCell className="text-right font-mono">
                      {formatMoney(credit.remaining, credit.currency)} <span className="text-muted-foreground">of {formatMoney(credit.amount, credit.currency)}</span>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
