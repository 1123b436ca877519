import type { Metadata } from "next";
import { Receipt } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Card, CardContent } from "@/components/ui/card";
import { billingSettings } from "@/lib/billing/billing-settings";
import { formatMoney } from "@/lib/billing/money";
import { listPlans, type Plan } from "@/lib/billing/plans";
import type { PriceModel } from "@/lib/billing/pricing";
import { requirePageUser } from "@/lib/http/page-context";
import { ArchivePlanButton } from "./archive-plan-button";
import { BillingModeForm } from "./billing-mode-form";
import { CreatePlanDialog } from "./create-plan-dialog";
import { listMeters } from "@/lib/usage/meters";

export const metadata: Metadata = { title: "Plans" };

function describePrice(price: PriceModel, currency: string): string {
  const unit = (minor: string) => `${minor} ${currency.toUpperCase()} minor units`;
  switch (price.model) {
    case "per_unit":
      return `${unit(price.unitPrice)} per unit`;
    case "package":
      return `${formatMoney(price.packagePrice, currency)} per ${price.packageSize} units`;
    default:
      return `${price.model === "graduated" ? "Graduated" : "Volume"}: ${price.tiers.map((t) => `${t.upTo === null ? "beyond" : `up to ${t.upTo}`} at ${t.unitPrice}${t.flatPrice ? ` + ${formatMoney(t.flatPrice, currency)}` : ""}`).join("; ")}`;
  }
}

function describeEntitlements(plan: Plan): string {
  const e = plan.entitlements;
  const soft = (name: "members" | "apiKeys" | "eventsPerMonth") => (e.soft?.includes(name) ? " (soft)" : "");
  const parts = [
    e.members != null && `${e.members} members${soft("members")}`,
    e.apiKeys != null && `${e.apiKeys} API keys${soft("apiKeys")}`,
    e.eventsPerMonth != null && `${e.eventsPerMonth.toLocaleString("en")} events a month${soft("eventsPerMonth")}`,
    e.sso !== undefined && (e.sso ? "SSO" : "no SSO"),
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : "No limits";
}

export default async function PlansPage() {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const [plans, settings, meters] = await Promise.all([listPlans(), billingSettings(), listMeters()]);
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Plans"
        description="What organizations are billed: a base fee per month or year, a price per meter, a trial, and limits. A plan's prices never change, so a new price is a new plan and the old one is archived. Tiered prices and fallback limits are defined with POST /api/v1/plans."
        actions={<CreatePlanDialog meters={meters.map((m) => ({ key: m.key, name: m.name }))} />}
      />
      <Card>
        <CardContent className="pt-6">
          <BillingModeForm mode={settings.mode} />
        </CardContent>
      </Card>
      {plans.length === 0 ? (
        <EmptyState
          icon={<Receipt />}
          title="No plans yet"
          description="Define a plan with New plan (or POST /api/v1/plans); organizations are put on one with PUT /api/v1/organizations/{id}/subscription."
        />
      ) : (
        <Table aria-label="Plans">
          <TableHeader>
            <TableRow>
              <TableHead>Plan</TableHead>
              <TableHead>Base fee</TableHead>
              <TableHead>Usage prices</TableHead>
              <TableHead>Limits</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {plans.map((plan) => (
              <TableRow key={plan.id} data-testid={`plan-row-${plan.key}`}>
                <TableCell className="font-medium">
                  {plan.name} {plan.archivedAt && <Badge variant="outline">archived</Badge>}
                  <span className="block font-mono text-xs font-normal text-muted-foreground">{plan.key}</span>
                </TableCell>
                <TableCell className="whitespace-nowrap">
                  {formatMoney(plan.baseFee, plan.currency)} / {plan.interval}
                  {plan.trialDays > 0 && <span className="block text-xs text-muted-foreground">{plan.trialDays}-day trial</span>}
                </TableCell>
                <TableCell className="text-sm">
                  {plan.prices.length === 0
                    ? "—"
                    : plan.prices.map((p) => (
                        <span key={p.meter} className="block">
                          <span className="font-medium">{p.meterName}</span>: {describePrice(p.price, plan.currency)}
                          {p.includedQuantity !== "0" && `, ${p.includedQuantity} included`}
                        </span>
                      ))}
                </TableCell>
                <TableCell className="text-sm text-muted-foreground">{describeEntitlements(plan)}</TableCell>
                <TableCell className="text-right">{!plan.archivedAt && <ArchivePlanButton planKey={plan.key} />}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
