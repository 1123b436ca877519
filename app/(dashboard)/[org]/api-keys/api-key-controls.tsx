"use client";
import { Plus } from "lucide-react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { ShownOnce } from "@/components/shown-once";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

type Option = { id: string; label: string };

export function CreateApiKeyDialog({ orgSlug, roles, projects }: { orgSlug: string; roles: Option[]; projects: Option[] }) {
  return (
    <FormDialog
      trigger={
        <Button>
          <Plus className="size-4" aria-hidden="true" />
          New API key
        </Button>
      }
      title="Create an API key"
      description="Give the key a role, or list the permissions it carries."
      submitLabel="Create key"
      action={(input) => createApiKeyAction(orgSlug, input)}
      toInput={(f) => {
        const permissions = String(f.get("permissions") ?? "").split(/[\s,]+/).filter(Boolean);
        const expires = String(f.get("expiresAt") ?? "");
        return {
          name: f.get("name"),
          roleId: f.get("roleId") || null,
          permissions: permissions.length ? permissions : null,
          projectId: f.get("projectId") || null,
          expiresAt: expires ? new Date(`${expires}T23:59:59Z`).toISOString() : null,
        };
      }}
      success={(data, close) => <ShownOnce secret={data.key} close={close} />}
    >
      <FormField id="key-name" label="Name" required>
        {(p) => <Input {...p} name="name" maxLength={80} placeholder="product backend" />}
      </FormField>
      <FormField id="key-role" label="Role">
        {(p) => (
          <NativeSelect {...p} name="roleId" defaultValue="">
            <option value="">No role: use the permissions below</option>
            {roles.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </NativeSelect>
        )}
      </FormField>
      <FormField id="key-permissions" label="Permissions" description="Separated by commas, e.g. authz:check">
        {(p) => <Input {...p} name="permissions" placeholder="authz:check" />}
      </FormField>
      <FormField id="key-project" label="Limited to project">
        {(p) => (
          <NativeSelect {...p} name="projectId" defaultValue="">
            <option value="">The whole organization</option>
            {projects.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </NativeSelect>
        )}
      </FormField>
      <FormField id="key-expires" label="Expires on (UTC)" description="Leave empty for a key without an expiry.">
        {(p) => <Input {...p} name="expiresAt" type="date" />}
      </FormField>
    </FormDialog>
  );
}

export function RevokeApiKeyButton({ orgSlug, apiKeyId, name }: { orgSlug: string; apiKeyId: string; name: string }) {
  const revoke = useServerAction((input: unknown) => revokeApiKeyAction(orgSlug, input));
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Revoke key ${name}`}>
          Revoke
        </Button>
      }
      title={`Revoke ${name}?`}
      description="Requests with this key are refused at once, everywhere."
      confirmLabel="Revoke key"
      run={async () => void (await revoke.mutateAsync({ apiKeyId }))}
    />
  );
}
