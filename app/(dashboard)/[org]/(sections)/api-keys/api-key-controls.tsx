"use client";
import { Plus } from "lucide-react";
import { ExpiryField } from "@/components/api-keys/expiry-field";
import { keyLimitsOf, NetworkAndRateFields, RotatedSecret } from "@/components/api-keys/key-fields";
import { OverlapFieldset } from "@/components/api-keys/overlap-fieldset";
import { ConfirmAction } from "@/components/confirm-action";
import { PermissionPicker } from "@/components/permission-picker";
import { FormDialog } from "@/components/form-dialog";
import { ShownOnce } from "@/components/shown-once";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { CountedInput } from "@/components/ui/counted-input";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import type { PermissionChoice } from "@/lib/permissions/permission-choices";
import { createApiKeyAction, revokeApiKeyAction, rotateApiKeyAction } from "./actions";

type Option = { id: string; label: string };
export type KeyPolicy = { requireExpiry: boolean; maxLifetimeDays: number | null; rateLimitPerSecond: number | null; rateLimitPerDay: number | null };

function expiryRuleText(policy: KeyPolicy) {
  if (policy.maxLifetimeDays) return `This organization allows keys to live at most ${policy.maxLifetimeDays} days.`;
  return policy.requireExpiry ? "This organization requires keys to expire." : undefined;
}

const limitHint = (limit: number | null) => (limit === null ? "no limit" : limit.toLocaleString("en"));

export function CreateApiKeyDialog({ orgSlug, roles, projects, policy, permissions }: { orgSlug: string; roles: Option[]; projects: Option[]; policy: KeyPolicy; permissions: PermissionChoice[] }) {
  return (
    <FormDialog
      wide
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
        const permissions = f.getAll("permissions").map(String);
        return {
          name: f.get("name"),
          description: f.get("description") ?? "",
          roleId: f.get("roleId") || null,
          permissions: permissions.length ? permissions : null,
          projectId: f.get("projectId") || null,
          ...keyLimitsOf(f),
        };
      }}
      success={(data, close) => <ShownOnce secret={data.key} close={close} />}
    >
      <FormField id="key-name" label="Name" required>
        {(p) => <CountedInput {...p} name="name" maxLength={80} placeholder="e.g. product backend" />}
      </FormField>
      <FormField id="key-description" label="Description" description="Optional: what uses the key, who to ask about it.">
        {(p) => <CountedInput {...p} name="description" maxLength={300} />}
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
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
      </div>
      <PermissionPicker permissions={permissions} hint="Or give the key a role above. Listed: what you hold across the whole organization. The check API needs authz:check." />
      <ExpiryField rules={policy} ruleText={expiryRuleText(policy)} />
      <NetworkAndRateFields
        perSecondDefault={`the organization's default (${limitHint(policy.rateLimitPerSecond)})`}
        perDayDefault={`the organization's default (${limitHint(policy.rateLimitPerDay)})`}
      />
    </FormDialog>
  );
}

export function RotateApiKeyButton({ orgSlug, apiKeyId, name }: { orgSlug: string; apiKeyId: string; name: string }) {
  return (
    <FormDialog
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Rotate key ${name}`}>
          Rotate
        </Button>
      }
      title={`Rotate ${name}`}
      description="The key gets a new secret; its name, permissions and history stay. Give the new secret to the services using the key."
      submitLabel="Rotate key"
      action={(input) => rotateApiKeyAction(orgSlug, input)}
      toInput={(f) => ({ apiKeyId, overlapHours: Number(f.get("overlapHours") ?? 24) })}
      success={(data, close) => <RotatedSecret secret={data.key} previousSecretValidUntil={data.apiKey.previousSecretValidUntil} close={close} />}
    >
      <OverlapFieldset />
    </FormDialog>
  );
}

export function RevokeApiKeyButton({ orgSlug, apiKeyId, name }: { orgSlug: string; apiKeyId: string; name: string }) {
  const revoke = useServerAction((input: unknown) => revokeApiKeyAction(orgSlug, input), { successToast: "Key revoked" });
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
