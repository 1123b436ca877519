// Checks credentials with throttling, then opens a server-side session.
import { db } from "../db.ts";
import { isDomainError, RateLimited, Unauthenticated } from "../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { RequestMeta } from "../context.ts";
import { SignInInput } from "./schemas.ts";
import { verifyAgainstDummy, verifyPassword } from "../secrets/secrets.ts";
import { assertPasswordSignInAllowed } from "../sso/policy.ts";
import { createSession } from "./sessions.ts";
import { hasSecondFactor, verifySecondFactor } from "./mfa.ts";
import { MFA_REQUIRED_MESSAGE } from "./mfa-messages.ts";
import { reserveSignInAttempt, signInSucceeded, takeRequestSlot } from "./throttle.ts";
import { verifyPasskeySignIn } from "./passkeys.ts";
import { z } from "zod";

/** Second-factor codes one account may have tried in a window, from anywhere (three codes are valid at a time, in a million). */
const MFA_CODES_PER_WINDOW = 10;
const MFA_WINDOW_MS = 15 * 60_000;

/**
 * Every sign-in with a password or passkey is audited (instance-wide, as no
 * organization is involved yet): who, how, and for a refusal its reason. The
 * password's "second step, please" is no refusal and is not.
 */
async function audited<T extends { user: { id: string; email: string } }>(meta: RequestMeta, method: "password" | "passkey", email: string | null, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // Refusals past the rate limit are the throttle's to count: auditing each would let a flood write rows.
    if (isDomainError(error) && error.code !== "mfa_required" && !(error instanceof RateLimited)) {
      await db.$transaction((tx) =>
        recordAudit(tx, { action: "auth.login.failed", orgId: null, actor: { userId: null, email }, target: { type: "user" }, meta, after: { method, reason: error.code } }),
      );
    }
    throw error;
  }
  await db.$transaction((tx) =>
    recordAudit(tx, {
      action: "auth.login.succeeded",
      orgId: null,
      actor: { userId: result.user.id, email: result.user.email },
      target: { type: "user", id: result.user.id },
      meta,
      after: { method },
    }),
  );
  return result;
}

export async function signIn(meta: RequestMeta, raw: unknown, now = Date.now()) {
  const input = SignInInput.parse(raw);
  return audited(meta, "password", input.email, () => passwordSignIn(meta, input, now));
}

async function passwordSignIn(meta: RequestMeta, input: z.infer<typeof SignInInput>, now: number) {
  await reserveSignInAttempt(input.email, meta.ip);
  await assertPasswordSignInAllowed(input.email);
  const user = await db.user.findUnique({
    where: { email: input.email },
    select: { id: true, email: true, name: true, passwordHash: true },
  });
  const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, input.password) : await verifyAgainstDummy(input.password);
  if (!user || !ok) throw new Unauthenticated("invalid_credentials", "Email or password is incorrect.");
  const mfa = await hasSecondFactor(user.id);
  if (mfa) {
    // The password was right: the second step is asked for (counted as an attempt until it succeeds).
    if (input.passkey) {
      await verifyPasskeySignIn(parseJson(input.passkey), user.id);
      await signInSucceeded(input.email, meta.ip);
      const session = await createSession(user.id, meta, { authMethod: "password", mfa: true });
      return { user: { id: user.id, email: user.email, name: user.name }, sessionId: session.id };
    }
    if (!input.code) throw new Unauthenticated("mfa_required", MFA_REQUIRED_MESSAGE);
    // Codes are guessed per account, from any number of addresses: the account's own count stops that.
    if (!(await takeRequestSlot(`mfa-code:${user.id}`, MFA_CODES_PER_WINDOW, MFA_WINDOW_MS))) {
      throw new RateLimited("too_many_attempts", "Too many codes were tried for this account. Wait 15 minutes, then try again.", MFA_WINDOW_MS / 1000);
    }
    if (!(await verifySecondFactor(user.id, input.code, meta, now)))
      throw new Unauthenticated("mfa_invalid", "That code is not right. Enter the newest one from your authenticator app, or a recovery code.");
  }
  await signInSucceeded(input.email, meta.ip);
  const session = await createSession(user.id, meta, { authMethod: "password", mfa });
  return { user: { id: user.id, email: user.email, name: user.name }, sessionId: session.id };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

export const PasskeySignInInput = z.strictObject({ assertion: z.string().min(1, "Use your passkey").max(20_000) });

/**
 * A sign-in with a passkey alone (no password): the passkey names its account
 * and its user verification counts as MFA. Addresses whose organization
 * requires single sign-on are refused, as for passwords.
 */
export async function signInWithPasskey(meta: RequestMeta, raw: unknown) {
  const { assertion } = PasskeySignInInput.parse(raw);
  return audited(meta, "passkey", null, async () => {
    const { userId } = await verifyPasskeySignIn(parseJson(assertion));
    const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, email: true, name: true } });
    await assertPasswordSignInAllowed(user.email);
    const session = await createSession(user.id, meta, { authMethod: "passkey", mfa: true });
    return { user, sessionId: session.id };
  });
}
