// Nobody hands out, or takes away, more than they hold themselves; and what
// they hand out fits inside how they hold it (until when, from where, with MFA).
import { Forbidden, Invalid } from "../errors.ts";
import type { OrgCtx } from "../context.ts";
import { can } from "./authorize.ts";
import { giftNeedText, holdingText } from "./holding-text.ts";
import { holdingInForce, holdingsOf, outsideHolding, type GivenLimits, type OutsideHolding } from "./holdings.ts";

export function assertHoldsAll(ctx: OrgCtx, permissions: readonly string[], what: string) {
  const missing = permissions.filter((p) => !can(ctx, p));
  if (missing.length > 0) {
    throw new Forbidden("privilege_escalation", `You cannot ${what}: it needs ${missing.join(", ")}, which you do not hold.`);
  }
}

/** What the caller lacks of `permissions` where a grant on `projectId` (null: the organization) applies. */
export function missingWhereGranted(ctx: OrgCtx, permissions: Iterable<string>, projectId: string | null): string[] {
  const resource = projectId ? ({ type: "project", id: projectId } as const) : undefined;
  return [...permissions].filter((p) => !can(ctx, p, resource));
}

/** Permissions handed to someone (a grant, a membership role, a group's grant, a role's new permissions), where and how. */
export type Gift = {
  permissions: Iterable<string>;
  /** Where they apply; null: the whole organization. */
  projectId: string | null;
  limits: GivenLimits;
};

export type GiftOptions = {
  /** The caller set the gift's conditions in this request (a new grant): a misfit is theirs to fix (400), not a refusal (403). */
  adjustable?: boolean;
  /** Appended to a misfit's message, e.g. why this kind of gift cannot carry conditions. */
  note?: string;
};

const CODE: Record<OutsideHolding["limit"], string> = { expiry: "expiry_beyond_holding", ip: "ip_beyond_holding", mfa: "mfa_beyond_holding", plan: "plan_beyond_holding" };

/**
 * Refuses a gift the caller could not make: each permission given must be
 * held now where it applies, and what is given must fit inside at least one
 * way the caller holds it that is in force for this request: end no later,
 * be usable from no wider networks, and require MFA when that way does
 * (lib/authz/holdings.ts). A holding of a key carries the key's own expiry
 * and networks. Instance (provisioning) keys act in every organization.
 * `what` completes "You cannot …".
 */
export function assertMayGive(ctx: OrgCtx, gift: Gift, what: string, options: GiftOptions = {}) {
  if (ctx.principal.type === "api_key" && ctx.principal.instance) return;
  const now = Date.now();
  // What has ended gives nothing.
  if (gift.limits.validUntilMs !== null && gift.limits.validUntilMs <= now) return;
  const resource = gift.projectId ? ({ type: "project", id: gift.projectId } as const) : ({ type: "organization", id: ctx.orgId } as const);
  const subject = ctx.principal.type === "user" ? ({ type: "user", id: ctx.principal.userId } as const) : ({ type: "api_key", id: ctx.principal.keyId } as const);

  const missing: string[] = [];
  // Permissions that fit no holding, grouped by how they are held, so that one sentence names them together.
  const misfits = new Map<string, { permissions: string[]; outside: OutsideHolding[] }>();
  for (const permission of [...new Set(gift.permissions)].sort()) {
    const allowed = can(ctx, permission, resource);
    const held = holdingsOf(ctx.authz, subject, permission, resource, now).filter((h) => holdingInForce(h, { ip: ctx.ip, mfa: ctx.mfa }));
    if (!allowed || held.length === 0) {
      missing.push(permission);
      continue;
    }
    const ways = held.map((holding) => ({ holding, outside: outsideHolding(holding, gift.limits) }));
    if (ways.some((w) => w.outside.length === 0)) continue;
    const from = ways.map((w) => `${holdingText(w.holding, w.outside)}: ${[...new Set(w.outside.map(giftNeedText))].join(", and ")}`).join("; or from ");
    const group = misfits.get(from) ?? { permissions: [], outside: [] };
    group.permissions.push(permission);
    group.outside.push(...ways.flatMap((w) => w.outside));
    misfits.set(from, group);
  }
  if (missing.length) throw new Forbidden("privilege_escalation", `You cannot ${what}: it needs ${missing.join(", ")}, which you do not hold.`);

  const [first] = misfits;
  if (!first) return;
  const [from, { permissions, outside }] = first;
  const limit = (["expiry", "ip", "mfa", "plan"] as const).find((l) => outside.some((o) => o.limit === l))!;
  const message = `You cannot ${what}: ${permissions.join(", ")} ${permissions.length === 1 ? "comes" : "come"} to you from ${from}.${options.note ? ` ${options.note}` : ""}`;
  throw options.adjustable ? new Invalid(CODE[limit], message) : new Forbidden(CODE[limit], message);
}
