import type { Metadata } from "next";
import Link from "next/link";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h1>Forgot your password?</h1>
        </CardTitle>
        <CardDescription>Enter the email of your account. We send you a link to choose a new password.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        <ForgotPasswordForm mailIsSent={Boolean(process.env.SMTP_URL)} />
        <p className="text-center text-sm text-muted-foreground">
          Remembered it?{" "}
          <Link className="font-medium text-primary underline-offset-4 hover:underline" href="/sign-in">
            Sign in
          </Link>
        </p>
      </CardContent>
    </Card>
  );
}
