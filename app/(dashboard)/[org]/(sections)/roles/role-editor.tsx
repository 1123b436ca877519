"use client";
import { Plus } from "lucide-react";
import { FormDialog } from "@/components/form-dialog";
import { PermissionPicker } from "@/components/permission-picker";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { CountedInput } from "@/components/ui/counted-input";
import { NativeSelect } from "@/components/ui/select";
import type { PermissionChoice } from "@/lib/permissions/permission-choices";
import { createRoleAction, deleteRoleAction, updateRoleAction } from "./actions";

export type RoleOption = { id: string; name: string; description: string; permissions: string[]; includes: string[]; isBuiltIn: boolean; isOwner: boolean };

export function RoleEditorDialog({ orgSlug, permissions, roles, role }: { orgSlug: string; permissions: PermissionChoice[]; roles: RoleOption[]; role?: RoleOption }) {
  const includable = roles.filter((r) => !r.isOwner && r.id !== role?.id);
  return (
    <FormDialog
      wide
      trigger={
        role ? (
          <Button variant="ghost" size="sm" aria-label={`Edit role ${role.name}`}>
            Edit
          </Button>
        ) : (
          <Button>
            <Plus className="size-4" aria-hidden="true" />
            New role
          </Button>
        )
      }
      title={role ? `Edit ${role.name}` : "Create a role"}
      description="Nobody can give a role more than they hold themselves."
      submitLabel={role ? "Save role" : "Create role"}
      action={(input) => (role ? updateRoleAction(orgSlug, input) : createRoleAction(orgSlug, input))}
      successToast={role ? "Role saved" : "Role created"}
      toInput={(f) => ({
        ...(role ? { roleId: role.id } : {}),
        name: f.get("name"),
        description: f.get("description"),
        permissions: f.getAll("permissions"),
        includes: f.getAll("includes"),
      })}
    >
      <FormField id="role-name" label="Name" name="name" required>
        {(p) => <CountedInput {...p} name="name" maxLength={60} defaultValue={role?.name} />}
      </FormField>
      <FormField id="role-description" label="Description" name="description">
        {(p) => <CountedInput {...p} name="description" maxLength={300} defaultValue={role?.description} />}
      </FormField>
      <PermissionPicker permissions={permissions} selected={role?.permissions} />
      {includable.length > 0 && (
        <fieldset className="grid gap-2">
          <legend className="mb-1 text-sm font-medium">Includes the roles</legend>
          <div className="flex flex-wrap gap-x-4 gap-y-1">
            {includable.map((r) => (
              <label key={r.id} className="inline-flex items-center gap-1.5 text-sm">
                <input type="checkbox" name="includes" value={r.id} defaultChecked={role?.includes.includes(r.id)} className="size-4 accent-primary" />
                {r.name}
              </label>
            ))}
          </div>
        </fieldset>
      )}
    </FormDialog>
  );
}

export function DeleteRoleDialog({ orgSlug, role, roles }: { orgSlug: string; role: RoleOption; roles: RoleOption[] }) {
  return (
    <FormDialog
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Delete role ${role.name}`}>
          Delete
        </Button>
      }
      title={`Delete ${role.name}?`}
      description="If anyone holds this role, choose the role they move to."
      submitLabel="Delete role"
      destructive
      successToast={`${role.name} deleted`}
      action={(input) => deleteRoleAction(orgSlug, input)}
      toInput={(f) => ({ roleId: role.id, reassignTo: f.get("reassignTo") || undefined })}
    >
      <FormField id="reassign-to" label="Move holders to">
        {(p) => (
          <NativeSelect {...p} name="reassignTo" defaultValue="">
            <option value="">Nobody holds it (delete only if unused)</option>
            {roles
              .filter((r) => r.id !== role.id && !r.isOwner)
              .map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
          </NativeSelect>
        )}
      </FormField>
    </FormDialog>
  );
}
