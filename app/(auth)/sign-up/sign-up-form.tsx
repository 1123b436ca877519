"use client";
import { FormAlert } from "@/components/form-alert";
import { useState } from "react";
import { CheckInbox } from "@/components/check-inbox";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { signUpAction } from "../actions";

type Input = { name: string; email: string; password: string; callbackUrl: string };

export function SignUpForm({ callbackUrl, initialEmail, mailIsSent }: { callbackUrl: string; initialEmail?: string; mailIsSent: boolean }) {
  const [sent, setSent] = useState<Input | null>(null);
  const [resent, setResent] = useState(false);
  const signUp = useServerAction(signUpAction, { refresh: false });

  function send(input: Input, again = false) {
    signUp.mutate(input, { onSuccess: () => (setSent(input), setResent(again)) });
  }

  if (sent) {
    return (
      <CheckInbox
        email={sent.email.trim().toLowerCase()}
        purpose="to finish creating your account"
        validFor="24 hours"
        mailIsSent={mailIsSent}
        onResend={() => send(sent, true)}
        resending={signUp.isPending}
        resent={resent && !signUp.isPending}
        onChangeEmail={() => (setSent(null), signUp.reset())}
      />
    );
  }

  const fields = signUp.error?.fields ?? {};
  const formError = signUp.error && Object.keys(fields).length === 0 ? signUp.error.message : undefined;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        send({ name: String(form.get("name") ?? ""), email: String(form.get("email") ?? ""), password: String(form.get("password") ?? ""), callbackUrl });
      }}
      className="grid gap-4"
      noValidate
    >
      <FormAlert message={formError} />
      <FormField id="name" label="Name" required error={fields.name}>
        {(p) => <CountedInput {...p} name="name" autoComplete="name" required maxLength={100} placeholder="e.g. Ada Lovelace" />}
      </FormField>
      <FormField id="email" label="Email" required error={fields.email}>
        {(p) => <Input {...p} name="email" type="email" autoComplete="email" defaultValue={initialEmail} required placeholder="e.g. ada@example.com" />}
      </FormField>
      <FormField id="password" label="Password" description="At least 12 characters." required error={fields.password}>
        {(p) => <Input {...p} name="password" type="password" autoComplete="new-password" minLength={12} required />}
      </FormField>
      <Button type="submit" disabled={signUp.isPending}>
        {signUp.isPending && <Spinner />}
        Create account
      </Button>
    </form>
  );
}
