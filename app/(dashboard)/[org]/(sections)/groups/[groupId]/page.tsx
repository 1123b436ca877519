import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { UserRound } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { authorize, can } from "@/lib/authz/authorize";
import { NotFound } from "@/lib/errors";
import { getGroup } from "@/lib/groups/groups";
import { requirePageOrg } from "@/lib/http/page-context";
import { listMembers } from "@/lib/members/members";
import { z } from "zod";
import { AddGroupMemberForm, DeleteGroupButton, RemoveGroupMemberButton } from "../group-controls";

export const metadata: Metadata = { title: "Group" };

export default async function GroupPage({ params }: { params: Promise<{ org: string; groupId: string }> }) {
  const { org, groupId } = await params;
  const ctx = await requirePageOrg(org);
  const read = authorize(ctx, "groups:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  if (!z.uuid().safeParse(groupId).success) notFound();
  const group = await getGroup(ctx, groupId).catch((e) => {
    if (e instanceof NotFound) notFound();
    throw e;
  });
  const canWrite = can(ctx, "groups:write");
  const members = canWrite && can(ctx, "members:read") ? await listMembers(ctx) : [];
  const candidates = members.filter((m) => !group.members.some((g) => g.id === m.user.id)).map((m) => ({ id: m.user.id, label: `${m.user.name} (${m.user.email})` }));
  return (
    <div className="grid gap-6">
      <PageHeader title={group.name} description={group.description || "A group of members."} actions={canWrite && <DeleteGroupButton orgSlug={ctx.orgSlug} groupId={group.id} name={group.name} />} />
      {canWrite && <AddGroupMemberForm orgSlug={ctx.orgSlug} groupId={group.id} candidates={candidates} />}
      {group.members.length === 0 ? (
        <EmptyState icon={<UserRound />} title="Nobody in this group yet" description="Add members of the organization to this group." />
      ) : (
        <Table aria-label="Group members">
          <TableHeader>
            <TableRow>
              <TableHead>Member</TableHead>
              <TableHead>Email</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {group.members.map((m) => (
              <TableRow key={m.id}>
                <TableCell className="font-medium">{m.name}</TableCell>
                <TableCell className="text-muted-foreground">{m.email}</TableCell>
                <TableCell className="text-right">
                  {canWrite && <RemoveGroupMemberButton orgSlug={ctx.orgSlug} groupId={group.id} groupName={group.name} userId={m.id} name={m.name} email={m.email} />}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
