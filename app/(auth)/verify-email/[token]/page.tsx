import type { Metadata } from "next";
import Link from "next/link";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
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
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h1>Confirm your email</h1>
        </CardTitle>
        {link && !problem && (
          <CardDescription>
            {signUp ? `Confirm ${link.email} to finish creating your Tollgate account.` : `Confirm ${link.email} as the email address of your Tollgate account.`}
          </CardDescription>
        )}
      </CardHeader>
      <CardContent className="grid gap-6">
        {problem ? (
          <>
            <Alert variant="destructive">
              <AlertTitle>This link cannot be used</AlertTitle>
              <AlertDescription>{problem}</AlertDescription>
            </Alert>
            <Link className="text-center text-sm font-medium text-primary underline-offset-4 hover:underline" href={signUp ? "/sign-up" : "/account"}>
              {signUp ? "Sign up again" : "Send a new link from your account page"}
            </Link>
          </>
        ) : signUp ? (
          <FinishSignUpButton token={token} next={safeCallbackPath(link!.nextPath)} />
        ) : (
          <ConfirmEmailButton token={token} />
        )}
      </CardContent>
    </Card>
  );
}
