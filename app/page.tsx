import { redirect } from "next/navigation";
import { instanceNeedsSetup } from "@/lib/admin/setup";
import { currentSession } from "@/lib/auth/current-user";
import { listMyOrganizations } from "@/lib/orgs/org-context";

export const dynamic = "force-dynamic";

// "/": on a new instance the setup page; then the first organization of a
// signed-in user, else onboarding or sign-in.
export default async function Home() {
  if (await instanceNeedsSetup()) redirect("/setup");
  const session = await currentSession();
  if (!session) redirect("/sign-in");
  const orgs = await listMyOrganizations(session.principal.userId);
  redirect(orgs[0] ? `/${orgs[0].slug}/members` : "/orgs/new");
}
