// Projects inside an organization: the unit that project grants and
// project-scoped API keys attach to.
import { z } from "zod";
import { db } from "../db.ts";
import { Conflict, NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { authzTransaction } from "../authz/org-index-cache.ts";
import type { OrgCtx } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { keysetList, keysetOrder, type PageRequest } from "../db/keyset.ts";
import { OrgName, OrgSlug } from "../orgs/schemas.ts";

export const CreateProjectInput = z.strictObject({ name: OrgName, slug: OrgSlug });
export const UpdateProjectInput = z.strictObject({ projectId: z.uuid("Unknown project"), name: OrgName.optional(), slug: OrgSlug.optional() });
export const ProjectIdInput = z.strictObject({ projectId: z.uuid("Unknown project") });

const projectSelect = { id: true, name: true, slug: true, createdAt: true, updatedAt: true } as const;

function slugTaken(slug: string) {
  return new Conflict("slug_taken", `A project with the slug "${slug}" exists already.`);
}

const byName = keysetOrder({ path: "name", kind: "string", direction: "asc" }, { path: "id", kind: "uuid", direction: "asc" });

export async function listProjects<P extends PageRequest | undefined = undefined>(ctx: OrgCtx, page?: P) {
  assertAllowed(ctx, "projects:read");
  return keysetList(byName, page, (q) => db.project.findMany({ where: { AND: [{ orgId: ctx.orgId }, q.where] }, orderBy: q.orderBy, take: q.take, select: projectSelect }));
}

export async function getProject(ctx: OrgCtx, projectId: string) {
  const project = await db.project.findFirst({ where: { id: projectId, orgId: ctx.orgId }, select: projectSelect });
  if (!project) throw new NotFound("project_not_found", "Project not found.");
  assertAllowed(ctx, "projects:read", { type: "project", id: project.id });
  return project;
}

export async function createProject(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "projects:create");
  const input = CreateProjectInput.parse(raw);
  try {
    return await authzTransaction(ctx.orgId, async (tx) => {
      const project = await tx.project.create({ data: { orgId: ctx.orgId, ...input }, select: projectSelect });
      await recordAudit(tx, { action: "project.created", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "project", id: project.id }, meta: ctx, after: input });
      return project;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw slugTaken(input.slug);
    throw error;
  }
}

export async function updateProject(ctx: OrgCtx, raw: unknown) {
  const input = UpdateProjectInput.parse(raw);
  const { projectId, ...changes } = input;
  const before = await db.project.findFirst({ where: { id: projectId, orgId: ctx.orgId }, select: { name: true, slug: true } });
  if (!before) throw new NotFound("project_not_found", "Project not found.");
  assertAllowed(ctx, "projects:update", { type: "project", id: projectId });
  try {
    return await db.$transaction(async (tx) => {
      const project = await tx.project.update({ where: { id: projectId, orgId: ctx.orgId }, data: changes, select: projectSelect });
      await recordAudit(tx, {
        action: "project.updated",
        orgId: ctx.orgId,
        actor: actorOf(ctx),
        target: { type: "project", id: projectId },
        meta: ctx,
        before,
        after: { name: project.name, slug: project.slug },
      });
      return project;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw slugTaken(changes.slug ?? "");
    throw error;
  }
}

export async function deleteProject(ctx: OrgCtx, raw: unknown) {
  const { projectId } = ProjectIdInput.parse(raw);
  const before = await db.project.findFirst({ where: { id: projectId, orgId: ctx.orgId }, select: { name: true, slug: true } });
  if (!before) throw new NotFound("project_not_found", "Project not found.");
  assertAllowed(ctx, "projects:delete", { type: "project", id: projectId });
  await authzTransaction(ctx.orgId, async (tx) => {
    await tx.project.delete({ where: { id: projectId, orgId: ctx.orgId } });
    await recordAudit(tx, { action: "project.deleted", orgId: ctx.orgId, actor: actorOf(ctx), target: { type: "project", id: projectId }, meta: ctx, before });
  });
}
