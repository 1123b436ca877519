"use client";
import { ConfirmAction } from "@/components/confirm-action";
import { Button } from "@/components/ui/button";
import { useServerAction } from "@/lib/client/use-server-action";
import { resendInvitationAction, revokeInvitationAction } from "./actions";

export function InvitationActions({ orgSlug, invitationId, email, canResend }: { orgSlug: string; invitationId: string; email: string; canResend: boolean }) {
  const resend = useServerAction((input: unknown) => resendInvitationAction(orgSlug, input), {});
  const revoke = useServerAction((input: unknown) => revokeInvitationAction(orgSlug, input), { successToast: "Invitation revoked" });
  const error = resend.error;
  return (
    <div className="flex items-center justify-end gap-1">
      {resend.isSuccess && (
        <span role="status" className="text-sm text-muted-foreground">
          Sent again
        </span>
      )}
      {error && (
        <span role="alert" className="text-sm text-destructive">
          {error.message}
        </span>
      )}
      {canResend && (
        <Button variant="ghost" size="sm" disabled={resend.isPending} onClick={() => resend.mutate({ invitationId })} aria-label={`Resend invitation to ${email}`}>
          Resend
        </Button>
      )}
      <ConfirmAction
        trigger={
          <Button variant="ghost" size="sm" aria-label={`Revoke invitation to ${email}`}>
            Revoke
          </Button>
        }
        title={`Revoke the invitation to ${email}?`}
        description="Its link stops working at once. You can invite them again."
        confirmLabel="Revoke invitation"
        run={async () => void (await revoke.mutateAsync({ invitationId }))}
      />
    </div>
  );
}
