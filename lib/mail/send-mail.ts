// Outgoing mail. Every message is written to the OutboxEmail table in the
// caller's transaction; with SMTP_URL set it is then sent by nodemailer,
// without it the outbox is where instance admins read it. Mail carries live
// links (invitations, sign-up, password reset), so its text never goes to the
// server log.
import nodemailer from "nodemailer";
import { db, type Tx } from "../db.ts";
import { logger } from "../logger.ts";
import { mailHtml } from "./html.ts";

export type Mail = { to: string; subject: string; text: string; relatedId?: string };

// Pages that take a one-time token in their path.
const LINK = /\/(invite|verify-email|reset-password)\/[A-Za-z0-9_-]{20,}/g;
export const redactLinks = (text: string, why: string) => text.replace(LINK, (_m, page: string) => `/${page}/[link ${why}]`);

/** Removes live links from stored copies of mail about `relatedId`. */
export async function redactMailLinks(tx: Tx, relatedId: string, why: string) {
  const rows = await tx.outboxEmail.findMany({ where: { relatedId }, select: { id: true, text: true } });
  for (const row of rows) await tx.outboxEmail.update({ where: { id: row.id }, data: { text: redactLinks(row.text, why) } });
}

export async function queueMail(tx: Tx, mail: Mail) {
  return tx.outboxEmail.create({
    data: { ...mail, transport: process.env.SMTP_URL ? "smtp" : "outbox" },
    select: { id: true },
  });
}

/** Call after the transaction that queued the mail has committed. */
export async function deliverMail(outboxId: string) {
  const mail = await db.outboxEmail.findUnique({ where: { id: outboxId } });
  if (!mail) return;
  if (!process.env.SMTP_URL) {
    logger.info({ outboxId, to: mail.to, subject: mail.subject }, "mail kept in the outbox (SMTP_URL is not set): instance admins read it under Instance admin → Outbox");
    return;
  }
  try {
    const transport = nodemailer.createTransport(process.env.SMTP_URL);
    // Plain text and HTML (multipart/alternative): mail clients show the one they prefer.
    await transport.sendMail({ from: process.env.MAIL_FROM ?? "Tollgate <no-reply@localhost>", to: mail.to, subject: mail.subject, text: mail.text, html: mailHtml(mail.subject, mail.text) });
    // Sent: the stored copy no longer needs a usable link.
    await db.outboxEmail.update({ where: { id: outboxId }, data: { sentAt: new Date(), error: null, text: redactLinks(mail.text, "sent by email") } });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error({ outboxId, err: message }, "sending mail failed");
    await db.outboxEmail.update({ where: { id: outboxId }, data: { error: message.slice(0, 500) } });
  }
}
