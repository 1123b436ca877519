import { redirect } from "next/navigation";
import { instanceNeedsSetup } from "@/lib/admin/setup";
import { currentSession } from "@/lib/auth/current-user";
import { listMyOrganizations } from "@/lib/orgs/org-context";

export const dynamic = "force-dynamic";

// "/": the first organization of a signed-in user, else onboarding; signed
// out, sign-in (on a new instance with no admin yet, the setup page).
export default async function Home() {
  const session = await currentSession();
  if (!session) redirect((await instanceNeedsSetup()) ? "/setup" : "/sign-in");
  const orgs = await listMyOrganizations(session.principal.userId);
  redirect(orgs[0] ? `/${orgs[0].slug}/members` : "/orgs/new");
}
