import type { Tx } from "../db.ts";

// Serialises membership changes in one organization, so that two concurrent
// removals cannot both pass the last-owner check.
export async function lockOrganization(tx: Tx, orgId: string) {
  await tx.$queryRaw`SELECT 1 FROM "Organization" WHERE "id" = ${orgId}::uuid FOR UPDATE`;
}

export async function countOwners(tx: Tx, orgId: string) {
  return tx.membership.count({ where: { orgId, role: { isOwner: true } } });
}
