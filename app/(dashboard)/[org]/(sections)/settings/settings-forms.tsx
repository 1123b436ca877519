"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { deleteOrganizationAction, renameOrganizationAction, setDecisionRetentionAction } from "./actions";

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
        {(p) => <Input {...p} name="name" defaultValue={name} disabled={disabled} maxLength={80} />}
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
  const save = useServerAction((input: unknown) => setDecisionRetentionAction(orgSlug, input));
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
