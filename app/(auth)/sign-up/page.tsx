import type { Metadata } from "next";
import Link from "next/link";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { SignUpForm } from "./sign-up-form";

export const metadata: Metadata = { title: "Create your account" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; email?: string }> }) {
  const { callbackUrl, email } = await searchParams;
  const next = safeCallbackPath(callbackUrl);
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h1>Create your account</h1>
        </CardTitle>
        <CardDescription>Start managing access and usage for your product.</CardDescription>
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
