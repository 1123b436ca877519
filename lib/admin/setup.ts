// First run: an instance without an instance admin is not claimable by
// whoever reaches it first. `npm start` prints a one-time setup link; the
// setup page, with its token, creates the instance admin and the first
// organization. With TOLLGATE_ADMIN_EMAIL set, that account also becomes an
// admin once its address is verified.
import { z } from "zod";
import { db } from "../db.ts";
import { Conflict, Forbidden } from "../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { voidPendingSignUps } from "../auth/email-tokens.ts";
import { Email, Password, PersonName } from "../auth/schemas.ts";
import { hashPassword, hashToken, randomToken } from "../secrets/secrets.ts";
import { requireSourceSlot } from "../auth/throttle.ts";
import type { RequestMeta } from "../context.ts";
import { publicUrl } from "../env.ts";
import { OrgName, OrgSlug } from "../orgs/schemas.ts";
import { isUniqueViolation } from "../db/errors.ts";

/** How long a printed link works; `npm start` prints a new one on every start. */
export const SETUP_TOKEN_TTL_MS = 24 * 3_600_000;
const SETUP_LOCK = 7246003;

export const CompleteSetupInput = z.object({
  token: z.string().max(100),
  name: PersonName,
  email: Email,
  password: Password,
  organization: z.object({ name: OrgName, slug: OrgSlug }),
});

let setUp = false;

/**
 * True until an instance admin exists. Also with TOLLGATE_ADMIN_EMAIL set:
 * without mail configured, nobody could read that account's sign-up link.
 */
export async function instanceNeedsSetup(): Promise<boolean> {
  if (setUp) return false;
  setUp = (await db.user.count({ where: { isInstanceAdmin: true } })) > 0;
  return !setUp;
}

/** Called at start-up: a new link when the instance needs setup, else null. */
export async function issueSetupLink(): Promise<string | null> {
  if (!(await instanceNeedsSetup())) return null;
  const token = randomToken();
  await db.$transaction([db.setupToken.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - SETUP_TOKEN_TTL_MS) } } }), db.setupToken.create({ data: { tokenHash: hashToken(token) } })]);
  return `${publicUrl().replace(/\/$/, "")}/setup?token=${token}`;
}

async function tokenIsValid(token: string, tx: Pick<typeof db, "setupToken"> = db) {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
  const row = await tx.setupToken.findUnique({ where: { tokenHash: hashToken(token) } });
  return Boolean(row && row.createdAt.getTime() > Date.now() - SETUP_TOKEN_TTL_MS);
}

/** For the setup page: whether the link in the address bar is one `npm start` printed. */
export async function checkSetupToken(token: string | undefined): Promise<"valid" | "missing" | "invalid"> {
  if (!token) return "missing";
  return (await tokenIsValid(token)) ? "valid" : "invalid";
}

const WRONG_TOKEN = "This setup link is not valid. Use the newest link that `npm start` printed, or restart Tollgate to print a new one.";

/** Creates the instance admin (address taken as verified: the operator vouches) and the first organization. */
export async function completeSetup(meta: RequestMeta, raw: unknown) {
  const input = CompleteSetupInput.parse(raw);
  // Checked before the (deliberately slow) password hash, so wrong tokens cost little.
  if (!(await tokenIsValid(input.token))) throw new Forbidden("invalid_setup_token", WRONG_TOKEN);
  await requireSourceSlot("setup", meta.ip, 30, 3_600_000, "Too many attempts from your network.");
  const passwordHash = await hashPassword(input.password);
  try {
    const result = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SETUP_LOCK})`;
      if ((await tx.user.count({ where: { isInstanceAdmin: true } })) > 0) throw new Conflict("already_set_up", "This Tollgate is set up already. Sign in instead.");
      if (!(await tokenIsValid(input.token, tx))) throw new Forbidden("invalid_setup_token", WRONG_TOKEN);
      if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) {
        throw new Conflict("email_taken", `An account with ${input.email} exists already. Use another address for the instance admin.`);
      }
      const user = await tx.user.create({
        data: { email: input.email, name: input.name, passwordHash, emailVerifiedAt: new Date(), origin: "setup", isInstanceAdmin: true },
        select: { id: true, email: true },
      });
      await voidPendingSignUps(tx, user.email);
      const ownerRole = await tx.role.findFirstOrThrow({ where: { orgId: null, isBuiltIn: true, isOwner: true }, select: { id: true } });
      const org = await tx.organization.create({ data: { name: input.organization.name, slug: input.organization.slug }, select: { id: true, name: true, slug: true } });
      await tx.membership.create({ data: { orgId: org.id, userId: user.id, roleId: ownerRole.id } });
      await tx.setupToken.deleteMany({});
      const actor = { userId: user.id, email: user.email };
      await recordAudit(tx, { action: "instance.set_up", orgId: null, actor, target: { type: "user", id: user.id }, meta, after: { admin: user.email, organization: org.slug } });
      await recordAudit(tx, { action: "organization.created", orgId: org.id, actor, target: { type: "organization", id: org.id }, meta, after: { name: org.name, slug: org.slug } });
      return { email: user.email, orgSlug: org.slug };
    });
    setUp = true;
    return result;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    if (await db.user.findUnique({ where: { email: input.email }, select: { id: true } }))
      throw new Conflict("email_taken", `An account with ${input.email} exists already. Use another address for the instance admin.`);
    throw new Conflict("slug_taken", `The slug "${input.organization.slug}" is taken. Choose another.`);
  }
}
