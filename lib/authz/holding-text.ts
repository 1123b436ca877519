// How refusals name a holding and the limit what is handed on must keep:
// shared by API keys (lib/apikeys/key-caps.ts) and every other gift (escalation.ts).
import type { ParsedCidr } from "./cidr.ts";
import { planList } from "./decide.ts";
import type { Holding, OutsideHolding } from "./holdings.ts";

export const cidrText = (ranges: readonly ParsedCidr[]) => ranges.map(([address, bits]) => `${address.toString()}/${bits}`).join(", ");

/** "valid until …", "usable only from …", "that requires MFA" */
export function conditionText(o: OutsideHolding) {
  if (o.limit === "expiry") return `valid until ${new Date(o.untilMs).toISOString()}`;
  if (o.limit === "ip") return `usable only from ${cidrText(o.ranges)}`;
  if (o.limit === "plan") return `held only on the ${planList(o.plans)} plan`;
  return "that requires MFA";
}

/** 'a grant valid until … (role "Trace reader" via group "ML team")', or 'this API key, which is usable only from …' */
export function holdingText(holding: Holding, outside: OutsideHolding[]) {
  const what = holding.source === "grant" ? "a grant" : "this API key, which is";
  const role = holding.source === "grant" ? ` (role "${holding.roleName}"${holding.viaGroup ? ` via group "${holding.viaGroup}"` : ""})` : "";
  return `${what} ${outside.map(conditionText).join(" and ")}${role}`;
}

/** What a gift (a grant, a membership role, a group's grants) must do to fit. */
export function giftNeedText(o: OutsideHolding) {
  if (o.limit === "expiry") return "what you give must end by then";
  if (o.limit === "ip") return `what you give must be usable only from within ${cidrText(o.ranges)}`;
  if (o.limit === "plan") return `what you give must hold only on the ${planList(o.plans)} plan too`;
  return "what you give must require MFA too";
}
