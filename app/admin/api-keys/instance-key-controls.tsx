"use client";
import { Plus } from "lucide-react";
import { ExpiryField, expiresAtOf } from "@/components/api-keys/expiry-field";
import { OverlapFieldset } from "@/components/api-keys/overlap-fieldset";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { ShownOnce } from "@/components/shown-once";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import { useServerAction } from "@/lib/client/use-server-action";
import { createInstanceKeyAction, revokeInstanceKeyAction, rotateInstanceKeyAction } from "./actions";

const untilFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const lines = (value: FormDataEntryValue | null) => String(value ?? "").split(/[\s,]+/).filter(Boolean);
const optionalNumber = (value: FormDataEntryValue | null) => (String(value ?? "").trim() === "" ? null : String(value).trim());

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
      toInput={(f) => ({
        name: f.get("name"),
        expiresAt: expiresAtOf(f),
        ipAllowList: lines(f.get("ipAllowList")),
        rateLimitPerSecond: optionalNumber(f.get("rateLimitPerSecond")),
        rateLimitPerDay: optionalNumber(f.get("rateLimitPerDay")),
      })}
      success={(data, close) => <ShownOnce secret={data.key} close={close} />}
    >
      <FormField id="instance-key-name" label="Name" required>
        {(p) => <Input {...p} name="name" maxLength={80} placeholder="product sign-up" />}
      </FormField>
      <ExpiryField />
      <FormField id="instance-key-ips" label="Allowed IP addresses" description="One address or CIDR range per line, IPv4 or IPv6. Empty: any address.">
        {(p) => <Textarea {...p} name="ipAllowList" rows={3} className="font-mono text-xs" placeholder={"203.0.113.0/24\n2001:db8::/32"} spellCheck={false} />}
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField id="instance-key-rate-second" label="Requests per second" description="Empty: no limit.">
          {(p) => <Input {...p} name="rateLimitPerSecond" type="number" inputMode="numeric" min={1} step={1} />}
        </FormField>
        <FormField id="instance-key-rate-day" label="Requests per day" description="Empty: no limit.">
          {(p) => <Input {...p} name="rateLimitPerDay" type="number" inputMode="numeric" min={1} step={1} />}
        </FormField>
      </div>
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
      success={(data, close) => (
        <div className="grid gap-2">
          <p className="text-sm text-muted-foreground">
            {data.apiKey.previousSecretValidUntil ? `The old secret works until ${untilFormat.format(new Date(data.apiKey.previousSecretValidUntil))} UTC.` : "The old secret no longer works."}
          </p>
          <ShownOnce secret={data.key} close={close} />
        </div>
      )}
    >
      <OverlapFieldset />
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
