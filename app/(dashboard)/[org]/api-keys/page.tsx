import type { Metadata } from "next";
import { KeyRound } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { listApiKeys } from "@/lib/apikeys/api-keys";
import { authorize } from "@/lib/authz/authorize";
import { requirePageOrg } from "@/lib/http/page-context";
import { listProjects } from "@/lib/projects/projects";
import { listRoles } from "@/lib/roles/roles";
import { CreateApiKeyDialog, RevokeApiKeyButton } from "./api-key-controls";

export const metadata: Metadata = { title: "API keys" };
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export default async function ApiKeysPage({ params }: { params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "apikeys:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const canWrite = authorize(ctx, "apikeys:write").allowed;
  const [keys, roles, projects] = await Promise.all([
    listApiKeys(ctx),
    canWrite && authorize(ctx, "roles:read", undefined, "navigation").allowed ? listRoles(ctx) : [],
    canWrite && authorize(ctx, "projects:read", undefined, "navigation").allowed ? listProjects(ctx) : [],
  ]);
  return (
    <div className="grid gap-6">
      <PageHeader
        title="API keys"
        description="Keys let your services call Tollgate, for example the check API. A key never carries more than its creator holds."
        actions={
          canWrite && (
            <CreateApiKeyDialog
              orgSlug={ctx.orgSlug}
              roles={roles.filter((r) => !r.isOwner).map((r) => ({ id: r.id, label: r.name }))}
              projects={projects.map((p) => ({ id: p.id, label: p.name }))}
            />
          )
        }
      />
      {keys.length === 0 ? (
        <EmptyState icon={<KeyRound />} title="No API keys yet" description="Create a key with the authz:check permission to ask Tollgate for decisions from your product." />
      ) : (
        <Table aria-label="API keys">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Key</TableHead>
              <TableHead>Carries</TableHead>
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
                <TableCell className="font-medium">
                  {k.name}
                  {k.project && <span className="block text-xs text-muted-foreground">Project {k.project.name}</span>}
                </TableCell>
                <TableCell className="font-mono text-xs">{k.display}</TableCell>
                <TableCell className="max-w-xs text-sm">{k.role ? `Role ${k.role.name}` : k.permissions.join(", ")}</TableCell>
                <TableCell>
                  <Badge variant={k.status === "active" ? "success" : "destructive"}>{k.status}</Badge>
                </TableCell>
                <TableCell className="text-muted-foreground">{dateFormat.format(k.createdAt)}</TableCell>
                <TableCell className="text-right">{canWrite && k.status === "active" && <RevokeApiKeyButton orgSlug={ctx.orgSlug} apiKeyId={k.id} name={k.name} />}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
