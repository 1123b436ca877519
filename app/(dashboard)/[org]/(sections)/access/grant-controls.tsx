"use client";
import { ShieldPlus } from "lucide-react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { FormErrorSummary, FormErrors } from "@/components/form-errors";
import { ReasonText } from "@/components/reason-text";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { OptionSelect, type Option } from "@/components/option-select";
import { createGrantAction, deleteGrantAction, explainAccessAction } from "./actions";

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
      successToast="Access given"
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
      <OptionSelect id="grant-subject" label="Who" name="subject" options={options.subjects} placeholder="Choose a member or group" required />
      <OptionSelect id="grant-role" label="Role" name="roleId" options={options.roles} placeholder="Choose a role" required />
      <OptionSelect id="grant-project" label="Where" name="projectId" options={options.projects} placeholder="The whole organization" />
      <FormField id="grant-until" label="Valid until (UTC)" name="conditions.validUntil" description="Leave empty for access without an end.">
        {(p) => <Input {...p} name="validUntil" type="datetime-local" />}
      </FormField>
      <FormField id="grant-ips" label="Only from these networks" name="conditions.ipCidrs" description="IP addresses or CIDR ranges, separated by commas (IPv4 or IPv6).">
        {(p) => <Input {...p} name="ipCidrs" placeholder="e.g. 10.0.0.0/8, 2001:db8::/32" />}
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
  const remove = useServerAction((input: unknown) => deleteGrantAction(orgSlug, input), { successToast: "Grant removed" });
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
        <CardDescription>
          Ask what the check API would answer for a member, and why. Grants that hold only from some networks or in sessions with MFA are judged by the address and MFA you give.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <form
          className="grid gap-4 sm:grid-cols-3 sm:items-start"
          aria-label="Check access"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const ip = String(f.get("ip") ?? "").trim();
            check.mutate({ userId: f.get("userId"), permission: f.get("permission"), projectId: f.get("projectId") || null, ip: ip || null, mfa: f.get("mfa") === "on" });
          }}
        >
          <FormErrors error={check.error}>
            <OptionSelect id="check-user" label="Member" name="userId" options={members} placeholder="Choose a member" required />
            <FormField id="check-permission" label="Permission" name="permission" required>
              {(p) => <Input {...p} name="permission" placeholder="e.g. traces:read" />}
            </FormField>
            <OptionSelect id="check-project" label="On" name="projectId" options={projects} placeholder="The whole organization" />
            <FormField id="check-ip" label="From IP address" name="ip" description="Optional: the address the request comes from.">
              {(p) => <Input {...p} name="ip" placeholder="e.g. 10.1.2.3" autoComplete="off" />}
            </FormField>
            <label className="inline-flex items-center gap-2 self-center text-sm">
              <input type="checkbox" name="mfa" className="size-4 accent-primary" />
              The session used MFA
            </label>
            <Button type="submit" disabled={check.isPending} className="self-center justify-self-start">
              {check.isPending && <Spinner />}
              Check
            </Button>
            <div className="sm:col-span-3">
              <FormErrorSummary error={check.error} />
            </div>
          </FormErrors>
        </form>
        {check.data && !check.error && (
          <Alert variant={check.data.allowed ? "success" : "destructive"} data-testid="access-result">
            <AlertTitle>{check.data.allowed ? "Allowed" : "Denied"}</AlertTitle>
            <AlertDescription>
              <ReasonText text={check.data.reason} names={check.data.names} />
            </AlertDescription>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
