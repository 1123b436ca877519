"use client";
import { FormAlert } from "@/components/form-alert";
import { useState } from "react";
import { CheckInbox } from "@/components/check-inbox";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { requestPasswordResetAction } from "../actions";

export function ForgotPasswordForm({ mailIsSent }: { mailIsSent: boolean }) {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [resent, setResent] = useState(false);
  const request = useServerAction(requestPasswordResetAction, { refresh: false });
  const send = (email: string, again = false) => request.mutate({ email }, { onSuccess: (data) => (setSentTo(data.email), setResent(again)) });

  if (sentTo) {
    return (
      <CheckInbox
        email={sentTo}
        purpose="to choose a new password, if an account uses this address"
        validFor="1 hour"
        mailIsSent={mailIsSent}
        onResend={() => send(sentTo, true)}
        resending={request.isPending}
        resent={resent && !request.isPending}
        onChangeEmail={() => (setSentTo(null), request.reset())}
      />
    );
  }
  const fieldError = request.error?.fields?.email;
  return (
    <form
      className="grid gap-4"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        send(String(new FormData(event.currentTarget).get("email") ?? ""));
      }}
    >
      <FormAlert message={request.error && !fieldError ? request.error.message : undefined} />
      <FormField id="email" label="Email" required error={fieldError}>
        {(p) => <Input {...p} name="email" type="email" autoComplete="email" required placeholder="e.g. ada@example.com" />}
      </FormField>
      <Button type="submit" disabled={request.isPending}>
        {request.isPending && <Spinner />}
        Send the link
      </Button>
    </form>
  );
}
