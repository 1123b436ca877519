"use client";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { slugify } from "@/lib/orgs/slugify";
import { createOrganizationAction } from "../actions";

export function CreateOrganizationForm() {
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const create = useServerAction(createOrganizationAction, { refresh: false, onSuccess: (org) => window.location.assign(`/${org.slug}/members`) });
  return (
    <form
      className="grid gap-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name, slug });
      }}
    >
      {create.error && (
        <Alert variant="destructive">
          <AlertDescription>{create.error.message}</AlertDescription>
        </Alert>
      )}
      <FormField id="org-name" label="Name" required>
        {(p) => (
          <Input
            {...p}
            name="name"
            value={name}
            maxLength={80}
            onChange={(e) => {
              setName(e.target.value);
              if (!slugEdited) setSlug(slugify(e.target.value));
            }}
          />
        )}
      </FormField>
      <FormField id="org-slug" label="Slug" description={`Your URLs: /${slug || "your-org"}/members`} required>
        {(p) => <Input {...p} name="slug" value={slug} maxLength={48} onChange={(e) => (setSlug(e.target.value), setSlugEdited(true))} />}
      </FormField>
      <Button type="submit" disabled={create.isPending || create.isSuccess}>
        {(create.isPending || create.isSuccess) && <Spinner />}
        Create organization
      </Button>
    </form>
  );
}
