// The instance admin's directory: every user, and one organization or one
// user in detail (who is in it, what it holds, what happened to it lately).
import { z } from "zod";
import { db } from "../db.ts";
import { NotFound } from "../errors.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import type { UserCtx } from "../context.ts";

/** Rows of a detail page's lists: enough to see the shape, with the count of all. */
const SHOWN = 50;
const RECENT_AUDIT = 10;

const newestFirst = keysetOrder({ path: "createdAt", kind: "date", direction: "desc" }, { path: "id", kind: "uuid", direction: "desc" });

/** An id from a URL: anything but a UUID is simply not found. */
function idOrNotFound(id: string, code: string, message: string): string {
  const parsed = z.uuid().safeParse(id);
  if (!parsed.success) throw new NotFound(code, message);
  return parsed.data;
}

/** Users whose email or name holds `search` (any case); all of them without one. */
function userFilter(search?: string) {
  // Prisma's contains is a LIKE: its wildcards in the text are matched as themselves.
  const text = search?.trim().replace(/[\\%_]/g, "\\$&");
  return text ? { OR: [{ email: { contains: text, mode: "insensitive" as const } }, { name: { contains: text, mode: "insensitive" as const } }] } : {};
}

export async function listAllUsers<P extends PageRequest | undefined = undefined>(ctx: UserCtx, page?: P, search?: string) {
  assertInstanceAdmin(ctx);
  return keysetList(
    newestFirst,
    page,
    (q) =>
      db.user.findMany({
        where: { AND: [userFilter(search), q.where] },
        orderBy: q.orderBy,
        take: q.take,
        select: { id: true, email: true, name: true, createdAt: true, emailVerifiedAt: true, isInstanceAdmin: true, _count: { select: { memberships: true } } },
      }),
    ({ _count, ...user }) => ({ ...user, organizations: _count.memberships }),
  );
}

export async function countAllUsers(ctx: UserCtx, search?: string) {
  assertInstanceAdmin(ctx);
  return db.user.count({ where: userFilter(search) });
}

export async function getOrganizationOverview(ctx: UserCtx, rawId: string) {
  assertInstanceAdmin(ctx);
  const orgId = idOrNotFound(rawId, "organization_not_found", "Organization not found.");
  const now = new Date();
  const [org, members, activeKeys, ssoConnections, recentAudit] = await Promise.all([
    db.organization.findUnique({
      where: { id: orgId },
      select: {
        id: true,
        name: true,
        slug: true,
        externalId: true,
        createdAt: true,
        ssoRequired: true,
        mfaRequired: true,
        subscription: { select: { status: true, startedAt: true, trialEndsAt: true, pastDueSince: true, plan: { select: { key: true, name: true } } } },
        _count: { select: { memberships: true, projects: true, groups: true, invitations: { where: { acceptedAt: null, revokedAt: null, expiresAt: { gt: now } } } } },
      },
    }),
    db.membership.findMany({
      where: { orgId },
      orderBy: [{ role: { position: "asc" } }, { createdAt: "asc" }, { id: "asc" }],
      take: SHOWN,
      select: { createdAt: true, user: { select: { id: true, name: true, email: true } }, role: { select: { name: true, isOwner: true } } },
    }),
    db.apiKey.count({ where: { orgId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } }),
    db.ssoConnection.findMany({ where: { orgId }, orderBy: { createdAt: "asc" }, select: { id: true, name: true, protocol: true, enabled: true } }),
    db.auditEvent.findMany({
      where: { orgId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: RECENT_AUDIT,
      select: { id: true, createdAt: true, action: true, actorEmail: true, targetType: true },
    }),
  ]);
  if (!org) throw new NotFound("organization_not_found", "Organization not found.");
  const { _count, ...rest } = org;
  return {
    ...rest,
    counts: { members: _count.memberships, projects: _count.projects, groups: _count.groups, pendingInvitations: _count.invitations, activeApiKeys: activeKeys },
    members,
    ssoConnections,
    recentAudit,
  };
}

export async function getUserOverview(ctx: UserCtx, rawId: string) {
  assertInstanceAdmin(ctx);
  const userId = idOrNotFound(rawId, "user_not_found", "User not found.");
  const now = new Date();
  const [user, sessions, recentAudit] = await Promise.all([
    db.user.findUnique({
      where: { id: userId },
      select: {
        id: true,
        name: true,
        email: true,
        externalId: true,
        origin: true,
        emailVerifiedAt: true,
        isInstanceAdmin: true,
        createdAt: true,
        memberships: {
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          take: SHOWN,
          select: { createdAt: true, org: { select: { id: true, name: true, slug: true } }, role: { select: { name: true, isOwner: true } } },
        },
        mfaFactors: { where: { confirmedAt: { not: null } }, select: { kind: true } },
        _count: { select: { passkeys: true, ssoIdentities: true, memberships: true } },
      },
    }),
    db.session.aggregate({ where: { userId, revokedAt: null, expiresAt: { gt: now } }, _count: true, _max: { lastSeenAt: true } }),
    db.auditEvent.findMany({
      where: { actorId: userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: RECENT_AUDIT,
      select: { id: true, createdAt: true, action: true, targetType: true, orgId: true },
    }),
  ]);
  if (!user) throw new NotFound("user_not_found", "User not found.");
  const orgIds = [...new Set(recentAudit.flatMap((e) => (e.orgId ? [e.orgId] : [])))];
  const orgNames = new Map((await db.organization.findMany({ where: { id: { in: orgIds } }, select: { id: true, name: true } })).map((o) => [o.id, o.name]));
  const { _count, mfaFactors, ...rest } = user;
  return {
    ...rest,
    authenticatorApps: mfaFactors.filter((f) => f.kind === "totp").length,
    organizations: _count.memberships,
    passkeys: _count.passkeys,
    ssoIdentities: _count.ssoIdentities,
    activeSessions: sessions._count,
    lastSeenAt: sessions._max.lastSeenAt,
    // An event of an organization since deleted keeps no name.
    recentAudit: recentAudit.map(({ orgId, ...event }) => ({ ...event, orgName: orgId ? (orgNames.get(orgId) ?? null) : null, instanceWide: orgId === null })),
  };
}

/** Whether the page at `path` shows an organization or user that is not there (its layout answers a real 404 before streaming). */
export async function directoryPageMissing(ctx: UserCtx, path: string): Promise<boolean> {
  assertInstanceAdmin(ctx);
  const [, , kind, id] = path.split("/");
  if (!id || (kind !== "organizations" && kind !== "users")) return false;
  if (!z.uuid().safeParse(id).success) return true;
  const found = kind === "organizations" ? await db.organization.count({ where: { id } }) : await db.user.count({ where: { id } });
  return found === 0;
}
