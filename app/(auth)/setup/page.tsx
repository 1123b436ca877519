import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { checkSetupToken, instanceNeedsSetup } from "@/lib/admin/setup";
import { SetupForm } from "./setup-form";

export const metadata: Metadata = { title: "Set up Tollgate" };
export const dynamic = "force-dynamic";

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  if (!(await instanceNeedsSetup())) redirect("/sign-in");
  const { token } = await searchParams;
  const status = await checkSetupToken(token);
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h1>Set up Tollgate</h1>
        </CardTitle>
        <CardDescription>Create the instance admin account and your first organization.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        {status === "valid" ? (
          <SetupForm token={token!} />
        ) : (
          <Alert variant={status === "missing" ? "default" : "destructive"}>
            <AlertTitle>{status === "missing" ? "Open the setup link" : "This setup link is not valid"}</AlertTitle>
            <AlertDescription>
              {status === "missing"
                ? "So that nobody else can claim this instance, setup needs the one-time link that `npm start` printed in its output (“tollgate: set up this instance at …”). Open that link."
                : "Use the newest link that `npm start` printed, or restart Tollgate to print a new one."}
            </AlertDescription>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
