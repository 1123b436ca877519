// Per-process cache of organization indexes. A change bumps the
// organization's authzVersion and NOTIFYs in its transaction; every process
// LISTENs and drops that organization's index. Without a listener (tests,
// scripts, a dropped connection) an index is re-validated by version after 1 s.
import pg from "pg";
import { db, type Tx } from "../db.ts";
import { logger } from "../logger.ts";
import { buildOrgIndex, type OrgIndex } from "./org-index.ts";

const CHANNEL = "tollgate_authz";
const RECHECK_MS = 1_000;
/** Even with the listener up, an index is re-validated by version this often, in case a NOTIFY was lost. */
const LISTENING_RECHECK_MS = 30_000;

type Entry = { index: OrgIndex; checkedAt: number };
// `generation` moves on every invalidation; a load that started before one is
// returned to its caller but never cached, so a stale index cannot stick.
// `epoch` moves whenever the listener (re)connects: changes may have been missed meanwhile.
type State = { entries: Map<string, Entry>; loading: Map<string, Promise<OrgIndex>>; generation: Map<string, number>; epoch: number; listening: boolean; listener?: pg.Client };
const state: State = ((globalThis as { __tollgateAuthz?: State }).__tollgateAuthz ??= {
  entries: new Map(),
  loading: new Map(),
  generation: new Map(),
  epoch: 0,
  listening: false,
});
state.epoch ??= 0;

const isFresh = (entry: Entry, now: number) => now - entry.checkedAt < (state.listening ? LISTENING_RECHECK_MS : RECHECK_MS);

export async function loadOrgIndex(orgId: string): Promise<OrgIndex> {
  // One snapshot: the version and every row come from the same moment.
  const [org, roles, memberships, groups, groupMembers, grants, projects, apiKeys, productPermissions] = await db.$transaction(
    async (tx) =>
      [
        await tx.organization.findUnique({ where: { id: orgId }, select: { authzVersion: true, slug: true, apiKeyRateLimitPerSecond: true, apiKeyRateLimitPerDay: true } }),
        await tx.role.findMany({
          where: { OR: [{ orgId: null }, { orgId }] },
          select: { id: true, name: true, permissions: true, isOwner: true, includes: { select: { includedRoleId: true } } },
        }),
        await tx.membership.findMany({ where: { orgId }, select: { userId: true, roleId: true, user: { select: { email: true } } } }),
        await tx.group.findMany({ where: { orgId }, select: { id: true, name: true } }),
        await tx.groupMember.findMany({ where: { orgId }, select: { groupId: true, userId: true } }),
        await tx.grant.findMany({
          where: { orgId },
          select: { id: true, roleId: true, userId: true, groupId: true, apiKeyId: true, projectId: true, validUntil: true, ipCidrs: true, requireMfa: true },
        }),
        await tx.project.findMany({ where: { orgId }, select: { id: true } }),
        await tx.apiKey.findMany({
          where: { orgId },
          select: {
            id: true,
            name: true,
            lastFour: true,
            publicId: true,
            secretHash: true,
            projectId: true,
            roleId: true,
            permissions: true,
            expiresAt: true,
            revokedAt: true,
            ipAllowList: true,
            rateLimitPerSecond: true,
            rateLimitPerDay: true,
            previousSecretHash: true,
            previousSecretExpiresAt: true,
          },
        }),
        await tx.productPermission.findMany({ select: { key: true } }),
      ] as const,
    { isolationLevel: "RepeatableRead" },
  );
  return buildOrgIndex({
    orgId,
    orgSlug: org?.slug ?? "",
    version: org?.authzVersion ?? -1,
    roles: roles.map((r) => ({ id: r.id, name: r.name, permissions: r.permissions, isOwner: r.isOwner, includes: r.includes.map((i) => i.includedRoleId) })),
    memberships: memberships.map((m) => ({ userId: m.userId, roleId: m.roleId, email: m.user.email })),
    apiKeys,
    apiKeyPolicy: { apiKeyRateLimitPerSecond: org?.apiKeyRateLimitPerSecond ?? null, apiKeyRateLimitPerDay: org?.apiKeyRateLimitPerDay ?? null },
    groups,
    groupMembers,
    grants,
    projectIds: projects.map((p) => p.id),
    productPermissions: productPermissions.map((p) => p.key),
  });
}

/** The cached index when it needs no re-validation (the hot path), else undefined. */
export function freshOrgIndex(orgId: string, now = Date.now()): OrgIndex | undefined {
  const entry = state.entries.get(orgId);
  return entry && isFresh(entry, now) ? entry.index : undefined;
}

export async function getOrgIndex(orgId: string): Promise<OrgIndex> {
  const entry = state.entries.get(orgId);
  const now = Date.now();
  if (entry && isFresh(entry, now)) return entry.index;
  if (entry) {
    const org = await db.organization.findUnique({ where: { id: orgId }, select: { authzVersion: true } });
    if (org && org.authzVersion === entry.index.version) {
      entry.checkedAt = now;
      return entry.index;
    }
  }
  const generation = state.generation.get(orgId) ?? 0;
  const epoch = state.epoch;
  let loading = state.loading.get(orgId);
  if (!loading) {
    const promise: Promise<OrgIndex> = loadOrgIndex(orgId).finally(() => {
      if (state.loading.get(orgId) === promise) state.loading.delete(orgId);
    });
    loading = promise;
    state.loading.set(orgId, loading);
  }
  const index = await loading;
  if ((state.generation.get(orgId) ?? 0) === generation && state.epoch === epoch) state.entries.set(orgId, { index, checkedAt: Date.now() });
  return index;
}

const changeListeners: Array<(orgId: string) => void> = [];
/** Also told of every change another process announces (e.g. to drop negative caches). */
export function onAuthzChange(listener: (orgId: string) => void) {
  changeListeners.push(listener);
}

export function invalidateOrgIndex(orgId: string) {
  state.generation.set(orgId, (state.generation.get(orgId) ?? 0) + 1);
  state.entries.delete(orgId);
  state.loading.delete(orgId);
}

/** Call inside the transaction that changes roles, grants, groups or memberships. */
export async function bumpAuthzVersion(tx: Tx, orgId: string) {
  await tx.$executeRaw`UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1 WHERE "id" = ${orgId}::uuid`;
  await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, ${orgId})`;
}

const EVERY_ORGANIZATION = "*";

/** Call inside a transaction that changes what every organization's index holds (product permissions). */
export async function bumpEveryAuthzVersion(tx: Tx) {
  await tx.$executeRaw`UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1`;
  await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, ${EVERY_ORGANIZATION})`;
}

export function invalidateEveryOrgIndex() {
  for (const orgId of new Set([...state.entries.keys(), ...state.loading.keys()])) invalidateOrgIndex(orgId);
}

/** A transaction that changes authorization data: bumps the version inside, drops the local index after. */
export async function authzTransaction<T>(orgId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  const result = await db.$transaction(async (tx) => {
    const value = await work(tx);
    await bumpAuthzVersion(tx, orgId);
    return value;
  });
  invalidateOrgIndex(orgId);
  return result;
}

/** Started once per app process (server/main.ts). Reconnects with backoff. */
export async function startAuthzListener(connectionString: string, attempt = 0): Promise<void> {
  // keepAlive: a silently dropped connection must end, or the listener would look alive forever.
  const client = new pg.Client({ connectionString, keepAlive: true });
  const fail = (error?: Error) => {
    if (state.listener !== client) return;
    state.listening = false;
    state.listener = undefined;
    logger.warn({ err: error?.message }, "authorization change listener lost; re-validating by version until it is back");
    client.end().catch(() => {});
    setTimeout(() => void startAuthzListener(connectionString, attempt + 1).catch(() => {}), Math.min(30_000, 500 * 2 ** attempt)).unref();
  };
  client.on("error", fail);
  client.on("end", () => fail());
  client.on("notification", (msg) => {
    if (msg.channel !== CHANNEL || !msg.payload) return;
    if (msg.payload === EVERY_ORGANIZATION) invalidateEveryOrgIndex();
    else invalidateOrgIndex(msg.payload);
    for (const listener of changeListeners) listener(msg.payload);
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
  } catch (error) {
    state.listener = client;
    fail(error as Error);
    return;
  }
  // Anything cached, or being loaded, before the listener was up may be stale.
  state.epoch++;
  state.entries.clear();
  state.loading.clear();
  state.listener = client;
  state.listening = true;
}

export async function stopAuthzListener() {
  const client = state.listener;
  state.listener = undefined;
  state.listening = false;
  await client?.end().catch(() => {});
}
