// The one audit writer. Call it with the transaction that makes the change,
// so an event exists exactly when its change does.
import { randomUUID } from "node:crypto";
import type { Prisma, Tx } from "../db.ts";
import { sql, type Sql } from "../db/sql.ts";
import type { Principal, RequestMeta } from "../context.ts";

export type AuditActor = { userId: string | null; email: string | null };

export type AuditEventInput = {
  action: string;
  orgId: string | null;
  actor: AuditActor;
  target: { type: string; id?: string | null };
  meta: Pick<RequestMeta, "ip" | "userAgent">;
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
};

export async function recordAudit(tx: Tx, event: AuditEventInput) {
  await tx.auditEvent.create({
    data: {
      action: event.action,
      orgId: event.orgId,
      actorId: event.actor.userId,
      actorEmail: event.actor.email,
      targetType: event.target.type,
      targetId: event.target.id ?? null,
      ip: event.meta.ip,
      userAgent: event.meta.userAgent?.slice(0, 512) ?? null,
      before: event.before,
      after: event.after,
    },
  });
}

const json = (value: Prisma.InputJsonValue | undefined) => (value === undefined ? null : JSON.stringify(value));

/**
 * The audit row of a change made as one SQL statement (authzChangeStatement):
 * an `INSERT ... SELECT` that the statement makes conditional on the change.
 */
export function auditInsert(event: AuditEventInput): Sql {
  return sql`INSERT INTO "AuditEvent" ("id", "orgId", "actorId", "actorEmail", "action", "targetType", "targetId", "ip", "userAgent", "before", "after")
    SELECT ${randomUUID()}::uuid, ${event.orgId}::uuid, ${event.actor.userId}::uuid, ${event.actor.email}, ${event.action}, ${event.target.type}, ${event.target.id ?? null},
           ${event.meta.ip}, ${event.meta.userAgent?.slice(0, 512) ?? null}, ${json(event.before)}::jsonb, ${json(event.after)}::jsonb`;
}

export function actorOf(ctx: { principal: Principal }): AuditActor {
  const p = ctx.principal;
  const who = p.type === "api_key" ? `API key ${p.name} (${p.display})` : p.email;
  // Someone holding a setup link: not its maker, who is named.
  if (p.setupLink) return { userId: null, email: `Setup link ${p.setupLink.name} (made by ${who})` };
  return p.type === "api_key" ? { userId: null, email: who } : { userId: p.userId, email: p.email };
}
