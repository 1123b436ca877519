import type { Metadata } from "next";
import Link from "next/link";
import { safeCallbackPath, signInErrorMessage } from "@/lib/http/safe-redirect";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const { callbackUrl, error } = await searchParams;
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
        <SignInForm callbackUrl={next} initialError={signInErrorMessage(error)} />
        <p className="text-center text-sm text-muted-foreground">
          No account yet?{" "}
          <Link className="font-medium text-primary underline-offset-4 hover:underline" href={`/sign-up?callbackUrl=${encodeURIComponent(next)}`}>
            Create one
          </Link>
        </p>
      </CardContent>
    </Card>
  );
}
