"use client";
import { ShieldPlus } from "lucide-react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import { createGrantAction, deleteGrantAction, explainAccessAction } from "./actions";

type Option = { id: string; label: string };

function Select({ id, label, name, options, placeholder, required }: { id: string; label: string; name: string; options: Option[]; placeholder: string; required?: boolean }) {
  return (
    <FormField id={id} label={label} required={required}>
      {(p) => (
        <NativeSelect {...p} name={name} defaultValue="">
          <option value="" disabled={required}>
            {placeholder}
          </option>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </NativeSelect>
      )}
    </FormField>
  );
}

export function GrantDialog({ orgSlug, options }: { orgSlug: string; options: { roles: Option[]; subjects: Option[]; projects: Option[]; plans: Option[] } }) {
  return (
    <FormDialog
      trigger={
        <Button>
          <ShieldPlus className="size-4" aria-hidden="true" />
          Give access
        </Button>
      }
      title="Give a role"
      description="A grant adds to the membership role; it never takes anything away."
      submitLabel="Give access"
      action={(input) => createGrantAction(orgSlug, input)}
      toInput={(f) => {
        const [type, id] = String(f.get("subject") ?? ":").split(":");
        const validUntil = String(f.get("validUntil") ?? "");
        return {
          roleId: f.get("roleId"),
          subject: { type, id },
          projectId: f.get("projectId") || null,
          conditions: {
            validUntil: validUntil ? new Date(`${validUntil}Z`).toISOString() : null,
            ipCidrs: String(f.get("ipCidrs") ?? "")
              .split(/[\s,]+/)
              .filter(Boolean),
            requireMfa: f.get("requireMfa") === "on",
            plans: f.getAll("plans").map(String),
          },
        };
      }}
    >
      <Select id="grant-subject" label="Who" name="subject" options={options.subjects} placeholder="Choose a member or group" required />
      <Select id="grant-role" label="Role" name="roleId" options={options.roles} placeholder="Choose a role" required />
      <Select id="grant-project" label="Where" name="projectId" options={options.projects} placeholder="The whole organization" />
      <FormField id="grant-until" label="Valid until (UTC)" description="Leave empty for access without an end.">
        {(p) => <Input {...p} name="validUntil" type="datetime-local" />}
      </FormField>
      <FormField id="grant-ips" label="Only from these networks" description="IP addresses or CIDR ranges, separated by commas (IPv4 or IPv6).">
        {(p) => <Input {...p} name="ipCidrs" placeholder="10.0.0.0/8, 2001:db8::/32" />}
      </FormField>
      <label className="inline-flex items-center gap-2 text-sm">
        <input type="checkbox" name="requireMfa" className="size-4 accent-primary" />
        Only in sessions that used MFA
      </label>
      {options.plans.length > 0 && (
        <fieldset className="grid gap-2">
          <legend className="mb-1 text-sm font-medium">Only while the organization is on</legend>
          <p className="text-sm text-muted-foreground">Leave all unticked for any plan. A plan change applies at once.</p>
          {options.plans.map((plan) => (
            <label key={plan.id} className="inline-flex items-center gap-2 text-sm">
              <input type="checkbox" name="plans" value={plan.id} className="size-4 accent-primary" />
              {plan.label} <span className="text-muted-foreground">({plan.id})</span>
            </label>
          ))}
        </fieldset>
      )}
    </FormDialog>
  );
}

export function DeleteGrantButton({ orgSlug, grantId, label }: { orgSlug: string; grantId: string; label: string }) {
  const remove = useServerAction((input: unknown) => deleteGrantAction(orgSlug, input));
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Remove grant: ${label}`}>
          Remove
        </Button>
      }
      title="Remove this grant?"
      description={`${label}. The access it gave ends at once.`}
      confirmLabel="Remove grant"
      run={async () => void (await remove.mutateAsync({ grantId }))}
    />
  );
}

export function AccessChecker({ orgSlug, members, projects }: { orgSlug: string; members: Option[]; projects: Option[] }) {
  const check = useServerAction((input: unknown) => explainAccessAction(orgSlug, input), { refresh: false });
  return (
    <Card>
      <CardHeader>
        <CardTitle>Check access</CardTitle>
        <CardDescription>Ask what the check API would answer for a member, and why.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <form
          className="grid gap-4 sm:grid-cols-4 sm:items-end"
          aria-label="Check access"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            check.mutate({ userId: f.get("userId"), permission: f.get("permission"), projectId: f.get("projectId") || null });
          }}
        >
          <Select id="check-user" label="Member" name="userId" options={members} placeholder="Choose a member" required />
          <FormField id="check-permission" label="Permission" required>
            {(p) => <Input {...p} name="permission" placeholder="traces:read" />}
          </FormField>
          <Select id="check-project" label="On" name="projectId" options={projects} placeholder="The whole organization" />
          <Button type="submit" disabled={check.isPending}>
            Check
          </Button>
        </form>
        {check.error && (
          <Alert variant="destructive">
            <AlertDescription>{check.error.message}</AlertDescription>
          </Alert>
        )}
        {check.data && (
          <Alert variant={check.data.allowed ? "success" : "destructive"} data-testid="access-result">
            <AlertTitle>{check.data.allowed ? "Allowed" : "Denied"}</AlertTitle>
            <AlertDescription>{check.data.reason}</AlertDescription>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
