// The setup-link portal: the organization's IT admin, holding an owner's
// setup link (in a cookie of /portal), sets up single sign-on and nothing else.
import type { Metadata } from "next";
import { Logo } from "@/components/logo";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { requirePortalContext } from "@/lib/http/page-context";
import { PORTAL_TARGET, portalOrganization } from "@/lib/sso/setup-links";
import { SsoSetupSections } from "../(dashboard)/[org]/(sections)/sso/sso-sections";

export const metadata: Metadata = { title: "Set up single sign-on" };

export default async function PortalPage({ searchParams }: { searchParams: Promise<{ tested?: string }> }) {
  const ctx = await requirePortalContext();
  if (!ctx) {
    return (
      <main className="flex min-h-screen flex-col items-center justify-center bg-muted/40 px-4 py-12">
        <div className="mb-8">
          <Logo />
        </div>
        <Card className="w-full max-w-md">
          <CardHeader>
            <CardTitle asChild>
              <h1>Set up single sign-on</h1>
            </CardTitle>
          </CardHeader>
          <CardContent>
            <Alert variant="destructive">
              <AlertTitle>This setup link does not work</AlertTitle>
              <AlertDescription>It has expired or was revoked, or was never opened in this browser. Ask the organization&rsquo;s owner for a new one.</AlertDescription>
            </Alert>
          </CardContent>
        </Card>
      </main>
    );
  }
  const { tested } = await searchParams;
  const org = await portalOrganization(ctx);
  const link = ctx.principal.setupLink!;
  const givenBy = ctx.principal.type === "user" ? `${ctx.principal.email} gave you this link (${link.name}).` : `This link (${link.name}) was made for you.`;
  return (
    <main className="mx-auto grid w-full max-w-5xl gap-6 px-4 py-8">
      <header className="grid gap-2">
        <Logo />
        <h1 className="text-2xl font-semibold tracking-tight">Set up single sign-on for {org.name}</h1>
        <p className="text-sm text-muted-foreground">
          {givenBy} With it you can connect your identity provider, prove your domains and make SCIM tokens for {org.name}, and nothing else.
        </p>
      </header>
      <SsoSetupSections ctx={ctx} target={PORTAL_TARGET} portal tested={tested} />
    </main>
  );
}
