import { deleteOrganizationUsage, forgetOrganizationEvents } from "../usage/event-store.ts";
import { z } from "zod";
import { db } from "../db.ts";
import { Conflict, NotFound } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import { assertAllowed } from "../authz/authorize.ts";
import { authzTransaction } from "../authz/org-index-cache.ts";
import type { OrgCtx, Principal, RequestMeta } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { DeleteOrganizationInput, RenameOrganizationInput } from "./schemas.ts";

export async function getOrganization(ctx: OrgCtx) {
  assertAllowed(ctx, "organization:read");
  const org = await db.organization.findUnique({ where: { id: ctx.orgId }, select: { id: true, name: true, slug: true, createdAt: true, decisionLogRetentionDays: true } });
  if (!org) throw new NotFound("organization_not_found", "Organization not found.");
  return org;
}

export async function renameOrganization(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "organization:update");
  const input = RenameOrganizationInput.parse(raw);
  try {
    // The slug is part of the authorization index (API keys act under it).
    return await authzTransaction(ctx.orgId, async (tx) => {
      const before = await tx.organization.findUnique({ where: { id: ctx.orgId }, select: { name: true, slug: true } });
      if (!before) throw new NotFound("organization_not_found", "Organization not found.");
      const after = await tx.organization.update({ where: { id: ctx.orgId }, data: input, select: { id: true, name: true, slug: true } });
      await recordAudit(tx, {
        action: "organization.renamed",
        orgId: ctx.orgId,
        actor: actorOf(ctx),
        target: { type: "organization", id: ctx.orgId },
        meta: ctx,
        before,
        after: { name: after.name, slug: after.slug },
      });
      return after;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("slug_taken", `The slug "${input.slug}" is taken. Choose another.`);
    throw error;
  }
}

export async function deleteOrganization(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "organization:delete");
  const input = DeleteOrganizationInput.parse(raw);
  if (input.confirmSlug !== ctx.orgSlug) {
    throw new Conflict("confirmation_mismatch", `Type the organization's slug "${ctx.orgSlug}" to confirm.`);
  }
  await removeOrganization(ctx, ctx.orgId);
}

/**
 * Deletes an organization with everything in it, and its decision log. Like
 * every authorization change it bumps the version and NOTIFYs, so every
 * process stops answering for its keys at once.
 */
export async function removeOrganization(ctx: { principal: Principal } & RequestMeta, orgId: string) {
  await authzTransaction(orgId, async (tx) => {
    const before = await tx.organization.findUnique({ where: { id: orgId }, select: { name: true, slug: true } });
    if (!before) throw new NotFound("organization_not_found", "Organization not found.");
    await recordAudit(tx, { action: "organization.deleted", orgId, actor: actorOf(ctx), target: { type: "organization", id: orgId }, meta: ctx, before });
    await tx.decisionLog.deleteMany({ where: { orgId } });
    await deleteOrganizationUsage(tx, orgId);
    await tx.organization.delete({ where: { id: orgId } });
  });
  // Other processes may still hold a few of its decisions in their write buffers
  // (flushed every 250 ms): sweep once more when those have landed.
  setTimeout(() => void db.decisionLog.deleteMany({ where: { orgId } }).catch(() => {}), LATE_DECISIONS_MS).unref();
  // Its raw usage events (a scan of every month: not inside the deletion's transaction).
  await forgetOrganizationEvents(orgId);
}

const LATE_DECISIONS_MS = 2_000;

export const DecisionRetentionInput = z.object({
  days: z.coerce.number({ error: "days: enter a number" }).int("days: a whole number of days").min(1, "days: at least 1").max(3650, "days: at most 3650"),
});

/** How long the access decision log keeps this organization's decisions. */
export async function setDecisionRetention(ctx: OrgCtx, raw: unknown) {
  assertAllowed(ctx, "organization:update");
  const { days } = DecisionRetentionInput.parse(raw);
  return db.$transaction(async (tx) => {
    const before = await tx.organization.findUniqueOrThrow({ where: { id: ctx.orgId }, select: { decisionLogRetentionDays: true } });
    await tx.organization.update({ where: { id: ctx.orgId }, data: { decisionLogRetentionDays: days } });
    await recordAudit(tx, {
      action: "organization.settings_changed",
      orgId: ctx.orgId,
      actor: actorOf(ctx),
      target: { type: "organization", id: ctx.orgId },
      meta: ctx,
      before: { decisionLogRetentionDays: before.decisionLogRetentionDays },
      after: { decisionLogRetentionDays: days },
    });
    return { days };
  });
}
