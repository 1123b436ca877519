import type { Tx } from "../db.ts";

// Serialises membership changes in one organization, so that two concurrent
// removals cannot both pass the last-owner check. NO KEY UPDATE excludes the
// other lockers (and version bumps) but not the inserts that merely reference
// the organization (grants, audit events), which FOR UPDATE would hold up.
export async function lockOrganization(tx: Tx, orgId: string) {
  await tx.$queryRaw`SELECT 1 FROM "Organization" WHERE "id" = ${orgId}::uuid FOR NO KEY UPDATE`;
}

export async function countOwners(tx: Tx, orgId: string) {
  return tx.membership.count({ where: { orgId, role: { isOwner: true } } });
}
