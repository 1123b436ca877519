// Creating an account takes two steps: the sign-up form sends a link to the
// address, and the account exists once that link is used, with its address
// verified. The form's answer is the same whether or not the address has an
// account already (its owner gets a mail saying so), so sign-up reveals
// nothing about who has an account here.
import { z } from "zod";
import { db } from "../db.ts";
import { env } from "../env.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Conflict, Invalid } from "../errors.ts";
import type { RequestMeta } from "../context.ts";
import { logger } from "../logger.ts";
import { deliverMail, queueMail, redactMailLinks } from "../mail/send-mail.ts";
import { accountExistsMail, signUpMail } from "./account-mail.ts";
import { promoteIfConfiguredAdmin } from "./configured-admin.ts";
import { issueEmailToken, lockEmailToken, spendEmailToken, TOKEN_TTL_MS, usableEmailToken, voidPendingSignUps } from "./email-tokens.ts";
import { SignUpInput } from "./schemas.ts";
import { hashPassword, verifyPassword } from "../secrets/secrets.ts";
import { createSession } from "./sessions.ts";
import { assertPasswordSignInAllowed } from "../sso/policy.ts";
import { requireSourceSlot, takeMailSlot, takeRequestSlot } from "./throttle.ts";
import { invitationJoinedBySignUp, joinAfterSignUp } from "../invitations/invitations.ts";

const HOUR_MS = 3_600_000;
/** Sign-up links one source may try an hour: every sign-up it may start needs one, with room for retries. */
const linkAttemptsPerSourcePerHour = () => Math.max(30, Math.ceil(env().TOLLGATE_SIGN_UPS_PER_HOUR * 1.5));
/** Wrong passwords a sign-up link takes before it is void. */
export const WRONG_PASSWORDS_PER_LINK = 5;

/** nextPath: where the link leads after the account exists (a path on this site; checked again when followed). */
export const RequestSignUpInput = SignUpInput.extend({ nextPath: z.string().max(2000).startsWith("/").nullish() });

/** Sends the link that finishes the sign-up (or, for a taken address, a note to its owner). */
export async function requestSignUp(meta: RequestMeta, raw: unknown) {
  const input = RequestSignUpInput.parse(raw);
  // An address of a domain that signs in with SSO gets no password account.
  await assertPasswordSignInAllowed(input.email);
  await requireSourceSlot("signup", meta.ip, env().TOLLGATE_SIGN_UPS_PER_HOUR, HOUR_MS, "Too many sign-ups from your network.");
  // Hashed either way, so that the answer takes as long for a taken address.
  const passwordHash = await hashPassword(input.password);
  if (!(await takeMailSlot(input.email, meta.ip))) return { email: input.email };
  // Signing up through an invitation to this address: the mail says what it joins.
  const invitation = await invitationJoinedBySignUp(input.nextPath);
  const joining = invitation && invitation.email.toLowerCase() === input.email.toLowerCase() ? invitation : null;
  const outboxId = await db.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) return (await queueMail(tx, accountExistsMail(input.email))).id;
    const link = await issueEmailToken(tx, { purpose: "sign_up", email: input.email, name: input.name, passwordHash, nextPath: input.nextPath });
    return (await queueMail(tx, signUpMail(input.email, link.url, link.id, joining))).id;
  });
  // Not awaited: an SMTP round trip would tell a new address from a taken one.
  void deliverMail(outboxId).catch((error) => logger.error({ err: error, outboxId }, "sending the sign-up mail failed"));
  return { email: input.email };
}

const accountSelect = { id: true, email: true, name: true, emailVerifiedAt: true, isInstanceAdmin: true } as const;

export const CompleteSignUpInput = z.object({ token: z.string().max(100), password: z.string().min(1, "Enter the password you chose").max(200) });

/**
 * Uses a sign-up link: with the password chosen when signing up (so a link
 * someone else requested for your address cannot give you their password, or
 * them your account), creates the account, its address verified, and opens a
 * session. A link never touches an account that exists by now: its owner
 * signs in, or resets the password.
 */
export async function completeSignUp(meta: RequestMeta, raw: unknown) {
  const input = CompleteSignUpInput.parse(raw);
  await requireSourceSlot("signup-link", meta.ip, linkAttemptsPerSourcePerHour(), HOUR_MS, "Too many attempts from your network.");
  const now = new Date();
  // The password is checked before any lock is taken (it is slow on purpose).
  const pending = await usableEmailToken(["sign_up"], input.token, now);
  if (!pending.passwordHash || !(await verifyPassword(pending.passwordHash, input.password))) {
    // Whoever keeps guessing is not who signed up: after a few wrong passwords the link is void.
    if (!(await takeRequestSlot(`signup-link-fail:${pending.id}`, WRONG_PASSWORDS_PER_LINK, TOKEN_TTL_MS.sign_up))) {
      await db.emailToken.updateMany({ where: { id: pending.id, usedAt: null }, data: { usedAt: now } });
      throw new Conflict("link_used", "Too many wrong passwords: this link no longer works. Sign up again.");
    }
    throw new Invalid("wrong_password", "This is not the password chosen when signing up. Type the one you chose then; if you did not ask to sign up, ignore this link.");
  }
  let user;
  let nextPath: string | null = null;
  try {
    ({ user, nextPath } = await db.$transaction(async (tx) => {
      const link = await lockEmailToken(tx, ["sign_up"], input.token, now);
      await spendEmailToken(tx, link.id, now);
      await redactMailLinks(tx, link.id, "used");
      if (await tx.user.findUnique({ where: { email: link.email }, select: { id: true } })) {
        await voidPendingSignUps(tx, link.email, now);
        return { user: null, nextPath: null };
      }
      let user = await tx.user.create({
        data: { email: link.email, name: link.name ?? link.email.split("@")[0]!, passwordHash: link.passwordHash, emailVerifiedAt: now, origin: "sign_up" },
        select: accountSelect,
      });
      await voidPendingSignUps(tx, link.email, now);
      await recordAudit(tx, {
        action: "user.signed_up",
        orgId: null,
        actor: { userId: user.id, email: user.email },
        target: { type: "user", id: user.id },
        meta,
        after: { email: user.email, name: user.name },
      });
      if (await promoteIfConfiguredAdmin(tx, user, meta)) user = { ...user, isInstanceAdmin: true };
      return { user, nextPath: link.nextPath };
    }));
  } catch (error) {
    if (isUniqueViolation(error)) user = null;
    else throw error;
  }
  if (!user) throw new Conflict("account_exists", "An account with this address exists now. Sign in, or use “Forgot your password?”.");
  const session = await createSession(user.id, meta, { authMethod: "sign_up_link" });
  // Signed up through an invitation's link: joined now, not after another click.
  nextPath = await joinAfterSignUp({ ...meta, principal: { type: "user", userId: user.id, email: user.email, isInstanceAdmin: user.isInstanceAdmin } }, nextPath);
  return { user: { id: user.id, email: user.email, name: user.name, isInstanceAdmin: user.isInstanceAdmin }, sessionId: session.id, nextPath: nextPath ?? "/" };
}
