// The organizations a user belongs to (a member's context is built by the
// door, lib/auth/request-context.ts).
import { db } from "../db.ts";

export async function listMyOrganizations(userId: string) {
  const rows = await db.membership.findMany({
    where: { userId },
    orderBy: { org: { name: "asc" } },
    select: { org: { select: { id: true, name: true, slug: true } }, role: { select: { name: true } } },
  });
  return rows.map((r) => ({ ...r.org, roleName: r.role.name }));
}
