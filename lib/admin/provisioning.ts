// Tenant provisioning for the product that runs beside Tollgate: its sign-up
// creates the customer's organization and users through instance-admin API
// keys (made in ./instance-keys.ts).
import { z } from "zod";
import { db, type Tx } from "../db.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { voidPendingSignUps } from "../auth/email-tokens.ts";
import { Email, PersonName } from "../auth/schemas.ts";
import { authzTransaction } from "../authz/org-index-cache.ts";
import { removeOrganization } from "../orgs/update-organization.ts";
import { assertInstanceAdmin } from "../authz/authorize.ts";
import type { InstanceCtx } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import { OrgName, OrgSlug } from "../orgs/schemas.ts";

const ExternalId = z.string().trim().min(1).max(200);
export const ProvisionUserInput = z.strictObject({ email: Email, name: PersonName.optional(), externalId: ExternalId.optional() });
export const FindUsersQuery = z.object({ email: Email.optional(), externalId: ExternalId.optional() });
/** The product's own id for the organization: usage events may name the organization by it. */
const OrgExternalId = z.string().trim().min(1, "externalId: must not be empty").max(200, "externalId: at most 200 characters");
export const ProvisionOrganizationInput = z.strictObject({ name: OrgName, slug: OrgSlug, externalId: OrgExternalId.optional(), owner: ProvisionUserInput });
export const UpdateOrganizationInput = z.strictObject({ name: OrgName.optional(), slug: OrgSlug.optional(), externalId: OrgExternalId.nullable().optional() });

const userSelect = { id: true, email: true, name: true, externalId: true, createdAt: true } as const;
const orgSelect = { id: true, name: true, slug: true, externalId: true, createdAt: true } as const;

/**
 * Finds the user by external id, then by email; creates one (without a
 * password) when neither exists. An account matches by email only once its
 * address is verified, and provisioning attaches an externalId or a name
 * only to accounts it created itself: anyone can sign up with any address,
 * so an address alone never hands a customer's organization or id to whoever
 * registered it first.
 */
async function upsertUser(tx: Tx, ctx: InstanceCtx, input: z.infer<typeof ProvisionUserInput>) {
  const select = { ...userSelect, origin: true, emailVerifiedAt: true } as const;
  const byExternal = input.externalId ? await tx.user.findUnique({ where: { externalId: input.externalId }, select }) : null;
  const byEmail = await tx.user.findUnique({ where: { email: input.email }, select });
  if (byExternal && byEmail && byExternal.id !== byEmail.id) throw new Conflict("user_conflict", "externalId and email belong to two different users.");
  const existing = byExternal ?? byEmail;
  const present = ({ origin: _origin, emailVerifiedAt: _verified, ...user }: NonNullable<typeof existing>) => user;
  if (existing) {
    const ours = existing.origin === "provisioning";
    if (!byExternal && !ours && !existing.emailVerifiedAt) {
      throw new Conflict(
        "email_unverified",
        `An account with ${input.email} exists but has not confirmed its address, so it cannot be matched by email. Its owner confirms it from their account page; until then, use another address.`,
      );
    }
    if (input.externalId && existing.externalId && existing.externalId !== input.externalId) {
      throw new Conflict("external_id_mismatch", `${input.email} already has another externalId.`);
    }
    if (input.externalId && !existing.externalId && !ours) {
      throw new Conflict(
        "external_id_not_attachable",
        `${input.email} has an account that provisioning did not create, so an externalId cannot be attached to it. Send the request without externalId to use that account as it is.`,
      );
    }
    const changes = { externalId: input.externalId ?? existing.externalId, name: ours ? (input.name ?? existing.name) : existing.name };
    if (changes.externalId !== existing.externalId || changes.name !== existing.name) {
      return { user: await tx.user.update({ where: { id: existing.id }, data: changes, select: userSelect }), created: false };
    }
    return { user: present(existing), created: false };
  }
  const user = await tx.user.create({ data: { email: input.email, name: input.name ?? input.email.split("@")[0]!, externalId: input.externalId, origin: "provisioning" }, select: userSelect });
  await voidPendingSignUps(tx, user.email);
  await recordAudit(tx, { action: "user.provisioned", orgId: null, actor: actorOf(ctx), target: { type: "user", id: user.id }, meta: ctx, after: { email: user.email, externalId: user.externalId } });
  return { user, created: true };
}

const concurrentUser = () => new Conflict("concurrent_change", "Another request created this user at the same moment. Send the request again: it will find that user.");

export async function provisionUser(ctx: InstanceCtx, raw: unknown) {
  assertInstanceAdmin(ctx, "provision organizations and users");
  const input = ProvisionUserInput.parse(raw);
  try {
    return await db.$transaction((tx) => upsertUser(tx, ctx, input));
  } catch (error) {
    if (isUniqueViolation(error)) throw concurrentUser();
    throw error;
  }
}

export async function findUsers(ctx: InstanceCtx, raw: unknown) {
  assertInstanceAdmin(ctx, "provision organizations and users");
  const q = FindUsersQuery.parse(raw);
  if (!q.email && !q.externalId) throw new Invalid("missing_filter", "Give email or externalId.");
  return db.user.findMany({ where: { ...(q.email ? { email: q.email } : {}), ...(q.externalId ? { externalId: q.externalId } : {}) }, select: userSelect });
}

export async function getUser(ctx: InstanceCtx, userId: string) {
  assertInstanceAdmin(ctx, "provision organizations and users");
  const user = await db.user.findUnique({ where: { id: userId }, select: { ...userSelect, memberships: { select: { org: { select: orgSelect }, role: { select: { id: true, name: true } } } } } });
  if (!user) throw new NotFound("user_not_found", "User not found.");
  return user;
}

const externalIdTaken = (externalId: string) => new Conflict("external_id_taken", `Another organization has the externalId "${externalId}".`);

export async function provisionOrganization(ctx: InstanceCtx, raw: unknown) {
  assertInstanceAdmin(ctx, "provision organizations and users");
  const input = ProvisionOrganizationInput.parse(raw);
  try {
    return await db.$transaction(async (tx) => {
      const { user } = await upsertUser(tx, ctx, input.owner);
      const ownerRole = await tx.role.findFirstOrThrow({ where: { orgId: null, isBuiltIn: true, isOwner: true }, select: { id: true } });
      const org = await tx.organization.create({ data: { name: input.name, slug: input.slug, externalId: input.externalId ?? null }, select: orgSelect });
      await tx.membership.create({ data: { orgId: org.id, userId: user.id, roleId: ownerRole.id } });
      await recordAudit(tx, {
        action: "organization.created",
        orgId: org.id,
        actor: actorOf(ctx),
        target: { type: "organization", id: org.id },
        meta: ctx,
        after: { name: org.name, slug: org.slug, owner: user.email },
      });
      return { ...org, owner: user };
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // The slug, or a user created by a concurrent request with the same email or externalId.
    if (await db.organization.findUnique({ where: { slug: input.slug }, select: { id: true } })) throw new Conflict("slug_taken", `The slug "${input.slug}" is taken. Choose another.`);
    if (input.externalId && (await db.organization.findUnique({ where: { externalId: input.externalId }, select: { id: true } }))) throw externalIdTaken(input.externalId);
    throw concurrentUser();
  }
}

const oldestFirst = keysetOrder({ path: "createdAt", kind: "date", direction: "asc" }, { path: "id", kind: "uuid", direction: "asc" });

export async function listOrganizations<P extends PageRequest | undefined = undefined>(ctx: InstanceCtx, page?: P) {
  assertInstanceAdmin(ctx, "provision organizations and users");
  return keysetList(oldestFirst, page, (q) => db.organization.findMany({ where: q.where, orderBy: q.orderBy, take: q.take, select: orgSelect }));
}

export async function getOrganizationById(ctx: InstanceCtx, orgId: string) {
  assertInstanceAdmin(ctx, "provision organizations and users");
  const org = await db.organization.findUnique({ where: { id: orgId }, select: { ...orgSelect, _count: { select: { memberships: true } } } });
  if (!org) throw new NotFound("organization_not_found", "Organization not found.");
  const { _count, ...rest } = org;
  return { ...rest, memberCount: _count.memberships };
}

export async function updateOrganizationById(ctx: InstanceCtx, orgId: string, raw: unknown) {
  assertInstanceAdmin(ctx, "provision organizations and users");
  const input = UpdateOrganizationInput.parse(raw);
  try {
    // The slug is part of the authorization index, so this is an authorization change.
    return await authzTransaction(orgId, async (tx) => {
      const before = await tx.organization.findUnique({ where: { id: orgId }, select: { name: true, slug: true, externalId: true } });
      if (!before) throw new NotFound("organization_not_found", "Organization not found.");
      const after = await tx.organization.update({ where: { id: orgId }, data: input, select: orgSelect });
      await recordAudit(tx, {
        action: "organization.renamed",
        orgId,
        actor: actorOf(ctx),
        target: { type: "organization", id: orgId },
        meta: ctx,
        before,
        after: { name: after.name, slug: after.slug, externalId: after.externalId },
      });
      return after;
    });
  } catch (error) {
    if (isUniqueViolation(error) && input.externalId && (await db.organization.findFirst({ where: { externalId: input.externalId, id: { not: orgId } }, select: { id: true } }))) {
      throw externalIdTaken(input.externalId);
    }
    if (isUniqueViolation(error)) throw new Conflict("slug_taken", `The slug "${input.slug}" is taken. Choose another.`);
    throw error;
  }
}

export async function deleteOrganizationById(ctx: InstanceCtx, orgId: string) {
  assertInstanceAdmin(ctx, "provision organizations and users");
  await removeOrganization(ctx, orgId);
}
