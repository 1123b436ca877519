// How a subject holds a permission at a resource, and under which conditions:
// every way decide() could allow it, with its limits. Pure, over an OrgIndex.
// What may be handed on (an API key, a grant, a membership role) is bounded by
// these ways: it must fit inside at least one.
import { intersectRanges, ipInRanges, parseCidr, rangeWithin, type ParsedCidr } from "./cidr.ts";
import type { AuthzResource, AuthzSubject } from "./decide.ts";
import { subjectKey, type IndexedGrant, type OrgIndex } from "./org-index.ts";

export type Holding = {
  /** "membership": the member's own role; "api_key": what a key carries itself; "grant": a grant to the subject or one of its groups. */
  source: "membership" | "api_key" | "grant";
  roleName: string | null;
  grantId: string | null;
  /** The group a grant reaches the subject through. */
  viaGroup: string | null;
  /** Where a grant applies; null: the organization. */
  projectId: string | null;
  /** When this way of holding ends (the earlier of a grant's validUntil and a key's own expiry); null: never. */
  validUntilMs: number | null;
  /** Networks the request must come from: every one of these lists (a grant's and a key's own); none: anywhere. */
  ipRanges: ParsedCidr[][];
  requireMfa: boolean;
  /** The plans a grant holds on; null: any. */
  plans: ReadonlySet<string> | null;
};

const earlier = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

function appliesTo(grant: IndexedGrant, resource: AuthzResource) {
  return grant.projectId === null || (resource.type === "project" && grant.projectId === resource.id);
}

/** Every way `subject` holds `permission` at `resource` that has not ended by `now`, whatever the request's IP or MFA. */
export function holdingsOf(index: OrgIndex, subject: AuthzSubject, permission: string, resource: AuthzResource, now = Date.now()): Holding[] {
  if (resource.type === "organization" ? resource.id !== index.orgId : !index.projects.has(resource.id)) return [];
  const holdings: Holding[] = [];
  // A key's own expiry and networks bound everything it holds, its grants too.
  let keyLimits: Pick<Holding, "validUntilMs" | "ipRanges"> = { validUntilMs: null, ipRanges: [] };

  if (subject.type === "api_key") {
    const key = index.apiKeysById.get(subject.id);
    if (!key || key.revoked || (key.expiresAtMs !== null && now >= key.expiresAtMs)) return [];
    // A project key holds nothing outside its project (as decide() judges it).
    if (key.projectId !== null && !(resource.type === "project" && resource.id === key.projectId)) return [];
    keyLimits = { validUntilMs: key.expiresAtMs, ipRanges: key.ipRanges ? [key.ipRanges] : [] };
    if (key.permissions.has(permission)) {
      holdings.push({ source: "api_key", roleName: null, grantId: null, viaGroup: null, projectId: key.projectId, ...keyLimits, requireMfa: false, plans: null });
    }
  } else {
    const role = index.memberRole.get(subject.id);
    if (!role) return [];
    if (role.permissions.has(permission) || role.isOwner) {
      holdings.push({ source: "membership", roleName: role.name, grantId: null, viaGroup: null, projectId: null, validUntilMs: null, ipRanges: [], requireMfa: false, plans: null });
    }
  }

  const lists = [index.grantsBySubject.get(subjectKey(subject.type, subject.id))];
  if (subject.type === "user") for (const groupId of index.userGroups.get(subject.id) ?? []) lists.push(index.grantsBySubject.get(subjectKey("group", groupId)));
  for (const grant of lists.flatMap((list) => list ?? [])) {
    if (!grant.role.permissions.has(permission) || !appliesTo(grant, resource)) continue;
    if (grant.validUntilMs !== null && now >= grant.validUntilMs) continue;
    // A grant for plans the organization is not on holds nothing now.
    if (grant.plans && !(index.plan !== null && grant.plans.has(index.plan))) continue;
    holdings.push({
      source: "grant",
      roleName: grant.role.name,
      grantId: grant.id,
      viaGroup: grant.via.type === "group" ? (grant.via.name ?? grant.via.id) : null,
      projectId: grant.projectId,
      validUntilMs: earlier(grant.validUntilMs, keyLimits.validUntilMs),
      ipRanges: [...(grant.ipRanges ? [grant.ipRanges] : []), ...keyLimits.ipRanges],
      requireMfa: grant.requireMfa,
      plans: grant.plans,
    });
  }
  return holdings;
}

/** Whether a holding allows a request from `ip`, with or without MFA, as decide() would judge it. */
export function holdingInForce(holding: Holding, context: { ip?: string | null; mfa?: boolean }): boolean {
  return holding.ipRanges.every((ranges) => ipInRanges(context.ip, ranges)) && (!holding.requireMfa || context.mfa === true);
}

/** The conditions of what is given: when it ends (null: never), the networks it is usable from (null: anywhere; empty: nowhere), whether it needs MFA, the plans it holds on (null: any). */
export type GivenLimits = { validUntilMs: number | null; ipRanges: readonly ParsedCidr[] | null; requireMfa: boolean; plans: readonly string[] | null };
/** A membership role, or a grant without conditions. */
export const UNCONDITIONED: GivenLimits = Object.freeze({ validUntilMs: null, ipRanges: null, requireMfa: false, plans: null });

/** A grant's conditions as stored, as what it gives. */
export function grantLimits(grant: { validUntil?: Date | null; ipCidrs?: readonly string[]; requireMfa?: boolean; plans?: readonly string[] }): GivenLimits {
  return {
    validUntilMs: grant.validUntil?.getTime() ?? null,
    ipRanges: grant.ipCidrs?.length ? grant.ipCidrs.map(parseCidr) : null,
    requireMfa: grant.requireMfa ?? false,
    plans: grant.plans?.length ? grant.plans : null,
  };
}

export type OutsideHolding = { limit: "expiry"; untilMs: number } | { limit: "ip"; ranges: ParsedCidr[] } | { limit: "mfa" } | { limit: "plan"; plans: string[] };

/**
 * How what is given would reach beyond the holding; empty when it fits inside:
 * it ends no later, is usable only from networks within each of the
 * holding's lists, and requires MFA when the holding does.
 */
export function outsideHolding(holding: Holding, given: GivenLimits): OutsideHolding[] {
  const outside: OutsideHolding[] = [];
  if (holding.validUntilMs !== null && (given.validUntilMs === null || given.validUntilMs > holding.validUntilMs)) outside.push({ limit: "expiry", untilMs: holding.validUntilMs });
  for (const ranges of holding.ipRanges) {
    if (given.ipRanges === null || !given.ipRanges.every((range) => rangeWithin(range, ranges))) outside.push({ limit: "ip", ranges });
  }
  if (holding.requireMfa && !given.requireMfa) outside.push({ limit: "mfa" });
  // Held only on some plans: what is given must hold on no others.
  if (holding.plans && (given.plans === null || !given.plans.every((plan) => holding.plans!.has(plan)))) outside.push({ limit: "plan", plans: [...holding.plans] });
  return outside;
}

/** What is given to an API key reaches no further than the key itself: its own expiry and IP allow list bound it. */
export function narrowLimits(given: GivenLimits, key: Pick<GivenLimits, "validUntilMs" | "ipRanges">): GivenLimits {
  const ipRanges = given.ipRanges === null ? key.ipRanges : key.ipRanges === null ? given.ipRanges : intersectRanges(given.ipRanges, key.ipRanges);
  return { validUntilMs: earlier(given.validUntilMs, key.validUntilMs), ipRanges, requireMfa: given.requireMfa, plans: given.plans };
}

export type KeyLimits = { expiresAtMs: number | null; ipAllowList: readonly ParsedCidr[] };

/** How a key with these limits would reach beyond the holding; empty when it fits inside. A key cannot present MFA. */
export function keyOutsideHolding(holding: Holding, key: KeyLimits): OutsideHolding[] {
  return outsideHolding(holding, { validUntilMs: key.expiresAtMs, ipRanges: key.ipAllowList.length ? key.ipAllowList : null, requireMfa: false, plans: null });
}
