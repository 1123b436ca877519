import { ForbiddenState } from "@/components/forbidden-state";
import { ReasonText } from "@/components/reason-text";
import type { OrgCtx } from "@/lib/context";
import { authorize } from "@/lib/authz/authorize";
import { idsIn, namesOfIds } from "@/lib/authz/id-names";
import { requestPath, requirePageOrg } from "@/lib/http/page-context";
import { sectionOfPath } from "./sections";

// A section the member may not open: a 403, with the reason of the decision, naming people and things.
export default async function Forbidden() {
  const path = await requestPath();
  const section = sectionOfPath(path);
  const ctx = await requirePageOrg(path.split("/")[1] ?? "");
  const said = reasonFor(ctx, section?.permission);
  const reason = `${said.charAt(0).toUpperCase()}${said.slice(1)}${said.endsWith(".") ? "" : "."}`;
  const names = await namesOfIds(ctx, idsIn(reason));
  return <ForbiddenState reason={<ReasonText text={reason} names={names} />} />;
}

/** The caller reads about themselves: "None of your roles grants audit:read." Other reasons (a grant whose condition fails) are said as decided. */
function reasonFor(ctx: OrgCtx, permission: string | null | undefined) {
  if (!permission) return "You do not have the permission this page needs";
  const decision = authorize(ctx, permission);
  return decision.code === "no_grant" ? `none of your roles grants ${permission}` : decision.reason;
}
