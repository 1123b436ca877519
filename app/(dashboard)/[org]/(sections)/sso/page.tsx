import type { Metadata } from "next";
import { Link2 } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { authorize, can } from "@/lib/authz/authorize";
import { requirePageOrg } from "@/lib/http/page-context";
import { getSsoPolicy, ownersForBreakGlass } from "@/lib/sso/policy";
import { listSetupLinks } from "@/lib/sso/setup-links";
import { NewSetupLinkDialog, RevokeSetupLinkButton, SsoPolicyForm } from "./sso-controls";
import { SectionHeading, SsoSetupSections } from "./sso-sections";

export const metadata: Metadata = { title: "Single sign-on" };
const dateTime = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

const LINK_STATUS = {
  active: <Badge variant="success">Active</Badge>,
  expired: <Badge variant="outline">Expired</Badge>,
  revoked: <Badge variant="outline">Revoked</Badge>,
} as const;

export default async function SsoPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<{ tested?: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "sso:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const { tested } = await searchParams;
  const policy = await getSsoPolicy(ctx);
  const owners = can(ctx, "members:read") ? await ownersForBreakGlass(ctx) : [];
  const canWrite = can(ctx, "sso:write");
  const links = (await listSetupLinks(ctx)).data;
  const mayMakeLinks = ctx.membership.isOwner && canWrite && can(ctx, "scim:manage");
  return (
    <div className="grid gap-6">
      <PageHeader title="Single sign-on" description="Let your people sign in through your company's identity provider, with OpenID Connect or SAML 2.0." />
      <SsoSetupSections ctx={ctx} target={ctx.orgSlug} portal={false} tested={tested} />

      <section className="grid gap-3" aria-labelledby="setup-links">
        <SectionHeading
          id="setup-links"
          title="Setup links"
          description="Send your IT admin a link to set up the connection, domains and SCIM themselves, without a Tollgate account. It does nothing else, and stops at its expiry or when revoked."
          action={mayMakeLinks && <NewSetupLinkDialog orgSlug={ctx.orgSlug} />}
        />
        {links.length === 0 ? (
          <EmptyState
            icon={<Link2 />}
            titleAs="h3"
            title="No setup links yet"
            description={mayMakeLinks ? "Make one for whoever runs your identity provider." : "An owner can make one for whoever runs your identity provider."}
          />
        ) : (
          <Table aria-label="Setup links">
            <TableHeader>
              <TableRow>
                <TableHead>For</TableHead>
                <TableHead>Made by</TableHead>
                <TableHead>Expires</TableHead>
                <TableHead>Last used</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {links.map((link) => (
                <TableRow key={link.id}>
                  <TableCell className="font-medium">{link.name}</TableCell>
                  <TableCell className="text-muted-foreground">{link.createdBy}</TableCell>
                  <TableCell className="text-muted-foreground">{dateTime.format(link.expiresAt)} UTC</TableCell>
                  <TableCell className="text-muted-foreground">{link.lastUsedAt ? `${dateTime.format(link.lastUsedAt)} UTC` : "Never"}</TableCell>
                  <TableCell>{LINK_STATUS[link.status as keyof typeof LINK_STATUS]}</TableCell>
                  <TableCell className="text-right">{canWrite && link.status === "active" && <RevokeSetupLinkButton orgSlug={ctx.orgSlug} link={link} />}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>

      <Card>
        <CardHeader>
          <CardTitle asChild>
            <h2>Policy</h2>
          </CardTitle>
          <CardDescription>
            {policy.requireSso ? "Single sign-on is required for your verified domains." : "People may sign in with a password or with single sign-on."}
            {!canWrite && " Only members allowed to manage single sign-on can change this."}
          </CardDescription>
        </CardHeader>
        <CardContent>
          <SsoPolicyForm orgSlug={ctx.orgSlug} requireSso={policy.requireSso} owners={owners} callerIsOwner={ctx.membership.isOwner} canWrite={canWrite} />
        </CardContent>
      </Card>
    </div>
  );
}
