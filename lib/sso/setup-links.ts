// Setup links (what WorkOS calls the Admin Portal): an owner, or the
// instance's provisioning key (the SaaS, for its customer), makes a
// time-limited link for the organization's IT admin, who has no Tollgate
// account. Opened, it sets up single sign-on (connections, domains, SCIM
// tokens) on its maker's behalf and nothing else: its context is its maker's,
// limited to PORTAL_PERMISSIONS (lib/auth/request-context.ts portalContext),
// and it stops working when revoked or expired, or when its maker is no longer
// a member (a key: revoked or expired). Every use is audited as the link's,
// naming its maker.
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx, RequestMeta } from "../context.ts";
import { db, type Prisma } from "../db.ts";
import { publicUrl } from "../env.ts";
import { Forbidden, NotFound } from "../errors.ts";
import { assertCallerIsOwner } from "../members/owner-only.ts";
import { hashToken, randomToken } from "../secrets/secrets.ts";

export const SETUP_LINK_PREFIX = "tgsetup_";
/** What a setup link may do: single sign-on and provisioning, nothing else. */
export const PORTAL_PERMISSIONS = ["sso:read", "sso:write", "scim:manage"] as const;
export const MAX_SETUP_LINK_HOURS = 7 * 24;
/** The target an action of the setup-link portal names instead of an organization's slug (no slug can be it). */
export const PORTAL_TARGET = "~portal";
/** The cookie that holds a setup link's token for /portal (set by GET /api/portal/{token}). */
export const PORTAL_COOKIE = "tollgate-portal";

export const CreateSetupLinkInput = z.strictObject({
  /** Who it is for, shown in the list and the audit log (e.g. "Acme IT"). */
  name: z.string().trim().min(1, "required").max(100, "at most 100 characters"),
  /** How long it works: 1 hour to 7 days (default 3 days). */
  expiresInHours: z.number().int("a whole number of hours").min(1, "at least 1 hour").max(MAX_SETUP_LINK_HOURS, "at most 7 days (168 hours)").optional(),
});
export const SetupLinkIdInput = z.strictObject({ linkId: z.uuid("Unknown setup link") });

const linkSelect = {
  id: true,
  name: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdBy: { select: { email: true } },
  createdByKey: { select: { name: true } },
} as const;

/** Who made a link, as people read it. */
const makerName = (row: { createdBy: { email: string } | null; createdByKey: { name: string } | null }) => row.createdBy?.email ?? `API key ${row.createdByKey?.name ?? ""}`;

/** A context that acts through a setup link. */
export const isPortal = (ctx: OrgCtx) => ctx.principal.setupLink !== undefined;

/** Where the link leads: it hands the browser the token (as a cookie) and sends it on to /portal. */
export const setupLinkUrl = (token: string) => `${publicUrl().replace(/\/$/, "")}/api/portal/${token}`;

function present(row: Prisma.SetupLinkGetPayload<{ select: typeof linkSelect }>) {
  const status = row.revokedAt ? "revoked" : row.expiresAt.getTime() <= Date.now() ? "expired" : "active";
  return { id: row.id, name: row.name, createdBy: makerName(row), createdAt: row.createdAt, expiresAt: row.expiresAt, lastUsedAt: row.lastUsedAt, revokedAt: row.revokedAt, status };
}
export type SetupLinkView = ReturnType<typeof present>;

export async function listSetupLinks(ctx: OrgCtx): Promise<{ data: SetupLinkView[] }> {
  assertAllowed(ctx, "sso:read");
  const rows = await db.setupLink.findMany({ where: { orgId: ctx.orgId }, orderBy: [{ createdAt: "desc" }, { id: "asc" }], select: linkSelect, take: 100 });
  return { data: rows.map(present) };
}

/**
 * A new link, its URL shown once. Only an owner (or the instance's
 * provisioning key) makes one: it chooses the provider that signs people in,
 * an owner's act; and only one who holds what it lends. A link or an
 * organization's own key cannot make one.
 */
export async function createSetupLink(ctx: OrgCtx, raw: unknown): Promise<SetupLinkView & { url: string }> {
  for (const permission of PORTAL_PERMISSIONS) assertAllowed(ctx, permission);
  const input = CreateSetupLinkInput.parse(raw);
  const p = ctx.principal;
  if (p.setupLink || (p.type === "api_key" && !p.instance)) {
    throw new Forbidden("owner_required", "Only an owner (or the instance's provisioning key) makes setup links: an organization's API key or a setup link cannot.");
  }
  const maker = p.type === "user" ? { createdById: p.userId } : { createdByKeyId: p.keyId };
  let expiresAt = new Date(Date.now() + (input.expiresInHours ?? 72) * 3_600_000);
  // A key's link lasts no longer than the key.
  if (p.type === "api_key") {
    const key = await db.apiKey.findUniqueOrThrow({ where: { id: p.keyId }, select: { expiresAt: true } });
    if (key.expiresAt && key.expiresAt < expiresAt) expiresAt = key.expiresAt;
  }
  const token = `${SETUP_LINK_PREFIX}${randomToken(32)}`;
  return db.$transaction(async (tx) => {
    await assertCallerIsOwner(tx, ctx, "make a setup link");
    const row = await tx.setupLink.create({
      data: { orgId: ctx.orgId, name: input.name, tokenHash: hashToken(token), ...maker, expiresAt },
      select: linkSelect,
    });
    await recordAudit(tx, {
      action: "sso.setup_link.created",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "setup_link", id: row.id },
      meta: ctx,
      after: { name: row.name, expiresAt: row.expiresAt.toISOString() },
    });
    return { ...present(row), url: setupLinkUrl(token) };
  });
}

export async function revokeSetupLink(ctx: OrgCtx, raw: unknown): Promise<void> {
  assertAllowed(ctx, "sso:write");
  const { linkId } = SetupLinkIdInput.parse(raw);
  await db.$transaction(async (tx) => {
    const row = await tx.setupLink.findFirst({ where: { id: linkId, orgId: ctx.orgId }, select: { id: true, name: true, revokedAt: true } });
    if (!row) throw new NotFound("setup_link_not_found", "Setup link not found.");
    if (row.revokedAt) return;
    await tx.setupLink.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, { action: "sso.setup_link.revoked", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "setup_link", id: row.id }, meta: ctx, before: { name: row.name } });
  });
}

/** What the portal shows of the organization it sets up: its name. */
export async function portalOrganization(ctx: OrgCtx): Promise<{ name: string }> {
  assertAllowed(ctx, "sso:read");
  return db.organization.findUniqueOrThrow({ where: { id: ctx.orgId }, select: { name: true } });
}

/** A link that works now, by its token: not revoked, not expired, its maker still a member (or its key still valid). */
export async function findUsableSetupLink(token: string) {
  if (!token.startsWith(SETUP_LINK_PREFIX) || token.length > 200) return null;
  const row = await db.setupLink.findUnique({
    where: { tokenHash: hashToken(token) },
    select: {
      id: true,
      orgId: true,
      name: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      createdBy: { select: { id: true, email: true } },
      createdByKey: { select: { id: true, name: true, publicId: true, lastFour: true, isInstanceAdmin: true, revokedAt: true, expiresAt: true } },
    },
  });
  const now = Date.now();
  if (!row || row.revokedAt || row.expiresAt.getTime() <= now) return null;
  if (row.createdByKey) {
    const key = row.createdByKey;
    return key.isInstanceAdmin && !key.revokedAt && (!key.expiresAt || key.expiresAt.getTime() > now) ? row : null;
  }
  const member = row.createdBy && (await db.membership.findFirst({ where: { orgId: row.orgId, userId: row.createdBy.id }, select: { id: true } }));
  return member ? row : null;
}

/** Opening the link is audited (who opened it, from where), once per browser that follows it. */
export async function recordSetupLinkOpened(link: { id: string; orgId: string; name: string; createdBy: { email: string } | null; createdByKey: { name: string } | null }, meta: RequestMeta) {
  await db.$transaction(async (tx) => {
    await tx.setupLink.update({ where: { id: link.id }, data: { lastUsedAt: new Date() } });
    await recordAudit(tx, {
      action: "sso.setup_link.opened",
      orgId: link.orgId,
      actor: { userId: null, email: `Setup link ${link.name} (made by ${makerName(link)})` },
      target: { type: "setup_link", id: link.id },
      meta,
    });
  });
}
