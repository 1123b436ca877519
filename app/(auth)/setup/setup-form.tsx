"use client";
import { FormAlert } from "@/components/form-alert";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { Separator } from "@/components/ui/separator";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { slugify } from "@/lib/orgs/slugify";
import { completeSetupAction } from "../actions";

export function SetupForm({ token }: { token: string }) {
  const [orgName, setOrgName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [signInError, setSignInError] = useState<string>();
  const [credentials, setCredentials] = useState<{ email: string; password: string }>();
  const setup = useServerAction(completeSetupAction, {
    refresh: false,
    onSuccess: async (data) => {
      const result = await signIn("credentials", { ...credentials, redirect: false });
      if (!result || result.error) return setSignInError("The instance is set up, but signing in failed. Sign in to continue.");
      window.location.assign(`/${data.orgSlug}/members`);
    },
  });
  const fields = setup.error?.fields ?? {};
  const formError = signInError ?? (setup.error && Object.keys(fields).length === 0 ? setup.error.message : undefined);
  return (
    <form
      className="grid gap-4"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const input = { email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") };
        setCredentials(input);
        setup.mutate({ token, name: form.get("name"), ...input, organization: { name: orgName, slug } });
      }}
    >
      <FormAlert message={formError} />
      <FormField id="name" label="Your name" required error={fields.name}>
        {(p) => <CountedInput {...p} name="name" autoComplete="name" maxLength={100} placeholder="e.g. Ada Lovelace" />}
      </FormField>
      <FormField id="email" label="Email" required error={fields.email} description="You sign in with it. This account becomes the instance admin.">
        {(p) => <Input {...p} name="email" type="email" autoComplete="email" placeholder="e.g. ada@example.com" />}
      </FormField>
      <FormField id="password" label="Password" description="At least 12 characters." required error={fields.password}>
        {(p) => <Input {...p} name="password" type="password" autoComplete="new-password" minLength={12} />}
      </FormField>
      <Separator />
      <FormField id="org-name" label="Organization name" required error={fields["organization.name"]}>
        {(p) => (
          <Input
            {...p}
            name="orgName"
            value={orgName}
            maxLength={80}
            placeholder="e.g. Acme"
            onChange={(e) => {
              setOrgName(e.target.value);
              if (!slugEdited) setSlug(slugify(e.target.value));
            }}
          />
        )}
      </FormField>
      <FormField id="org-slug" label="Organization slug" description={`Its URLs: /${slug || "your-org"}/members`} required error={fields["organization.slug"]}>
        {(p) => <Input {...p} name="slug" value={slug} maxLength={48} onChange={(e) => (setSlug(e.target.value), setSlugEdited(true))} />}
      </FormField>
      <Button type="submit" disabled={setup.isPending || setup.isSuccess}>
        {(setup.isPending || (setup.isSuccess && !signInError)) && <Spinner />}
        Create admin and organization
      </Button>
    </form>
  );
}
