import type { Metadata } from "next";
import Link from "next/link";
import { UsersRound } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { authorize, can } from "@/lib/authz/authorize";
import { listGroups } from "@/lib/groups/groups";
import { requirePageOrg } from "@/lib/http/page-context";
import { CreateGroupDialog } from "./group-controls";

export const metadata: Metadata = { title: "Groups" };

export default async function GroupsPage({ params }: { params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "groups:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const groups = await listGroups(ctx);
  const canWrite = can(ctx, "groups:write");
  return (
    <div className="grid gap-6">
      <PageHeader title="Groups" description="Teams of members. A role given to a group reaches everyone in it." actions={canWrite && <CreateGroupDialog orgSlug={ctx.orgSlug} />} />
      {groups.length === 0 ? (
        <EmptyState icon={<UsersRound />} title="No groups yet" description="Group people by team, then give the group a role on a project." />
      ) : (
        <Table aria-label="Groups">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Description</TableHead>
              <TableHead className="text-right">Members</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {groups.map((g) => (
              <TableRow key={g.id}>
                <TableCell className="font-medium">
                  <Link className="text-primary underline-offset-4 hover:underline" href={`/${ctx.orgSlug}/groups/${g.id}`}>
                    {g.name}
                  </Link>
                </TableCell>
                <TableCell className="text-muted-foreground">{g.description || "—"}</TableCell>
                <TableCell className="text-right">{g.memberCount}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
