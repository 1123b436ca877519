"use client";
import { FormAlert } from "@/components/form-alert";
import { signIn } from "next-auth/react";
import Link from "next/link";
import { useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { confirmEmailAction } from "../../actions";

/** Uses a sign-up link, with the password chosen when signing up: the account is created and this browser signed in. */
export function FinishSignUpButton({ token, email, next }: { token: string; email: string; next: string }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <form
      className="grid gap-4"
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        setPending(true);
        setError(undefined);
        const password = String(new FormData(event.currentTarget).get("password") ?? "");
        const result = await signIn("sign-up-link", { token, password, redirect: false });
        if (!result || result.error) {
          setPending(false);
          return setError(result?.error && result.error !== "CredentialsSignin" ? result.error : "This link could not be used. Ask for a new one.");
        }
        window.location.assign(next);
      }}
    >
      <input type="hidden" name="email" autoComplete="username" value={email} readOnly />
      <FormField id="password" label="Your password" description="The one you chose when signing up." required error={error}>
        {(p) => <Input {...p} name="password" type="password" autoComplete="current-password" />}
      </FormField>
      <Button type="submit" disabled={pending}>
        {pending && <Spinner />}
        Confirm and continue
      </Button>
    </form>
  );
}

/** Uses a confirmation link of an existing account (its address, or a new one). */
export function ConfirmEmailButton({ token }: { token: string }) {
  const confirm = useServerAction(confirmEmailAction, { refresh: false });
  if (confirm.isSuccess) {
    return (
      <div className="grid gap-4">
        <Alert variant="success">
          <AlertTitle>Email confirmed</AlertTitle>
          <AlertDescription>{confirm.data.changed ? `${confirm.data.email} is now the email address of your account.` : `${confirm.data.email} is confirmed.`}</AlertDescription>
        </Alert>
        <Button asChild>
          <Link href="/account">Go to your account</Link>
        </Button>
      </div>
    );
  }
  return (
    <div className="grid gap-4">
      <FormAlert message={confirm.error?.message} />
      <Button disabled={confirm.isPending} onClick={() => confirm.mutate(token)}>
        {confirm.isPending && <Spinner />}
        Confirm email address
      </Button>
    </div>
  );
}
