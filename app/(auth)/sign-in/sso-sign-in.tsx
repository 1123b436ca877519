"use client";
import { KeyRound } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";

/**
 * Single sign-on: the work address names the organization (by its verified
 * domain), and the browser goes to that organization's identity provider.
 * The browser navigates rather than submits: the page's CSP allows forms to
 * post only to this site (form-action 'self'), which would stop the redirect
 * to the provider.
 */
export function SsoSignIn({ callbackUrl, open: initiallyOpen = false }: { callbackUrl: string; open?: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  if (!open) {
    return (
      <Button type="button" variant="outline" onClick={() => setOpen(true)}>
        <KeyRound className="size-4" aria-hidden="true" />
        Use single sign-on
      </Button>
    );
  }
  return (
    <form
      className="grid gap-3 rounded-md border p-4"
      aria-label="Single sign-on"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const email = String(new FormData(e.currentTarget).get("email") ?? "");
        window.location.assign(`/api/sso/start?${new URLSearchParams({ email, returnTo: callbackUrl })}`);
      }}
    >
      <FormField id="sso-email" label="Work email" description="We send you to your organization's identity provider." required>
        {(p) => <Input {...p} name="email" type="email" autoComplete="email" placeholder="you@company.com" autoFocus required />}
      </FormField>
      <Button type="submit">Continue with single sign-on</Button>
    </form>
  );
}
