import type { Metadata } from "next";
import { FolderKanban } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { authorize, can } from "@/lib/authz/authorize";
import { requirePageOrg } from "@/lib/http/page-context";
import { listProjects } from "@/lib/projects/projects";
import { CreateProjectDialog, DeleteProjectButton } from "./project-controls";

export const metadata: Metadata = { title: "Projects" };
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export default async function ProjectsPage({ params }: { params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "projects:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const projects = await listProjects(ctx);
  const canCreate = can(ctx, "projects:create");
  const canDelete = can(ctx, "projects:delete");
  return (
    <div className="grid gap-6">
      <PageHeader title="Projects" description="Parts of your product that access can be given to one at a time." actions={canCreate && <CreateProjectDialog orgSlug={ctx.orgSlug} />} />
      {projects.length === 0 ? (
        <EmptyState icon={<FolderKanban />} title="No projects yet" description="Create a project to give people access to just that part of your product." />
      ) : (
        <Table aria-label="Projects">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Slug</TableHead>
              <TableHead>ID</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {projects.map((p) => (
              <TableRow key={p.id}>
                <TableCell className="font-medium">{p.name}</TableCell>
                <TableCell className="text-muted-foreground">{p.slug}</TableCell>
                <TableCell>
                  <code className="text-xs text-muted-foreground">{p.id}</code>
                </TableCell>
                <TableCell className="text-muted-foreground">{dateFormat.format(p.createdAt)}</TableCell>
                <TableCell className="text-right">{canDelete && <DeleteProjectButton orgSlug={ctx.orgSlug} projectId={p.id} name={p.name} />}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
