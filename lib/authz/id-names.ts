// Reasons and log rows name things by id (ids stay true when names change);
// people read names. This resolves the ids found in some text to what people
// call them, within one organization: an id of another organization stays an id.
import { db } from "../db.ts";
import type { OrgCtx } from "../context.ts";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The ids in these texts, each once. */
export function idsIn(...texts: Array<string | null | undefined>): string[] {
  const ids = new Set<string>();
  for (const text of texts) for (const match of text?.matchAll(UUID) ?? []) ids.add(match[0].toLowerCase());
  return [...ids];
}

/** id → a name: members by email, API keys, projects, groups and roles by name, grants by a short id, the organization by its name. */
export async function namesOfIds(ctx: OrgCtx, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const inIds = { in: [...ids] };
  const orgId = ctx.orgId;
  const [users, keys, projects, groups, roles, grants] = await Promise.all([
    db.user.findMany({ where: { id: inIds, memberships: { some: { orgId } } }, select: { id: true, email: true } }),
    db.apiKey.findMany({ where: { id: inIds, orgId }, select: { id: true, name: true } }),
    db.project.findMany({ where: { id: inIds, orgId }, select: { id: true, name: true } }),
    db.group.findMany({ where: { id: inIds, orgId }, select: { id: true, name: true } }),
    db.role.findMany({ where: { id: inIds, OR: [{ orgId }, { orgId: null }] }, select: { id: true, name: true } }),
    db.grant.findMany({ where: { id: inIds, orgId }, select: { id: true } }),
  ]);
  for (const u of users) names.set(u.id, u.email);
  for (const k of keys) names.set(k.id, k.name);
  for (const p of projects) names.set(p.id, p.name);
  for (const g of groups) names.set(g.id, g.name);
  for (const r of roles) names.set(r.id, r.name);
  for (const g of grants) names.set(g.id, `#${g.id.slice(0, 8)}`);
  if (ids.includes(orgId)) names.set(orgId, "this organization");
  return names;
}
