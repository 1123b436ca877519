"use client";
import { Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import { addGroupMemberAction, createGroupAction, deleteGroupAction, removeGroupMemberAction } from "./actions";

export function CreateGroupDialog({ orgSlug }: { orgSlug: string }) {
  return (
    <FormDialog
      trigger={
        <Button>
          <Plus className="size-4" aria-hidden="true" />
          New group
        </Button>
      }
      title="Create a group"
      submitLabel="Create group"
      action={(input) => createGroupAction(orgSlug, input)}
      toInput={(f) => ({ name: f.get("name"), description: f.get("description") })}
    >
      <FormField id="group-name" label="Name" required>
        {(p) => <Input {...p} name="name" maxLength={80} />}
      </FormField>
      <FormField id="group-description" label="Description">
        {(p) => <Input {...p} name="description" maxLength={500} />}
      </FormField>
    </FormDialog>
  );
}

export function AddGroupMemberForm({ orgSlug, groupId, candidates }: { orgSlug: string; groupId: string; candidates: Array<{ id: string; label: string }> }) {
  const add = useServerAction((input: unknown) => addGroupMemberAction(orgSlug, input));
  if (candidates.length === 0) return <p className="text-sm text-muted-foreground">Every member of the organization is in this group.</p>;
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({ groupId, userId: new FormData(e.currentTarget).get("userId") });
      }}
    >
      <FormField id="add-member" label="Add a member" className="min-w-64">
        {(p) => (
          <NativeSelect {...p} name="userId" defaultValue="">
            <option value="" disabled>
              Choose a member
            </option>
            {candidates.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </NativeSelect>
        )}
      </FormField>
      <Button type="submit" disabled={add.isPending}>
        Add to group
      </Button>
      {add.error && (
        <Alert variant="destructive" className="w-full">
          <AlertDescription>{add.error.message}</AlertDescription>
        </Alert>
      )}
    </form>
  );
}

export function RemoveGroupMemberButton({ orgSlug, groupId, userId, email }: { orgSlug: string; groupId: string; userId: string; email: string }) {
  const remove = useServerAction((input: unknown) => removeGroupMemberAction(orgSlug, input));
  return (
    <Button variant="ghost" size="sm" disabled={remove.isPending} onClick={() => remove.mutate({ groupId, userId })} aria-label={`Remove ${email} from the group`}>
      Remove
    </Button>
  );
}

export function DeleteGroupButton({ orgSlug, groupId, name }: { orgSlug: string; groupId: string; name: string }) {
  const router = useRouter();
  const remove = useServerAction((input: unknown) => deleteGroupAction(orgSlug, input), { refresh: false });
  return (
    <ConfirmAction
      trigger={<Button variant="outline">Delete group</Button>}
      title={`Delete ${name}?`}
      description="Roles given to this group stop applying to its members at once."
      confirmLabel="Delete group"
      run={async () => {
        await remove.mutateAsync({ groupId });
        router.push(`/${orgSlug}/groups`);
        router.refresh();
      }}
    />
  );
}
