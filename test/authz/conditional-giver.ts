// Shared by the "you cannot give more than you hold" tests: a member (the
// giver) who holds a plain membership role, and Admin only through a grant
// with conditions (until a date, from some networks, or with MFA).
import { expect } from "vitest";
import type { MemberCtx } from "../../lib/context.ts";
import type { DomainError } from "../../lib/errors.ts";
import { createGrant } from "../../lib/grants/grants.ts";
import { fresh } from "../grants/fixtures.ts";
import { builtInRole, createTestOrg, type RoleKey } from "../helpers.ts";

export const DAY = 86_400_000;
/** test/helpers.ts meta() calls come from 203.0.113.7. */
export const CALLER_NET = "203.0.113.0/24";

export type GrantConditions = { validUntil?: string; ipCidrs?: readonly string[]; requireMfa?: boolean; plans?: string[] };

export async function orgWithConditionalAdmin(conditions: GrantConditions, membership: RoleKey = "member") {
  const t = await createTestOrg({ slugPrefix: "gift" });
  const admin = await builtInRole("admin");
  const member = await t.addMember(membership, "Gail Giver");
  const adminGrant = await createGrant(await fresh(t.owner), { roleId: admin.id, subject: { type: "user", id: member.principal.userId }, conditions });
  /** The giver's context with the current index; `mfa` as if their session had used MFA. */
  const giver = async (options: { mfa?: boolean } = {}): Promise<MemberCtx> => ({ ...(await fresh(member)), mfa: options.mfa ?? false });
  return { ...t, admin, adminGrant, giverMember: member, giver };
}

/** Awaits a refusal of this class and code whose message holds every part. */
export async function expectRefused(promise: Promise<unknown>, type: abstract new (...args: never[]) => DomainError, code: string, ...parts: string[]) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "expected a refusal").toBeInstanceOf(type);
  expect((error as DomainError).code).toBe(code);
  for (const part of parts) expect((error as Error).message).toContain(part);
  return error as DomainError;
}
