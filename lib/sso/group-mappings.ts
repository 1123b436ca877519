// Groups at the identity provider mapped to Tollgate groups: at every sign-in
// through the connection, the person joins the mapped groups whose provider
// groups the ID token lists, and leaves the mapped groups it no longer lists.
// Mapping hands a group's membership to the provider, so the mapper must be
// able to add members to the group and take them out themselves.
import { z } from "zod";
import { actorOf, recordAudit, type AuditActor } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import type { AuthzChange } from "../authz/org-index-changes.ts";
import type { OrgCtx, RequestMeta } from "../context.ts";
import { db, type Tx } from "../db.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { assertMayManageGroupMembers } from "../groups/groups.ts";

export const DEFAULT_GROUPS_CLAIM = "groups";
export const CreateGroupMappingInput = z.strictObject({
  connectionId: z.uuid("Unknown connection"),
  idpGroup: z.string().trim().min(1, "required").max(200, "at most 200 characters"),
  groupId: z.uuid("Unknown group"),
});
export const GroupMappingIdInput = z.strictObject({ connectionId: z.uuid("Unknown connection"), mappingId: z.uuid("Unknown mapping") });

const mappingSelect = { id: true, idpGroup: true, createdAt: true, group: { select: { id: true, name: true } } } as const;

async function connectionOf(ctx: OrgCtx, connectionId: string) {
  const connection = await db.ssoConnection.findFirst({ where: { id: connectionId, orgId: ctx.orgId }, select: { id: true, name: true } });
  if (!connection) throw new NotFound("connection_not_found", "SSO connection not found.");
  return connection;
}

export async function listGroupMappings(ctx: OrgCtx, connectionId: string) {
  assertAllowed(ctx, "sso:read");
  await connectionOf(ctx, connectionId);
  return { data: await db.ssoGroupMapping.findMany({ where: { connectionId }, orderBy: [{ idpGroup: "asc" }, { id: "asc" }], select: mappingSelect }) };
}

export async function createGroupMapping(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "sso:write");
  const input = CreateGroupMappingInput.parse(raw);
  const connection = await connectionOf(ctx, input.connectionId);
  const group = await assertMayManageGroupMembers(ctx, input.groupId, "let the identity provider decide who is in");
  // A group the provider keeps over SCIM is its already; two keepers would undo each other.
  if (await db.scimGroup.findUnique({ where: { groupId: group.id }, select: { groupId: true } })) {
    throw new Invalid("group_provisioned", `"${group.name}" is kept by SCIM provisioning; map another group.`);
  }
  try {
    return await db.$transaction(async (tx) => {
      const mapping = await tx.ssoGroupMapping.create({ data: { connectionId: connection.id, idpGroup: input.idpGroup, groupId: group.id }, select: mappingSelect });
      await recordAudit(tx, {
        action: "sso.group_mapping.created",
        orgId: ctx.orgId,
        actor: actorOf(ctx),
        target: { type: "sso_connection", id: connection.id },
        meta: ctx,
        after: { idpGroup: input.idpGroup, group: group.name },
      });
      return mapping;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("mapping_exists", `"${input.idpGroup}" is mapped to "${group.name}" already.`);
    throw error;
  }
}

export async function deleteGroupMapping(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "sso:write");
  const { connectionId, mappingId } = GroupMappingIdInput.parse(raw);
  await connectionOf(ctx, connectionId);
  const mapping = await db.ssoGroupMapping.findFirst({ where: { id: mappingId, connectionId }, select: { id: true, idpGroup: true, group: { select: { name: true } } } });
  if (!mapping) throw new NotFound("mapping_not_found", "Group mapping not found.");
  await db.$transaction(async (tx) => {
    await tx.ssoGroupMapping.delete({ where: { id: mapping.id } });
    await recordAudit(tx, {
      action: "sso.group_mapping.deleted",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "sso_connection", id: connectionId },
      meta: ctx,
      before: { idpGroup: mapping.idpGroup, group: mapping.group.name },
    });
  });
}

/** The provider groups an ID token lists under the connection's claim: an array of strings, or one string. */
export function groupsFromClaims(claims: Record<string, unknown>, claim: string | null): string[] {
  const value = claims[claim ?? DEFAULT_GROUPS_CLAIM];
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * Inside the sign-in's transaction: makes the person's membership of every
 * mapped group match what the provider says now. Records the changes for the
 * authorization index and audits them.
 */
export async function applyGroupMappings(
  tx: Tx,
  input: { orgId: string; connectionId: string; userId: string; idpGroups: string[]; actor: AuditActor; meta: Pick<RequestMeta, "ip" | "userAgent"> },
  changes: AuthzChange[],
) {
  const mappings = await tx.ssoGroupMapping.findMany({ where: { connectionId: input.connectionId }, select: { idpGroup: true, group: { select: { id: true, name: true } } } });
  if (!mappings.length) return;
  const said = new Set(input.idpGroups);
  const wanted = new Set(mappings.filter((m) => said.has(m.idpGroup)).map((m) => m.group.id));
  const mapped = new Map(mappings.map((m) => [m.group.id, m.group.name]));
  const current = new Set(
    (await tx.groupMember.findMany({ where: { orgId: input.orgId, userId: input.userId, groupId: { in: [...mapped.keys()] } }, select: { groupId: true } })).map((g) => g.groupId),
  );
  const join = [...wanted].filter((id) => !current.has(id));
  const leave = [...current].filter((id) => !wanted.has(id));
  if (!join.length && !leave.length) return;
  if (join.length) await tx.groupMember.createMany({ data: join.map((groupId) => ({ groupId, userId: input.userId, orgId: input.orgId })) });
  if (leave.length) await tx.groupMember.deleteMany({ where: { orgId: input.orgId, userId: input.userId, groupId: { in: leave } } });
  for (const groupId of join) changes.push({ type: "group_member_added", groupId, userId: input.userId });
  for (const groupId of leave) changes.push({ type: "group_member_removed", groupId, userId: input.userId });
  await recordAudit(tx, {
    action: "sso.groups.applied",
    orgId: input.orgId,
    actor: input.actor,
    target: { type: "user", id: input.userId },
    meta: input.meta,
    after: { joined: join.map((id) => mapped.get(id) ?? id), left: leave.map((id) => mapped.get(id) ?? id) },
  });
}
