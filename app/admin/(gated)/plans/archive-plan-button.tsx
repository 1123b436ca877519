"use client";
import { ConfirmAction } from "@/components/confirm-action";
import { Button } from "@/components/ui/button";
import { useServerAction } from "@/lib/client/use-server-action";
import { archivePlanAction } from "./actions";

export function ArchivePlanButton({ planKey }: { planKey: string }) {
  const archive = useServerAction(archivePlanAction, { successToast: "Plan archived" });
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" className="text-destructive" aria-label={`Archive plan ${planKey}`}>
          Archive
        </Button>
      }
      title={`Archive the plan ${planKey}?`}
      description="It takes no new subscriptions; organizations on it stay on it until they change plans."
      confirmLabel="Archive plan"
      run={async () => void (await archive.mutateAsync(planKey))}
    />
  );
}
