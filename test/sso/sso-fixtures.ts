// Shared by the SSO tests: DNS answers the tests publish, and an
// organization that has proven a domain of its own.
import { afterAll, beforeAll } from "vitest";
import type { MemberCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { addDomain, useTxtResolver, verifyDomain } from "../../lib/sso/domains.ts";

const published = new Map<string, string[]>();

/** Answers the file's DNS TXT lookups from what its tests publish. */
export function useTestDns() {
  beforeAll(() => {
    useTxtResolver(async (name) => published.get(name) ?? []);
  });
  afterAll(() => {
    useTxtResolver(null);
  });
  return { publish: (name: string, values: string[]) => published.set(name, values) };
}

/** Claims `<slug>.example.test` for the owner's organization, publishes its record and verifies it. */
export async function verifiedDomain(owner: MemberCtx, slug: string): Promise<string> {
  const domain = `${slug}.example.test`;
  const added = await addDomain(owner, { domain });
  published.set(added.record.name, [added.record.value]);
  await verifyDomain(owner, { domainId: added.id });
  return domain;
}

/** Puts the organization on a plan without single sign-on (as a lapsed or smaller plan would). */
export async function onPlanWithoutSso(org: { id: string; slug: string }) {
  const plan = await db.plan.create({ data: { key: `nosso-${org.slug}`, name: "No SSO", currency: "usd", interval: "month", baseFee: 0, entitlements: { sso: false } } });
  await db.subscription.create({ data: { orgId: org.id, planId: plan.id, status: "active", anchorAt: new Date(), startedAt: new Date() } });
}
