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
import { OptionSelect } from "@/components/option-select";
import { useServerAction } from "@/lib/client/use-server-action";
import { Textarea } from "@/components/ui/textarea";
import { BULK_INVITE_MAX, emailsIn } from "@/lib/invitations/bulk";
import { inviteMemberAction, inviteMembersAction } from "./actions";

export type RoleOption = { id: string; name: string; description: string };
type ProjectOption = { id: string; name: string };

/**
 * `projects` and `projectRoles`: offered when the caller may write grants;
 * the invitation then also gives a role on one project (a grant, made when accepted).
 */
export function InviteDialog({
  orgSlug,
  roles,
  defaultRoleId,
  projects,
  projectRoles,
}: {
  orgSlug: string;
  roles: RoleOption[];
  /** The least role (Viewer), chosen until another is. */
  defaultRoleId?: string;
  projects: ProjectOption[];
  projectRoles: RoleOption[];
}) {
  const [open, setOpen] = useState(false);
  // One person (a link to share comes back) or several pasted at once (a result per address).
  const [several, setSeveral] = useState(false);
  const invite = useServerAction((input: unknown) => inviteMemberAction(orgSlug, input), { successToast: (data) => `Invitation sent to ${data.email}` });
  const inviteMany = useServerAction((input: unknown) => inviteMembersAction(orgSlug, input), {
    successToast: (results) => `${results.filter((r) => r.ok).length} of ${results.length} invitations sent`,
  });
  const error = several ? inviteMany.error : invite.error;
  const pending = invite.isPending || inviteMany.isPending;

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) {
      invite.reset();
      inviteMany.reset();
      setSeveral(false);
    }
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
        {inviteMany.isSuccess ? (
          <div className="grid gap-4">
            <ul className="grid max-h-72 gap-1 overflow-y-auto text-sm" aria-label="Invitations">
              {inviteMany.data.map((r) => (
                <li key={r.email} className="flex gap-2" data-testid={`bulk-invite-${r.email}`}>
                  <span className={r.ok ? "text-success" : "text-destructive"}>{r.ok ? "Sent" : "Not sent"}</span>
                  <span className="font-medium">{r.email}</span>
                  {!r.ok && <span className="text-muted-foreground">{r.message}</span>}
                </li>
              ))}
            </ul>
            <DialogFooter>
              <Button autoFocus onClick={() => onOpenChange(false)}>
                Done
              </Button>
            </DialogFooter>
          </div>
        ) : invite.isSuccess ? (
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
              const projectId = String(form.get("projectId") ?? "");
              const projectRoleId = String(form.get("projectRoleId") ?? "");
              // Neither chosen: no project role; one of them: the server says which is missing.
              const projectRoles = projectId || projectRoleId ? [{ projectId, roleId: projectRoleId }] : [];
              if (several) inviteMany.mutate({ emails: emailsIn(String(form.get("emails") ?? "")), roleId: form.get("roleId"), projectRoles });
              else invite.mutate({ email: form.get("email"), roleId: form.get("roleId"), projectRoles });
            }}
          >
            <FormErrors error={error}>
              {several ? (
                <FormField
                  id="invite-emails"
                  label="Email addresses"
                  name="emails"
                  description={`Paste up to ${BULK_INVITE_MAX}, separated by commas, spaces or lines. Each gets their own invitation.`}
                  required
                >
                  {(p) => <Textarea {...p} name="emails" rows={5} autoComplete="off" placeholder={"e.g. ada@example.com, grace@example.com"} />}
                </FormField>
              ) : (
                <FormField id="invite-email" label="Email" name="email" required>
                  {(p) => <Input {...p} name="email" type="email" autoComplete="off" required />}
                </FormField>
              )}
              <Button type="button" variant="link" className="h-auto justify-self-start p-0" onClick={() => setSeveral(!several)}>
                {several ? "Invite one person" : "Invite several at once"}
              </Button>
              <FormField id="invite-role" label="Role" name="roleId" required>
                {(p) => (
                  <NativeSelect {...p} name="roleId" defaultValue={defaultRoleId ?? ""}>
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
              {projects.length > 0 && (
                <fieldset className="grid gap-3 rounded-md border p-3">
                  <legend className="px-1 text-sm font-medium">A role on a project (optional)</legend>
                  <p className="text-sm text-muted-foreground">Given to them as a grant when they accept.</p>
                  <div className="grid gap-3 sm:grid-cols-2">
                    <OptionSelect
                      id="invite-project"
                      label="Project"
                      name="projectId"
                      errorPath="projectRoles.0.projectId"
                      options={projects.map((p) => ({ id: p.id, label: p.name }))}
                      placeholder="No project"
                    />
                    <OptionSelect
                      id="invite-project-role"
                      label="Role there"
                      name="projectRoleId"
                      errorPath="projectRoles.0.roleId"
                      options={projectRoles.map((r) => ({ id: r.id, label: r.name }))}
                      placeholder="No role"
                    />
                  </div>
                </fieldset>
              )}
              <FormErrorSummary error={error} />
            </FormErrors>
            <DialogFooter>
              <Button type="submit" disabled={pending}>
                {pending && <Spinner />}
                {several ? "Send invitations" : "Send invitation"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
