"use client";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { useServerAction } from "@/lib/client/use-server-action";
import { declarePermissionAction } from "./actions";

export function DeclarePermissionForm() {
  const declare = useServerAction(declarePermissionAction, { successToast: "Permission declared" });
  return (
    <form
      className="grid gap-3 rounded-lg border border-border p-4 sm:grid-cols-[1fr_2fr_auto] sm:items-end"
      aria-label="Declare a product permission"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const f = new FormData(form);
        declare.mutate({ key: f.get("key"), description: f.get("description") }, { onSuccess: () => form.reset() });
      }}
    >
      <FormField id="permission-key" label="Permission" required>
        {(p) => <Input {...p} name="key" placeholder="e.g. traces:read" />}
      </FormField>
      <FormField id="permission-description" label="Description">
        {(p) => <CountedInput {...p} name="description" placeholder="e.g. Read traces" maxLength={200} />}
      </FormField>
      <Button type="submit" disabled={declare.isPending}>
        Declare
      </Button>
      {declare.error && (
        <Alert variant="destructive" className="sm:col-span-3">
          <AlertDescription>{declare.error.message}</AlertDescription>
        </Alert>
      )}
    </form>
  );
}
