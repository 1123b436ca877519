// The areas permissions belong to (the part of the key before ":"), in people's words.
const AREA_NAMES: Record<string, string> = {
  organization: "Organization",
  members: "Members",
  roles: "Roles",
  groups: "Groups",
  grants: "Grants",
  projects: "Projects",
  apikeys: "API keys",
  authz: "Authorization checks",
  decisions: "Decision log",
  sso: "Single sign-on",
  scim: "SCIM provisioning",
  audit: "Audit log",
  usage: "Usage",
  billing: "Billing",
};

export const areaOf = (key: string) => key.split(":")[0]!;
export const actionOf = (key: string) => key.slice(key.indexOf(":") + 1);

/** "apikeys" → "API keys"; a product's own area keeps its name. */
export const areaName = (area: string) => AREA_NAMES[area] ?? area;

/** Keys grouped by area, in the order first seen. */
export function byArea(keys: readonly string[]): Array<{ area: string; actions: string[] }> {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const area = areaOf(key);
    groups.set(area, [...(groups.get(area) ?? []), actionOf(key)]);
  }
  return [...groups].map(([area, actions]) => ({ area, actions }));
}
