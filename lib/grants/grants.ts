// Grants: a role given to a member, a group or an API key, on the whole
// organization or on one project, optionally only until a time, only from
// some networks, or only with MFA. A project grant adds to the organization
// role; it never takes anything away.
import { z } from "zod";
import { boundedDate } from "../input.ts";
import { db } from "../db.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import { Invalid, NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { assertMayGive, missingWhereGranted } from "../authz/escalation.ts";
import { isValidCidr } from "../authz/cidr.ts";
import { grantLimits, narrowLimits, type GivenLimits } from "../authz/holdings.ts";
import { authzChangeTransaction } from "../authz/org-index-cache.ts";
import { grantChangeRow } from "../authz/org-index-changes.ts";
import { userIdOf, type OrgCtx } from "../context.ts";
import { Forbidden } from "../errors.ts";

const Subject = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("user"), id: z.uuid("Unknown user") }),
  z.strictObject({ type: z.literal("group"), id: z.uuid("Unknown group") }),
  z.strictObject({ type: z.literal("api_key"), id: z.uuid("Unknown API key") }),
]);

export const CreateGrantInput = z.strictObject({
  roleId: z.uuid("Choose a role"),
  subject: Subject,
  projectId: z.uuid("Unknown project").nullish(),
  conditions: z
    .strictObject({
      validUntil: boundedDate("validUntil").nullish(),
      ipCidrs: z.array(z.string().trim().refine(isValidCidr, "must be an IP address or CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32")).max(50).default([]),
      requireMfa: z.boolean().default(false),
    })
    .default({ ipCidrs: [], requireMfa: false }),
});
export const GrantIdInput = z.strictObject({ grantId: z.uuid("Unknown grant") });
export const ListGrantsQuery = z.object({
  subjectType: z.enum(["user", "group", "api_key"]).optional(),
  subjectId: z.uuid().optional(),
  projectId: z.uuid().optional(),
  roleId: z.uuid().optional(),
});

const grantColumns = {
  id: true,
  roleId: true,
  userId: true,
  groupId: true,
  apiKeyId: true,
  projectId: true,
  validUntil: true,
  ipCidrs: true,
  requireMfa: true,
  createdAt: true,
} as const;

const grantSelect = {
  ...grantColumns,
  role: { select: { name: true } },
  user: { select: { email: true, name: true } },
  group: { select: { name: true } },
  apiKey: { select: { name: true } },
  project: { select: { name: true, slug: true } },
} as const;

/** Whoever takes a grant away must hold every permission of its role where it applies. */
function assertCanTakeAway(ctx: OrgCtx, roleName: string, permissions: Iterable<string>, projectId: string | null) {
  const missing = missingWhereGranted(ctx, permissions, projectId);
  if (missing.length) throw new Forbidden("privilege_escalation", `You cannot take away the ${roleName} role here: it needs ${missing.join(", ")}, which you do not hold.`);
}

const newestFirst = keysetOrder({ path: "createdAt", kind: "date", direction: "desc" }, { path: "id", kind: "uuid", direction: "desc" });

export async function listGrants<P extends PageRequest | undefined = undefined>(ctx: OrgCtx, raw: unknown = {}, page?: P) {
  assertAllowed(ctx, "grants:read");
  const q = ListGrantsQuery.parse(raw);
  const subject = q.subjectId && q.subjectType ? { [q.subjectType === "user" ? "userId" : q.subjectType === "group" ? "groupId" : "apiKeyId"]: q.subjectId } : {};
  const filter = { orgId: ctx.orgId, ...subject, ...(q.projectId ? { projectId: q.projectId } : {}), ...(q.roleId ? { roleId: q.roleId } : {}) };
  return keysetList(newestFirst, page, (keyset) => db.grant.findMany({ where: { AND: [filter, keyset.where] }, orderBy: keyset.orderBy, take: keyset.take, select: grantSelect }));
}

const SUBJECT_NOT_FOUND = {
  user: () => new NotFound("member_not_found", "subject: only members of this organization can be given roles."),
  group: () => new NotFound("group_not_found", "subject: group not found."),
  api_key: () => new NotFound("api_key_not_found", "subject: API key not found."),
};

type ShownSubject = {
  name: string;
  /** What the created grant shows of its subject, read before the insert rather than joined again after it. */
  user: { email: string; name: string | null } | null;
  group: { name: string } | null;
  apiKey: { name: string } | null;
  /** A key's own expiry and networks, which bound what it is given. */
  keyLimits: GivenLimits | null;
};

/** The grant's subject in this organization (a member, a group, an active key); null when there is none. */
async function readSubject(ctx: OrgCtx, subject: z.infer<typeof Subject>): Promise<ShownSubject | null> {
  if (subject.type === "user") {
    const user = await db.user.findFirst({ where: { id: subject.id, memberships: { some: { orgId: ctx.orgId } } }, select: { email: true, name: true } });
    return user && { name: user.email, user, group: null, apiKey: null, keyLimits: null };
  }
  if (subject.type === "group") {
    const group = await db.group.findFirst({ where: { id: subject.id, orgId: ctx.orgId }, select: { name: true } });
    return group && { name: group.name, user: null, group, apiKey: null, keyLimits: null };
  }
  const key = await db.apiKey.findFirst({ where: { id: subject.id, orgId: ctx.orgId, revokedAt: null }, select: { name: true, expiresAt: true, ipAllowList: true } });
  return key && { name: key.name, user: null, group: null, apiKey: { name: key.name }, keyLimits: grantLimits({ validUntil: key.expiresAt, ipCidrs: key.ipAllowList }) };
}

export async function createGrant(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "grants:write");
  const input = CreateGrantInput.parse(raw);
  const projectId = input.projectId ?? null;
  const role = ctx.authz.roles.get(input.roleId);
  const { subject } = input;
  // Independent reads, made at once; checked in the order below.
  const [roleRow, project, shown] = await Promise.all([
    db.role.findFirst({ where: { id: input.roleId, OR: [{ orgId: null, isBuiltIn: true }, { orgId: ctx.orgId }] }, select: { id: true, name: true, isOwner: true } }),
    projectId ? db.project.findFirst({ where: { id: projectId, orgId: ctx.orgId }, select: { name: true, slug: true } }) : null,
    readSubject(ctx, subject),
  ]);
  if (!role || !roleRow) throw new NotFound("role_not_found", "roleId: role not found.");
  if (roleRow.isOwner) throw new Invalid("owner_role_not_grantable", "roleId: ownership comes with membership; make the member an owner on the Members page instead.");
  if (input.conditions.validUntil && input.conditions.validUntil.getTime() <= Date.now()) throw new Invalid("valid_until_in_past", "conditions.validUntil: must be in the future");
  if (projectId && !project) throw new NotFound("project_not_found", "projectId: project not found.");
  if (!shown) throw SUBJECT_NOT_FOUND[subject.type]();
  const { name: subjectName, keyLimits: subjectKeyLimits } = shown;
  // The granter must be able to give the role's permissions where the grant applies, under its conditions
  // (for a key, as bounded by the key's own expiry and networks).
  const given = grantLimits({ validUntil: input.conditions.validUntil, ipCidrs: input.conditions.ipCidrs, requireMfa: input.conditions.requireMfa });
  assertMayGive(ctx, { permissions: role.permissions, projectId, limits: subjectKeyLimits ? narrowLimits(given, subjectKeyLimits) : given }, `give the ${role.name} role here`, { adjustable: true });
  return authzChangeTransaction(ctx.orgId, async (tx, changes) => {
    const grant = await tx.grant.create({
      data: {
        orgId: ctx.orgId,
        roleId: role.id,
        userId: subject.type === "user" ? subject.id : null,
        groupId: subject.type === "group" ? subject.id : null,
        apiKeyId: subject.type === "api_key" ? subject.id : null,
        projectId,
        validUntil: input.conditions.validUntil ?? null,
        ipCidrs: input.conditions.ipCidrs,
        requireMfa: input.conditions.requireMfa,
        createdById: userIdOf(ctx),
      },
      select: grantColumns,
    });
    changes.push({ type: "grant_added", grant: grantChangeRow(grant, subject.type === "group" ? subjectName : null) });
    await recordAudit(tx, {
      action: "grant.created",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "grant", id: grant.id },
      meta: ctx,
      after: { role: role.name, subject: { ...subject, name: subjectName }, projectId, conditions: { ...input.conditions, validUntil: input.conditions.validUntil?.toISOString() ?? null } },
    });
    return { ...grant, role: { name: roleRow.name }, user: shown.user, group: shown.group, apiKey: shown.apiKey, project };
  });
}

export async function deleteGrant(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "grants:write");
  const { grantId } = GrantIdInput.parse(raw);
  const grant = await db.grant.findFirst({ where: { id: grantId, orgId: ctx.orgId }, select: grantSelect });
  if (!grant) throw new NotFound("grant_not_found", "Grant not found.");
  const role = ctx.authz.roles.get(grant.roleId);
  assertCanTakeAway(ctx, grant.role.name, role?.permissions ?? [], grant.projectId);
  await authzChangeTransaction(ctx.orgId, async (tx, changes) => {
    const { count } = await tx.grant.deleteMany({ where: { id: grantId, orgId: ctx.orgId } });
    if (count === 0) throw new NotFound("grant_not_found", "Grant not found.");
    const subject = grant.userId ? { type: "user" as const, id: grant.userId } : grant.groupId ? { type: "group" as const, id: grant.groupId } : { type: "api_key" as const, id: grant.apiKeyId! };
    changes.push({ type: "grant_removed", grantId, subject });
    await recordAudit(tx, {
      action: "grant.deleted",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "grant", id: grantId },
      meta: ctx,
      before: { role: grant.role.name, userId: grant.userId, groupId: grant.groupId, apiKeyId: grant.apiKeyId, projectId: grant.projectId },
    });
  });
}
