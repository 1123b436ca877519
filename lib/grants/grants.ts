// Grants: a role given to a member, a group or an API key, on the whole
// organization or on one project, optionally only until a time, only from
// some networks, or only with MFA. A project grant adds to the organization
// role; it never takes anything away.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { boundedDate } from "../input.ts";
import { db } from "../db.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import { sql, sqlRows, type Sql } from "../db/sql.ts";
import { Invalid, NotFound } from "../errors.ts";
import { actorOf, auditInsert, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { assertMayGive, missingWhereGranted } from "../authz/escalation.ts";
import { isValidCidr } from "../authz/cidr.ts";
import { grantLimits, narrowLimits } from "../authz/holdings.ts";
import { authzChangeStatement, authzChangeTransaction } from "../authz/org-index-cache.ts";
import { grantChangeRow } from "../authz/org-index-changes.ts";
import type { GrantRow } from "../authz/org-index.ts";
import { assignableRoleJson, type AssignableRole } from "../members/members.ts";
import { userIdOf, type OrgCtx } from "../context.ts";
import { Forbidden } from "../errors.ts";

const Subject = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("user"), id: z.uuid("Unknown user") }),
    z.strictObject({ type: z.literal("group"), id: z.uuid("Unknown group") }),
    z.strictObject({ type: z.literal("api_key"), id: z.uuid("Unknown API key") }),
  ],
  "Choose a member, group or API key",
);

export const CreateGrantInput = z.strictObject({
  roleId: z.uuid("Choose a role"),
  subject: Subject,
  projectId: z.uuid("Unknown project").nullish(),
  conditions: z
    .strictObject({
      validUntil: boundedDate("validUntil").nullish(),
      ipCidrs: z
        .array(
          z
            .string()
            .trim()
            .refine(isValidCidr, { error: (issue) => `“${String(issue.input).slice(0, 60)}” is not an IP address or CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32` }),
        )
        .max(50, "at most 50 networks")
        .default([]),
      requireMfa: z.boolean().default(false),
      /** Held only while the organization is on one of these plans (their keys). */
      plans: z
        .array(
          z
            .string()
            .trim()
            .regex(/^[a-z][a-z0-9_-]{0,63}$/, "must be a plan key, e.g. pro-monthly"),
        )
        .max(20, "at most 20 plans")
        .refine((plans) => new Set(plans).size === plans.length, "a plan is named twice")
        .default([]),
    })
    .default({ ipCidrs: [], requireMfa: false, plans: [] }),
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
  plans: true,
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

type GrantFacts = {
  role: AssignableRole | null;
  project: { name: string; slug: string } | null;
  subject: { name: string; email?: string; userName?: string | null; expiresAt?: string | null; ipAllowList?: string[] } | null;
};

/** The subject's row in this organization (a member, a group, an active key) as JSON, or NULL. */
function subjectFacts(orgId: string, subject: z.infer<typeof Subject>): Sql {
  if (subject.type === "user") {
    return sql`(SELECT json_build_object('name', u."email", 'email', u."email", 'userName', u."name") FROM "User" u
                WHERE u."id" = ${subject.id}::uuid AND EXISTS (SELECT 1 FROM "Membership" m WHERE m."userId" = u."id" AND m."orgId" = ${orgId}::uuid))`;
  }
  if (subject.type === "group") return sql`(SELECT json_build_object('name', g."name") FROM "Group" g WHERE g."id" = ${subject.id}::uuid AND g."orgId" = ${orgId}::uuid)`;
  return sql`(SELECT json_build_object('name', k."name", 'expiresAt', k."expiresAt", 'ipAllowList', k."ipAllowList") FROM "ApiKey" k
              WHERE k."id" = ${subject.id}::uuid AND k."orgId" = ${orgId}::uuid AND k."revokedAt" IS NULL)`;
}

/** What a new grant refers to, read in one query: its role (built-in or this organization's), project and subject. */
async function readGrantFacts(ctx: OrgCtx, roleId: string, projectId: string | null, subject: z.infer<typeof Subject>): Promise<GrantFacts> {
  const [facts] = await sqlRows<GrantFacts>(sql`
    SELECT ${assignableRoleJson(ctx.orgId, roleId)} AS "role",
           ${projectId ? sql`(SELECT json_build_object('name', p."name", 'slug', p."slug") FROM "Project" p WHERE p."id" = ${projectId}::uuid AND p."orgId" = ${ctx.orgId}::uuid)` : sql`NULL::json`} AS "project",
           ${subjectFacts(ctx.orgId, subject)} AS "subject"`);
  return facts!;
}

type CreatedGrantRow = GrantRow & { plans: string[]; createdAt: Date };

/**
 * A plan condition names plans the organization knows of: self-serve plans
 * and its own (any plan, for provisioning keys). Others answer as if they did
 * not exist, so that no organization learns another's private plans.
 */
async function assertPlansKnown(ctx: OrgCtx, plans: string[]) {
  if (!plans.length) return;
  const everyPlan = ctx.principal.type === "api_key" && ctx.principal.instance;
  const rows = await db.plan.findMany({ where: { key: { in: plans } }, select: { key: true, selfServe: true } });
  const found = new Set(rows.filter((p) => everyPlan || p.selfServe || p.key === ctx.authz.plan).map((p) => p.key));
  const missing = plans.find((key) => !found.has(key));
  if (missing) throw new NotFound("plan_not_found", `conditions.plans: no plan with the key "${missing}".`);
}

export async function createGrant(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "grants:write");
  const input = CreateGrantInput.parse(raw);
  const projectId = input.projectId ?? null;
  const role = ctx.authz.roles.get(input.roleId);
  const { subject } = input;
  const { role: roleRow, project, subject: found } = await readGrantFacts(ctx, input.roleId, projectId, subject);
  if (!role || !roleRow) throw new NotFound("role_not_found", "roleId: role not found.");
  if (roleRow.isOwner) throw new Invalid("owner_role_not_grantable", "roleId: ownership comes with membership; make the member an owner on the Members page instead.");
  if (input.conditions.validUntil && input.conditions.validUntil.getTime() <= Date.now()) throw new Invalid("valid_until_in_past", "conditions.validUntil: must be in the future");
  if (projectId && !project) throw new NotFound("project_not_found", "projectId: project not found.");
  if (!found) throw SUBJECT_NOT_FOUND[subject.type]();
  await assertPlansKnown(ctx, input.conditions.plans);
  // A key's own expiry and networks bound what it is given.
  const subjectKeyLimits = subject.type === "api_key" ? grantLimits({ validUntil: found.expiresAt ? new Date(found.expiresAt) : null, ipCidrs: found.ipAllowList ?? [] }) : null;
  // The granter must be able to give the role's permissions where the grant applies, under its conditions
  // (for a key, as bounded by the key's own expiry and networks).
  const given = grantLimits(input.conditions);
  assertMayGive(ctx, { permissions: role.permissions, projectId, limits: subjectKeyLimits ? narrowLimits(given, subjectKeyLimits) : given }, `give the ${role.name} role here`, { adjustable: true });

  const values = {
    id: randomUUID(),
    roleId: role.id,
    userId: subject.type === "user" ? subject.id : null,
    groupId: subject.type === "group" ? subject.id : null,
    apiKeyId: subject.type === "api_key" ? subject.id : null,
    projectId,
    validUntil: input.conditions.validUntil ?? null,
    ipCidrs: input.conditions.ipCidrs,
    requireMfa: input.conditions.requireMfa,
    plans: input.conditions.plans,
  };
  const grant = await authzChangeStatement<CreatedGrantRow>(
    ctx.orgId,
    sql`INSERT INTO "Grant" ("id", "orgId", "roleId", "userId", "groupId", "apiKeyId", "projectId", "validUntil", "ipCidrs", "requireMfa", "plans", "createdById")
        VALUES (${values.id}::uuid, ${ctx.orgId}::uuid, ${values.roleId}::uuid, ${values.userId}::uuid, ${values.groupId}::uuid, ${values.apiKeyId}::uuid, ${values.projectId}::uuid,
                ${values.validUntil}::timestamptz, ${values.ipCidrs}::text[], ${values.requireMfa}, ${values.plans}::text[], ${userIdOf(ctx)}::uuid)
        RETURNING "id", "roleId", "userId", "groupId", "apiKeyId", "projectId", "validUntil", "ipCidrs", "requireMfa", "plans", "createdAt"`,
    [{ type: "grant_added", grant: grantChangeRow(values, subject.type === "group" ? found.name : null) }],
    [
      auditInsert({
        action: "grant.created",
        orgId: ctx.orgId,
        actor: actorOf(ctx),
        target: { type: "grant", id: values.id },
        meta: ctx,
        after: { role: role.name, subject: { ...subject, name: found.name }, projectId, conditions: { ...input.conditions, validUntil: input.conditions.validUntil?.toISOString() ?? null } },
      }),
    ],
  );
  return {
    ...grant!,
    role: { name: roleRow.name },
    user: subject.type === "user" ? { email: found.email!, name: found.userName ?? null } : null,
    group: subject.type === "group" ? { name: found.name } : null,
    apiKey: subject.type === "api_key" ? { name: found.name } : null,
    project,
  };
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
