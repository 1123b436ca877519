// Email domains an organization claims for single sign-on, proven by a DNS
// TXT record it publishes. Once verified, a domain is that organization's
// alone: its users are sent to the organization's provider, and only its
// provider may sign them in or create their accounts.
import { Resolver } from "node:dns/promises";
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import type { OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { randomToken } from "../secrets/secrets.ts";

export const TXT_PREFIX = "tollgate-domain-verification=";
export const recordNameOf = (domain: string) => `_tollgate-challenge.${domain}`;

/** TXT records of a name (each record's strings joined). Tests and air-gapped installs put their own in. */
export type TxtResolver = (name: string) => Promise<string[]>;

const systemResolver: TxtResolver = async (name) => {
  const resolver = new Resolver({ timeout: 5_000, tries: 2 });
  const servers = process.env.TOLLGATE_DNS_SERVERS;
  if (servers) resolver.setServers(servers.split(",").map((s) => s.trim()));
  try {
    return (await resolver.resolveTxt(name)).map((parts) => parts.join(""));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOTFOUND" || code === "ENODATA") return [];
    throw error;
  }
};
let txtResolver: TxtResolver = systemResolver;

/** Replaces the DNS lookup (tests); returns the one it replaced. */
export function useTxtResolver(resolver: TxtResolver | null): TxtResolver {
  const previous = txtResolver;
  txtResolver = resolver ?? systemResolver;
  return previous;
}

const DOMAIN = /^(?=.{4,253}$)(?!-)(?:[a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/;
export const DomainName = z
  .string()
  .trim()
  .toLowerCase()
  .refine((d) => DOMAIN.test(d), "must be a domain name such as example.com");

export const AddDomainInput = z.strictObject({ domain: DomainName });
export const DomainIdInput = z.strictObject({ domainId: z.uuid("Unknown domain") });

const domainSelect = { id: true, domain: true, verificationToken: true, verifiedAt: true, createdAt: true } as const;
type DomainRow = { id: string; domain: string; verificationToken: string; verifiedAt: Date | null; createdAt: Date };

function present(row: DomainRow) {
  return {
    id: row.id,
    domain: row.domain,
    verified: row.verifiedAt !== null,
    verifiedAt: row.verifiedAt,
    createdAt: row.createdAt,
    /** What to publish to prove the domain. */
    record: { type: "TXT" as const, name: recordNameOf(row.domain), value: `${TXT_PREFIX}${row.verificationToken}` },
  };
}
export type SsoDomainView = ReturnType<typeof present>;

export async function listDomains(ctx: OrgCtx): Promise<{ data: SsoDomainView[] }> {
  assertAllowed(ctx, "sso:read");
  const rows = await db.ssoDomain.findMany({ where: { orgId: ctx.orgId }, orderBy: [{ domain: "asc" }], select: domainSelect });
  return { data: rows.map(present) };
}

async function findDomain(ctx: OrgCtx, domainId: string): Promise<DomainRow> {
  const row = await db.ssoDomain.findFirst({ where: { id: domainId, orgId: ctx.orgId }, select: domainSelect });
  if (!row) throw new NotFound("domain_not_found", "Domain not found.");
  return row;
}

const verifiedElsewhere = (domain: string) => new Conflict("domain_taken", `${domain} is verified by another organization.`);

export async function addDomain(ctx: OrgCtx, raw: unknown): Promise<SsoDomainView> {
  assertAllowed(ctx, "sso:write");
  const { domain } = AddDomainInput.parse(raw);
  if (await db.ssoDomain.findFirst({ where: { domain, verifiedAt: { not: null }, orgId: { not: ctx.orgId } }, select: { id: true } })) throw verifiedElsewhere(domain);
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.ssoDomain.create({ data: { orgId: ctx.orgId, domain, verificationToken: randomToken(24) }, select: domainSelect });
      await recordAudit(tx, { action: "sso.domain.added", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "sso_domain", id: row.id }, meta: ctx, after: { domain } });
      return present(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("domain_exists", `${domain} is already listed.`);
    throw error;
  }
}

/** Looks for the TXT record; verified once it is there. Verifying a verified domain changes nothing. */
export async function verifyDomain(ctx: OrgCtx, raw: unknown): Promise<SsoDomainView> {
  assertAllowed(ctx, "sso:write");
  const { domainId } = DomainIdInput.parse(raw);
  const row = await findDomain(ctx, domainId);
  if (row.verifiedAt) return present(row);
  const expected = `${TXT_PREFIX}${row.verificationToken}`;
  let records: string[];
  try {
    records = await txtResolver(recordNameOf(row.domain));
  } catch (error) {
    throw new Invalid("dns_lookup_failed", `Looking up ${recordNameOf(row.domain)} failed (${(error as Error).message}). Try again in a moment.`);
  }
  if (!records.some((r) => r.trim() === expected)) {
    throw new Invalid("verification_record_missing", `No TXT record ${recordNameOf(row.domain)} with the value ${expected} was found. DNS changes can take a while to show.`);
  }
  try {
    return await db.$transaction(async (tx) => {
      const verified = await tx.ssoDomain.update({ where: { id: row.id, orgId: ctx.orgId }, data: { verifiedAt: new Date() }, select: domainSelect });
      await recordAudit(tx, { action: "sso.domain.verified", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "sso_domain", id: row.id }, meta: ctx, after: { domain: row.domain } });
      return present(verified);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw verifiedElsewhere(row.domain);
    throw error;
  }
}

export async function removeDomain(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "sso:write");
  const { domainId } = DomainIdInput.parse(raw);
  const row = await findDomain(ctx, domainId);
  await db.$transaction(async (tx) => {
    await tx.ssoDomain.delete({ where: { id: row.id, orgId: ctx.orgId } });
    await recordAudit(tx, { action: "sso.domain.removed", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "sso_domain", id: row.id }, meta: ctx, before: { domain: row.domain } });
  });
}

export const domainOfEmail = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

/** The organization that verified the domain of this address, if one did. */
export async function organizationOfVerifiedDomain(email: string): Promise<string | null> {
  const row = await db.ssoDomain.findFirst({ where: { domain: domainOfEmail(email), verifiedAt: { not: null } }, select: { orgId: true } });
  return row?.orgId ?? null;
}
