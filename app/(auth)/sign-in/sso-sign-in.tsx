"use client";
import { KeyRound } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";

/**
 * Single sign-on: the work address names the organization (by its verified
 * domain), and the browser goes to that organization's identity provider.
 * The page asks Tollgate where to go (a same-origin POST, which also gives
 * this browser its state cookie), then navigates: the page's CSP lets forms
 * post only to this site (form-action 'self'), so a form could not follow the
 * redirect to the provider.
 */
/** Sends the browser to the identity provider of the address's organization (or back here with the reason it cannot). */
export async function goToIdentityProvider(email: string, callbackUrl: string) {
  try {
    const res = await fetch("/api/sso/start", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, returnTo: callbackUrl }) });
    const { url } = (await res.json()) as { url?: string };
    window.location.assign(url ?? "/sign-in?sso_error=internal");
  } catch {
    window.location.assign("/sign-in?sso_error=internal");
  }
}

export function SsoSignIn({ callbackUrl, open: initiallyOpen = false }: { callbackUrl: string; open?: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const [pending, setPending] = useState(false);
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
      onSubmit={async (e) => {
        e.preventDefault();
        setPending(true);
        await goToIdentityProvider(String(new FormData(e.currentTarget).get("email") ?? ""), callbackUrl);
      }}
    >
      <FormField id="sso-email" label="Work email" description="We send you to your organization's identity provider." required>
        {(p) => <Input {...p} name="email" type="email" autoComplete="email" placeholder="e.g. you@company.com" autoFocus required />}
      </FormField>
      <Button type="submit" disabled={pending}>
        {pending && <Spinner />}
        Continue with single sign-on
      </Button>
    </form>
  );
}
