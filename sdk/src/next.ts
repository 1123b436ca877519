// Next.js App Router: guard a route handler with a permission check. Uses
// only the web-standard Request and Response, so it has no Next.js import.
import type { Tollgate } from "./client.js";
import { TollgateError } from "./errors.js";
import { decideRequest, type Awaitable, type TollgateDecision } from "./guard.js";
import type { CheckContext, Resource } from "./types.js";

export type { TollgateDecision } from "./guard.js";

export type RouteHandler<C> = (req: Request, ctx: C) => Awaitable<Response>;

export type WithPermissionOptions<C> = {
  permission: string;
  /** The signed-in user's id or email; nothing means not signed in (401). */
  subject: (req: Request, ctx: C) => Awaitable<string | null | undefined>;
  /** Defaults to the API key's organization. */
  resource?: (req: Request, ctx: C) => Awaitable<Resource | undefined>;
  /** IP address and MFA state, for conditional grants. */
  context?: (req: Request, ctx: C) => Awaitable<CheckContext | undefined>;
};

const error = (status: number, code: string, message: string) => Response.json({ error: { code, message } }, { status });

/**
 * export const GET = withPermission(tollgate, { permission: "reports:read", subject: getUserId }, async (req) => ...)
 * Denied: 403. No subject: 401. Tollgate unreachable or failing: 503.
 */
export function withPermission<C = unknown>(tollgate: Tollgate, options: WithPermissionOptions<C>, handler: RouteHandler<C>): RouteHandler<C> {
  return async (req, ctx) => {
    const subject = await options.subject(req, ctx);
    if (!subject) return error(401, "unauthenticated", "Sign in to continue.");
    const resource = await options.resource?.(req, ctx);
    const context = await options.context?.(req, ctx);
    let decision: TollgateDecision;
    try {
      decision = await decideRequest(tollgate, options.permission, subject, resource, context);
    } catch (e) {
      if (!(e instanceof TollgateError)) throw e;
      return error(503, "authorization_unavailable", "Permissions could not be checked right now. Try again shortly.");
    }
    if (!decision.allowed) return error(403, "forbidden", decision.reason);
    return handler(req, ctx);
  };
}
