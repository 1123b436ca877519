import type { Metadata } from "next";
import { Building2 } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { listAllOrganizations } from "@/lib/admin/instance-admin";
import { requirePageUser } from "@/lib/http/page-context";

export const metadata: Metadata = { title: "All organizations" };
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export default async function AdminOrganizationsPage() {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const orgs = await listAllOrganizations(ctx);
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
              <TableHead>Created</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {orgs.map((o) => (
              <TableRow key={o.id}>
                <TableCell className="font-medium">{o.name}</TableCell>
                <TableCell className="text-muted-foreground">{o.slug}</TableCell>
                <TableCell className="text-right">{o.members}</TableCell>
                <TableCell className="text-muted-foreground">{dateFormat.format(o.createdAt)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
