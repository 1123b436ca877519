"use client";
import { Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { FormErrorSummary, FormErrors } from "@/components/form-errors";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { CountedInput } from "@/components/ui/counted-input";
import { NativeSelect } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
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
      successToast="Group created"
      toInput={(f) => ({ name: f.get("name"), description: f.get("description") })}
    >
      <FormField id="group-name" label="Name" name="name" required>
        {(p) => <CountedInput {...p} name="name" maxLength={80} />}
      </FormField>
      <FormField id="group-description" label="Description" name="description">
        {(p) => <CountedInput {...p} name="description" maxLength={500} />}
      </FormField>
    </FormDialog>
  );
}

export function AddGroupMemberForm({ orgSlug, groupId, candidates }: { orgSlug: string; groupId: string; candidates: Array<{ id: string; label: string }> }) {
  // Controlled: once someone is added they leave the list, and the select goes back to its prompt (not to the next person).
  const [chosen, setChosen] = useState("");
  const add = useServerAction((input: unknown) => addGroupMemberAction(orgSlug, input), {
    successToast: () => `${candidates.find((c) => c.id === chosen)?.label ?? "Member"} added to the group`,
    onSuccess: () => setChosen(""),
  });
  if (candidates.length === 0) return <p className="text-sm text-muted-foreground">Every member of the organization is in this group.</p>;
  return (
    <form
      className="flex flex-wrap items-start gap-3"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({ groupId, userId: chosen || null });
      }}
    >
      <FormErrors error={add.error}>
        <FormField id="add-member" label="Add a member" name="userId" className="min-w-64">
          {(p) => (
            <NativeSelect
              {...p}
              name="userId"
              value={chosen}
              disabled={add.isPending}
              onChange={(e) => {
                setChosen(e.target.value);
                add.reset();
              }}
            >
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
        <Button type="submit" disabled={add.isPending} className="mt-[1.625rem]">
          {add.isPending && <Spinner />}
          Add to group
        </Button>
        <div className="w-full">
          <FormErrorSummary error={add.error} />
        </div>
      </FormErrors>
    </form>
  );
}

export function RemoveGroupMemberButton({ orgSlug, groupId, groupName, userId, name, email }: { orgSlug: string; groupId: string; groupName: string; userId: string; name: string; email: string }) {
  const remove = useServerAction((input: unknown) => removeGroupMemberAction(orgSlug, input), { successToast: `${name} removed from ${groupName}` });
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Remove ${name} (${email}) from the group`}>
          Remove
        </Button>
      }
      title={`Remove ${name} from ${groupName}?`}
      description="Roles given to this group stop applying to them at once. Their membership of the organization stays."
      confirmLabel="Remove from group"
      run={() => remove.mutateAsync({ groupId, userId }).then(() => undefined)}
    />
  );
}

export function DeleteGroupButton({ orgSlug, groupId, name }: { orgSlug: string; groupId: string; name: string }) {
  const router = useRouter();
  const remove = useServerAction((input: unknown) => deleteGroupAction(orgSlug, input), { refresh: false, successToast: `${name} deleted` });
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
