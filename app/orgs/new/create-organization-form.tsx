"use client";
import { useEffect, useState } from "react";
import { FormErrorSummary, FormErrors } from "@/components/form-errors";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { slugify } from "@/lib/orgs/slugify";
import { createOrganizationAction } from "../actions";

/** `suggestion`: a name to confirm (the company of a work address, else the person's), with a free slug. */
export function CreateOrganizationForm({ suggestion }: { suggestion: { name: string; slug: string } }) {
  const [name, setName] = useState(suggestion.name);
  const [slug, setSlug] = useState(suggestion.slug);
  const [slugEdited, setSlugEdited] = useState(false);
  // The name comes filled in, so a click can come before the page is interactive: until then the button waits.
  const [interactive, setInteractive] = useState(false);
  useEffect(() => setInteractive(true), []);
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
      <FormErrors error={create.error}>
        <FormField id="org-name" label="Name" name="name" required>
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
        <FormField id="org-slug" label="Slug" name="slug" description={`Your URLs: /${slug || "your-org"}/members`} required>
          {(p) => <Input {...p} name="slug" value={slug} maxLength={48} onChange={(e) => (setSlug(e.target.value), setSlugEdited(true))} />}
        </FormField>
        <FormErrorSummary error={create.error} />
      </FormErrors>
      <Button type="submit" disabled={!interactive || create.isPending || create.isSuccess}>
        {(create.isPending || create.isSuccess) && <Spinner />}
        Create organization
      </Button>
    </form>
  );
}
