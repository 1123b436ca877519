"use client";
import { signOut } from "next-auth/react";
import { ConfirmAction } from "@/components/confirm-action";
import { Button } from "@/components/ui/button";
import { useServerAction } from "@/lib/client/use-server-action";
import { revokeAllSessionsAction, revokeSessionAction } from "./actions";

export function RevokeSessionButton({ sessionId }: { sessionId: string }) {
  const revoke = useServerAction(revokeSessionAction, { successToast: "Session ended" });
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm">
          End session
        </Button>
      }
      title="End this session?"
      description="That browser is signed out within seconds; whoever uses it signs in again."
      confirmLabel="End session"
      run={async () => void (await revoke.mutateAsync(sessionId))}
    />
  );
}

export function RevokeAllSessionsButton() {
  const revokeAll = useServerAction(revokeAllSessionsAction, { refresh: false, onSuccess: () => signOut({ callbackUrl: "/sign-in" }) });
  return (
    <ConfirmAction
      trigger={<Button variant="destructive">Sign out everywhere</Button>}
      title="Sign out of every browser?"
      description="Every session of your account ends, this one too: you sign in again here, and in each other browser."
      confirmLabel="Sign out everywhere"
      run={async () => void (await revokeAll.mutateAsync(undefined))}
    />
  );
}
