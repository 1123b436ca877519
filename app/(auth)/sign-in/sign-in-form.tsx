"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";

export function SignInForm({ callbackUrl, initialError, initialEmail }: { callbackUrl: string; initialError?: string; initialEmail?: string }) {
  const [error, setError] = useState<string | undefined>(initialError);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const result = await signIn("credentials", { email: form.get("email"), password: form.get("password"), redirect: false });
    if (!result || result.error) {
      setPending(false);
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
      <Button type="submit" disabled={pending}>
        {pending && <Spinner />}
        Sign in
      </Button>
    </form>
  );
}
