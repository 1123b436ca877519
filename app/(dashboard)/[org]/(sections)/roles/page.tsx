import type { Metadata } from "next";
import { ForbiddenState } from "@/components/forbidden-state";
import { areaName, byArea } from "@/components/permission-areas";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { authorize, can } from "@/lib/authz/authorize";
import { permissionChoices } from "@/lib/permissions/permission-choices";
import { requirePageOrg } from "@/lib/http/page-context";
import { listRoles } from "@/lib/roles/roles";
import { DeleteRoleDialog, RoleEditorDialog, type RoleOption } from "./role-editor";

export const metadata: Metadata = { title: "Roles" };

export default async function RolesPage({ params }: { params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "roles:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const [roles, permissions] = await Promise.all([listRoles(ctx), permissionChoices()]);
  const canWrite = can(ctx, "roles:write");
  const roleOptions: RoleOption[] = roles.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    permissions: r.permissions,
    includes: r.includes,
    isBuiltIn: r.isBuiltIn,
    isOwner: r.isOwner,
  }));
  const names = new Map(roles.map((r) => [r.id, r.name]));
  const byId = new Map(roleOptions.map((r) => [r.id, r]));
  // What a role holds through the roles it includes (and theirs), beyond its own permissions.
  const inherited = (role: RoleOption) => {
    const held = new Set<string>();
    const seen = new Set([role.id]);
    const visit = (id: string) => {
      const included = byId.get(id);
      if (!included || seen.has(id)) return;
      seen.add(id);
      for (const p of included.permissions) if (!role.permissions.includes(p)) held.add(p);
      included.includes.forEach(visit);
    };
    role.includes.forEach(visit);
    return [...held].sort();
  };
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Roles"
        description="What each role allows. Built-in roles are fixed; custom roles are yours, and may include other roles."
        actions={canWrite && <RoleEditorDialog orgSlug={ctx.orgSlug} permissions={permissions} roles={roleOptions} />}
      />
      <Table aria-label="Roles">
        <TableHeader>
          <TableRow>
            <TableHead>Role</TableHead>
            <TableHead>Permissions</TableHead>
            <TableHead>Includes</TableHead>
            <TableHead>
              <span className="sr-only">Actions</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {roleOptions.map((r) => (
            <TableRow key={r.id} data-testid={`role-${r.name}`}>
              <TableCell>
                <div className="font-medium">
                  {r.name} {r.isBuiltIn ? <Badge variant="secondary">Built-in</Badge> : <Badge variant="outline">Custom</Badge>}
                </div>
                <div className="text-sm text-muted-foreground">{r.description}</div>
              </TableCell>
              <TableCell className="max-w-md text-sm">
                {r.isOwner ? (
                  "Every permission"
                ) : r.permissions.length ? (
                  <ul className="grid gap-0.5">
                    {byArea(r.permissions).map(({ area, actions }) => (
                      <li key={area}>
                        <span className="font-medium">{areaName(area)}:</span> {actions.join(", ")}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="text-muted-foreground">None of its own</span>
                )}
              </TableCell>
              <TableCell className="text-sm text-muted-foreground">
                {r.includes.length === 0 ? (
                  "—"
                ) : inherited(r).length === 0 ? (
                  `${r.includes.map((id) => names.get(id)).join(", ")} (adds nothing it does not hold)`
                ) : (
                  <details>
                    <summary className="cursor-pointer">
                      {r.includes.map((id) => names.get(id)).join(", ")}: {inherited(r).length} more permission{inherited(r).length === 1 ? "" : "s"}
                    </summary>
                    <ul className="mt-1 grid gap-0.5 text-foreground">
                      {byArea(inherited(r)).map(({ area, actions }) => (
                        <li key={area}>
                          <span className="font-medium">{areaName(area)}:</span> {actions.join(", ")}
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </TableCell>
              <TableCell className="text-right">
                {canWrite && !r.isBuiltIn && (
                  <div className="flex justify-end gap-1">
                    <RoleEditorDialog orgSlug={ctx.orgSlug} permissions={permissions} roles={roleOptions} role={r} />
                    <DeleteRoleDialog orgSlug={ctx.orgSlug} role={r} roles={roleOptions} />
                  </div>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
