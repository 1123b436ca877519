import type { Metadata } from "next";
import Link from "next/link";
import { KeyRound, SearchX } from "lucide-react";
import { ZodError } from "zod";
import { ForbiddenState } from "@/components/forbidden-state";
import { FilterForm } from "@/components/filter-form";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { NativeSelect } from "@/components/ui/select";
import { getApiKeyPolicy, listApiKeys, type ApiKeyView } from "@/lib/apikeys/api-keys";
import { authorize, can } from "@/lib/authz/authorize";
import { requirePageOrg } from "@/lib/http/page-context";
import { listProjects } from "@/lib/projects/projects";
import { permissionChoices } from "@/lib/permissions/permission-choices";
import { listRoles } from "@/lib/roles/roles";
import { CreateApiKeyDialog } from "./api-key-controls";
import { ApiKeyTable } from "./api-key-table";
import { KeyPolicyForm } from "./key-policy-form";

export const metadata: Metadata = { title: "API keys" };
type Search = { status?: string; scope?: string };

export default async function ApiKeysPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Search> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "apikeys:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const canWrite = can(ctx, "apikeys:write");
  // The domain function needs both; asking here only decides whether the form is editable.
  const canEditPolicy = canWrite && can(ctx, "organization:update");
  const search = await searchParams;
  const filters = { status: search.status || undefined, scope: search.scope || undefined };
  const filtered = Boolean(filters.status || filters.scope);

  let keys: ApiKeyView[] | null = null;
  let error: string | null = null;
  try {
    keys = await listApiKeys(ctx, filters);
  } catch (e) {
    if (e instanceof ZodError) error = "One of the filters is not valid.";
    else throw e;
  }
  const [anyKeys, policy, roles, projects, choices] = await Promise.all([
    // Whether the organization has keys at all only needs asking when the filters left none.
    keys?.length || !filtered ? Boolean(keys?.length) : listApiKeys(ctx).then((all) => all.length > 0),
    getApiKeyPolicy(ctx),
    canWrite && can(ctx, "roles:read") ? listRoles(ctx) : [],
    can(ctx, "projects:read") ? listProjects(ctx) : [],
    canWrite ? permissionChoices() : [],
  ]);
  const base = `/${ctx.orgSlug}/api-keys`;
  const unknownProject = filters.scope && !["organization", "project"].includes(filters.scope) && !projects.some((p) => p.id === filters.scope);

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
              policy={policy}
              // A key never carries what its creator does not hold: only what they hold is offered.
              permissions={choices.filter((p) => can(ctx, p.key))}
            />
          )
        }
      />
      {(anyKeys || filtered) && (
        <FilterForm action={base} label="Filter API keys" filtered={filtered} error={error} className="sm:grid-cols-3">
          <div className="grid gap-2">
            <Label htmlFor="status">Status</Label>
            <NativeSelect id="status" name="status" defaultValue={filters.status ?? ""}>
              <option value="">All</option>
              <option value="active">Active</option>
              <option value="expiring">Expiring soon</option>
              <option value="expired">Expired</option>
              <option value="revoked">Revoked</option>
            </NativeSelect>
          </div>
          <div className="grid gap-2">
            <Label htmlFor="scope">Scope</Label>
            <NativeSelect id="scope" name="scope" defaultValue={filters.scope ?? ""}>
              <option value="">All</option>
              <option value="organization">Organization-wide</option>
              <option value="project">Any project</option>
              {projects.map((p) => (
                <option key={p.id} value={p.id}>
                  Project {p.name}
                </option>
              ))}
              {unknownProject && <option value={filters.scope}>The chosen project</option>}
            </NativeSelect>
          </div>
        </FilterForm>
      )}
      {keys && keys.length > 0 && <ApiKeyTable keys={keys} orgSlug={ctx.orgSlug} canWrite={canWrite} />}
      {keys && keys.length === 0 && !anyKeys && (
        <EmptyState icon={<KeyRound />} title="No API keys yet" description="Create a key with the authz:check permission to ask Tollgate for decisions from your product." />
      )}
      {keys && keys.length === 0 && anyKeys && (
        <EmptyState
          icon={<SearchX />}
          title="No keys match these filters"
          description="Try another status or scope."
          action={
            <Button variant="outline" asChild>
              <Link href={base}>Show all keys</Link>
            </Button>
          }
        />
      )}
      <Card>
        <CardHeader>
          <CardTitle>Key policy</CardTitle>
          <CardDescription>
            {canEditPolicy
              ? "Rules for this organization's keys. Expiry rules apply to keys created from now on; default rate limits apply at once to keys without their own."
              : "Rules for this organization's keys. Only members allowed to update the organization and write API keys can change them."}
          </CardDescription>
        </CardHeader>
        <CardContent>
          <KeyPolicyForm orgSlug={ctx.orgSlug} policy={policy} disabled={!canEditPolicy} />
        </CardContent>
      </Card>
    </div>
  );
}
