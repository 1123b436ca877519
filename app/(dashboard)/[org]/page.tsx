import { redirect } from "next/navigation";
import { requirePageOrg } from "@/lib/http/page-context";

export default async function OrgHome({ params }: { params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  redirect(`/${ctx.orgSlug}/members`);
}
