"use client";
import { Plus } from "lucide-react";
import { ExpiryField } from "@/components/api-keys/expiry-field";
import { keyLimitsOf, NetworkAndRateFields, RotatedSecret } from "@/components/api-keys/key-fields";
import { OverlapFieldset } from "@/components/api-keys/overlap-fieldset";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { ShownOnce } from "@/components/shown-once";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { CountedInput } from "@/components/ui/counted-input";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import { createInstanceKeyAction, revokeInstanceKeyAction, rotateInstanceKeyAction } from "./actions";

export function CreateInstanceKeyDialog() {
  return (
    <FormDialog
      wide
      trigger={
        <Button>
          <Plus className="size-4" aria-hidden="true" />
          New provisioning key
        </Button>
      }
      title="Create a provisioning key"
      description="It may act in every organization. Keep it in your product's back end only, and limit where it can be used from."
      submitLabel="Create key"
      action={createInstanceKeyAction}
      toInput={(f) => ({ name: f.get("name"), access: f.get("access"), ...keyLimitsOf(f) })}
      success={(data, close) => <ShownOnce secret={data.key} close={close} />}
    >
      <FormField id="instance-key-name" label="Name" required>
        {(p) => <CountedInput {...p} name="name" maxLength={80} placeholder="e.g. product sign-up" />}
      </FormField>
      <FormField id="instance-key-access" label="Access" description="A usage key can only send usage events (POST /api/v1/usage/events) for any organization.">
        {(p) => (
          <NativeSelect {...p} name="access" defaultValue="admin">
            <option value="admin">Instance admin: provisioning in every organization</option>
            <option value="usage">Usage events only</option>
          </NativeSelect>
        )}
      </FormField>
      <ExpiryField />
      <NetworkAndRateFields perSecondDefault="no limit" perDayDefault="no limit" />
    </FormDialog>
  );
}

export function RotateInstanceKeyButton({ apiKeyId, name }: { apiKeyId: string; name: string }) {
  return (
    <FormDialog
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Rotate key ${name}`}>
          Rotate
        </Button>
      }
      title={`Rotate ${name}`}
      description="The key gets a new secret; its name, limits and history stay. Give the new secret to the services using the key."
      submitLabel="Rotate key"
      action={rotateInstanceKeyAction}
      toInput={(f) => ({ apiKeyId, overlapHours: Number(f.get("overlapHours") ?? 24) })}
      success={(data, close) => <RotatedSecret secret={data.key} previousSecretValidUntil={data.apiKey.previousSecretValidUntil} close={close} />}
    >
      <OverlapFieldset />
    </FormDialog>
  );
}

export function RevokeInstanceKeyButton({ apiKeyId, name }: { apiKeyId: string; name: string }) {
  const revoke = useServerAction(revokeInstanceKeyAction, { successToast: "Key revoked" });
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Revoke key ${name}`}>
          Revoke
        </Button>
      }
      title={`Revoke ${name}?`}
      description="Requests with this key are refused at once."
      confirmLabel="Revoke key"
      run={async () => void (await revoke.mutateAsync(apiKeyId))}
    />
  );
}
