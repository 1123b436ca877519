// Passkeys (WebAuthn, through @simplewebauthn/server): added on the account
// page, used as the second step of a password sign-in, or to sign in without
// a password. User verification is required, so a passkey sign-in counts as
// MFA. Each challenge is stored and taken once; the relying party is the host
// of NEXTAUTH_URL, the only origin accepted is its origin.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import type { RequestMeta, UserCtx } from "../context.ts";
import { db } from "../db.ts";
import { publicUrl } from "../env.ts";
import { Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated } from "../errors.ts";
import { verifyPassword } from "../secrets/secrets.ts";
import { requireSourceSlot, takeRequestSlot } from "./throttle.ts";
import { ensureRecoveryCodes, dropRecoveryCodesIfNoFactor, hasSecondFactor } from "./mfa.ts";
import { forgetCachedSession } from "./sessions.ts";

const CHALLENGE_TTL_MS = 5 * 60_000;
export const MAX_PASSKEYS = 10;
const PASSWORD_TRIES_PER_WINDOW = 10;
const PASSWORD_WINDOW_MS = 15 * 60_000;
/** Passkey sign-ins one source may start per hour. */
const PASSKEY_STARTS_PER_HOUR = 300;

type SessionCtx = UserCtx & { sessionId: string };

const relyingParty = () => {
  const url = new URL(publicUrl());
  return { rpID: url.hostname, origin: url.origin };
};

/** A browser's WebAuthn answer, as @simplewebauthn/browser gives it; its content is checked by the verifier. */
const WebAuthnResponse = z.looseObject({
  id: z.string().min(1).max(1024),
  rawId: z.string().max(1024),
  type: z.literal("public-key"),
  response: z.looseObject({ clientDataJSON: z.string().max(10_000) }),
});
export const FinishPasskeyInput = z.strictObject({
  name: z.string().trim().min(1, "required").max(100, "at most 100 characters"),
  response: WebAuthnResponse,
});
export const PasswordInput = z.strictObject({ password: z.string().max(200).optional() });
export const RemovePasskeyInput = z.strictObject({ passkeyId: z.uuid("Unknown passkey"), password: z.string().max(200).optional() });

/** The challenge a browser answered, from its client data (the verifier checks it matches). */
function challengeOf(response: { response: { clientDataJSON: string } }): string {
  try {
    const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, "base64url").toString("utf8")) as { challenge?: unknown };
    return typeof clientData.challenge === "string" ? clientData.challenge : "";
  } catch {
    return "";
  }
}

/** Takes a stored challenge once (for this user, or for a sign-in); false when it is unknown, used or expired. */
async function takeChallenge(challenge: string, purpose: "register" | "authenticate", userId: string | null): Promise<boolean> {
  if (!challenge) return false;
  const taken = await db.webAuthnChallenge.deleteMany({ where: { challenge, purpose, userId, expiresAt: { gt: new Date() } } });
  return taken.count === 1;
}

/**
 * Who changes the account's passkeys proves it is them: the password (tries
 * counted per account, as a stolen session could guess it), and, when the
 * account has a second factor already, a session that passed it (or a
 * stolen session plus the password would add a way round it).
 */
async function assertAccountHolder(ctx: SessionCtx, password: string | undefined, what: string) {
  const userId = ctx.principal.userId;
  const { passwordHash } = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
  // Accounts made by an organization's identity provider sign in through it: a passkey would outlive its say.
  if (!passwordHash)
    throw new Forbidden(
      "passkey_needs_password",
      "This account signs in through its organization's identity provider, so it has no passkeys. Set a password first (Forgot your password?) to add one.",
    );
  if (!(await takeRequestSlot(`passkey-password:${userId}`, PASSWORD_TRIES_PER_WINDOW, PASSWORD_WINDOW_MS))) {
    throw new RateLimited("too_many_attempts", "Too many passwords were tried. Wait 15 minutes, then try again.", PASSWORD_WINDOW_MS / 1000);
  }
  if (!(password && (await verifyPassword(passwordHash, password)))) throw new Invalid("password_incorrect", `password: enter your current password to ${what}.`);
  if (ctx.principal.mfa !== true && (await hasSecondFactor(userId))) {
    throw new Forbidden("mfa_session_required", `To ${what}, sign in with your second factor first (this session did not use it).`);
  }
}

export async function listPasskeys(ctx: UserCtx) {
  return db.passkey.findMany({
    where: { userId: ctx.principal.userId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, name: true, createdAt: true, lastUsedAt: true, backedUp: true },
  });
}

export async function hasPasskey(userId: string): Promise<boolean> {
  return (await db.passkey.count({ where: { userId } })) > 0;
}

/**
 * Options for the browser to make a passkey. An account with a password gives
 * it first: a stolen session alone must not add a way in.
 */
export async function startPasskeyRegistration(ctx: SessionCtx, raw: unknown = {}) {
  const { password } = PasswordInput.parse(raw ?? {});
  await assertAccountHolder(ctx, password, "add a passkey");
  const existing = await db.passkey.findMany({ where: { userId: ctx.principal.userId }, select: { credentialId: true, transports: true } });
  if (existing.length >= MAX_PASSKEYS) throw new Conflict("too_many_passkeys", `An account has at most ${MAX_PASSKEYS} passkeys. Remove one first.`);
  const { rpID } = relyingParty();
  const options = await generateRegistrationOptions({
    rpName: "Tollgate",
    rpID,
    userName: ctx.principal.email,
    userID: new Uint8Array(Buffer.from(ctx.principal.userId.replace(/-/g, ""), "hex")),
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
  await db.webAuthnChallenge.create({ data: { challenge: options.challenge, purpose: "register", userId: ctx.principal.userId, expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS) } });
  return options;
}

type AuthenticatorTransportFuture = "ble" | "cable" | "hybrid" | "internal" | "nfc" | "smart-card" | "usb";

/** Keeps the passkey the browser made; the first one (without an authenticator app) also brings recovery codes, shown once. */
export async function finishPasskeyRegistration(ctx: SessionCtx, raw: unknown): Promise<{ id: string; name: string; recoveryCodes: string[] | null }> {
  const { name, response } = FinishPasskeyInput.parse(raw);
  const challenge = challengeOf(response);
  if (!(await takeChallenge(challenge, "register", ctx.principal.userId))) throw new Invalid("passkey_challenge_invalid", "This passkey set-up has expired. Start again.");
  const { rpID, origin } = relyingParty();
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
    });
  } catch (error) {
    throw new Invalid("passkey_invalid", `The passkey was not accepted: ${(error as Error).message}`);
  }
  if (!verification.verified || !verification.registrationInfo) throw new Invalid("passkey_invalid", "The passkey was not accepted.");
  const info = verification.registrationInfo;
  const result = await db.$transaction(async (tx) => {
    if (await tx.passkey.findUnique({ where: { credentialId: info.credential.id }, select: { id: true } })) throw new Conflict("passkey_exists", "This passkey is added already.");
    if ((await tx.passkey.count({ where: { userId: ctx.principal.userId } })) >= MAX_PASSKEYS)
      throw new Conflict("too_many_passkeys", `An account has at most ${MAX_PASSKEYS} passkeys. Remove one first.`);
    const row = await tx.passkey.create({
      data: {
        userId: ctx.principal.userId,
        name,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey),
        counter: BigInt(info.credential.counter),
        transports: info.credential.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
      },
      select: { id: true, name: true },
    });
    await tx.session.updateMany({ where: { id: ctx.sessionId, userId: ctx.principal.userId }, data: { mfaAt: new Date() } });
    await recordAudit(tx, { action: "mfa.passkey.added", orgId: null, actor: actorOf(ctx), target: { type: "user", id: ctx.principal.userId }, meta: ctx, after: { name, passkeyId: row.id } });
    return { ...row, recoveryCodes: await ensureRecoveryCodes(tx, ctx.principal.userId) };
  });
  forgetCachedSession(ctx.sessionId);
  return result;
}

export async function removePasskey(ctx: SessionCtx, raw: unknown) {
  const { passkeyId, password } = RemovePasskeyInput.parse(raw);
  await assertAccountHolder(ctx, password, "remove a passkey");
  await db.$transaction(async (tx) => {
    const row = await tx.passkey.findFirst({ where: { id: passkeyId, userId: ctx.principal.userId }, select: { id: true, name: true } });
    if (!row) throw new NotFound("passkey_not_found", "Passkey not found.");
    await tx.passkey.delete({ where: { id: row.id } });
    await dropRecoveryCodesIfNoFactor(tx, ctx.principal.userId);
    await recordAudit(tx, {
      action: "mfa.passkey.removed",
      orgId: null,
      actor: actorOf(ctx),
      target: { type: "user", id: ctx.principal.userId },
      meta: ctx,
      before: { name: row.name, passkeyId: row.id },
    });
  });
}

/** Options for a sign-in with a passkey (any of this site's: the authenticator offers them). */
export async function passkeySignInOptions(meta: RequestMeta) {
  await requireSourceSlot("passkey-start", meta.ip, PASSKEY_STARTS_PER_HOUR, 3_600_000, "Too many sign-ins were started from your network.");
  const options = await generateAuthenticationOptions({ rpID: relyingParty().rpID, userVerification: "required" });
  await db.webAuthnChallenge.create({ data: { challenge: options.challenge, purpose: "authenticate", userId: null, expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS) } });
  return options;
}

/**
 * Checks a passkey's answer to a sign-in challenge and returns whose it is.
 * `expectedUserId`: the account whose password was just given (second step).
 * Throws Unauthenticated with the same message for every failure.
 */
export async function verifyPasskeySignIn(raw: unknown, expectedUserId?: string): Promise<{ userId: string }> {
  const refused = () => new Unauthenticated("passkey_invalid", "That passkey was not accepted. Try again, or use another way to sign in.");
  const parsed = WebAuthnResponse.safeParse(raw);
  if (!parsed.success) throw refused();
  const response = parsed.data as unknown as AuthenticationResponseJSON;
  const challenge = challengeOf(parsed.data);
  const passkey = await db.passkey.findUnique({ where: { credentialId: response.id }, select: { id: true, userId: true, publicKey: true, counter: true, transports: true } });
  // The challenge is used up whatever happens next: an answer is tried once.
  const fresh = await takeChallenge(challenge, "authenticate", null);
  if (!fresh || !passkey || (expectedUserId && passkey.userId !== expectedUserId)) throw refused();
  const { rpID, origin } = relyingParty();
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
      credential: { id: response.id, publicKey: new Uint8Array(passkey.publicKey), counter: Number(passkey.counter), transports: passkey.transports as AuthenticatorTransportFuture[] },
    });
  } catch {
    throw refused();
  }
  if (!verification.verified) throw refused();
  // A counter that does not move on (a cloned authenticator) is refused by the verifier; keep the new one.
  const updated = await db.passkey.updateMany({
    where: { id: passkey.id, counter: passkey.counter },
    data: { counter: BigInt(verification.authenticationInfo.newCounter), lastUsedAt: new Date() },
  });
  if (updated.count !== 1) throw refused();
  return { userId: passkey.userId };
}

/** Challenges never answered, dropped once expired. */
export async function purgeWebAuthnChallenges(now = new Date()): Promise<number> {
  return (await db.webAuthnChallenge.deleteMany({ where: { expiresAt: { lt: now } } })).count;
}
