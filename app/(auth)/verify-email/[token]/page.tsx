import type { Metadata } from "next";
import Link from "next/link";
import { SpentLink } from "@/components/spent-link";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { currentSession } from "@/lib/auth/current-user";
import { linkPageState } from "@/lib/auth/email-tokens";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { ConfirmEmailButton, FinishSignUpButton } from "./confirm-buttons";

export const metadata: Metadata = { title: "Confirm your email" };

// The link only opens this page; a button confirms, so that mail scanners
// that open links do not use it up.
export default async function VerifyEmailPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const { link, problem } = await linkPageState(["sign_up", "confirm_email"], token);
  const signUp = link?.purpose === "sign_up";
  // A confirmation link works only for the account that asked for it, signed in.
  const session = !problem && !signUp ? await currentSession() : null;
  const here = `/verify-email/${token}`;
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h1>Confirm your email</h1>
        </CardTitle>
        {link && !problem && (
          <CardDescription>{signUp ? `Confirm ${link.email} to finish creating your Tollgate account.` : `Confirm ${link.email} as the email address of your Tollgate account.`}</CardDescription>
        )}
      </CardHeader>
      <CardContent className="grid gap-6">
        {problem ? (
          <SpentLink problem={problem} next={signUp ? { href: "/sign-up", label: "Sign up again" } : { href: "/account", label: "Send a new link from your account page" }} />
        ) : signUp ? (
          <FinishSignUpButton token={token} email={link!.email} next={safeCallbackPath(link!.nextPath)} />
        ) : !session ? (
          <div className="grid gap-4">
            <p className="text-sm text-muted-foreground">Sign in to the account that asked for this link, and it opens again here.</p>
            <Button asChild>
              <Link href={`/sign-in?callbackUrl=${encodeURIComponent(here)}`}>Sign in to confirm</Link>
            </Button>
          </div>
        ) : session.principal.userId !== link!.userId ? (
          <Alert variant="destructive">
            <AlertTitle>This link is for another account</AlertTitle>
            <AlertDescription>You are signed in as {session.principal.email}. Sign out, sign in as the account that asked for this link, then open it again.</AlertDescription>
          </Alert>
        ) : (
          <ConfirmEmailButton token={token} />
        )}
      </CardContent>
    </Card>
  );
}
