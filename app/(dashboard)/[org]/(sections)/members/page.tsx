import type { Metadata } from "next";
import { Mail, Users } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Avatar } from "@/components/ui/avatar";
import { can } from "@/lib/authz/authorize";
import { requirePageOrg } from "@/lib/http/page-context";
import { listInvitations } from "@/lib/invitations/invitations";
import { countMembers, listAssignableRoles, listMembers } from "@/lib/members/members";
import { isDomainError } from "@/lib/errors";
import { PageLinks, SearchForm } from "@/components/search-pages";
import { listProjects } from "@/lib/projects/projects";
import { onboardingSteps } from "@/lib/orgs/onboarding";
import { OnboardingChecklist } from "@/components/onboarding-checklist";
import { InvitationActions } from "./invitation-actions";
import { InviteDialog } from "./invite-dialog";
import { EndSessionsButton, LeaveButton, MemberRoleSelect, RemoveMemberButton } from "./member-controls";
import { membersWithEndableSessions } from "@/lib/orgs/security-policy";

export const metadata: Metadata = { title: "Members" };

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

const MEMBERS_PER_PAGE = 50;

export default async function MembersPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<{ q?: string; cursor?: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const { q, cursor } = await searchParams;
  const search = typeof q === "string" ? q.trim().slice(0, 254) : "";
  const after = typeof cursor === "string" ? cursor : undefined;
  const may = (p: Parameters<typeof can>[1]) => can(ctx, p);
  const mayGrant = may("grants:write") && may("projects:read");
  // The first steps, for whoever sets the organization up (changes its settings), until they are all done.
  const setsUp = may("organization:update");
  const [memberPage, memberCount, invitations, roles, projects, steps] = await Promise.all([
    listMembers(ctx, { cursor: after, limit: MEMBERS_PER_PAGE }, search).catch((error: unknown) => {
      // A cursor that is not one of ours (edited by hand): the first page instead.
      if (after && isDomainError(error)) return listMembers(ctx, { limit: MEMBERS_PER_PAGE }, search);
      throw error;
    }),
    countMembers(ctx, search),
    listInvitations(ctx),
    listAssignableRoles(ctx),
    mayGrant ? listProjects(ctx) : [],
    setsUp ? onboardingSteps(ctx) : [],
  ]);
  // Only an owner makes, demotes or removes an owner (lib/members/owner-only.ts): others are not offered it.
  const callerIsOwner = ctx.membership.isOwner;
  const mayManage = (role: { isOwner: boolean }) => callerIsOwner || !role.isOwner;
  const members = memberPage.data;
  const endable = await membersWithEndableSessions(ctx, members);
  const base = `/${ctx.orgSlug}/members`;
  const roleOptions = roles.filter(mayManage).map((r) => ({ id: r.id, name: r.name, description: r.description }));
  // Roles on a project: any but ownership, which comes with membership.
  const projectRoleOptions = roles.filter((r) => !r.isOwner).map((r) => ({ id: r.id, name: r.name, description: r.description }));

  return (
    <div className="grid gap-10">
      <PageHeader
        title="Members"
        description="People in this organization and what they may do."
        actions={
          <div className="flex gap-2">
            <LeaveButton orgSlug={ctx.orgSlug} />
            {may("members:invite") && (
              <InviteDialog
                orgSlug={ctx.orgSlug}
                roles={roleOptions}
                defaultRoleId={roles.find((r) => r.key === "viewer")?.id}
                projects={projects.map((p) => ({ id: p.id, name: p.name }))}
                projectRoles={projectRoleOptions}
              />
            )}
          </div>
        }
      />
      {steps.some((s) => !s.done) && <OnboardingChecklist orgId={ctx.orgId} steps={steps} />}
      <section aria-labelledby="members-heading" className="grid gap-3">
        <h2 id="members-heading" className="text-lg font-semibold">
          Members <span className="text-muted-foreground">({memberCount})</span>
        </h2>
        <SearchForm base={base} search={search} what="members" />
        {members.length === 0 ? (
          search ? (
            <EmptyState icon={<Users />} titleAs="h3" title="No members match" description={`Nobody's name or email holds “${search}”.`} />
          ) : (
            <EmptyState icon={<Users />} title="No members" description="Invite people to work in this organization." />
          )
        ) : (
          <Table aria-label="Members">
            <TableHeader>
              <TableRow>
                <TableHead>Member</TableHead>
                <TableHead>Role</TableHead>
                <TableHead>Joined</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {members.map((m) => {
                const isSelf = m.user.id === ctx.principal.userId;
                return (
                  <TableRow key={m.id} data-testid={`member-${m.user.email}`}>
                    <TableCell>
                      <div className="flex items-center gap-3">
                        <Avatar name={m.user.name} size="sm" decorative />
                        <div className="grid">
                          <span className="font-medium">
                            {m.user.name} {isSelf && <Badge variant="secondary">You</Badge>}
                          </span>
                          <span className="text-sm text-muted-foreground">{m.user.email}</span>
                        </div>
                      </div>
                    </TableCell>
                    <TableCell>
                      {may("members:update") && !isSelf && mayManage(m.role) ? (
                        <MemberRoleSelect orgSlug={ctx.orgSlug} membershipId={m.id} roleId={m.role.id} roles={roleOptions} memberEmail={m.user.email} />
                      ) : (
                        <Badge variant={m.role.isOwner ? "default" : "outline"}>{m.role.name}</Badge>
                      )}
                    </TableCell>
                    <TableCell className="text-muted-foreground">{dateFormat.format(m.createdAt)}</TableCell>
                    <TableCell className="text-right">
                      {!isSelf && mayManage(m.role) && endable.has(m.user.id) && <EndSessionsButton orgSlug={ctx.orgSlug} userId={m.user.id} memberEmail={m.user.email} />}
                      {may("members:remove") && !isSelf && mayManage(m.role) && <RemoveMemberButton orgSlug={ctx.orgSlug} membershipId={m.id} memberEmail={m.user.email} />}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
        <PageLinks base={base} search={search} after={after} nextCursor={memberPage.nextCursor} label="Member pages" />
      </section>
      <section aria-labelledby="invitations-heading" className="grid gap-3">
        <h2 id="invitations-heading" className="text-lg font-semibold">
          Pending invitations <span className="text-muted-foreground">({invitations.length})</span>
        </h2>
        {invitations.length === 0 ? (
          <EmptyState icon={<Mail />} titleAs="h3" title="No pending invitations" description="Invitations you send appear here until they are accepted." />
        ) : (
          <Table aria-label="Pending invitations">
            <TableHeader>
              <TableRow>
                <TableHead>Email</TableHead>
                <TableHead>Role</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>Expires</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {invitations.map((inv) => (
                <TableRow key={inv.id} data-testid={`invitation-${inv.email}`}>
                  <TableCell className="font-medium">{inv.email}</TableCell>
                  <TableCell>
                    {inv.role.name}
                    {inv.projectRoles.map((r) => (
                      <span key={`${r.roleName}:${r.projectName}`} className="block text-xs text-muted-foreground">
                        {r.roleName} on {r.projectName}
                      </span>
                    ))}
                  </TableCell>
                  <TableCell>
                    <Badge variant={inv.status === "pending" ? "secondary" : "destructive"}>{inv.status}</Badge>
                  </TableCell>
                  <TableCell className="text-muted-foreground">{dateFormat.format(inv.expiresAt)}</TableCell>
                  <TableCell className="text-right">
                    {may("members:invite") && <InvitationActions orgSlug={ctx.orgSlug} invitationId={inv.id} email={inv.email} canResend={mayManage(inv.role)} />}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>
    </div>
  );
}
