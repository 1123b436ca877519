import { ForbiddenState } from "@/components/forbidden-state";
import { ReasonText } from "@/components/reason-text";
import { authorize } from "@/lib/authz/authorize";
import { idsIn, namesOfIds } from "@/lib/authz/id-names";
import { requestPath, requirePageOrg } from "@/lib/http/page-context";
import { sectionOfPath } from "./sections";

// A section the member may not open: a 403, with the reason of the decision, naming people and things.
export default async function Forbidden() {
  const path = await requestPath();
  const section = sectionOfPath(path);
  const ctx = await requirePageOrg(path.split("/")[1] ?? "");
  const decision = section?.permission ? authorize(ctx, section.permission) : null;
  // The caller reads about themselves: "None of your roles grants audit:read." Other reasons (a grant whose condition fails) are said as decided.
  const said = !decision ? "You do not have the permission this page needs" : decision.code === "no_grant" ? `none of your roles grants ${section!.permission}` : decision.reason;
  const reason = `${said.charAt(0).toUpperCase()}${said.slice(1)}${said.endsWith(".") ? "" : "."}`;
  const names = await namesOfIds(ctx, idsIn(reason));
  return <ForbiddenState reason={<ReasonText text={reason} names={names} />} />;
}
