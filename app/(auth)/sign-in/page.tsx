import type { Metadata } from "next";
import Link from "next/link";
import { Notice } from "@/components/notice";
import { safeCallbackPath, signInErrorMessage, ssoErrorMessage } from "@/lib/http/safe-redirect";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { SignInForm } from "./sign-in-form";
import { SsoSignIn } from "./sso-sign-in";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string; notice?: string; email?: string; sso_error?: string }> }) {
  const { callbackUrl, error, notice, email, sso_error: ssoError } = await searchParams;
  const next = safeCallbackPath(callbackUrl);
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h1>Sign in to Tollgate</h1>
        </CardTitle>
        <CardDescription>Welcome back. Enter your email and password.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        <Notice code={notice} />
        <SignInForm callbackUrl={next} initialError={signInErrorMessage(error) ?? ssoErrorMessage(ssoError)} initialEmail={email} />
        <SsoSignIn callbackUrl={next} open={ssoError !== undefined} />
        <div className="grid gap-2 text-center text-sm text-muted-foreground">
          <p>
            <Link className="font-medium text-primary underline-offset-4 hover:underline" href="/forgot-password">
              Forgot your password?
            </Link>
          </p>
          <p>
            No account yet?{" "}
            <Link className="font-medium text-primary underline-offset-4 hover:underline" href={`/sign-up?callbackUrl=${encodeURIComponent(next)}`}>
              Create one
            </Link>
          </p>
        </div>
      </CardContent>
    </Card>
  );
}
