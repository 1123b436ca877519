// Server-side sessions: one row per sign-in, its id inside the JWT. A revoked
// or deleted row signs that browser out; the short cache bounds how long
// another process may still accept it.
import { db } from "../db.ts";
import type { UserPrincipal } from "../context.ts";
import { describeDevice } from "./device.ts";

export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;
const CACHE_MS = 2_000;
/** "Last seen" is written at most this often per session. */
const LAST_SEEN_EVERY_MS = 60_000;

type CachedSession = { principal: UserPrincipal | null; at: number };
const cache: Map<string, CachedSession> = ((globalThis as { __tollgateSessions?: Map<string, CachedSession> }).__tollgateSessions ??= new Map());

/** How a session's user proved who they are. */
export type SessionOrigin = {
  authMethod: "password" | "sign_up_link" | "sso" | "passkey";
  ssoConnectionId?: string;
  /** A second factor was used. */ mfa?: boolean;
  /** It was an organization's identity provider that said so: it counts there only. */ mfaOrgId?: string;
};

export async function createSession(userId: string, meta: { ip: string | null; userAgent: string | null }, origin: SessionOrigin = { authMethod: "password" }) {
  return db.session.create({
    data: {
      userId,
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
      expiresAt: new Date(Date.now() + SESSION_MAX_AGE_S * 1000),
      authMethod: origin.authMethod,
      ssoConnectionId: origin.ssoConnectionId ?? null,
      mfaAt: origin.mfa ? new Date() : null,
      mfaOrgId: origin.mfa ? (origin.mfaOrgId ?? null) : null,
    },
    select: { id: true },
  });
}

/** The signed-in user for a session id, or null when it is revoked, expired or unknown. */
export async function principalForSession(sessionId: string): Promise<UserPrincipal | null> {
  const hit = cache.get(sessionId);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.principal;
  const row = await db.session.findUnique({
    where: { id: sessionId },
    select: { revokedAt: true, createdAt: true, expiresAt: true, lastSeenAt: true, mfaAt: true, mfaOrgId: true, user: { select: { id: true, email: true, isInstanceAdmin: true } } },
  });
  const now = new Date();
  const principal =
    row && !row.revokedAt && row.expiresAt > now
      ? {
          type: "user" as const,
          userId: row.user.id,
          email: row.user.email,
          isInstanceAdmin: row.user.isInstanceAdmin,
          mfa: row.mfaAt !== null,
          ...(row.mfaOrgId ? { mfaOrgId: row.mfaOrgId } : {}),
          session: { id: sessionId, createdAt: row.createdAt.getTime(), lastSeenAt: row.lastSeenAt.getTime() },
        }
      : null;
  if (principal && now.getTime() - row!.lastSeenAt.getTime() > LAST_SEEN_EVERY_MS) {
    void db.session.updateMany({ where: { id: sessionId }, data: { lastSeenAt: now } }).catch(() => {});
  }
  cache.set(sessionId, { principal, at: Date.now() });
  if (cache.size > 10_000) cache.clear();
  return principal;
}

export function forgetCachedSession(sessionId: string) {
  cache.delete(sessionId);
}

export async function listSessions(userId: string) {
  const rows = await db.session.findMany({
    where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { lastSeenAt: "desc" },
    select: { id: true, ip: true, userAgent: true, createdAt: true, lastSeenAt: true },
  });
  return rows.map((s) => ({ ...s, device: describeDevice(s.userAgent) }));
}
