"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { MFA_REQUIRED_MESSAGE } from "@/lib/auth/mfa-messages";

export function SignInForm({ callbackUrl, initialError, initialEmail }: { callbackUrl: string; initialError?: string; initialEmail?: string }) {
  const [error, setError] = useState<string | undefined>(initialError);
  const [pending, setPending] = useState(false);
  // The password was right and the account has an authenticator: its code is the second step.
  const [needCode, setNeedCode] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const result = await signIn("credentials", { email: form.get("email"), password: form.get("password"), code: form.get("code") ?? "", redirect: false });
    if (!result || result.error) {
      setPending(false);
      if (result?.error === MFA_REQUIRED_MESSAGE) {
        setNeedCode(true);
        setError(undefined);
        return;
      }
      setError(result?.error && result.error !== "CredentialsSignin" ? result.error : "Email or password is incorrect.");
      return;
    }
    window.location.assign(callbackUrl);
  }

  return (
    <form onSubmit={onSubmit} className="grid gap-4" noValidate>
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      )}
      <FormField id="email" label="Email" required>
        {(p) => <Input {...p} name="email" type="email" autoComplete="email" defaultValue={initialEmail} required />}
      </FormField>
      <FormField id="password" label="Password" required>
        {(p) => <Input {...p} name="password" type="password" autoComplete="current-password" required />}
      </FormField>
      {needCode && (
        <FormField id="code" label="Authentication code" description="From your authenticator app, or one of your recovery codes." required>
          {(p) => <Input {...p} name="code" autoComplete="one-time-code" inputMode="text" maxLength={32} placeholder="123456" autoFocus required />}
        </FormField>
      )}
      <Button type="submit" disabled={pending}>
        {pending && <Spinner />}
        Sign in
      </Button>
    </form>
  );
}
