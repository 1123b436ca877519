import { createHash } from "node:crypto";
// Custom roles: a name, a description, permissions, and roles they include.
// Built-in roles are read-only rows synced from the catalogue.
import { z } from "zod";
import { db, type Tx } from "../db.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { assertHoldsAll, assertMayGive } from "../authz/escalation.ts";
import { UNCONDITIONED } from "../authz/holdings.ts";
import { authzTransaction, getOrgIndex } from "../authz/org-index-cache.ts";
import { assertKnownPermissions, PermissionKey } from "../permissions/product-permissions.ts";
import type { OrgCtx } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import { lockOrganization } from "../orgs/lock-organization.ts";
import { slugify } from "../orgs/slugify.ts";
import { assertRoleNameFree, hasControlCharacters, readableRoleName } from "./role-names.ts";

const RoleName = z
  .string()
  .trim()
  .min(1, "Enter a name")
  .max(60, "Name must be at most 60 characters")
  .refine((name) => !hasControlCharacters(name), "Name must not contain control characters (line breaks, tabs, text direction overrides)")
  .refine((name) => readableRoleName(name).length > 0, "Enter a name with visible characters");
const Permissions = z
  .array(PermissionKey)
  .max(500)
  .transform((list) => [...new Set(list)].sort());
const Includes = z.array(z.uuid("Unknown role")).max(20).default([]);

export const CreateRoleInput = z.strictObject({ name: RoleName, description: z.string().trim().max(300).default(""), permissions: Permissions, includes: Includes });
export const UpdateRoleInput = z.strictObject({
  roleId: z.uuid("Unknown role"),
  name: RoleName.optional(),
  description: z.string().trim().max(300).optional(),
  permissions: Permissions.optional(),
  includes: z.array(z.uuid("Unknown role")).max(20).optional(),
});
export const DeleteRoleInput = z.strictObject({ roleId: z.uuid("Unknown role"), reassignTo: z.uuid("Unknown role").optional() });

const roleSelect = {
  id: true,
  key: true,
  name: true,
  description: true,
  permissions: true,
  isBuiltIn: true,
  isOwner: true,
  orgId: true,
  includes: { select: { includedRoleId: true } },
} as const;

type RoleRow = {
  id: string;
  key: string;
  name: string;
  description: string;
  permissions: string[];
  isBuiltIn: boolean;
  isOwner: boolean;
  orgId: string | null;
  includes: Array<{ includedRoleId: string }>;
};
const present = (r: RoleRow) => ({ ...r, includes: r.includes.map((i) => i.includedRoleId) });

/** A key unique per name: its slug, or a digest for names with no latin letters or digits. */
const roleKey = (name: string) => slugify(name) || `role-${createHash("sha256").update(name.toLowerCase()).digest("hex").slice(0, 16)}`;

const visible = (orgId: string) => ({ OR: [{ orgId: null, isBuiltIn: true }, { orgId }] });

const builtInFirst = keysetOrder(
  { path: "isBuiltIn", kind: "boolean", direction: "desc" },
  { path: "position", kind: "int", direction: "asc" },
  { path: "name", kind: "string", direction: "asc" },
  { path: "id", kind: "uuid", direction: "asc" },
);

export async function listRoles<P extends PageRequest | undefined = undefined>(ctx: OrgCtx, page?: P) {
  assertAllowed(ctx, "roles:read");
  return keysetList(
    builtInFirst,
    page,
    (q) => db.role.findMany({ where: { AND: [visible(ctx.orgId), q.where] }, orderBy: q.orderBy, take: q.take, select: { ...roleSelect, position: true } }),
    ({ position: _position, ...role }) => present(role),
  );
}

export async function getRole(ctx: OrgCtx, roleId: string) {
  assertAllowed(ctx, "roles:read");
  const role = await db.role.findFirst({ where: { id: roleId, ...visible(ctx.orgId) }, select: roleSelect });
  if (!role) throw new NotFound("role_not_found", "Role not found.");
  return present(role);
}

/** Every permission the role would hold, its included roles' too. An
 * included role unknown to the caller's index (created since) is looked up
 * in a fresh index; one that still is unknown does not exist. */
async function effectivePermissions(ctx: OrgCtx, permissions: string[], includes: string[]) {
  let index = ctx.authz;
  if (includes.some((id) => !index.roles.has(id))) index = await getOrgIndex(ctx.orgId);
  const all = new Set(permissions);
  for (const id of includes) {
    const role = index.roles.get(id);
    if (!role) throw new NotFound("role_not_found", "includes: one of the included roles does not exist.");
    for (const p of role.permissions) all.add(p);
  }
  return [...all];
}

/**
 * What a role gains, everyone holding it gains, for as long as they hold it:
 * the editor must hold it without an end date, networks or MFA condition.
 */
function assertMayGiveToHolders(ctx: OrgCtx, permissions: string[], what: string) {
  if (permissions.length === 0) return;
  assertMayGive(ctx, { permissions, projectId: null, limits: UNCONDITIONED }, what, {
    note: "A role's holders keep what it gives for as long as they hold it: ask someone who holds these permissions without conditions.",
  });
}

async function assertIncludable(tx: Tx, ctx: OrgCtx, roleId: string | null, includes: string[]) {
  if (includes.length === 0) return;
  const found = await tx.role.findMany({ where: { id: { in: includes }, ...visible(ctx.orgId) }, select: { id: true, isOwner: true } });
  if (found.length !== new Set(includes).size) throw new NotFound("role_not_found", "includes: one of the included roles does not exist.");
  if (found.some((r) => r.isOwner)) throw new Invalid("owner_role_not_includable", "includes: the owner role cannot be included in another role.");
  if (!roleId) return;
  // Refuse a cycle: nothing this role includes may (transitively) include it.
  const edges = await tx.roleInclude.findMany({ where: { role: { orgId: ctx.orgId } }, select: { roleId: true, includedRoleId: true } });
  const children = (id: string) => (id === roleId ? includes : edges.filter((e) => e.roleId === id).map((e) => e.includedRoleId));
  const stack = [...includes];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (id === roleId) throw new Invalid("role_cycle", "includes: a role cannot include itself, directly or through other roles.");
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...children(id));
  }
}

export async function createRole(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "roles:write");
  const input = CreateRoleInput.parse(raw);
  await assertKnownPermissions(input.permissions);
  assertHoldsAll(ctx, await effectivePermissions(ctx, input.permissions, input.includes), `create the role "${input.name}"`);
  try {
    return await authzTransaction(ctx.orgId, async (tx) => {
      await lockOrganization(tx, ctx.orgId);
      await assertRoleNameFree(tx, ctx.orgId, input.name);
      await assertIncludable(tx, ctx, null, input.includes);
      const role = await tx.role.create({
        data: {
          orgId: ctx.orgId,
          key: roleKey(input.name),
          name: input.name,
          description: input.description,
          permissions: input.permissions,
          includes: { create: input.includes.map((includedRoleId) => ({ includedRoleId })) },
        },
        select: roleSelect,
      });
      await recordAudit(tx, {
        action: "role.created",
        orgId: ctx.orgId,
        actor: actorOf(ctx),
        target: { type: "role", id: role.id },
        meta: ctx,
        after: { name: role.name, permissions: role.permissions, includes: input.includes },
      });
      return present(role);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("role_name_taken", `A role named "${input.name}" exists already.`);
    throw error;
  }
}

async function findCustomRole(ctx: OrgCtx, roleId: string) {
  const role = await db.role.findFirst({ where: { id: roleId, ...visible(ctx.orgId) }, select: roleSelect });
  if (!role) throw new NotFound("role_not_found", "Role not found.");
  if (role.isBuiltIn) throw new Invalid("built_in_role", `${role.name} is a built-in role and cannot be changed. Create a custom role instead.`);
  return role;
}

export async function updateRole(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "roles:write");
  const { roleId, ...changes } = UpdateRoleInput.parse(raw);
  const before = await findCustomRole(ctx, roleId);
  const permissions = changes.permissions ?? before.permissions;
  const beforeIncludes = before.includes.map((i) => i.includedRoleId);
  const includes = changes.includes ?? beforeIncludes;
  await assertKnownPermissions(permissions);
  // Both what the role had and what it gets must be within the editor's reach.
  const touched = await effectivePermissions(ctx, [...before.permissions, ...permissions], [...new Set([...beforeIncludes, ...includes])]);
  assertHoldsAll(ctx, touched, `change the role "${before.name}"`);
  const had = new Set(await effectivePermissions(ctx, before.permissions, beforeIncludes));
  const added = (await effectivePermissions(ctx, permissions, includes)).filter((p) => !had.has(p));
  assertMayGiveToHolders(ctx, added, `change the role "${before.name}"`);
  try {
    return await authzTransaction(ctx.orgId, async (tx) => {
      if (changes.name) {
        await lockOrganization(tx, ctx.orgId);
        await assertRoleNameFree(tx, ctx.orgId, changes.name, roleId);
      }
      await assertIncludable(tx, ctx, roleId, includes);
      if (changes.includes) {
        await tx.roleInclude.deleteMany({ where: { roleId } });
        await tx.roleInclude.createMany({ data: includes.map((includedRoleId) => ({ roleId, includedRoleId })) });
      }
      const role = await tx.role.update({
        where: { id: roleId, orgId: ctx.orgId },
        data: { name: changes.name, description: changes.description, permissions: changes.permissions, ...(changes.name ? { key: roleKey(changes.name) } : {}) },
        select: roleSelect,
      });
      await recordAudit(tx, {
        action: "role.updated",
        orgId: ctx.orgId,
        actor: actorOf(ctx),
        target: { type: "role", id: roleId },
        meta: ctx,
        before: { name: before.name, description: before.description, permissions: before.permissions, includes: before.includes.map((i) => i.includedRoleId) },
        after: { name: role.name, description: role.description, permissions: role.permissions, includes },
      });
      return present(role);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("role_name_taken", `A role named "${changes.name}" exists already.`);
    throw error;
  }
}

/** Deletes a custom role. One in use needs `reassignTo`: its holders move to that role first. */
export async function deleteRole(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "roles:write");
  const { roleId, reassignTo } = DeleteRoleInput.parse(raw);
  const role = await findCustomRole(ctx, roleId);
  assertHoldsAll(
    ctx,
    await effectivePermissions(
      ctx,
      role.permissions,
      role.includes.map((i) => i.includedRoleId),
    ),
    `delete the role "${role.name}"`,
  );
  const target = reassignTo ? await db.role.findFirst({ where: { id: reassignTo, ...visible(ctx.orgId) }, select: { id: true, name: true, permissions: true, isOwner: true } }) : null;
  if (reassignTo && !target) throw new NotFound("role_not_found", "reassignTo: role not found.");
  if (target?.id === roleId) throw new Invalid("reassign_to_self", "reassignTo: choose another role.");
  if (target) {
    const targetPermissions = [...(ctx.authz.roles.get(target.id)?.permissions ?? target.permissions)];
    assertHoldsAll(ctx, targetPermissions, `give the ${target.name} role`);
    const had = new Set(
      await effectivePermissions(
        ctx,
        role.permissions,
        role.includes.map((i) => i.includedRoleId),
      ),
    );
    assertMayGiveToHolders(
      ctx,
      targetPermissions.filter((p) => !had.has(p)),
      `move the holders of "${role.name}" to the ${target.name} role`,
    );
  }
  await authzTransaction(ctx.orgId, async (tx) => {
    const where = { roleId, orgId: ctx.orgId };
    // Closed invitations only point at the role; the audit trail keeps their story.
    await tx.invitation.deleteMany({ where: { ...where, OR: [{ acceptedAt: { not: null } }, { revokedAt: { not: null } }, { expiresAt: { lte: new Date() } }] } });
    // One connection per transaction: its queries run one after another.
    const memberships = await tx.membership.count({ where });
    const grants = await tx.grant.count({ where });
    // Pending invitations that give it as a role on a project count as pending invitations too.
    const onInvitations = { roleId, invitation: { orgId: ctx.orgId, acceptedAt: null, revokedAt: null } };
    const invitations = (await tx.invitation.count({ where })) + (await tx.invitationGrant.count({ where: onInvitations }));
    const apiKeys = await tx.apiKey.count({ where });
    const inUse = memberships + grants + invitations + apiKeys;
    if (inUse > 0 && !target) {
      throw new Conflict(
        "role_in_use",
        `${role.name} is held by ${memberships} member(s), ${grants} grant(s), ${invitations} pending invitation(s) and ${apiKeys} API key(s). Choose a role to reassign them to.`,
      );
    }
    if (target) {
      if (target.isOwner) throw new Invalid("owner_role_not_grantable", "reassignTo: holders cannot be moved to the owner role this way.");
      await tx.membership.updateMany({ where, data: { roleId: target.id } });
      await tx.grant.updateMany({ where, data: { roleId: target.id } });
      await tx.invitation.updateMany({ where, data: { roleId: target.id } });
      // A project role already given by the same invitation merges into it.
      await tx.$executeRaw`DELETE FROM "InvitationGrant" g WHERE g."roleId" = ${roleId}::uuid
        AND EXISTS (SELECT 1 FROM "InvitationGrant" o WHERE o."invitationId" = g."invitationId" AND o."projectId" = g."projectId" AND o."roleId" = ${target.id}::uuid)`;
      await tx.invitationGrant.updateMany({ where: { roleId, invitation: { orgId: ctx.orgId } }, data: { roleId: target.id } });
      await tx.apiKey.updateMany({ where, data: { roleId: target.id } });
    }
    await tx.role.delete({ where: { id: roleId, orgId: ctx.orgId } });
    await recordAudit(tx, {
      action: "role.deleted",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "role", id: roleId },
      meta: ctx,
      before: { name: role.name, permissions: role.permissions },
      after: target ? { reassignedTo: target.name, memberships, grants, invitations, apiKeys } : undefined,
    });
  });
}
