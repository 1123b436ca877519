import type { Metadata } from "next";
import { KeySquare } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { authorize, can } from "@/lib/authz/authorize";
import { listPlans } from "@/lib/billing/plans";
import { listGrants } from "@/lib/grants/grants";
import { listGroups } from "@/lib/groups/groups";
import { requirePageOrg } from "@/lib/http/page-context";
import { listMembers } from "@/lib/members/members";
import { listProjects } from "@/lib/projects/projects";
import { listRoles } from "@/lib/roles/roles";
import { AccessChecker, DeleteGrantButton, GrantDialog } from "./grant-controls";

export const metadata: Metadata = { title: "Access" };
const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function AccessPage({ params }: { params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "grants:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const may = (p: Parameters<typeof can>[1]) => can(ctx, p);
  const [grants, roles, members, groups, projects, plans] = await Promise.all([
    listGrants(ctx),
    may("roles:read") ? listRoles(ctx) : [],
    may("members:read") ? listMembers(ctx) : [],
    may("groups:read") ? listGroups(ctx) : [],
    may("projects:read") ? listProjects(ctx) : [],
    may("grants:write") ? listPlans() : [],
  ]);
  const options = {
    roles: roles.filter((r) => !r.isOwner).map((r) => ({ id: r.id, label: r.name })),
    subjects: [...members.map((m) => ({ id: `user:${m.user.id}`, label: `${m.user.name} (${m.user.email})` })), ...groups.map((g) => ({ id: `group:${g.id}`, label: `Group: ${g.name}` }))],
    members: members.map((m) => ({ id: m.user.id, label: `${m.user.name} (${m.user.email})` })),
    projects: projects.map((p) => ({ id: p.id, label: p.name })),
    // The plans this organization knows of: those anyone may choose, and its own.
    plans: plans.filter((p) => !p.archivedAt && (p.selfServe || p.key === ctx.authz.plan)).map((p) => ({ id: p.key, label: p.name })),
  };
  return (
    <div className="grid gap-8">
      <PageHeader
        title="Access"
        description="Roles given to members and groups beyond their membership role: on the whole organization or one project, for a while, from some networks, or only with MFA."
        actions={may("grants:write") && <GrantDialog orgSlug={ctx.orgSlug} options={options} />}
      />
      {grants.length === 0 ? (
        <EmptyState icon={<KeySquare />} title="No grants yet" description="Everyone has their membership role only. Give a group a role on a project to start." />
      ) : (
        <Table aria-label="Grants">
          <TableHeader>
            <TableRow>
              <TableHead>Who</TableHead>
              <TableHead>Role</TableHead>
              <TableHead>Where</TableHead>
              <TableHead>Conditions</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {grants.map((g) => {
              const who = g.user ? g.user.email : g.group ? `Group: ${g.group.name}` : `API key: ${g.apiKey?.name}`;
              const conditions = [
                g.validUntil && `until ${timeFormat.format(g.validUntil)} UTC`,
                g.ipCidrs.length > 0 && `from ${g.ipCidrs.join(", ")}`,
                g.requireMfa && "with MFA",
                g.plans.length > 0 && `on the ${g.plans.join(" or ")} plan`,
              ].filter(Boolean);
              return (
                <TableRow key={g.id} data-testid={`grant-${g.id}`}>
                  <TableCell className="font-medium">{who}</TableCell>
                  <TableCell>
                    <Badge variant="outline">{g.role.name}</Badge>
                  </TableCell>
                  <TableCell>{g.project ? `Project ${g.project.name}` : "Whole organization"}</TableCell>
                  <TableCell className="text-sm text-muted-foreground">{conditions.join("; ") || "Always"}</TableCell>
                  <TableCell className="text-right">{may("grants:write") && <DeleteGrantButton orgSlug={ctx.orgSlug} grantId={g.id} label={`${g.role.name} for ${who}`} />}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {options.members.length > 0 && <AccessChecker orgSlug={ctx.orgSlug} members={options.members} projects={options.projects} />}
    </div>
  );
}
