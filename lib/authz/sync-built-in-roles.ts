// Keeps the built-in role rows equal to BUILT_IN_ROLES. Runs at start-up after
// migrations, so changing the catalogue needs no data migration.
import { db } from "../db.ts";
import { BUILT_IN_ROLES } from "./permissions.ts";

export async function syncBuiltInRoles() {
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(7246002)`;
    for (const role of BUILT_IN_ROLES) {
      const data = {
        name: role.name,
        description: role.description,
        permissions: [...role.permissions],
        isOwner: role.isOwner,
        isBuiltIn: true,
        position: role.position,
      };
      const existing = await tx.role.findFirst({ where: { orgId: null, key: role.key } });
      if (existing) await tx.role.update({ where: { id: existing.id }, data });
      else await tx.role.create({ data: { key: role.key, ...data } });
    }
  });
}
