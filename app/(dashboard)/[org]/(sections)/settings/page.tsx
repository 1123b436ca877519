import type { Metadata } from "next";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/lib/authz/authorize";
import { requirePageOrg } from "@/lib/http/page-context";
import { getOrganization } from "@/lib/orgs/update-organization";
import { getSecurityPolicy } from "@/lib/orgs/security-policy";
import { DecisionRetentionForm, DeleteOrganization, RenameOrganizationForm, SecurityPolicyForm } from "./settings-forms";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage({ params }: { params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const [org, policy] = await Promise.all([getOrganization(ctx), can(ctx, "organization:read") ? getSecurityPolicy(ctx) : null]);
  const canUpdate = can(ctx, "organization:update");
  const canDelete = can(ctx, "organization:delete");
  return (
    <div className="grid gap-6">
      <PageHeader title="Settings" description="Name, address and lifecycle of this organization." />
      <Card>
        <CardHeader>
          <CardTitle>General</CardTitle>
          <CardDescription>{canUpdate ? "The name people see and the slug in your URLs." : "Only members allowed to update the organization can change these."}</CardDescription>
        </CardHeader>
        <CardContent>
          <RenameOrganizationForm orgSlug={org.slug} name={org.name} disabled={!canUpdate} />
        </CardContent>
      </Card>
      {policy && (
        <Card>
          <CardHeader>
            <CardTitle>Sign-in rules</CardTitle>
            <CardDescription>
              How members reach this organization. A session that breaks a rule ends, and its browser signs in again.
              {!canUpdate && " Only members allowed to update the organization can change them."}
            </CardDescription>
          </CardHeader>
          <CardContent>
            <SecurityPolicyForm orgSlug={org.slug} policy={policy} disabled={!canUpdate} />
          </CardContent>
        </Card>
      )}
      <Card>
        <CardHeader>
          <CardTitle>Access decision log</CardTitle>
          <CardDescription>
            How long every allow and deny is kept. Older decisions are removed every hour.
            {!canUpdate && " Only members allowed to update the organization can change it."}
          </CardDescription>
        </CardHeader>
        <CardContent>
          <DecisionRetentionForm orgSlug={org.slug} days={org.decisionLogRetentionDays} disabled={!canUpdate} />
        </CardContent>
      </Card>
      {canDelete && (
        <Card className="border-destructive/40">
          <CardHeader>
            <CardTitle>Delete organization</CardTitle>
            <CardDescription>Deletes the organization, its members and invitations. This cannot be undone. The audit trail is kept.</CardDescription>
          </CardHeader>
          <CardContent>
            <DeleteOrganization orgSlug={org.slug} />
          </CardContent>
        </Card>
      )}
    </div>
  );
}
