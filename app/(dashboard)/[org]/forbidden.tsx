import { ForbiddenState } from "@/components/forbidden-state";
import { authorize } from "@/lib/authz/authorize";
import { requestPath, requirePageOrg } from "@/lib/http/page-context";
import { sectionOfPath } from "./sections";

// A section the member may not open: a 403, with the reason of the decision.
export default async function Forbidden() {
  const path = await requestPath();
  const section = sectionOfPath(path);
  const ctx = await requirePageOrg(path.split("/")[1] ?? "");
  const reason = section?.permission ? authorize(ctx, section.permission).reason : "You do not have the permission this page needs.";
  return <ForbiddenState reason={reason} />;
}
