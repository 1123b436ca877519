// Builders for integration tests. Each test makes its own users and
// organization, so tests never share state or depend on order.
import { randomUUID } from "node:crypto";
import { vi } from "vitest";
import { db } from "../lib/db.ts";
import type { MemberCtx, RequestMeta, UserCtx, UserPrincipal } from "../lib/context.ts";
import { authzTransaction } from "../lib/authz/org-index-cache.ts";
import { resolveOrgContext } from "../lib/auth/request-context.ts";
import { createOrganization } from "../lib/orgs/create-organization.ts";

export type RoleKey = "owner" | "admin" | "member" | "viewer" | "billing";

export const meta = (): RequestMeta => ({ requestId: randomUUID(), ip: "203.0.113.7", userAgent: "vitest" });

/**
 * Runs `fn` with the process clock (Date) set to `at` and running on from
 * there; timers stay real. For code that reads the time itself, such as a
 * request through the in-process HTTP server: a test moves the clock rather
 * than sleeping until a moment passes.
 */
export async function atTime<T>(at: Date | number, fn: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"], now: at, shouldAdvanceTime: true });
  try {
    return await fn();
  } finally {
    vi.useRealTimers();
  }
}

/** Waits until `condition` holds, checking every few milliseconds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function uniqueEmail(prefix = "user") {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
}

/** A user as if they had signed up and used their link (address verified), unless `verified: false`. */
export async function createUser(options: { email?: string; name?: string; isInstanceAdmin?: boolean; verified?: boolean } = {}): Promise<UserCtx> {
  const user = await db.user.create({
    data: {
      email: options.email ?? uniqueEmail(),
      name: options.name ?? "Test User",
      isInstanceAdmin: options.isInstanceAdmin ?? false,
      emailVerifiedAt: options.verified === false ? null : new Date(),
    },
    select: { id: true, email: true, isInstanceAdmin: true },
  });
  const principal: UserPrincipal = { type: "user", userId: user.id, email: user.email, isInstanceAdmin: user.isInstanceAdmin };
  return { ...meta(), principal };
}

export async function builtInRole(key: RoleKey) {
  return db.role.findFirstOrThrow({ where: { orgId: null, key } });
}

/** An organization with an owner; `as` adds and returns another member with that role. */
export async function createTestOrg(options: { slugPrefix?: string } = {}) {
  const owner = await createUser({ name: "Olive Owner" });
  const slug = `${options.slugPrefix ?? "org"}-${randomUUID().slice(0, 8)}`;
  const org = await createOrganization(owner, { name: `Org ${slug}`, slug });
  const ownerCtx = await resolveOrgContext(owner.principal, org.slug, meta());
  async function addMember(role: RoleKey, name = `${role} user`): Promise<MemberCtx> {
    const user = await createUser({ name });
    const r = await builtInRole(role);
    await authzTransaction(org.id, (tx) => tx.membership.create({ data: { orgId: org.id, userId: user.principal.userId, roleId: r.id } }));
    return resolveOrgContext(user.principal, org.slug, meta());
  }
  return { org, owner: ownerCtx, addMember };
}

/** The newest mail to an address, and the first link in it to a page (e.g. "/verify-email"). */
export async function latestMail(to: string, page?: string) {
  const mail = await db.outboxEmail.findFirst({ where: { to }, orderBy: { createdAt: "desc" } });
  const link = page && mail ? new RegExp(`https?://[^\\s]+${page}/([A-Za-z0-9_-]{43})`).exec(mail.text) : null;
  return { mail, token: link?.[1] ?? null };
}

export async function auditActions(orgId: string) {
  const rows = await db.auditEvent.findMany({ where: { orgId }, orderBy: { createdAt: "asc" }, select: { action: true } });
  return rows.map((r) => r.action);
}
