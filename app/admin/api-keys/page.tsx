import type { Metadata } from "next";
import { KeyRound } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { listInstanceKeys } from "@/lib/admin/provisioning";
import { requirePageUser } from "@/lib/http/page-context";
import { CreateInstanceKeyDialog, RevokeInstanceKeyButton } from "./instance-key-controls";

export const metadata: Metadata = { title: "Provisioning keys" };
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export default async function InstanceKeysPage() {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const keys = await listInstanceKeys(ctx);
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Provisioning keys"
        description="Instance-admin API keys for your product's back end: create organizations and users (/api/v1/organizations, /api/v1/users) and act in any organization with the Tollgate-Organization header."
        actions={<CreateInstanceKeyDialog />}
      />
      {keys.length === 0 ? (
        <EmptyState icon={<KeyRound />} title="No provisioning keys" description="Create one when your product should create tenants in Tollgate by itself." />
      ) : (
        <Table aria-label="Provisioning keys">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Key</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {keys.map((k) => (
              <TableRow key={k.id}>
                <TableCell className="font-medium">{k.name}</TableCell>
                <TableCell className="font-mono text-xs">{k.display}</TableCell>
                <TableCell>
                  <Badge variant={k.revokedAt ? "destructive" : "success"}>{k.revokedAt ? "revoked" : "active"}</Badge>
                </TableCell>
                <TableCell className="text-muted-foreground">{dateFormat.format(k.createdAt)}</TableCell>
                <TableCell className="text-right">{!k.revokedAt && <RevokeInstanceKeyButton apiKeyId={k.id} name={k.name} />}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
