// Per-process cache of organization indexes. A change bumps the
// organization's authzVersion and NOTIFYs in its transaction; every process
// LISTENs. A small change (a grant, a group member, a membership) travels in
// the NOTIFY with its version and is applied to the cached index in version
// order (./org-index-changes.ts); any other change drops the index, to be
// reloaded. A process never serves an index older than a version it knows
// was committed, its own writes included. Without a listener (tests,
// scripts, a dropped connection) an index is re-validated by version after 1 s;
// with it, every 30 s in case a NOTIFY was lost, behind the answers: the index
// is served for up to 5 s more while one query checks its version, and after
// that only once checked (by each caller itself, as without the listener).
import pg from "pg";
import { db, type Tx } from "../db.ts";
import { joinSql, rawSql, sql, sqlRows, type Sql } from "../db/sql.ts";
import { logger } from "../logger.ts";
import { applyAuthzChanges, type AuthzChange } from "./org-index-changes.ts";
import { buildOrgIndex, type OrgIndex } from "./org-index.ts";

const CHANNEL = "tollgate_authz";
const RECHECK_MS = 1_000;
/** Even with the listener up, an index is re-validated by version this often, in case a NOTIFY was lost. */
const LISTENING_RECHECK_MS = 30_000;
/** How long past that an index is still served while its check runs; then callers wait for a check of their own. */
const RECHECK_GRACE_MS = 5_000;

/** `recheckSince`: when the query checking its version behind the answers began, while it runs. */
type Entry = { index: OrgIndex; checkedAt: number; recheckSince?: number };
// `generation` moves on every invalidation; a load that started before one is
// returned to its caller but never cached, so a stale index cannot stick.
// `epoch` moves whenever the listener (re)connects: changes may have been missed meanwhile.
// `pending` holds, per organization, the changes of versions its cached index
// does not hold yet (null: a change that needs a reload); `known` the newest
// version known to be committed, below which no index is served; `behind` an
// index put aside while a version before a known one is missing (this
// process's own commits can finish out of order), taken back when it arrives.
type State = {
  entries: Map<string, Entry>;
  behind: Map<string, Entry>;
  loading: Map<string, Promise<OrgIndex>>;
  generation: Map<string, number>;
  pending: Map<string, Map<number, readonly AuthzChange[] | null>>;
  known: Map<string, number>;
  epoch: number;
  listening: boolean;
  listener?: pg.Client;
  /** Bumped by stopAuthzListener: a start or reconnect still under way then gives up. */
  listenerRun?: number;
  reconnect?: NodeJS.Timeout;
};
const state: State = ((globalThis as { __tollgateAuthz?: State }).__tollgateAuthz ??= {
  entries: new Map(),
  behind: new Map(),
  loading: new Map(),
  generation: new Map(),
  pending: new Map(),
  known: new Map(),
  epoch: 0,
  listening: false,
});
state.epoch ??= 0;
state.pending ??= new Map();
state.known ??= new Map();
state.behind ??= new Map();

/** More versions than this waiting for an organization: something is off, reload it. */
const MAX_PENDING = 1_000;
/** A NOTIFY payload must stay under 8000 bytes; bigger changes (in bytes) are announced as "reload". */
const MAX_CHANGES_JSON = 7_000;

/**
 * Whether `entry` may be served now. With the listener up, one past its
 * re-validation time still is, for RECHECK_GRACE_MS, while a single query (for
 * all callers) checks its version: every caller awaiting its own query, as
 * each did, sent dozens at once for a busy organization, and its answers
 * waited for them.
 */
function servable(orgId: string, entry: Entry, now: number): boolean {
  const age = now - entry.checkedAt;
  if (age < (state.listening ? LISTENING_RECHECK_MS : RECHECK_MS)) return true;
  if (!state.listening || age >= LISTENING_RECHECK_MS + RECHECK_GRACE_MS) return false;
  // One check at a time; one that has run for the whole grace (a query that hangs) no longer counts.
  if (entry.recheckSince === undefined || now - entry.recheckSince >= RECHECK_GRACE_MS) recheckBehind(orgId, entry, now);
  return true;
}

function recheckBehind(orgId: string, entry: Entry, now: number) {
  entry.recheckSince = now;
  const done = () => {
    if (entry.recheckSince === now) entry.recheckSince = undefined;
  };
  db.organization.findUnique({ where: { id: orgId }, select: { authzVersion: true } }).then(
    (org) => {
      done();
      // The entry cached now, this one or a newer one (a notice applied meanwhile), if it holds
      // every version committed when the query read, was checked as of the query's start.
      const current = state.entries.get(orgId);
      if (!current) return; // dropped meanwhile: the next caller loads it
      if (org && current.index.version >= org.authzVersion) current.checkedAt = Math.max(current.checkedAt, now);
      // A change whose notice never came (or the organization is gone): loaded afresh by the next caller.
      else invalidateOrgIndex(orgId);
    },
    (error: unknown) => {
      // Tried again by the next caller, until the grace is over.
      done();
      logger.warn({ err: error, orgId }, "re-validating an organization's authorization index failed");
    },
  );
}

export async function loadOrgIndex(orgId: string): Promise<OrgIndex> {
  // One snapshot: the version and every row come from the same moment.
  const [org, roles, memberships, groups, groupMembers, grants, projects, apiKeys, productPermissions, subscription] = await db.$transaction(
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
          select: { id: true, roleId: true, userId: true, groupId: true, apiKeyId: true, projectId: true, validUntil: true, ipCidrs: true, requireMfa: true, plans: true },
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
        await tx.subscription.findUnique({ where: { orgId }, select: { status: true, plan: { select: { key: true } } } }),
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
    plan: subscription && subscription.status !== "canceled" ? subscription.plan.key : null,
  });
}

/** The cached index when it may be served without a re-validation first (the hot path; it may start one behind the answer), else undefined. */
export function freshOrgIndex(orgId: string, now = Date.now()): OrgIndex | undefined {
  const entry = state.entries.get(orgId);
  return entry && servable(orgId, entry, now) ? entry.index : undefined;
}

/** The index with every pending change that follows it applied, in version order, as far as they go. */
function advance(orgId: string, index: OrgIndex): OrgIndex {
  const pending = state.pending.get(orgId);
  let current = index;
  for (let changes = pending?.get(current.version + 1); changes; changes = pending!.get(current.version + 1)) {
    let next: OrgIndex | null;
    try {
      next = applyAuthzChanges(current, changes, current.version + 1);
    } catch (error) {
      // A change this process cannot read (another version of Tollgate?): a reload it is.
      logger.warn({ err: error, orgId }, "an authorization change did not apply; the organization will be reloaded");
      pending!.set(current.version + 1, null);
      next = null;
    }
    if (!next) break;
    current = next;
  }
  return current;
}

const isCurrent = (orgId: string, index: OrgIndex) => index.version >= (state.known.get(orgId) ?? -1);

function cache(orgId: string, index: OrgIndex, checkedAt: number) {
  state.entries.set(orgId, { index, checkedAt });
  state.behind.delete(orgId);
  const pending = state.pending.get(orgId);
  if (!pending) return;
  for (const version of pending.keys()) if (version <= index.version) pending.delete(version);
  if (pending.size === 0) state.pending.delete(orgId);
}

/**
 * Version `version` of the organization was committed, by this process or
 * another, changing `changes` (null: anything; reload). The cached index
 * moves to it when every version before it is known, else it is dropped.
 */
function learn(orgId: string, version: number, changes: readonly AuthzChange[] | null) {
  const entry = state.entries.get(orgId) ?? state.behind.get(orgId);
  // Nothing held or being loaded: whatever is loaded next holds this version.
  if (!entry && !state.loading.has(orgId)) return;
  if (version > (state.known.get(orgId) ?? -1)) state.known.set(orgId, version);
  if (entry && entry.index.version >= version) return;
  let pending = state.pending.get(orgId);
  if (!pending) state.pending.set(orgId, (pending = new Map()));
  pending.set(version, changes);
  if (pending.size > MAX_PENDING) {
    invalidateOrgIndex(orgId);
    return;
  }
  if (!entry) return;
  const index = advance(orgId, entry.index);
  if (isCurrent(orgId, index)) {
    cache(orgId, index, entry.checkedAt);
    return;
  }
  // Not served while a version is missing; kept aside for when it comes, unless a change needs a reload anyway.
  state.entries.delete(orgId);
  if (pending.get(index.version + 1) === null) state.behind.delete(orgId);
  else state.behind.set(orgId, { index, checkedAt: entry.checkedAt });
}

function sharedLoad(orgId: string): Promise<OrgIndex> {
  let loading = state.loading.get(orgId);
  if (!loading) {
    const promise: Promise<OrgIndex> = loadOrgIndex(orgId).finally(() => {
      if (state.loading.get(orgId) === promise) state.loading.delete(orgId);
    });
    loading = promise;
    state.loading.set(orgId, loading);
  }
  return loading;
}

/** `now`: the clock, for tests. */
export async function getOrgIndex(orgId: string, now = Date.now()): Promise<OrgIndex> {
  const entry = state.entries.get(orgId);
  if (entry && servable(orgId, entry, now)) return entry.index;
  if (entry) {
    const org = await db.organization.findUnique({ where: { id: orgId }, select: { authzVersion: true } });
    if (org && org.authzVersion === entry.index.version && state.entries.get(orgId) === entry) {
      entry.checkedAt = now;
      return entry.index;
    }
  }
  for (let attempt = 1; ; attempt++) {
    const generation = state.generation.get(orgId) ?? 0;
    const epoch = state.epoch;
    const loaded = await sharedLoad(orgId);
    // Changes applied to the cache while this was loading may have put it ahead.
    const cached = state.entries.get(orgId);
    if (cached && cached.index.version >= loaded.version) return cached.index;
    const index = advance(orgId, loaded);
    const current = isCurrent(orgId, index);
    if (current && (state.generation.get(orgId) ?? 0) === generation && state.epoch === epoch) cache(orgId, index, Date.now());
    // A load that began before a change this process knows of is loaded again (its callers may be the writers).
    if (current || attempt === 3) return index;
  }
}

const changeListeners: Array<(orgId: string) => void> = [];
/**
 * Also told of every change (e.g. to drop negative caches): one made through
 * authzTransaction or authzChange* in this module copy at once, any other when
 * its notice arrives, and of every organization ("*") when the listener has
 * (re)connected, since notices may have been lost meanwhile.
 */
export function onAuthzChange(listener: (orgId: string) => void) {
  changeListeners.push(listener);
}
const tellListeners = (orgId: string) => {
  for (const listener of changeListeners) listener(orgId);
};

export function invalidateOrgIndex(orgId: string) {
  state.generation.set(orgId, (state.generation.get(orgId) ?? 0) + 1);
  state.entries.delete(orgId);
  state.behind.delete(orgId);
  state.loading.delete(orgId);
  state.pending.delete(orgId);
}

/** What a NOTIFY says: an organization (or "*": every one), and for a versioned change its version and, when small, the change itself. */
type Notice = { org: string; version?: number; changes?: AuthzChange[] | null };

function parseNotice(payload: string): Notice {
  // A bare organization id (or "*") asks for a reload.
  if (!payload.startsWith("{")) return { org: payload };
  return JSON.parse(payload) as Notice;
}

/**
 * Call inside the transaction that changes roles, grants, groups or
 * memberships: the organization's row lock, held until commit, orders
 * versions as their transactions commit. `changes` (null: anything) go to
 * every process with the new version, which is returned (null: the
 * organization is gone).
 */
/** The changes as NOTIFY carries them; "null" (reload) when they would not fit. */
function changesPayload(changes: readonly AuthzChange[] | null): string {
  const json = changes ? JSON.stringify(changes) : "null";
  return Buffer.byteLength(json) > MAX_CHANGES_JSON ? "null" : json;
}

export async function bumpAuthzVersion(tx: Tx, orgId: string, changes: readonly AuthzChange[] | null = null): Promise<number | null> {
  const changesJson = changesPayload(changes);
  const [bumped] = await tx.$queryRaw<Array<{ version: number }>>`
    WITH bumped AS (UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1 WHERE "id" = ${orgId}::uuid RETURNING "id", "authzVersion")
    SELECT "authzVersion" AS "version", pg_notify(${CHANNEL}, json_build_object('org', "id", 'version', "authzVersion", 'changes', ${changesJson}::json)::text)::text AS "sent"
    FROM bumped`;
  if (bumped) return bumped.version;
  await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, ${orgId})`;
  return null;
}

export const EVERY_ORGANIZATION = "*";

/** Call inside a transaction that changes what every organization's index holds (product permissions). */
export async function bumpEveryAuthzVersion(tx: Tx) {
  await tx.$executeRaw`UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1`;
  await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, ${EVERY_ORGANIZATION})`;
}

export function invalidateEveryOrgIndex() {
  for (const orgId of new Set([...state.entries.keys(), ...state.behind.keys(), ...state.loading.keys(), ...state.pending.keys()])) invalidateOrgIndex(orgId);
}

/** A transaction that changes authorization data: bumps the version inside; every process reloads the organization after. */
export async function authzTransaction<T>(orgId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  const result = await db.$transaction(async (tx) => {
    const value = await work(tx);
    await bumpAuthzVersion(tx, orgId);
    return value;
  });
  invalidateOrgIndex(orgId);
  tellListeners(orgId);
  return result;
}

/**
 * A transaction whose work lists, in `changes`, exactly what it changed of
 * the organization's index (./org-index-changes.ts): every process, this one
 * first, applies them instead of reloading. Nothing listed: no new version.
 */
export async function authzChangeTransaction<T>(orgId: string, work: (tx: Tx, changes: AuthzChange[]) => Promise<T>): Promise<T> {
  const { value, version, changes } = await db.$transaction(async (tx) => {
    const changes: AuthzChange[] = [];
    const value = await work(tx, changes);
    return { value, changes, version: changes.length ? await bumpAuthzVersion(tx, orgId, changes) : undefined };
  });
  if (version === null) invalidateOrgIndex(orgId);
  else if (version !== undefined) learn(orgId, version, changes);
  if (version !== undefined) tellListeners(orgId);
  return value;
}

/**
 * A change to authorization data made as one SQL statement, without the round
 * trips of a transaction: `change` (an INSERT or UPDATE ... RETURNING one row,
 * which is the result), the `alongside` statements (`INSERT ... SELECT` with
 * no WHERE of its own, such as the audit row) and the version bump with its NOTIFY all happen, or, when
 * `change` returns no row, none does (null). `changes` as for authzChangeTransaction.
 */
export async function authzChangeStatement<Row extends object>(orgId: string, change: Sql, changes: AuthzChange[], alongside: Sql[] = []): Promise<Row | null> {
  const ctes = [sql`changed AS (${change})`];
  alongside.forEach((statement, i) => ctes.push(sql`${rawSql(`alongside_${i}`)} AS (${statement} WHERE EXISTS (SELECT 1 FROM changed))`));
  const [row] = await sqlRows<Row & { __version: number | null }>(sql`
    WITH ${joinSql(ctes, ", ")},
    bumped AS (UPDATE "Organization" SET "authzVersion" = "authzVersion" + 1 WHERE "id" = ${orgId}::uuid AND EXISTS (SELECT 1 FROM changed) RETURNING "id", "authzVersion")
    SELECT changed.*, bumped."authzVersion" AS "__version",
           CASE WHEN bumped."id" IS NOT NULL THEN pg_notify(${CHANNEL}, json_build_object('org', bumped."id", 'version', bumped."authzVersion", 'changes', ${changesPayload(changes)}::json)::text) END AS "__sent"
    FROM changed LEFT JOIN bumped ON true`);
  if (!row) return null;
  const { __version: version, __sent: _sent, ...value } = row as Row & { __version: number | null; __sent: unknown };
  if (version === null) invalidateOrgIndex(orgId);
  else learn(orgId, version, changes);
  tellListeners(orgId);
  return value as unknown as Row;
}

/**
 * A listener connection that stayed up this long starts the reconnect waits
 * over; one dropped sooner (a proxy's idle timeout, a failover loop) keeps
 * them growing.
 */
const LISTENER_STABLE_MS = 30_000;

/**
 * Started once per app process (server/main.ts). Reconnects until stopped,
 * waiting 0.5 s after the first failure and twice as long after each further
 * one in a row (at most 30 s).
 */
export async function startAuthzListener(connectionString: string, options: { stableMs?: number } = {}, attempt = 0): Promise<void> {
  const run = state.listenerRun ?? 0;
  // keepAlive: a silently dropped connection must end, or the listener would look alive forever.
  // Named with the process id, so that pg_stat_activity shows which process listens (an
  // application_name in DATABASE_URL takes precedence).
  const client = new pg.Client({ connectionString, keepAlive: true, application_name: `tollgate-authz-listener:${process.pid}` });
  let connectedAt: number | null = null;
  const fail = (error?: Error) => {
    if (state.listener !== client) return;
    state.listening = false;
    state.listener = undefined;
    logger.warn({ err: error?.message }, "authorization change listener lost; re-validating by version until it is back");
    client.end().catch(() => {});
    const failures = connectedAt !== null && Date.now() - connectedAt >= (options.stableMs ?? LISTENER_STABLE_MS) ? 0 : attempt;
    state.reconnect = setTimeout(() => void startAuthzListener(connectionString, options, failures + 1).catch(() => {}), Math.min(30_000, 500 * 2 ** failures)).unref();
  };
  client.on("error", fail);
  client.on("end", () => fail());
  client.on("notification", (msg) => {
    if (msg.channel !== CHANNEL || !msg.payload) return;
    let notice: Notice;
    try {
      notice = parseNotice(msg.payload);
    } catch {
      logger.warn({ payload: msg.payload.slice(0, 200) }, "unreadable authorization change notice; dropping every index");
      notice = { org: EVERY_ORGANIZATION };
    }
    if (notice.org === EVERY_ORGANIZATION) invalidateEveryOrgIndex();
    else if (notice.version === undefined) invalidateOrgIndex(notice.org);
    else learn(notice.org, notice.version, notice.changes ?? null);
    tellListeners(notice.org);
  });
  let failed: Error | undefined;
  try {
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
  } catch (error) {
    failed = error as Error;
  }
  // Stopped meanwhile: this connection is not the listener, and nothing tries again.
  if (run !== (state.listenerRun ?? 0)) {
    await client.end().catch(() => {});
    return;
  }
  state.listener = client;
  if (failed) return fail(failed);
  // Anything cached, or being loaded, before the listener was up may be stale.
  state.epoch++;
  state.entries.clear();
  state.behind.clear();
  state.loading.clear();
  state.pending.clear();
  state.listening = true;
  connectedAt = Date.now();
  tellListeners(EVERY_ORGANIZATION);
}

export async function stopAuthzListener() {
  state.listenerRun = (state.listenerRun ?? 0) + 1;
  clearTimeout(state.reconnect);
  const client = state.listener;
  state.listener = undefined;
  state.listening = false;
  await client?.end().catch(() => {});
}
