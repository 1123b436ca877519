import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Building2, ScrollText } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { getUserOverview } from "@/lib/admin/instance-directory";
import { NotFound } from "@/lib/errors";
import { requirePageUser } from "@/lib/http/page-context";
import { dateFormat, Facts, MembershipTable, RecentAudit, timeFormat } from "../../directory-parts";

export const metadata: Metadata = { title: "User" };

const ORIGINS: Record<string, string> = { sign_up: "Signed up", setup: "Instance setup", provisioning: "Provisioned through the API" };

export default async function AdminUserPage({ params }: { params: Promise<{ userId: string }> }) {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) return null;
  const { userId } = await params;
  const user = await getUserOverview(ctx, userId).catch((error: unknown) => {
    if (error instanceof NotFound) notFound();
    throw error;
  });
  const secondFactors = [user.authenticatorApps && "authenticator app", user.passkeys && `${user.passkeys} passkey${user.passkeys === 1 ? "" : "s"}`].filter(Boolean).join(", ");

  return (
    <div className="grid gap-8">
      <nav aria-label="Breadcrumb" className="text-sm text-muted-foreground">
        <Link href="/admin/users" className="underline-offset-4 hover:underline">
          All users
        </Link>{" "}
        / <span aria-current="page">{user.name}</span>
      </nav>
      <PageHeader title={user.name} description={`${user.email} · ${ORIGINS[user.origin] ?? user.origin} on ${dateFormat.format(user.createdAt)}`} />
      <Facts
        label="User facts"
        facts={[
          ["Email", user.emailVerifiedAt ? `Confirmed on ${dateFormat.format(user.emailVerifiedAt)}` : <Badge variant="secondary">Not confirmed</Badge>],
          ["Second factor", secondFactors || <span className="text-muted-foreground">None</span>],
          ["Single sign-on identities", String(user.ssoIdentities)],
          ["Active sessions", String(user.activeSessions)],
          ["Last seen (UTC)", user.lastSeenAt ? timeFormat.format(user.lastSeenAt) : <span className="text-muted-foreground">No active session</span>],
          ["Instance admin", user.isInstanceAdmin ? "Yes" : "No"],
          ["External id", user.externalId ?? <span className="text-muted-foreground">None</span>],
        ]}
      />
      <section aria-labelledby="user-orgs-heading" className="grid gap-3">
        <h2 id="user-orgs-heading" className="text-lg font-semibold">
          Organizations <span className="text-muted-foreground">({user.organizations})</span>
        </h2>
        {user.memberships.length === 0 ? (
          <EmptyState icon={<Building2 />} titleAs="h3" title="In no organization" description="They have not created or joined one." />
        ) : (
          <MembershipTable
            label="Organizations"
            subject="Organization"
            rows={user.memberships.map((m) => ({ key: m.org.id, href: `/admin/organizations/${m.org.id}`, name: m.org.name, detail: `/${m.org.slug}`, role: m.role, joinedAt: m.createdAt }))}
          />
        )}
        {user.organizations > user.memberships.length && (
          <p className="text-sm text-muted-foreground">
            The first {user.memberships.length} of {user.organizations} organizations are shown, oldest membership first.
          </p>
        )}
      </section>
      <RecentAudit
        heading="What they did lately"
        detailLabel="Where"
        events={user.recentAudit.map((e) => ({
          id: e.id,
          createdAt: e.createdAt,
          action: e.action,
          targetType: e.targetType,
          detail: e.instanceWide ? "This instance" : (e.orgName ?? <span className="text-muted-foreground">A deleted organization</span>),
        }))}
        empty={<EmptyState icon={<ScrollText />} titleAs="h3" title="Nothing yet" description="Changes they make appear here." />}
      />
    </div>
  );
}
