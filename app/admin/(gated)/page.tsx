import type { Metadata } from "next";
import Link from "next/link";
import { Building2 } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Badge } from "@/components/ui/badge";
import { listAllOrganizations } from "@/lib/admin/instance-admin";
import { formatMoney } from "@/lib/billing/money";
import { listPlans } from "@/lib/billing/plans";
import { ChangePlanDialog, GrantCreditDialog } from "./organization-billing";
import { requirePageUser } from "@/lib/http/page-context";

export const metadata: Metadata = { title: "All organizations" };
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export default async function AdminOrganizationsPage() {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const [orgs, plans] = await Promise.all([listAllOrganizations(ctx), listPlans()]);
  const offered = plans.filter((p) => !p.archivedAt).map((p) => ({ key: p.key, label: `${p.name} (${p.key}): ${formatMoney(p.baseFee, p.currency)} a ${p.interval}` }));
  const currencyOf = new Map(plans.map((p) => [p.key, p.currency]));
  return (
    <div className="grid gap-6">
      <PageHeader title="All organizations" description="Every organization on this Tollgate instance." />
      {orgs.length === 0 ? (
        <EmptyState icon={<Building2 />} title="No organizations yet" description="Organizations appear here as people create them." />
      ) : (
        <Table aria-label="All organizations">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Slug</TableHead>
              <TableHead className="text-right">Members</TableHead>
              <TableHead>Plan</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {orgs.map((o) => (
              <TableRow key={o.id} data-testid={`org-row-${o.slug}`}>
                <TableCell>
                  <Link href={`/admin/organizations/${o.id}`} className="font-medium underline-offset-4 hover:underline">
                    {o.name}
                  </Link>
                </TableCell>
                <TableCell className="text-muted-foreground">{o.slug}</TableCell>
                <TableCell className="text-right">{o.members}</TableCell>
                <TableCell>
                  {o.plan ? (
                    <>
                      {o.plan.name} {o.plan.status !== "active" && <Badge variant="outline">{o.plan.status}</Badge>}
                    </>
                  ) : (
                    <span className="text-muted-foreground">No plan</span>
                  )}
                </TableCell>
                <TableCell className="text-muted-foreground">{dateFormat.format(o.createdAt)}</TableCell>
                <TableCell className="whitespace-nowrap text-right">
                  <ChangePlanDialog org={o} plans={offered} />
                  <GrantCreditDialog org={o} currency={(o.plan && currencyOf.get(o.plan.key)) ?? "usd"} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
