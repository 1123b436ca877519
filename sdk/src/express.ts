// Express (and Connect-style) middleware for a permission check. Structural
// types only, so it needs no Express import.
import type { Tollgate } from "./client.js";
import { decideRequest, type Awaitable, type TollgateDecision } from "./guard.js";
import type { CheckContext, Resource } from "./types.js";

export type { TollgateDecision } from "./guard.js";

export type JsonResponse = { status(code: number): { json(body: unknown): unknown } };
export type NextFunction = (error?: unknown) => void;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RequirePermissionOptions<Req = any> = {
  permission: string;
  /** The signed-in user's id or email; nothing means not signed in (401). */
  subject: (req: Req) => Awaitable<string | null | undefined>;
  /** Defaults to the API key's organization. */
  resource?: (req: Req) => Awaitable<Resource | undefined>;
  /** IP address and MFA state, for conditional grants. */
  context?: (req: Req) => Awaitable<CheckContext | undefined>;
};

/**
 * app.get("/reports", requirePermission(tollgate, { permission: "reports:read", subject: (req) => req.user?.id }), handler)
 * Allowed: next(). Denied: 403. No subject: 401. Tollgate errors: next(error).
 * The decision is attached as `req.tollgate`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function requirePermission<Req extends object = any>(tollgate: Tollgate, options: RequirePermissionOptions<Req>) {
  return async (req: Req, res: JsonResponse, next: NextFunction): Promise<void> => {
    let decision: TollgateDecision | undefined;
    try {
      const subject = await options.subject(req);
      if (subject) {
        const resource = await options.resource?.(req);
        const context = await options.context?.(req);
        decision = await decideRequest(tollgate, options.permission, subject, resource, context);
      }
    } catch (error) {
      return next(error);
    }
    if (!decision) {
      res.status(401).json({ error: { code: "unauthenticated", message: "Sign in to continue." } });
      return;
    }
    (req as Req & { tollgate?: TollgateDecision }).tollgate = decision;
    if (decision.allowed) next();
    else res.status(403).json({ error: { code: "forbidden", message: decision.reason } });
  };
}
