"use client";
import { Plus } from "lucide-react";
import { useState } from "react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { useServerAction } from "@/lib/client/use-server-action";
import { slugify } from "@/lib/orgs/slugify";
import { createProjectAction, deleteProjectAction } from "./actions";

export function CreateProjectDialog({ orgSlug }: { orgSlug: string }) {
  const [slug, setSlug] = useState("");
  return (
    <FormDialog
      trigger={
        <Button>
          <Plus className="size-4" aria-hidden="true" />
          New project
        </Button>
      }
      title="Create a project"
      submitLabel="Create project"
      action={(input) => createProjectAction(orgSlug, input)}
      toInput={(f) => ({ name: f.get("name"), slug: f.get("slug") })}
      successToast="Project created"
    >
      <FormField id="project-name" label="Name" name="name" required>
        {(p) => <CountedInput {...p} name="name" maxLength={80} onChange={(e) => setSlug(slugify(e.target.value))} />}
      </FormField>
      <FormField id="project-slug" label="Slug" name="slug" required>
        {(p) => <Input {...p} name="slug" maxLength={48} value={slug} onChange={(e) => setSlug(e.target.value)} />}
      </FormField>
    </FormDialog>
  );
}

export function DeleteProjectButton({ orgSlug, projectId, name }: { orgSlug: string; projectId: string; name: string }) {
  const remove = useServerAction((input: unknown) => deleteProjectAction(orgSlug, input), { successToast: "Project deleted" });
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Delete project ${name}`}>
          Delete
        </Button>
      }
      title={`Delete ${name}?`}
      description="Grants and API keys limited to this project stop working at once."
      confirmLabel="Delete project"
      run={async () => void (await remove.mutateAsync({ projectId }))}
    />
  );
}
