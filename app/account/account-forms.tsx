"use client";
import { FormAlert } from "@/components/form-alert";
import { signOut } from "next-auth/react";
import { useState } from "react";
import { LocalTime } from "@/components/local-time";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction, type ActionError } from "@/lib/client/use-server-action";
import { changePasswordAction, deleteAccountAction, requestEmailChangeAction, sendEmailConfirmationAction, updateProfileAction } from "./actions";

/** The message for the form as a whole: set only when no field carries it. */
const formError = (error: ActionError | null) => (error && Object.keys(error.fields).length === 0 ? error.message : undefined);

function Done({ children }: { children: React.ReactNode }) {
  return (
    <p role="status" className="text-sm text-success">
      {children}
    </p>
  );
}

export function ProfileForm({ name }: { name: string }) {
  const save = useServerAction(updateProfileAction);
  return (
    <form
      className="grid max-w-md gap-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ name: new FormData(e.currentTarget).get("name") });
      }}
    >
      <FormAlert message={formError(save.error)} />
      <FormField id="profile-name" label="Name" required error={save.error?.fields.name}>
        {(p) => <CountedInput {...p} name="name" defaultValue={name} maxLength={100} autoComplete="name" onChange={() => save.reset()} />}
      </FormField>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending && <Spinner />}
          Save name
        </Button>
        {save.isSuccess && <Done>Name saved.</Done>}
      </div>
    </form>
  );
}

export function EmailSection({ email, verified, pending, hasPassword }: { email: string; verified: boolean; pending: { email: string; expiresAt: string } | null; hasPassword: boolean }) {
  const confirm = useServerAction(sendEmailConfirmationAction, { refresh: false });
  const change = useServerAction(requestEmailChangeAction);
  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium">{email}</span>
        {verified ? <Badge variant="success">Confirmed</Badge> : <Badge variant="outline">Not confirmed</Badge>}
      </div>
      {!verified && (
        <div className="grid gap-2">
          <p className="text-sm text-muted-foreground">Until you confirm this address, invitations to it cannot be accepted and your product cannot match this account by email.</p>
          <FormAlert message={confirm.error?.message} />
          <div className="flex items-center gap-3">
            <Button type="button" variant="outline" disabled={confirm.isPending} onClick={() => confirm.mutate(undefined)}>
              {confirm.isPending && <Spinner />}
              Send a confirmation link
            </Button>
            {confirm.isSuccess && <Done>Link sent to {confirm.data.email}. It works for 24 hours.</Done>}
          </div>
        </div>
      )}
      {pending && (
        <p className="text-sm text-muted-foreground" data-testid="pending-email">
          Waiting for you to confirm <span className="font-medium text-foreground">{pending.email}</span> from its inbox; the link works until <LocalTime date={pending.expiresAt} />.
        </p>
      )}
      {hasPassword && (
        <form
          className="grid max-w-md gap-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            change.mutate({ email: form.get("email"), password: form.get("password") }, { onSuccess: () => (e.target as HTMLFormElement).reset() });
          }}
        >
          <FormAlert message={formError(change.error)} />
          <FormField id="new-email" label="New email address" required error={change.error?.fields.email}>
            {(p) => <Input {...p} name="email" type="email" autoComplete="email" placeholder="e.g. ada@example.com" />}
          </FormField>
          <FormField id="email-password" label="Your password" required error={change.error?.fields.password} description="To confirm it is you.">
            {(p) => <Input {...p} name="password" type="password" autoComplete="current-password" />}
          </FormField>
          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" variant="outline" disabled={change.isPending}>
              {change.isPending && <Spinner />}
              Change email
            </Button>
            {change.isSuccess && <Done>We sent a link to {change.data.email}. Your email changes when you use it.</Done>}
          </div>
        </form>
      )}
    </div>
  );
}

export function ChangePasswordForm() {
  const [mismatch, setMismatch] = useState<string>();
  const change = useServerAction(changePasswordAction);
  return (
    <form
      className="grid max-w-md gap-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        if (form.get("newPassword") !== form.get("confirmPassword")) return setMismatch("The two new passwords differ. Type the same one twice.");
        setMismatch(undefined);
        change.mutate({ currentPassword: form.get("currentPassword"), newPassword: form.get("newPassword") }, { onSuccess: () => (e.target as HTMLFormElement).reset() });
      }}
    >
      <FormAlert message={change.error?.code === "wrong_password" ? undefined : formError(change.error)} />
      <FormField id="current-password" label="Current password" required error={change.error?.code === "wrong_password" ? change.error.message : change.error?.fields.currentPassword}>
        {(p) => <Input {...p} name="currentPassword" type="password" autoComplete="current-password" />}
      </FormField>
      <FormField id="new-password" label="New password" description="At least 12 characters." required error={change.error?.fields.newPassword}>
        {(p) => <Input {...p} name="newPassword" type="password" autoComplete="new-password" minLength={12} />}
      </FormField>
      <FormField id="confirm-password" label="New password, again" required error={mismatch}>
        {(p) => <Input {...p} name="confirmPassword" type="password" autoComplete="new-password" />}
      </FormField>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={change.isPending}>
          {change.isPending && <Spinner />}
          Change password
        </Button>
        {change.isSuccess && (
          <Done>Password changed. {change.data.otherSessionsEnded ? `${change.data.otherSessionsEnded} other session${change.data.otherSessionsEnded === 1 ? "" : "s"} signed out.` : ""}</Done>
        )}
      </div>
    </form>
  );
}

export function DeleteAccountButton({ hasPassword, email }: { hasPassword: boolean; email: string }) {
  const [open, setOpen] = useState(false);
  const remove = useServerAction(deleteAccountAction, { refresh: false, onSuccess: () => signOut({ callbackUrl: "/sign-in?notice=account-deleted" }) });
  const fieldError = remove.error?.code === "wrong_password" || remove.error?.code === "confirmation_mismatch" ? remove.error.message : remove.error?.fields.confirm;
  return (
    <Dialog open={open} onOpenChange={(next) => (setOpen(next), remove.reset())}>
      <DialogTrigger asChild>
        <Button variant="destructive">Delete account…</Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Delete your account?</DialogTitle>
          <DialogDescription>{email} loses every membership, group membership and role, and every browser is signed out. This cannot be undone.</DialogDescription>
        </DialogHeader>
        <form
          className="grid gap-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            remove.mutate({ confirm: new FormData(e.currentTarget).get("confirm") });
          }}
        >
          <FormAlert message={fieldError ? undefined : remove.error?.message} />
          <FormField id="delete-confirm" label={hasPassword ? "Your password" : "Your email address"} required error={fieldError}>
            {(p) => <Input {...p} name="confirm" type={hasPassword ? "password" : "email"} autoComplete={hasPassword ? "current-password" : "off"} />}
          </FormField>
          <DialogFooter>
            <Button type="submit" variant="destructive" disabled={remove.isPending || remove.isSuccess}>
              {(remove.isPending || remove.isSuccess) && <Spinner />}
              Delete my account
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
