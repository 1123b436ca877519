// One-time links sent by email. The token is 256 random bits, shown only in
// the mail; the database keeps its hash. A newer link of the same purpose
// (for the same account, or for the same address when there is no account
// yet) replaces older ones, and a link works once.
import { db, type Tx } from "../db.ts";
import { Conflict, NotFound } from "../errors.ts";
import { publicUrl } from "../env.ts";
import { hashToken, randomToken } from "../secrets/secrets.ts";

export type EmailTokenPurpose = "sign_up" | "confirm_email" | "reset_password";

const HOUR_MS = 3_600_000;
export const TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = { sign_up: 24 * HOUR_MS, confirm_email: 24 * HOUR_MS, reset_password: HOUR_MS };
const PAGE: Record<EmailTokenPurpose, string> = { sign_up: "/verify-email", confirm_email: "/verify-email", reset_password: "/reset-password" };

export function emailLink(purpose: EmailTokenPurpose, token: string) {
  return `${publicUrl().replace(/\/$/, "")}${PAGE[purpose]}/${token}`;
}

type IssueInput = { purpose: EmailTokenPurpose; email: string; userId?: string | null; name?: string; passwordHash?: string; nextPath?: string | null };

export async function issueEmailToken(tx: Tx, input: IssueInput, now = new Date()) {
  // A newer link replaces that account's older ones of the same purpose. Sign-up
  // links (no account yet) coexist: each works only with its own password, so a
  // stranger's request must not void the owner's; using one voids the rest.
  if (input.userId) await tx.emailToken.updateMany({ where: { userId: input.userId, purpose: input.purpose, usedAt: null }, data: { usedAt: now } });
  const token = randomToken();
  const row = await tx.emailToken.create({
    data: {
      purpose: input.purpose,
      tokenHash: hashToken(token),
      email: input.email,
      userId: input.userId ?? null,
      name: input.name ?? null,
      passwordHash: input.passwordHash ?? null,
      nextPath: input.nextPath ?? null,
      expiresAt: new Date(now.getTime() + TOKEN_TTL_MS[input.purpose]),
    },
    select: { id: true },
  });
  return { id: row.id, token, url: emailLink(input.purpose, token) };
}

const LINK_NOT_VALID = "This link is not valid. Ask for a new one.";

function statusOf(row: { usedAt: Date | null; expiresAt: Date }, now: Date): "valid" | "used" | "expired" {
  if (row.usedAt) return "used";
  return row.expiresAt <= now ? "expired" : "valid";
}

/** What a page shows before the link is used; unknown or mistyped tokens are NotFound. */
export async function previewEmailToken(purposes: EmailTokenPurpose[], token: string, now = new Date()) {
  const row = /^[A-Za-z0-9_-]{43}$/.test(token)
    ? await db.emailToken.findUnique({ where: { tokenHash: hashToken(token) }, select: { purpose: true, email: true, usedAt: true, expiresAt: true, nextPath: true, userId: true } })
    : null;
  if (!row || !purposes.includes(row.purpose as EmailTokenPurpose)) throw new NotFound("link_not_found", LINK_NOT_VALID);
  return { purpose: row.purpose as EmailTokenPurpose, email: row.email, nextPath: row.nextPath, userId: row.userId, status: statusOf(row, now) };
}

/** The link as using it would find it (throwing the same way), without locking it: for checks before expensive work. */
export async function usableEmailToken(purposes: EmailTokenPurpose[], token: string, now = new Date()) {
  const row = TOKEN_SHAPE.test(token) ? await db.emailToken.findUnique({ where: { tokenHash: hashToken(token) }, omit: { passwordHash: false } }) : null;
  return usableOrThrow(row, purposes, now);
}

export async function assertLinkUsable(purposes: EmailTokenPurpose[], token: string, now = new Date()) {
  await usableEmailToken(purposes, token, now);
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

function usableOrThrow<T extends { purpose: string; usedAt: Date | null; expiresAt: Date }>(row: T | null, purposes: EmailTokenPurpose[], now: Date) {
  if (!row || !purposes.includes(row.purpose as EmailTokenPurpose)) throw new NotFound("link_not_found", LINK_NOT_VALID);
  const status = statusOf(row, now);
  if (status === "used") throw new Conflict("link_used", "This link was used already, or a newer one replaced it. Ask for a new one.");
  if (status === "expired") throw new Conflict("link_expired", "This link has expired. Ask for a new one.");
  return { ...row, purpose: row.purpose as EmailTokenPurpose };
}

/** Locks a usable link in the caller's transaction (a concurrent use waits), without spending it. */
export async function lockEmailToken(tx: Tx, purposes: EmailTokenPurpose[], token: string, now = new Date()) {
  if (!TOKEN_SHAPE.test(token)) throw new NotFound("link_not_found", LINK_NOT_VALID);
  await tx.$queryRaw`SELECT 1 FROM "EmailToken" WHERE "tokenHash" = ${hashToken(token)} FOR UPDATE`;
  return usableOrThrow(await tx.emailToken.findUnique({ where: { tokenHash: hashToken(token) }, omit: { passwordHash: false } }), purposes, now);
}

export async function spendEmailToken(tx: Tx, id: string, now = new Date()) {
  await tx.emailToken.update({ where: { id }, data: { usedAt: now } });
}

/** Locks and spends the link inside the caller's transaction; a second, concurrent use fails. */
export async function consumeEmailToken(tx: Tx, purposes: EmailTokenPurpose[], token: string, now = new Date()) {
  const row = await lockEmailToken(tx, purposes, token, now);
  await spendEmailToken(tx, row.id, now);
  return row;
}

/** An account now has this address: sign-up links for it are void (any path that gives an address calls this). */
export async function voidPendingSignUps(tx: Tx, email: string, now = new Date()) {
  await tx.emailToken.updateMany({ where: { email, purpose: "sign_up", usedAt: null }, data: { usedAt: now } });
}

const SPENT: Record<"used" | "expired", string> = {
  used: "This link was used already, or a newer one replaced it.",
  expired: "This link has expired.",
};

/** For the page a link opens: the link, or why it cannot be used (in words for people). */
export async function linkPageState(purposes: EmailTokenPurpose[], token: string) {
  try {
    const link = await previewEmailToken(purposes, token);
    return { link, problem: link.status === "valid" ? null : SPENT[link.status] };
  } catch (error) {
    if (error instanceof NotFound) return { link: null, problem: error.message };
    throw error;
  }
}
