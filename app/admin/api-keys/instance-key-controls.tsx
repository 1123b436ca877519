"use client";
import { Plus } from "lucide-react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { ShownOnce } from "@/components/shown-once";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { useServerAction } from "@/lib/client/use-server-action";
import { createInstanceKeyAction, revokeInstanceKeyAction } from "./actions";

export function CreateInstanceKeyDialog() {
  return (
    <FormDialog
      trigger={
        <Button>
          <Plus className="size-4" aria-hidden="true" />
          New provisioning key
        </Button>
      }
      title="Create a provisioning key"
      description="It may act in every organization. Keep it in your product's back end only."
      submitLabel="Create key"
      action={createInstanceKeyAction}
      toInput={(f) => ({ name: f.get("name"), expiresAt: f.get("expiresAt") ? new Date(`${f.get("expiresAt")}T23:59:59Z`).toISOString() : null })}
      success={(data, close) => <ShownOnce secret={data.key} close={close} />}
    >
      <FormField id="instance-key-name" label="Name" required>
        {(p) => <Input {...p} name="name" maxLength={80} placeholder="product sign-up" />}
      </FormField>
      <FormField id="instance-key-expires" label="Expires on (UTC)">
        {(p) => <Input {...p} name="expiresAt" type="date" />}
      </FormField>
    </FormDialog>
  );
}

export function RevokeInstanceKeyButton({ apiKeyId, name }: { apiKeyId: string; name: string }) {
  const revoke = useServerAction(revokeInstanceKeyAction);
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
