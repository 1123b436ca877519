import type { Metadata } from "next";
import { SpentLink } from "@/components/spent-link";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { linkPageState } from "@/lib/auth/email-tokens";
import { ResetPasswordForm } from "./reset-password-form";

export const metadata: Metadata = { title: "Choose a new password" };

export default async function ResetPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const { link, problem } = await linkPageState(["reset_password"], token);
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h1>Choose a new password</h1>
        </CardTitle>
        {link && !problem && <CardDescription>For {link.email}. Setting it signs this account out everywhere.</CardDescription>}
      </CardHeader>
      <CardContent className="grid gap-6">
        {problem ? <SpentLink problem={problem} next={{ href: "/forgot-password", label: "Ask for a new link" }} /> : <ResetPasswordForm token={token} />}
      </CardContent>
    </Card>
  );
}
