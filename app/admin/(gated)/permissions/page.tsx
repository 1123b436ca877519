import type { Metadata } from "next";
import { ListChecks } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { listProductPermissions } from "@/lib/permissions/product-permissions";
import { requirePageUser } from "@/lib/http/page-context";
import { DeclarePermissionForm } from "./declare-permission-form";
import { EditPermissionButton, RetirePermissionButton } from "./permission-controls";

export const metadata: Metadata = { title: "Product permissions" };

export default async function ProductPermissionsPage() {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const permissions = await listProductPermissions();
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Product permissions"
        description="Permissions of your own product (e.g. traces:read). Organizations put them in custom roles; your product asks about them through the check API. Also managed at /api/v1/product-permissions with a provisioning key."
      />
      <DeclarePermissionForm />
      {permissions.length === 0 ? (
        <EmptyState icon={<ListChecks />} title="No product permissions yet" description="Declare the actions of your product that access should be given to." />
      ) : (
        <Table aria-label="Product permissions">
          <TableHeader>
            <TableRow>
              <TableHead>Permission</TableHead>
              <TableHead>Description</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {permissions.map((p) => (
              <TableRow key={p.key}>
                <TableCell className="font-mono text-sm">{p.key}</TableCell>
                <TableCell className="text-muted-foreground">{p.description || "—"}</TableCell>
                <TableCell className="text-right whitespace-nowrap">
                  <EditPermissionButton permissionKey={p.key} description={p.description} />
                  <RetirePermissionButton permissionKey={p.key} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
