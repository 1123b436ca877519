// Shared by the Next.js and Express helpers: one permission check for one
// request, where an unknown subject or resource counts as a denial.
import type { Tollgate } from "./client.js";
import { NotFoundError } from "./errors.js";
import type { CheckContext, Resource } from "./types.js";

export type Awaitable<T> = T | Promise<T>;

/** What the helpers learnt, also attached to Express requests as `req.tollgate`. */
export type TollgateDecision = { allowed: boolean; reason: string };

export async function decideRequest(tollgate: Tollgate, permission: string, subjectId: string, resource: Resource | undefined, context: CheckContext | undefined): Promise<TollgateDecision> {
  try {
    const { allowed, reason } = await tollgate.check({ subject: { type: "user", id: subjectId }, permission, resource, context });
    return { allowed, reason };
  } catch (error) {
    // subject_not_found / resource_not_found: the user holds nothing there.
    if (error instanceof NotFoundError) return { allowed: false, reason: error.message };
    throw error;
  }
}
