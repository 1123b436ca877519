// Where a person lands after an account step, the page says what happened.
import { Alert, AlertDescription } from "@/components/ui/alert";

const NOTICES: Record<string, { text: string; variant: "success" | "default" }> = {
  "password-reset": { text: "Your password was changed and every session signed out. Sign in with your new password.", variant: "success" },
  "account-deleted": { text: "Your account was deleted.", variant: "default" },
  "session-ended": { text: "Your session ended. Sign in again to continue.", variant: "default" },
  "email-changed": { text: "Your email address changed. Sign in with the new one.", variant: "success" },
  "session-policy": { text: "That organization asks you to sign in again (its sessions last only so long, or end when unused). Sign in to continue.", variant: "default" },
  "mfa-required": { text: "That organization requires two-step sign-in. Set up an authenticator app below, then sign out and sign in again with its code.", variant: "default" },
};

/** A fixed message for a `?notice=` code; free text from the URL is never shown. */
export function Notice({ code }: { code?: string }) {
  const notice = code ? NOTICES[code] : undefined;
  if (!notice) return null;
  return (
    <Alert variant={notice.variant}>
      <AlertDescription>{notice.text}</AlertDescription>
    </Alert>
  );
}
