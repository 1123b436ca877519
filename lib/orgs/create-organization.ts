import { db } from "../db.ts";
import { Conflict } from "../errors.ts";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import type { UserCtx } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { CreateOrganizationInput } from "./schemas.ts";

export async function createOrganization(ctx: UserCtx, raw: unknown) {
  const input = CreateOrganizationInput.parse(raw);
  try {
    return await db.$transaction(async (tx) => {
      const ownerRole = await tx.role.findFirstOrThrow({ where: { orgId: null, isBuiltIn: true, isOwner: true }, select: { id: true } });
      const org = await tx.organization.create({ data: { name: input.name, slug: input.slug }, select: { id: true, name: true, slug: true } });
      await tx.membership.create({ data: { orgId: org.id, userId: ctx.principal.userId, roleId: ownerRole.id } });
      await recordAudit(tx, {
        action: "organization.created",
        orgId: org.id,
        actor: actorOf(ctx),
        target: { type: "organization", id: org.id },
        meta: ctx,
        after: { name: org.name, slug: org.slug },
      });
      return org;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("slug_taken", `The slug "${input.slug}" is taken. Choose another.`, { field: "slug" });
    throw error;
  }
}
