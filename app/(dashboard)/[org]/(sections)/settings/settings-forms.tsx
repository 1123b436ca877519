"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { deleteOrganizationAction, renameOrganizationAction, setDecisionRetentionAction, updateSecurityPolicyAction } from "./actions";

export function RenameOrganizationForm({ orgSlug, name, disabled }: { orgSlug: string; name: string; disabled: boolean }) {
  const router = useRouter();
  const rename = useServerAction((input: unknown) => renameOrganizationAction(orgSlug, input), {
    refresh: false,
    onSuccess: (org) => {
      router.replace(`/${org.slug}/settings`);
      router.refresh();
    },
  });
  return (
    <form
      className="grid max-w-md gap-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        rename.mutate({ name: form.get("name"), slug: form.get("slug") });
      }}
    >
      {rename.error && (
        <Alert variant="destructive">
          <AlertDescription>{rename.error.message}</AlertDescription>
        </Alert>
      )}
      {rename.isSuccess && (
        <Alert variant="success">
          <AlertDescription>Saved.</AlertDescription>
        </Alert>
      )}
      <FormField id="org-name" label="Name" required>
        {(p) => <CountedInput {...p} name="name" defaultValue={name} disabled={disabled} maxLength={80} />}
      </FormField>
      <FormField id="org-slug" label="Slug" description="Lowercase letters, digits and dashes. Changing it changes your URLs." required>
        {(p) => <Input {...p} name="slug" defaultValue={orgSlug} disabled={disabled} maxLength={48} />}
      </FormField>
      {!disabled && (
        <div>
          <Button type="submit" disabled={rename.isPending}>
            {rename.isPending && <Spinner />}
            Save changes
          </Button>
        </div>
      )}
    </form>
  );
}

export function DeleteOrganization({ orgSlug }: { orgSlug: string }) {
  const [open, setOpen] = useState(false);
  const [confirm, setConfirm] = useState("");
  const remove = useServerAction((input: unknown) => deleteOrganizationAction(orgSlug, input), {
    refresh: false,
    onSuccess: () => window.location.assign("/"),
  });
  return (
    <Dialog open={open} onOpenChange={(o) => (setOpen(o), setConfirm(""), remove.reset())}>
      <DialogTrigger asChild>
        <Button variant="destructive">Delete organization</Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Delete this organization?</DialogTitle>
          <DialogDescription>
            Type <strong>{orgSlug}</strong> to confirm. Members lose access at once.
          </DialogDescription>
        </DialogHeader>
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            remove.mutate({ confirmSlug: confirm });
          }}
        >
          {remove.error && (
            <Alert variant="destructive">
              <AlertDescription>{remove.error.message}</AlertDescription>
            </Alert>
          )}
          <FormField id="confirm-slug" label="Organization slug">
            {(p) => <Input {...p} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" />}
          </FormField>
          <DialogFooter>
            <Button type="submit" variant="destructive" disabled={confirm !== orgSlug || remove.isPending}>
              {remove.isPending && <Spinner />}
              Delete forever
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

export function DecisionRetentionForm({ orgSlug, days, disabled }: { orgSlug: string; days: number; disabled: boolean }) {
  const save = useServerAction((input: unknown) => setDecisionRetentionAction(orgSlug, input), { successToast: "Retention saved" });
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ days: new FormData(e.currentTarget).get("days") });
      }}
    >
      <FormField id="retention-days" label="Keep decisions for (days)" error={save.error?.message}>
        {(p) => <Input {...p} name="days" type="number" min={1} max={3650} defaultValue={days} disabled={disabled} className="w-40" />}
      </FormField>
      {!disabled && (
        <Button type="submit" variant="outline" disabled={save.isPending}>
          Save
        </Button>
      )}
      {save.isSuccess && (
        <p role="status" className="text-sm text-muted-foreground">
          Saved: {save.data.days} days.
        </p>
      )}
    </form>
  );
}

const hoursOrNull = (value: FormDataEntryValue | null) => (typeof value === "string" && value.trim() !== "" ? Number(value) : null);

/** Two-step sign-in required, and how long sessions last here. */
export function SecurityPolicyForm({
  orgSlug,
  policy,
  disabled,
}: {
  orgSlug: string;
  policy: { mfaRequired: boolean; sessionMaxHours: number | null; sessionIdleMinutes: number | null };
  disabled: boolean;
}) {
  const save = useServerAction((input: unknown) => updateSecurityPolicyAction(orgSlug, input), { successToast: "Sign-in rules saved" });
  return (
    <form
      className="grid gap-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        save.mutate({ mfaRequired: f.get("mfaRequired") === "on", sessionMaxHours: hoursOrNull(f.get("sessionMaxHours")), sessionIdleMinutes: hoursOrNull(f.get("sessionIdleMinutes")) });
      }}
    >
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="mfaRequired" defaultChecked={policy.mfaRequired} disabled={disabled} className="mt-0.5 size-4" />
        <span>
          <span className="font-medium">Require two-step sign-in</span>
          <span className="block text-muted-foreground">Members reach this organization only from a session that used an authenticator code (or their identity provider&apos;s MFA).</span>
        </span>
      </label>
      <div className="flex flex-wrap gap-4">
        <FormField id="session-max-hours" label="Sign in again after (hours)" description="Empty: no limit.">
          {(p) => <Input {...p} name="sessionMaxHours" type="number" min={1} max={8760} defaultValue={policy.sessionMaxHours ?? ""} disabled={disabled} className="w-40" placeholder="e.g. 12" />}
        </FormField>
        <FormField id="session-idle-minutes" label="Sign out when unused for (minutes)" description="Empty: no limit.">
          {(p) => (
            <Input {...p} name="sessionIdleMinutes" type="number" min={5} max={43200} defaultValue={policy.sessionIdleMinutes ?? ""} disabled={disabled} className="w-40" placeholder="e.g. 60" />
          )}
        </FormField>
      </div>
      {save.error && (
        <p role="alert" className="text-sm text-destructive">
          {save.error.message}
        </p>
      )}
      {save.isSuccess && (
        <p role="status" className="text-sm text-muted-foreground">
          Saved.
        </p>
      )}
      {!disabled && (
        <div>
          <Button type="submit" variant="outline" disabled={save.isPending}>
            Save sign-in rules
          </Button>
        </div>
      )}
    </form>
  );
}
