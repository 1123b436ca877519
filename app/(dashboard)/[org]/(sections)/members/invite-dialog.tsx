"use client";
import { UserPlus } from "lucide-react";
import { useState } from "react";
import { CopyButton } from "@/components/copy-button";
import { FormErrorSummary, FormErrors } from "@/components/form-errors";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { inviteMemberAction } from "./actions";

export type RoleOption = { id: string; name: string; description: string };

export function InviteDialog({ orgSlug, roles }: { orgSlug: string; roles: RoleOption[] }) {
  const [open, setOpen] = useState(false);
  const invite = useServerAction((input: unknown) => inviteMemberAction(orgSlug, input), { successToast: (data) => `Invitation sent to ${data.email}` });

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) invite.reset();
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <UserPlus className="size-4" aria-hidden="true" />
          Invite member
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Invite a member</DialogTitle>
          <DialogDescription>They get an email with a link that works once and expires in 7 days.</DialogDescription>
        </DialogHeader>
        {invite.isSuccess ? (
          <div className="grid gap-4">
            <Alert variant="success">
              <AlertDescription>
                Invitation sent to <strong>{invite.data.email}</strong>. You can also share this link with them:
              </AlertDescription>
            </Alert>
            <div className="flex gap-2">
              <Input readOnly aria-label="Invitation link" value={invite.data.url} onFocus={(e) => e.currentTarget.select()} data-testid="invitation-link" />
              <CopyButton text={invite.data.url} what="invitation link" />
            </div>
            <DialogFooter>
              {/* The form that had focus is gone: Done takes it, so Enter closes. */}
              <Button autoFocus onClick={() => onOpenChange(false)}>
                Done
              </Button>
            </DialogFooter>
          </div>
        ) : (
          <form
            className="grid gap-4"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              const form = new FormData(e.currentTarget);
              invite.mutate({ email: form.get("email"), roleId: form.get("roleId") });
            }}
          >
            <FormErrors error={invite.error}>
              <FormField id="invite-email" label="Email" name="email" required>
                {(p) => <Input {...p} name="email" type="email" autoComplete="off" required />}
              </FormField>
              <FormField id="invite-role" label="Role" name="roleId" required>
                {(p) => (
                  <NativeSelect {...p} name="roleId" defaultValue="">
                    <option value="" disabled>
                      Choose a role
                    </option>
                    {roles.map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.name}: {r.description}
                      </option>
                    ))}
                  </NativeSelect>
                )}
              </FormField>
              <FormErrorSummary error={invite.error} />
            </FormErrors>
            <DialogFooter>
              <Button type="submit" disabled={invite.isPending}>
                {invite.isPending && <Spinner />}
                Send invitation
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
