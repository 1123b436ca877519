import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ScrollText, Users } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { getOrganizationOverview } from "@/lib/admin/instance-directory";
import { formatMoney } from "@/lib/billing/money";
import { listPlans } from "@/lib/billing/plans";
import { NotFound } from "@/lib/errors";
import { requirePageUser } from "@/lib/http/page-context";
import { ChangePlanDialog, GrantCreditDialog } from "../../organization-billing";
import { dateFormat, Facts, MembershipTable, RecentAudit } from "../../directory-parts";

export const metadata: Metadata = { title: "Organization" };

export default async function AdminOrganizationPage({ params }: { params: Promise<{ orgId: string }> }) {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const { orgId } = await params;
  const [org, plans] = await Promise.all([
    getOrganizationOverview(ctx, orgId).catch((error: unknown) => {
      if (error instanceof NotFound) notFound();
      throw error;
    }),
    listPlans(),
  ]);
  const offered = plans.filter((p) => !p.archivedAt).map((p) => ({ key: p.key, label: `${p.name} (${p.key}): ${formatMoney(p.baseFee, p.currency)} a ${p.interval}` }));
  const plan = org.subscription ? { key: org.subscription.plan.key } : null;
  const currency = (org.subscription && plans.find((p) => p.key === org.subscription!.plan.key)?.currency) ?? "usd";
  const { counts } = org;

  return (
    <div className="grid gap-8">
      <nav aria-label="Breadcrumb" className="text-sm text-muted-foreground">
        <Link href="/admin" className="underline-offset-4 hover:underline">
          All organizations
        </Link>{" "}
        / <span aria-current="page">{org.name}</span>
      </nav>
      <PageHeader
        title={org.name}
        description={`/${org.slug} · created ${dateFormat.format(org.createdAt)}`}
        actions={
          <div className="flex gap-2">
            <ChangePlanDialog org={{ id: org.id, name: org.name, plan }} plans={offered} />
            <GrantCreditDialog org={{ id: org.id, name: org.name, plan }} currency={currency} />
          </div>
        }
      />
      <Facts
        label="Organization facts"
        facts={[
          ["Members", String(counts.members)],
          ["Projects", String(counts.projects)],
          ["Groups", String(counts.groups)],
          ["Pending invitations", String(counts.pendingInvitations)],
          ["Active API keys", String(counts.activeApiKeys)],
          [
            "Plan",
            org.subscription ? (
              <span className="flex flex-wrap items-center gap-1">
                {org.subscription.plan.name}
                {org.subscription.status !== "active" && <Badge variant="outline">{org.subscription.status}</Badge>}
              </span>
            ) : (
              <span className="text-muted-foreground">No plan</span>
            ),
          ],
          ["Sign-in", [org.ssoRequired && "SSO required", org.mfaRequired && "MFA required"].filter(Boolean).join(", ") || "No SSO or MFA requirement"],
          ["External id", org.externalId ?? <span className="text-muted-foreground">None</span>],
        ]}
      />
      <section aria-labelledby="org-members-heading" className="grid gap-3">
        <h2 id="org-members-heading" className="text-lg font-semibold">
          Members <span className="text-muted-foreground">({counts.members})</span>
        </h2>
        {org.members.length === 0 ? (
          <EmptyState icon={<Users />} titleAs="h3" title="No members" description="Nobody belongs to this organization." />
        ) : (
          <>
            <MembershipTable
              label="Members"
              subject="Member"
              rows={org.members.map((m) => ({ key: m.user.id, href: `/admin/users/${m.user.id}`, name: m.user.name, detail: m.user.email, role: m.role, joinedAt: m.createdAt }))}
            />
            {counts.members > org.members.length && (
              <p className="text-sm text-muted-foreground">
                The first {org.members.length} of {counts.members} members are shown, owners first.
              </p>
            )}
          </>
        )}
      </section>
      <Card>
        <CardHeader>
          <CardTitle>Single sign-on</CardTitle>
        </CardHeader>
        <CardContent>
          {org.ssoConnections.length === 0 ? (
            <p className="text-sm text-muted-foreground">No SSO connection.</p>
          ) : (
            <ul className="grid gap-1 text-sm">
              {org.ssoConnections.map((c) => (
                <li key={c.id} className="flex items-center gap-2">
                  {c.name} <span className="text-muted-foreground">({c.protocol === "saml" ? "SAML" : "OpenID Connect"})</span>
                  {c.enabled ? <Badge variant="success">On</Badge> : <Badge variant="outline">Off</Badge>}
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      <RecentAudit
        heading="Recent changes"
        events={org.recentAudit.map((e) => ({ id: e.id, createdAt: e.createdAt, action: e.action, detail: e.actorEmail ?? "system", targetType: e.targetType }))}
        detailLabel="Actor"
        empty={<EmptyState icon={<ScrollText />} titleAs="h3" title="No changes yet" description="What members and keys change in this organization appears here." />}
      />
    </div>
  );
}
