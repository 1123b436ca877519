import type { ReactNode } from "react";
import { forbidden } from "next/navigation";
import { authorize } from "@/lib/authz/authorize";
import { requestPath, requirePageOrg } from "@/lib/http/page-context";
import { sectionOfPath } from "../sections";

// Decides whether the caller may open this section before anything streams,
// so a refusal is a real 403 (rendered by ../forbidden.tsx inside the shell).
// The page asks again (client-side navigation does not re-run layouts); the
// request's memo answers it without a second decision.
export default async function SectionLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const section = sectionOfPath(await requestPath());
  if (section?.permission && !authorize(ctx, section.permission).allowed) forbidden();
  return children;
}
