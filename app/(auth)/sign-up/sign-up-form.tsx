"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { signUpAction } from "../actions";

export function SignUpForm({ callbackUrl, initialEmail }: { callbackUrl: string; initialEmail?: string }) {
  const [signInError, setSignInError] = useState<string>();
  const signUp = useServerAction(signUpAction, { refresh: false });

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = { name: form.get("name"), email: form.get("email"), password: form.get("password") };
    signUp.mutate(input, {
      onSuccess: async () => {
        const result = await signIn("credentials", { email: input.email, password: input.password, redirect: false });
        if (!result || result.error) return setSignInError("Your account was created, but signing in failed. Sign in to continue.");
        window.location.assign(callbackUrl);
      },
    });
  }

  const error = signUp.error?.message ?? signInError;
  const pending = signUp.isPending || (signUp.isSuccess && !signInError);
  return (
    <form onSubmit={onSubmit} className="grid gap-4" noValidate>
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      )}
      <FormField id="name" label="Name" required>
        {(p) => <Input {...p} name="name" autoComplete="name" required maxLength={100} />}
      </FormField>
      <FormField id="email" label="Email" required>
        {(p) => <Input {...p} name="email" type="email" autoComplete="email" defaultValue={initialEmail} required />}
      </FormField>
      <FormField id="password" label="Password" description="At least 12 characters." required>
        {(p) => <Input {...p} name="password" type="password" autoComplete="new-password" minLength={12} required />}
      </FormField>
      <Button type="submit" disabled={pending}>
        {pending && <Spinner />}
        Create account
      </Button>
    </form>
  );
}
