// TOLLGATE_ADMIN_EMAIL names the instance admin: the account with that address
// becomes one once the address is verified, never merely by signing up with it.
import { db, type Tx } from "../db.ts";
import { recordAudit } from "../audit/record-audit.ts";

export function configuredAdminEmail(): string | null {
  return process.env.TOLLGATE_ADMIN_EMAIL?.trim().toLowerCase() || null;
}

type Account = { id: string; email: string; emailVerifiedAt: Date | null; isInstanceAdmin: boolean };

/** Call in the transaction that verifies an address. */
export async function promoteIfConfiguredAdmin(tx: Tx, user: Account, meta: { ip: string | null; userAgent: string | null }) {
  if (user.isInstanceAdmin || !user.emailVerifiedAt || user.email !== configuredAdminEmail()) return false;
  await tx.user.update({ where: { id: user.id }, data: { isInstanceAdmin: true } });
  await recordAudit(tx, {
    action: "user.made_instance_admin",
    orgId: null,
    actor: { userId: null, email: "TOLLGATE_ADMIN_EMAIL" },
    target: { type: "user", id: user.id },
    meta,
    after: { email: user.email },
  });
  return true;
}

/** At start-up: the variable may name an account that verified its address before it was set. */
export async function promoteConfiguredAdminAtStart() {
  const email = configuredAdminEmail();
  if (!email) return;
  await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email }, select: { id: true, email: true, emailVerifiedAt: true, isInstanceAdmin: true } });
    if (user) await promoteIfConfiguredAdmin(tx, user, { ip: null, userAgent: "start-up" });
  });
}
