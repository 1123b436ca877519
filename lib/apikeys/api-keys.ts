// The core of API keys: create (secret shown once), list, revoke. A key acts
// as a principal for authorize() with the permissions it carries, which are
// never more than its creator holds where the key applies.
import { z } from "zod";
import { db } from "../db.ts";
import { Conflict, Forbidden, Invalid, NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed, authorize } from "../authz/authorize.ts";
import { authzTransaction } from "../authz/org-index-cache.ts";
import { assertKnownPermissions, PermissionKey } from "../authz/product-permissions.ts";
import { userIdOf, type OrgCtx } from "../context.ts";
import { displayKey, generateKey } from "./key-format.ts";

export const CreateApiKeyInput = z
  .object({
    name: z.string().trim().min(1, "Enter a name").max(80, "Name must be at most 80 characters"),
    description: z.string().trim().max(300).default(""),
    projectId: z.uuid("Unknown project").nullish(),
    roleId: z.uuid("Unknown role").nullish(),
    permissions: z.array(PermissionKey).max(200).nullish(),
    expiresAt: z.coerce.date({ error: "expiresAt must be a date" }).nullish(),
  })
  .refine((v) => Boolean(v.roleId) !== Boolean(v.permissions?.length), { message: "Give the key either a role or a list of permissions", path: ["permissions"] });
export const ApiKeyIdInput = z.object({ apiKeyId: z.uuid("Unknown API key") });

const keySelect = {
  id: true,
  name: true,
  description: true,
  publicId: true,
  lastFour: true,
  projectId: true,
  roleId: true,
  permissions: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdAt: true,
  role: { select: { name: true } },
  project: { select: { name: true } },
} as const;

type KeyRow = { publicId: string; lastFour: string; expiresAt: Date | null; revokedAt: Date | null };
const present = <T extends KeyRow>(k: T) => ({
  ...k,
  display: displayKey(k.publicId, k.lastFour),
  status: k.revokedAt ? "revoked" : k.expiresAt && k.expiresAt <= new Date() ? "expired" : "active",
});

export async function listApiKeys(ctx: OrgCtx) {
  assertAllowed(ctx, "apikeys:read");
  const keys = await db.apiKey.findMany({ where: { orgId: ctx.orgId }, orderBy: { createdAt: "desc" }, select: keySelect });
  return keys.map(present);
}

export async function createApiKey(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "apikeys:write");
  const input = CreateApiKeyInput.parse(raw);
  const projectId = input.projectId ?? null;
  if (projectId && !(await db.project.findFirst({ where: { id: projectId, orgId: ctx.orgId }, select: { id: true } }))) {
    throw new NotFound("project_not_found", "projectId: project not found.");
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new Invalid("expires_in_past", "expiresAt: must be in the future");
  let permissions: string[];
  if (input.roleId) {
    const role = await db.role.findFirst({ where: { id: input.roleId, OR: [{ orgId: null, isBuiltIn: true }, { orgId: ctx.orgId }] }, select: { isOwner: true } });
    const indexed = ctx.authz.roles.get(input.roleId);
    if (!role || !indexed) throw new NotFound("role_not_found", "roleId: role not found.");
    if (role.isOwner) throw new Invalid("owner_role_not_grantable", "roleId: API keys cannot carry the owner role.");
    permissions = [...indexed.permissions];
  } else {
    permissions = [...new Set(input.permissions!)].sort();
    await assertKnownPermissions(permissions);
  }
  const resource = projectId ? ({ type: "project", id: projectId } as const) : undefined;
  const missing = permissions.filter((p) => !authorize(ctx, p, resource, "escalation-check").allowed);
  if (missing.length) throw new Forbidden("privilege_escalation", `A key cannot carry more than you hold: you lack ${missing.join(", ")}.`);

  const generated = generateKey();
  const apiKey = await authzTransaction(ctx.orgId, async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        orgId: ctx.orgId,
        projectId,
        name: input.name,
        description: input.description,
        publicId: generated.publicId,
        secretHash: generated.secretHash,
        lastFour: generated.lastFour,
        roleId: input.roleId ?? null,
        permissions: input.roleId ? [] : permissions,
        expiresAt: input.expiresAt ?? null,
        createdById: userIdOf(ctx),
      },
      select: keySelect,
    });
    await recordAudit(tx, {
      action: "apikey.created",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "api_key", id: created.id },
      meta: ctx,
      after: { name: created.name, display: displayKey(created.publicId, created.lastFour), projectId, roleId: input.roleId ?? null, permissions: created.permissions, expiresAt: created.expiresAt?.toISOString() ?? null },
    });
    return created;
  });
  return { apiKey: present(apiKey), key: generated.key };
}

export async function revokeApiKey(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "apikeys:write");
  const { apiKeyId } = ApiKeyIdInput.parse(raw);
  const key = await db.apiKey.findFirst({ where: { id: apiKeyId, orgId: ctx.orgId }, select: { id: true, name: true, revokedAt: true, publicId: true, lastFour: true } });
  if (!key) throw new NotFound("api_key_not_found", "API key not found.");
  if (key.revokedAt) throw new Conflict("api_key_revoked", "This key was revoked already.");
  await authzTransaction(ctx.orgId, async (tx) => {
    await tx.apiKey.update({ where: { id: key.id, orgId: ctx.orgId }, data: { revokedAt: new Date() } });
    await recordAudit(tx, { action: "apikey.revoked", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "api_key", id: key.id }, meta: ctx, before: { name: key.name, display: displayKey(key.publicId, key.lastFour) } });
  });
}
