"use client";
import { signOut } from "next-auth/react";
import { Button } from "@/components/ui/button";
import { useServerAction } from "@/lib/client/use-server-action";
import { revokeAllSessionsAction, revokeSessionAction } from "./actions";

export function RevokeSessionButton({ sessionId }: { sessionId: string }) {
  const revoke = useServerAction(revokeSessionAction, { successToast: "Session ended" });
  return (
    <Button variant="ghost" size="sm" disabled={revoke.isPending} onClick={() => revoke.mutate(sessionId)}>
      End session
    </Button>
  );
}

export function RevokeAllSessionsButton() {
  const revokeAll = useServerAction(revokeAllSessionsAction, { refresh: false, onSuccess: () => signOut({ callbackUrl: "/sign-in" }) });
  return (
    <div className="grid gap-2">
      {revokeAll.error && (
        <p role="alert" className="text-sm text-destructive">
          {revokeAll.error.message}
        </p>
      )}
      <Button variant="destructive" disabled={revokeAll.isPending} onClick={() => revokeAll.mutate(undefined)}>
        Sign out everywhere
      </Button>
    </div>
  );
}
