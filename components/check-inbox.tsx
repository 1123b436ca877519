"use client";
// What a person sees after asking for a link by mail: where it went, how long
// it works, and what to do when it does not arrive.
import { MailCheck } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";

export function CheckInbox({
  email,
  purpose,
  validFor,
  mailIsSent,
  onResend,
  resending,
  resent,
  onChangeEmail,
}: {
  email: string;
  purpose: string;
  validFor: string;
  mailIsSent: boolean;
  onResend?: () => void;
  resending?: boolean;
  resent?: boolean;
  onChangeEmail?: () => void;
}) {
  return (
    <div className="grid gap-4" data-testid="check-inbox">
      <Alert variant="success">
        <MailCheck aria-hidden="true" />
        <AlertTitle>Check your inbox</AlertTitle>
        <AlertDescription>{`We sent a link to ${email} ${purpose}. It works once, for ${validFor}.`}</AlertDescription>
      </Alert>
      {!mailIsSent && <p className="text-sm text-muted-foreground">This Tollgate has no mail server configured: its administrator finds the mail under Instance admin → Outbox.</p>}
      <p className="text-sm text-muted-foreground">No mail after a few minutes? Check your spam folder, or send it again.</p>
      {resent && (
        <p role="status" className="text-sm text-muted-foreground">
          Sent again. Only the newest link works.
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        {onResend && (
          <Button type="button" variant="outline" onClick={onResend} disabled={resending}>
            {resending && <Spinner />}
            Send the link again
          </Button>
        )}
        {onChangeEmail && (
          <Button type="button" variant="ghost" onClick={onChangeEmail}>
            Use another email
          </Button>
        )}
      </div>
    </div>
  );
}
