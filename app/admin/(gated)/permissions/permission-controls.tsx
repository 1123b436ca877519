"use client";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { CountedInput } from "@/components/ui/counted-input";
import { useServerAction } from "@/lib/client/use-server-action";
import { retirePermissionAction, updatePermissionAction } from "./actions";

export function EditPermissionButton({ permissionKey, description }: { permissionKey: string; description: string }) {
  return (
    <FormDialog
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Edit ${permissionKey}`}>
          Edit
        </Button>
      }
      title={`Edit ${permissionKey}`}
      description="The description shows in role editors. The key itself cannot change: retire it and declare a new one."
      submitLabel="Save"
      action={updatePermissionAction}
      toInput={(f) => ({ key: permissionKey, description: f.get("description") })}
    >
      <FormField id={`description-${permissionKey}`} label="Description">
        {(p) => <CountedInput {...p} name="description" defaultValue={description} maxLength={200} />}
      </FormField>
    </FormDialog>
  );
}

export function RetirePermissionButton({ permissionKey }: { permissionKey: string }) {
  const retire = useServerAction(retirePermissionAction, { successToast: "Permission retired" });
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" className="text-destructive" aria-label={`Retire ${permissionKey}`}>
          Retire
        </Button>
      }
      title={`Retire ${permissionKey}?`}
      description="It leaves every role and API key that carries it, in every organization, and checks that name it are refused as unknown."
      confirmLabel="Retire permission"
      run={async () => void (await retire.mutateAsync(permissionKey))}
    />
  );
}
