import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { Logo } from "@/components/logo";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { getAccount } from "@/lib/auth/account";
import { currentSession } from "@/lib/auth/current-user";
import { isDomainError } from "@/lib/errors";
import { previewInvitation } from "@/lib/invitations/invitations";
import { AcceptInvitationButton } from "./accept-button";

export const metadata: Metadata = { title: "Invitation" };

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  let invitation: Awaited<ReturnType<typeof previewInvitation>> | null = null;
  let problem: string | null = null;
  try {
    invitation = await previewInvitation(token);
  } catch (error) {
    problem = isDomainError(error) ? error.message : "This invitation link is not valid. Ask for a new one.";
  }
  const session = await currentSession();
  const here = `/invite/${token}`;
  const account = session ? await getAccount({ requestId: "", ip: null, userAgent: null, principal: session.principal }) : null;
  const forThisAccount = Boolean(session && invitation && session.principal.email.toLowerCase() === invitation.email);
  // Used already by this account (as when signing up through it joined them): on to the organization.
  if (invitation?.status === "accepted" && forThisAccount) redirect(`/${invitation.orgSlug}`);
  const canAccept = invitation?.status === "pending" && forThisAccount;

  return (
    <main className="flex min-h-screen flex-col items-center justify-center bg-muted/40 px-4 py-12">
      <div className="mb-8">
        <Logo />
      </div>
      <Card className="w-full max-w-md">
        <CardHeader>
          <CardTitle asChild>
            <h1>{invitation ? `Join ${invitation.orgName}` : "Invitation"}</h1>
          </CardTitle>
          {invitation && (
            <CardDescription>
              You are invited as <strong>{invitation.invitedAs}</strong>. This invitation is for <strong>{invitation.email}</strong>.
            </CardDescription>
          )}
        </CardHeader>
        <CardContent className="grid gap-4">
          {problem && (
            <Alert variant="destructive">
              <AlertTitle>Invitation not found</AlertTitle>
              <AlertDescription>{problem}</AlertDescription>
            </Alert>
          )}
          {invitation && invitation.status !== "pending" && (
            <Alert variant="destructive">
              <AlertTitle>This invitation can no longer be used</AlertTitle>
              <AlertDescription>
                It was {invitation.status}. Ask an admin of {invitation.orgName} for a new one.
              </AlertDescription>
            </Alert>
          )}
          {invitation && invitation.status === "pending" && !session && (
            <div className="grid gap-2">
              <Button asChild>
                <Link href={`/sign-up?email=${encodeURIComponent(invitation.email)}&callbackUrl=${encodeURIComponent(here)}`}>Create an account to accept</Link>
              </Button>
              <Button variant="outline" asChild>
                <Link href={`/sign-in?callbackUrl=${encodeURIComponent(here)}`}>I have an account: sign in</Link>
              </Button>
            </div>
          )}
          {invitation && invitation.status === "pending" && session && !forThisAccount && (
            <Alert variant="destructive">
              <AlertTitle>Signed in as another account</AlertTitle>
              <AlertDescription>
                You are signed in as {session.principal.email}. Sign out and sign in as {invitation.email} to accept.
              </AlertDescription>
            </Alert>
          )}
          {canAccept && !account?.emailVerifiedAt && (
            <Alert>
              <AlertTitle>Confirm your email first</AlertTitle>
              <AlertDescription>
                Invitations are accepted by confirmed addresses only. Send yourself a confirmation link from{" "}
                <Link className="font-medium underline underline-offset-4" href="/account">
                  your account page
                </Link>
                , use it, then open this invitation again.
              </AlertDescription>
            </Alert>
          )}
          {canAccept && account?.emailVerifiedAt && <AcceptInvitationButton token={token} orgName={invitation!.orgName} />}
        </CardContent>
      </Card>
    </main>
  );
}
