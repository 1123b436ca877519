"use client";
import { FormAlert } from "@/components/form-alert";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { resetPasswordAction } from "../../actions";

export function ResetPasswordForm({ token }: { token: string }) {
  const [mismatch, setMismatch] = useState<string>();
  const reset = useServerAction(resetPasswordAction, {
    refresh: false,
    onSuccess: (data) => window.location.assign(`/sign-in?notice=password-reset&email=${encodeURIComponent(data.email)}`),
  });
  const passwordError = mismatch ?? reset.error?.fields?.password;
  return (
    <form
      className="grid gap-4"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const password = String(form.get("password") ?? "");
        if (password !== form.get("confirm")) return setMismatch("The two passwords differ. Type the same one twice.");
        setMismatch(undefined);
        reset.mutate({ token, password });
      }}
    >
      <FormAlert message={reset.error && !passwordError ? reset.error.message : undefined} />
      <FormField id="password" label="New password" description="At least 12 characters." required error={passwordError}>
        {(p) => <Input {...p} name="password" type="password" autoComplete="new-password" minLength={12} required />}
      </FormField>
      <FormField id="confirm" label="New password, again" required>
        {(p) => <Input {...p} name="confirm" type="password" autoComplete="new-password" required />}
      </FormField>
      <Button type="submit" disabled={reset.isPending || reset.isSuccess}>
        {(reset.isPending || reset.isSuccess) && <Spinner />}
        Set new password
      </Button>
    </form>
  );
}
