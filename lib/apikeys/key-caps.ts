// What a key may be when someone hands it out, by creating it or by rotating
// it (and so receiving its secret): never more permissions than the caller
// holds where it applies, no more time or networks than the calling key has,
// inside one way the caller holds each permission (lib/authz/holdings.ts), and
// within the organization's key policy. The same caps on both paths; rotation
// also hands out what the key holds by grants.
import { db, type Tx } from "../db.ts";
import { Forbidden, Invalid } from "../errors.ts";
import { can } from "../authz/authorize.ts";
import { parseCidr, rangeWithin } from "../authz/cidr.ts";
import { assertMayGive } from "../authz/escalation.ts";
import { cidrText, holdingText } from "../authz/holding-text.ts";
import { grantLimits, holdingInForce, holdingsOf, keyOutsideHolding, narrowLimits, type Holding, type OutsideHolding } from "../authz/holdings.ts";
import { getOrgIndex } from "../authz/org-index-cache.ts";
import type { OrgCtx } from "../context.ts";

const DAY_MS = 86_400_000;

export type HandedOutKey = { permissions: Iterable<string>; projectId: string | null; expiresAt: Date | null; ipAllowList: string[] };
export type KeyPolicy = Awaited<ReturnType<typeof policyOf>>;
type Doing = "create" | "rotate";

export async function policyOf(orgId: string) {
  const org = await db.organization.findUniqueOrThrow({
    where: { id: orgId },
    select: { apiKeyRequireExpiry: true, apiKeyMaxLifetimeDays: true, apiKeyRateLimitPerSecond: true, apiKeyRateLimitPerDay: true },
  });
  return { requireExpiry: org.apiKeyRequireExpiry, maxLifetimeDays: org.apiKeyMaxLifetimeDays, rateLimitPerSecond: org.apiKeyRateLimitPerSecond, rateLimitPerDay: org.apiKeyRateLimitPerDay };
}

const ROTATE_PREFIX = "You cannot rotate this key: ";
const lead = (doing: Doing, field: string) => (doing === "rotate" ? ROTATE_PREFIX : `${field}: `);

export function assertPolicyAllows(policy: KeyPolicy, expiresAt: Date | null, doing: Doing = "create") {
  if (!expiresAt && (policy.requireExpiry || policy.maxLifetimeDays)) {
    throw new Invalid("expiry_required", `${lead(doing, "expiresAt")}this organization requires keys to expire${policy.maxLifetimeDays ? ` within ${policy.maxLifetimeDays} days` : ""}.`);
  }
  if (expiresAt && policy.maxLifetimeDays && expiresAt.getTime() > Date.now() + policy.maxLifetimeDays * DAY_MS) {
    throw new Invalid("expiry_too_far", `${lead(doing, "expiresAt")}this organization allows keys to live at most ${policy.maxLifetimeDays} days.`);
  }
}

/** Refuses a key carrying what the caller lacks where it applies. */
function assertCallerHolds(ctx: OrgCtx, key: HandedOutKey, doing: Doing) {
  const resource = key.projectId ? ({ type: "project", id: key.projectId } as const) : undefined;
  const missing = [...key.permissions].filter((p) => !can(ctx, p, resource));
  const what = doing === "rotate" ? "A key you rotate" : "A key";
  if (missing.length) throw new Forbidden("privilege_escalation", `${what} cannot carry more than you hold: you lack ${missing.sort().join(", ")}.`);
}

/** A key that hands out keys gives them no later expiry and no wider networks than its own. */
function assertWithinCallingKey(ctx: OrgCtx, key: HandedOutKey, doing: Doing) {
  if (ctx.principal.type !== "api_key" || ctx.principal.instance) return;
  const caller = ctx.authz.apiKeysById.get(ctx.principal.keyId);
  if (!caller) return;
  const { expiresAt, ipAllowList } = key;
  if (caller.expiresAtMs !== null && (!expiresAt || expiresAt.getTime() > caller.expiresAtMs)) {
    const until = new Date(caller.expiresAtMs).toISOString();
    throw new Invalid(
      "expiry_beyond_caller",
      doing === "rotate" ? `${ROTATE_PREFIX}it would outlive the key that rotates it (${until}).` : `expiresAt: a key cannot outlive the key that creates it (${until}).`,
    );
  }
  if (caller.ipRanges && (!ipAllowList.length || !ipAllowList.every((cidr) => rangeWithin(parseCidr(cidr), caller.ipRanges!)))) {
    throw new Invalid(
      "ip_beyond_caller",
      doing === "rotate"
        ? `${ROTATE_PREFIX}it is usable from addresses the key that rotates it may not use.`
        : "ipAllowList: a key cannot be usable from addresses the key that creates it may not use.",
    );
  }
}

function needText(o: OutsideHolding) {
  if (o.limit === "expiry") return "the key must expire by then";
  if (o.limit === "ip") return `its IP allow list must lie within ${cidrText(o.ranges)}`;
  if (o.limit === "plan") return "a key cannot be limited to a plan";
  return "a key cannot present MFA";
}

/** "a grant valid until … (role "Trace reader" via group "ML team"): the key must expire by then" */
const misfitText = (holding: Holding, outside: OutsideHolding[]) => `${holdingText(holding, outside)}: ${outside.map(needText).join(", and ")}`;

/**
 * A key must fit inside at least one way the caller holds each of its
 * permissions, among those in force for this request: expire no later,
 * reach no wider networks, and never carry what is held only with MFA.
 * Permissions the caller does not hold at all are assertCallerHolds' to refuse.
 */
function assertWithinHoldings(ctx: OrgCtx, key: HandedOutKey, doing: Doing) {
  if (ctx.principal.type === "api_key" && ctx.principal.instance) return;
  const subject = ctx.principal.type === "user" ? ({ type: "user", id: ctx.principal.userId } as const) : ({ type: "api_key", id: ctx.principal.keyId } as const);
  const resource = key.projectId ? ({ type: "project", id: key.projectId } as const) : ({ type: "organization", id: ctx.orgId } as const);
  const limits = { expiresAtMs: key.expiresAt?.getTime() ?? null, ipAllowList: key.ipAllowList.map(parseCidr) };
  for (const permission of [...new Set(key.permissions)].sort()) {
    const holdings = holdingsOf(ctx.authz, subject, permission, resource).filter((h) => holdingInForce(h, { ip: ctx.ip, mfa: ctx.mfa }));
    const misfits = holdings.map((holding) => ({ holding, outside: keyOutsideHolding(holding, limits) }));
    if (misfits.length === 0 || misfits.some((m) => m.outside.length === 0)) continue;
    const message = `${doing === "rotate" ? ROTATE_PREFIX : ""}${permission} comes to you from ${misfits.map((m) => misfitText(m.holding, m.outside)).join("; or from ")}.`;
    // What a different expiry or allow list could fix is a 400; what nothing can (MFA) is a 403.
    const fixable = misfits.filter((m) => !m.outside.some((o) => o.limit === "mfa" || o.limit === "plan")).flatMap((m) => m.outside);
    if (fixable.length === 0) throw new Forbidden(misfits.some((m) => m.outside.some((o) => o.limit === "mfa")) ? "mfa_only_permission" : "plan_beyond_holding", message);
    throw new Invalid(fixable.some((o) => o.limit === "expiry") ? "expiry_beyond_holding" : "ip_beyond_holding", message);
  }
}

/** Every cap on a key being created or rotated; the policy's too. */
export function assertMayHandOut(ctx: OrgCtx, key: HandedOutKey, policy: KeyPolicy, doing: Doing) {
  assertCallerHolds(ctx, key, doing);
  assertWithinCallingKey(ctx, key, doing);
  assertWithinHoldings(ctx, key, doing);
  assertPolicyAllows(policy, key.expiresAt, doing);
}

/**
 * Whoever rotates a key receives what it holds by grants too: each grant must
 * be one the caller could give, at its own project, with its conditions
 * narrowed by the key's own expiry and networks. Grants that require MFA give
 * a key nothing (it cannot present MFA). Read in the rotation's transaction,
 * after the key's row is locked.
 */
export async function assertMayPassOnGrants(tx: Tx, ctx: OrgCtx, key: { id: string; expiresAt: Date | null; ipAllowList: string[] }) {
  const grants = await tx.grant.findMany({
    where: { orgId: ctx.orgId, apiKeyId: key.id, requireMfa: false },
    orderBy: { id: "asc" },
    select: { roleId: true, projectId: true, validUntil: true, ipCidrs: true, plans: true, role: { select: { name: true } }, project: { select: { name: true } } },
  });
  if (grants.length === 0) return;
  // A role made since the caller's index was built is resolved from a fresh one.
  const roles = grants.every((g) => ctx.authz.roles.has(g.roleId)) ? ctx.authz.roles : (await getOrgIndex(ctx.orgId)).roles;
  const keyLimits = grantLimits({ validUntil: key.expiresAt, ipCidrs: key.ipAllowList });
  for (const grant of grants) {
    const where = grant.project ? `on project "${grant.project.name}"` : "on the organization";
    const gift = { permissions: roles.get(grant.roleId)?.permissions ?? [], projectId: grant.projectId, limits: narrowLimits(grantLimits(grant), keyLimits) };
    assertMayGive(ctx, gift, `rotate this key, which holds the ${grant.role.name} role by a grant ${where}`);
  }
}
