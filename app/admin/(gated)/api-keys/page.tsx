import type { Metadata } from "next";
import { KeyRound } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { listInstanceKeys } from "@/lib/admin/instance-keys";
import { requirePageUser } from "@/lib/http/page-context";
import { CreateInstanceKeyDialog } from "./instance-key-controls";
import { InstanceKeyTable } from "./instance-key-table";

export const metadata: Metadata = { title: "Provisioning keys" };

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
        <InstanceKeyTable keys={keys} />
      )}
    </div>
  );
}
