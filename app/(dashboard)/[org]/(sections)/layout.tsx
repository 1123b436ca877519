import type { ReactNode } from "react";
import { forbidden, notFound } from "next/navigation";
import { authorize } from "@/lib/authz/authorize";
import { groupExists } from "@/lib/groups/groups";
import { requestPath, requirePageOrg } from "@/lib/http/page-context";
import { sectionOfPath } from "../sections";

// Decides whether the caller may open this section before anything streams,
// so a refusal is a real 403 (rendered by ../forbidden.tsx inside the shell).
// The page asks again (client-side navigation does not re-run layouts); the
// request's memo answers it without a second decision.
export default async function SectionLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const path = await requestPath();
  const section = sectionOfPath(path);
  if (section?.permission && !authorize(ctx, section.permission).allowed) forbidden();
  // A group that does not exist here is a real 404 too.
  const groupId = section?.path === "groups" ? path.split("/")[3] : undefined;
  if (groupId && !(await groupExists(ctx, groupId))) notFound();
  return children;
}
