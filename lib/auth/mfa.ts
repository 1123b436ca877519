// Second factor: an authenticator app (TOTP, RFC 6238, through otplib),
// enrolled with a QR code and confirmed with a first code, plus ten one-time
// recovery codes kept as hashes. A code is taken once: the factor keeps the
// time step of the last code it took, and refuses that step and older ones.
// A session that passed a second factor records when (Session.mfaAt), and
// grants with the MFA condition hold only in such a session.
import { generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";
import { z } from "zod";
import { actorOf, recordAudit } from "../audit/record-audit.ts";
import type { UserCtx } from "../context.ts";
import { db, type Tx } from "../db.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { seal, unseal } from "../secrets/sealed.ts";
import { hashToken, randomToken, verifyPassword } from "../secrets/secrets.ts";
import { forgetCachedSession } from "./sessions.ts";

const SECRET_PURPOSE = "mfa-totp-secret";
/** Seconds either side of now whose codes are taken: one 30-second step, for clocks and typing. */
const TOLERANCE_S = 30;
const RECOVERY_CODES = 10;

const Code = z
  .string()
  .trim()
  .min(1, "Enter the code")
  .max(32, "That is not a code")
  .transform((c) => c.replace(/\s+/g, "").toLowerCase());
export const ConfirmTotpInput = z.strictObject({ factorId: z.uuid("Start again"), code: Code });
export const CodeInput = z.strictObject({ code: Code });

type SessionCtx = UserCtx & { sessionId: string };

async function confirmedTotp(userId: string) {
  return db.mfaFactor.findFirst({ where: { userId, kind: "totp", confirmedAt: { not: null } }, select: { id: true, secretSealed: true, lastTimeStep: true } });
}

export async function mfaStatus(userId: string): Promise<{ totp: boolean; passkeys: number; recoveryCodesLeft: number }> {
  const [factor, passkeys, left] = await Promise.all([confirmedTotp(userId), db.passkey.count({ where: { userId } }), db.mfaRecoveryCode.count({ where: { userId, usedAt: null } })]);
  return { totp: factor !== null, passkeys, recoveryCodesLeft: factor || passkeys ? left : 0 };
}

/** An authenticator app or a passkey: a password sign-in then asks for one of them. */
export async function hasSecondFactor(userId: string): Promise<boolean> {
  const [factor, passkeys] = await Promise.all([confirmedTotp(userId), db.passkey.count({ where: { userId } })]);
  return factor !== null || passkeys > 0;
}

/** The first second factor brings recovery codes (shown once); later ones keep the codes there are. Null when there were codes already. */
export async function ensureRecoveryCodes(tx: Tx, userId: string): Promise<string[] | null> {
  if (await tx.mfaRecoveryCode.count({ where: { userId } })) return null;
  return replaceRecoveryCodes(tx, userId);
}

/** With no second factor left, recovery codes have nothing to recover: they go. */
export async function dropRecoveryCodesIfNoFactor(tx: Tx, userId: string) {
  const [totp, passkeys] = await Promise.all([tx.mfaFactor.count({ where: { userId, confirmedAt: { not: null } } }), tx.passkey.count({ where: { userId } })]);
  if (totp === 0 && passkeys === 0) await tx.mfaRecoveryCode.deleteMany({ where: { userId } });
}

export const StartTotpInput = z.strictObject({ password: z.string().max(200).optional() });

/**
 * A new authenticator secret to scan; it counts once confirmed with a code.
 * An account with a password gives it again first: a stolen session alone
 * must not be able to add a factor that locks the owner out.
 */
export async function startTotpEnrollment(ctx: UserCtx, raw: unknown = {}): Promise<{ factorId: string; secret: string; otpauthUri: string; qrSvg: string }> {
  const { password } = StartTotpInput.parse(raw ?? {});
  if (await confirmedTotp(ctx.principal.userId)) throw new Conflict("mfa_already_enabled", "An authenticator app is set up already. Turn it off first to set up another.");
  const { passwordHash } = await db.user.findUniqueOrThrow({ where: { id: ctx.principal.userId }, select: { passwordHash: true } });
  if (passwordHash && !(password && (await verifyPassword(passwordHash, password)))) throw new Invalid("password_incorrect", "password: enter your current password to set up two-step sign-in.");
  const secret = generateSecret();
  const otpauthUri = generateURI({ issuer: "Tollgate", label: ctx.principal.email, secret });
  const factor = await db.$transaction(async (tx) => {
    await tx.mfaFactor.deleteMany({ where: { userId: ctx.principal.userId, confirmedAt: null } });
    return tx.mfaFactor.create({ data: { userId: ctx.principal.userId, kind: "totp", secretSealed: seal(secret, SECRET_PURPOSE) }, select: { id: true } });
  });
  return { factorId: factor.id, secret, otpauthUri, qrSvg: await QRCode.toString(otpauthUri, { type: "svg", margin: 1 }) };
}

/**
 * Takes `code` for the factor if it is right and newer than the last one it
 * took (atomically: two requests with one code, one wins).
 */
async function takeTotpCode(factor: { id: string; secretSealed: string; lastTimeStep: number | null }, code: string, now: number): Promise<boolean> {
  const secret = unseal(factor.secretSealed, SECRET_PURPOSE);
  if (!secret || !/^\d{6}$/.test(code)) return false;
  const result = await verify({ secret, token: code, epoch: Math.floor(now / 1000), epochTolerance: TOLERANCE_S, afterTimeStep: factor.lastTimeStep ?? undefined });
  if (!result.valid) return false;
  const step = (result as { timeStep: number }).timeStep;
  const taken = await db.mfaFactor.updateMany({
    where: { id: factor.id, OR: [{ lastTimeStep: null }, { lastTimeStep: { lt: step } }] },
    data: { lastTimeStep: step, lastUsedAt: new Date(now) },
  });
  return taken.count === 1;
}

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES }, () => {
    const raw = randomToken(8)
      .replace(/[^a-zA-Z0-9]/g, "")
      .toLowerCase()
      .padEnd(10, "x")
      .slice(0, 10);
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
}
const recoveryHash = (code: string) => hashToken(`mfa-recovery:${code.replace(/-/g, "")}`);

async function replaceRecoveryCodes(tx: Tx, userId: string): Promise<string[]> {
  const codes = newRecoveryCodes();
  await tx.mfaRecoveryCode.deleteMany({ where: { userId } });
  await tx.mfaRecoveryCode.createMany({ data: codes.map((code) => ({ userId, codeHash: recoveryHash(code) })) });
  return codes;
}

/** Confirms the app with its first code: MFA is on, this session counts as having used it, and the recovery codes are shown once. */
export async function confirmTotpEnrollment(ctx: SessionCtx, raw: unknown, now = Date.now()): Promise<{ recoveryCodes: string[] }> {
  const { factorId, code } = ConfirmTotpInput.parse(raw);
  const factor = await db.mfaFactor.findFirst({ where: { id: factorId, userId: ctx.principal.userId, confirmedAt: null }, select: { id: true, secretSealed: true, lastTimeStep: true } });
  if (!factor) throw new NotFound("factor_not_found", "This set-up has expired. Start again.");
  if (!(await takeTotpCode(factor, code, now))) throw new Invalid("mfa_code_invalid", "code: that code is not right. Enter the one your app shows now.");
  const recoveryCodes = await db.$transaction(async (tx) => {
    await tx.mfaFactor.update({ where: { id: factor.id }, data: { confirmedAt: new Date(now) } });
    await tx.session.updateMany({ where: { id: ctx.sessionId, userId: ctx.principal.userId }, data: { mfaAt: new Date(now) } });
    await recordAudit(tx, { action: "mfa.enabled", orgId: null, actor: actorOf(ctx), target: { type: "user", id: ctx.principal.userId }, meta: ctx, after: { kind: "totp" } });
    return replaceRecoveryCodes(tx, ctx.principal.userId);
  });
  forgetCachedSession(ctx.sessionId);
  return { recoveryCodes };
}

/**
 * The second step of a sign-in (or of a change that asks for it): a code of
 * the app, or an unused recovery code (then used up). False when neither.
 */
export async function verifySecondFactor(userId: string, rawCode: string, meta: { ip: string | null; userAgent: string | null }, now = Date.now()): Promise<boolean> {
  const parsed = Code.safeParse(rawCode);
  if (!parsed.success) return false;
  const code = parsed.data;
  if (/^\d{6}$/.test(code)) {
    const factor = await confirmedTotp(userId);
    return factor ? takeTotpCode(factor, code, now) : false;
  }
  return db.$transaction(async (tx) => {
    const used = await tx.mfaRecoveryCode.updateMany({ where: { userId, codeHash: recoveryHash(code), usedAt: null }, data: { usedAt: new Date(now) } });
    if (used.count !== 1) return false;
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } });
    await recordAudit(tx, { action: "mfa.recovery_code.used", orgId: null, actor: { userId, email: user.email }, target: { type: "user", id: userId }, meta });
    return true;
  });
}

async function requireCode(ctx: SessionCtx, code: string) {
  if (!(await verifySecondFactor(ctx.principal.userId, code, ctx))) throw new Invalid("mfa_code_invalid", "code: that code is not right. Enter the one your app shows now, or a recovery code.");
}

/** Turns the authenticator off (a current code or a recovery code proves it is the owner of the account). */
export async function disableTotp(ctx: SessionCtx, raw: unknown) {
  const { code } = CodeInput.parse(raw);
  await requireCode(ctx, code);
  await db.$transaction(async (tx) => {
    await tx.mfaFactor.deleteMany({ where: { userId: ctx.principal.userId } });
    await dropRecoveryCodesIfNoFactor(tx, ctx.principal.userId);
    await recordAudit(tx, { action: "mfa.disabled", orgId: null, actor: actorOf(ctx), target: { type: "user", id: ctx.principal.userId }, meta: ctx, before: { kind: "totp" } });
  });
}

/** New recovery codes (the old ones stop working), shown once. */
export async function regenerateRecoveryCodes(ctx: SessionCtx, raw: unknown): Promise<{ recoveryCodes: string[] }> {
  const { code } = CodeInput.parse(raw);
  await requireCode(ctx, code);
  const recoveryCodes = await db.$transaction(async (tx) => {
    await recordAudit(tx, { action: "mfa.recovery_codes.regenerated", orgId: null, actor: actorOf(ctx), target: { type: "user", id: ctx.principal.userId }, meta: ctx });
    return replaceRecoveryCodes(tx, ctx.principal.userId);
  });
  return { recoveryCodes };
}
