import type { ReactNode } from "react";
import { forbidden, notFound } from "next/navigation";
import { directoryPageMissing } from "@/lib/admin/instance-directory";
import { requestPath, requirePageUser } from "@/lib/http/page-context";

// Decides before anything streams (this layout is outside the pages' loading
// boundary), so someone who is not an instance admin gets a real 403,
// rendered by ../forbidden.tsx inside the shell, and an organization or user
// that is not there a real 404.
export default async function InstanceAdminGate({ children }: { children: ReactNode }) {
  const ctx = await requirePageUser();
  if (!ctx.principal.isInstanceAdmin) forbidden();
  if (await directoryPageMissing(ctx, await requestPath())) notFound();
  return children;
}
