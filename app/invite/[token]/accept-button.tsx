"use client";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { acceptInvitationAction } from "../actions";

export function AcceptInvitationButton({ token, orgName }: { token: string; orgName: string }) {
  const accept = useServerAction(acceptInvitationAction, { refresh: false, onSuccess: (r) => window.location.assign(`/${r.orgSlug}/members`) });
  return (
    <div className="grid gap-3">
      {accept.error && (
        <Alert variant="destructive">
          <AlertDescription>{accept.error.message}</AlertDescription>
        </Alert>
      )}
      <Button onClick={() => accept.mutate(token)} disabled={accept.isPending || accept.isSuccess}>
        {(accept.isPending || accept.isSuccess) && <Spinner />}
        Accept and join {orgName}
      </Button>
    </div>
  );
}
