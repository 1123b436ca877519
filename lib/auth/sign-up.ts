// Creates an account. The first account on a new instance (or the one named
// by TOLLGATE_ADMIN_EMAIL) becomes the instance admin.
import { db } from "../db.ts";
import { Conflict } from "../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { RequestMeta } from "../context.ts";
import { SignUpInput } from "./schemas.ts";
import { hashPassword } from "./secrets.ts";

export async function signUp(meta: RequestMeta, raw: unknown) {
  const input = SignUpInput.parse(raw);
  const passwordHash = await hashPassword(input.password);
  const adminEmail = process.env.TOLLGATE_ADMIN_EMAIL?.trim().toLowerCase();
  return db.$transaction(async (tx) => {
    // Serialise sign-ups so that exactly one first account becomes admin.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(7246003)`;
    if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) {
      throw new Conflict("email_taken", "An account with this email already exists. Sign in instead.");
    }
    const isFirst = (await tx.user.count()) === 0;
    const isInstanceAdmin = adminEmail ? adminEmail === input.email : isFirst;
    const user = await tx.user.create({
      data: { email: input.email, name: input.name, passwordHash, isInstanceAdmin },
      select: { id: true, email: true, name: true, isInstanceAdmin: true },
    });
    await recordAudit(tx, {
      action: "user.signed_up",
      orgId: null,
      actor: { userId: user.id, email: user.email },
      target: { type: "user", id: user.id },
      meta,
      after: { email: user.email, name: user.name, isInstanceAdmin },
    });
    return user;
  });
}
