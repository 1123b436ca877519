// Plan limits where the action happens: members (an invitation, its
// acceptance, an added member) and API keys (a new key). A limit is checked
// inside the transaction that adds, under a per-organization lock for that
// limit, so concurrent adds count each other and none slips past. An
// organization without a limit (no plan, or none set) takes no lock.
import type { Prisma } from "../generated/prisma/client.ts";
import type { Tx } from "../db.ts";
import { db } from "../db.ts";
import { LimitExceeded } from "../errors.ts";
import { effectiveEntitlements, entitlementsOf, hardLimit, subscriptionFacts } from "./entitlements.ts";

export type CountedLimit = "members" | "apiKeys";

const NOUN: Record<CountedLimit, [string, string]> = { members: ["member", "members"], apiKeys: ["API key", "API keys"] };

type Counter<W> = { count(args: { where: W }): PromiseLike<number> };
/** The database client or a transaction: counting needs nothing more. */
type Counting = {
  apiKey: Counter<Prisma.ApiKeyWhereInput>;
  membership: Counter<Prisma.MembershipWhereInput>;
  invitation: Counter<Prisma.InvitationWhereInput>;
};

/** What counts, and how to say it: members and pending invitations (an invitation holds a seat); keys neither revoked nor expired. */
export async function countOf(tx: Counting, orgId: string, limit: CountedLimit, now: Date): Promise<{ count: number; said: string }> {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (limit === "apiKeys") {
    const keys = await tx.apiKey.count({ where: { orgId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } });
    return { count: keys, said: plural(keys, "active API key", "active API keys") };
  }
  const [members, pending] = await Promise.all([tx.membership.count({ where: { orgId } }), tx.invitation.count({ where: { orgId, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } } })]);
  return { count: members + pending, said: `${plural(members, "member", "members")} and ${plural(pending, "pending invitation", "pending invitations")}` };
}

/**
 * Inside the transaction that adds `adding` (0 when a counted item only
 * changes form, as an invitation accepted becomes a member): refuses with 402
 * when the plan's limit would be passed.
 */
export async function assertRoomFor(tx: Tx, orgId: string, limit: CountedLimit, adding: number, now = new Date()) {
  const { entitlements, source, plan } = effectiveEntitlements(await tx.subscription.findUnique({ where: { orgId }, select: subscriptionFacts }), now);
  const max = hardLimit(entitlements, limit);
  if (max === null) return;
  // Taken before any other lock of the organization on every path (invitations lock its row after this), so no cycle.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`tollgate:limit:${limit}:${orgId}`}, 0))`;
  const { count, said } = await countOf(tx, orgId, limit, now);
  if (count + adding <= max) return;
  const [one, many] = NOUN[limit];
  const why = source === "fallback" ? "after a failed payment's grace period, this organization has its plan's reduced limits" : `the ${plan} plan`;
  throw new LimitExceeded("plan_limit_reached", `This organization may have at most ${max} ${max === 1 ? one : many} (${why}) and has ${said}. Remove one, or move to a larger plan.`);
}

/**
 * For a change made outside a Prisma transaction (a single statement on its
 * own connection): the check and the change under one lock. The change may
 * lock the organization's row: nothing that holds that row waits for this
 * lock (see assertRoomFor's callers), so the two connections cannot deadlock.
 */
export async function withRoomFor<T>(orgId: string, limit: CountedLimit, adding: number, change: () => Promise<T>): Promise<T> {
  const { entitlements } = await entitlementsOf(orgId);
  if (hardLimit(entitlements, limit) === null) return change();
  return db.$transaction(
    async (tx) => {
      await assertRoomFor(tx, orgId, limit, adding);
      // Runs (and commits) on its own connection while this one holds the lock.
      return change();
    },
    { timeout: 15_000 },
  );
}
