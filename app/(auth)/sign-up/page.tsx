import type { Metadata } from "next";
import Link from "next/link";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { invitationJoinedBySignUp } from "@/lib/invitations/invitations";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { SignUpForm } from "./sign-up-form";

export const metadata: Metadata = { title: "Create your account" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; email?: string }> }) {
  const { callbackUrl, email } = await searchParams;
  const next = safeCallbackPath(callbackUrl);
  // Signing up through an invitation accepts it: said here, before the account is made.
  const joining = await invitationJoinedBySignUp(next);
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h1>Create your account</h1>
        </CardTitle>
        <CardDescription data-testid="sign-up-purpose">
          {joining ? (
            <>
              Creating your account as <strong>{joining.email}</strong> accepts the invitation to join <strong>{joining.orgName}</strong> as <strong>{joining.invitedAs}</strong>.
            </>
          ) : (
            "Start managing access and usage for your product."
          )}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        <SignUpForm callbackUrl={next} initialEmail={email} mailIsSent={Boolean(process.env.SMTP_URL)} />
        <p className="text-center text-sm text-muted-foreground">
          Already have an account?{" "}
          <Link className="font-medium text-primary underline-offset-4 hover:underline" href={`/sign-in?callbackUrl=${encodeURIComponent(next)}`}>
            Sign in
          </Link>
        </p>
      </CardContent>
    </Card>
  );
}
