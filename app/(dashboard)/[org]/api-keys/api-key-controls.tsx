"use client";
import { Plus } from "lucide-react";
import { useState } from "react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { ShownOnce } from "@/components/shown-once";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import { useServerAction } from "@/lib/client/use-server-action";
import { createApiKeyAction, revokeApiKeyAction, rotateApiKeyAction } from "./actions";

type Option = { id: string; label: string };
export type KeyPolicy = { requireExpiry: boolean; maxLifetimeDays: number | null; rateLimitPerSecond: number | null; rateLimitPerDay: number | null };

const DAY_MS = 86_400_000;
const PRESET_DAYS = [7, 30, 90, 365];
const untilFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const lines = (value: FormDataEntryValue | null) => String(value ?? "").split(/[\s,]+/).filter(Boolean);
const optionalNumber = (value: FormDataEntryValue | null) => (String(value ?? "").trim() === "" ? null : String(value).trim());

/** The expiry choices the organization's policy leaves open: "never" only without a required expiry or a maximum lifetime. */
function expiryChoices(policy: KeyPolicy) {
  const max = policy.maxLifetimeDays;
  const days = PRESET_DAYS.filter((d) => !max || d <= max);
  if (max && !days.includes(max)) days.push(max);
  return { never: !policy.requireExpiry && !max, days };
}

function ExpiryField({ policy }: { policy: KeyPolicy }) {
  const { never, days } = expiryChoices(policy);
  const [choice, setChoice] = useState(never ? "never" : days.includes(90) ? "90" : days.length ? String(days.at(-1)) : "custom");
  const max = policy.maxLifetimeDays;
  const now = Date.now();
  // A date's key lasts to the end of that day (UTC), so the last date allowed is one day short of the maximum.
  const lastDate = max ? isoDate(now + (max - 1) * DAY_MS) : undefined;
  const suggested = isoDate(now + Math.min(30, max ? max - 1 : 30) * DAY_MS);
  const rule = max ? `This organization allows keys to live at most ${max} days.` : policy.requireExpiry ? "This organization requires keys to expire." : "A key that expires limits the harm a leaked one can do.";
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <FormField id="key-expiry" label="Expires" description={rule}>
        {(p) => (
          <NativeSelect {...p} name="expiry" value={choice} onChange={(e) => setChoice(e.target.value)}>
            {never && <option value="never">Never</option>}
            {days.map((d) => (
              <option key={d} value={d}>
                {`${d === 365 ? "In 1 year" : `In ${d} days`}${d === max ? " (the maximum)" : ""}`}
              </option>
            ))}
            <option value="custom">On a date…</option>
          </NativeSelect>
        )}
      </FormField>
      {choice === "custom" && (
        <FormField id="key-expires-on" label="Expires on (UTC)" description="At the end of that day.">
          {(p) => <Input {...p} name="expiresOn" type="date" min={isoDate(now)} max={lastDate} defaultValue={suggested} />}
        </FormField>
      )}
    </div>
  );
}

function expiresAtOf(form: FormData): string | null {
  const expiry = String(form.get("expiry") ?? "never");
  if (expiry === "never") return null;
  if (expiry === "custom") {
    const date = String(form.get("expiresOn") ?? "");
    // An empty date goes to the server as it is, which explains that it needs one.
    return date ? new Date(`${date}T23:59:59Z`).toISOString() : "";
  }
  return new Date(Date.now() + Number(expiry) * DAY_MS).toISOString();
}

const limitHint = (limit: number | null) => (limit === null ? "no limit" : limit.toLocaleString("en"));

export function CreateApiKeyDialog({ orgSlug, roles, projects, policy }: { orgSlug: string; roles: Option[]; projects: Option[]; policy: KeyPolicy }) {
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
        const permissions = lines(f.get("permissions"));
        return {
          name: f.get("name"),
          description: f.get("description") ?? "",
          roleId: f.get("roleId") || null,
          permissions: permissions.length ? permissions : null,
          projectId: f.get("projectId") || null,
          expiresAt: expiresAtOf(f),
          ipAllowList: lines(f.get("ipAllowList")),
          rateLimitPerSecond: optionalNumber(f.get("rateLimitPerSecond")),
          rateLimitPerDay: optionalNumber(f.get("rateLimitPerDay")),
        };
      }}
      success={(data, close) => <ShownOnce secret={data.key} close={close} />}
    >
      <FormField id="key-name" label="Name" required>
        {(p) => <Input {...p} name="name" maxLength={80} placeholder="product backend" />}
      </FormField>
      <FormField id="key-description" label="Description" description="Optional: what uses the key, who to ask about it.">
        {(p) => <Input {...p} name="description" maxLength={300} />}
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
      <FormField id="key-permissions" label="Permissions" description="Separated by commas, e.g. authz:check">
        {(p) => <Input {...p} name="permissions" placeholder="authz:check" />}
      </FormField>
      <ExpiryField policy={policy} />
      <FormField id="key-ips" label="Allowed IP addresses" description="One address or CIDR range per line, IPv4 or IPv6. Empty: any address.">
        {(p) => <Textarea {...p} name="ipAllowList" rows={3} className="font-mono text-xs" placeholder={"203.0.113.0/24\n2001:db8::/32"} spellCheck={false} />}
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField id="key-rate-second" label="Requests per second" description={`Empty: the organization's default (${limitHint(policy.rateLimitPerSecond)}).`}>
          {(p) => <Input {...p} name="rateLimitPerSecond" type="number" inputMode="numeric" min={1} step={1} />}
        </FormField>
        <FormField id="key-rate-day" label="Requests per day" description={`Empty: the organization's default (${limitHint(policy.rateLimitPerDay)}).`}>
          {(p) => <Input {...p} name="rateLimitPerDay" type="number" inputMode="numeric" min={1} step={1} />}
        </FormField>
      </div>
    </FormDialog>
  );
}

const OVERLAPS = [
  { hours: 0, label: "Stop the old secret now", hint: "Requests with it are refused at once." },
  { hours: 1, label: "Keep it working for 1 hour", hint: "Enough to redeploy one service." },
  { hours: 24, label: "Keep it working for 24 hours", hint: "Recommended: time to update every service." },
  { hours: 168, label: "Keep it working for 7 days", hint: "For services that are slow to change." },
];

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
      success={(data, close) => (
        <div className="grid gap-2">
          <p className="text-sm text-muted-foreground">
            {data.apiKey.previousSecretValidUntil ? `The old secret works until ${untilFormat.format(new Date(data.apiKey.previousSecretValidUntil))} UTC.` : "The old secret no longer works."}
          </p>
          <ShownOnce secret={data.key} close={close} />
        </div>
      )}
    >
      <fieldset className="grid gap-3">
        <legend className="mb-3 text-sm font-medium">The old secret</legend>
        {OVERLAPS.map((o) => (
          <label key={o.hours} className="flex items-start gap-2 text-sm">
            <input type="radio" name="overlapHours" value={o.hours} defaultChecked={o.hours === 24} className="mt-0.5 size-4 shrink-0 accent-primary" />
            <span>
              {o.label}
              <span className="block text-xs text-muted-foreground">{o.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
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
