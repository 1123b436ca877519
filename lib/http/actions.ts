// Wrappers for server actions: origin check, authentication, organization
// resolution from the caller's membership, and one error mapping. Domain
// functions do the permission checks, so the UI and the API share them.
import { headers } from "next/headers";
import { ZodError } from "zod";
import { requireUserCtx } from "../auth/current-user.ts";
import type { OrgCtx, RequestMeta, UserCtx } from "../context.ts";
import { isDomainError, zodMessage } from "../errors.ts";
import { assertCleanInput } from "../input.ts";
import { logger } from "../logger.ts";
import { portalContext, resolveOrgContext } from "../auth/request-context.ts";
import { cookies } from "next/headers";
import { PORTAL_COOKIE, PORTAL_TARGET } from "../sso/setup-links.ts";
import { requestMetaFrom } from "./request-meta.ts";
import { assertSameOrigin } from "./same-origin.ts";

/** `fields`: for invalid input, a message per field (by its path, e.g. "email"), for forms to show under each. */
export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; fields?: Record<string, string> } };

function fieldMessages(error: ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[issue.path.join(".")] ??= issue.message;
  return fields;
}

async function run<T>(work: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (error) {
    if (isDomainError(error)) return { ok: false, error: { code: error.code, message: error.message } };
    if (error instanceof ZodError) return { ok: false, error: { code: "invalid", message: zodMessage(error), fields: fieldMessages(error) } };
    logger.error({ err: error }, "server action failed");
    return { ok: false, error: { code: "internal", message: "Something went wrong on our side. Try again." } };
  }
}

/** An action anyone may call (sign-up): same-origin only. */
export function publicAction<I, T>(fn: (meta: RequestMeta, input: I) => Promise<T>) {
  return async (input: I): Promise<ActionResult<T>> =>
    run(async () => {
      const h = await headers();
      assertSameOrigin(h);
      assertCleanInput(input);
      return fn(requestMetaFrom(h), input);
    });
}

/** An action of a signed-in user outside any organization. */
export function userAction<I, T>(fn: (ctx: UserCtx & { sessionId: string }, input: I) => Promise<T>) {
  return async (input: I): Promise<ActionResult<T>> =>
    run(async () => {
      assertSameOrigin(await headers());
      assertCleanInput(input);
      return fn(await requireUserCtx(), input);
    });
}

/** An action inside the organization named by `orgSlug`, resolved to the caller's membership. */
export function orgAction<I, T>(fn: (ctx: OrgCtx, input: I) => Promise<T>) {
  return async (orgSlug: string, input: I): Promise<ActionResult<T>> =>
    run(async () => {
      assertSameOrigin(await headers());
      assertCleanInput([orgSlug, input]);
      const user = await requireUserCtx();
      const ctx = await resolveOrgContext(user.principal, String(orgSlug), user);
      return fn(ctx, input);
    });
}

/**
 * An action of single sign-on's set-up, shared by the organization's page and
 * the setup-link portal: a member in the organization named by `target`, or,
 * for PORTAL_TARGET, whoever holds the setup link in this browser's cookie
 * (its context is limited to single sign-on).
 */
export function orgOrPortalAction<I, T>(fn: (ctx: OrgCtx, input: I) => Promise<T>) {
  return async (target: string, input: I): Promise<ActionResult<T>> =>
    run(async () => {
      const h = await headers();
      assertSameOrigin(h);
      assertCleanInput([target, input]);
      if (target === PORTAL_TARGET) return fn(await portalContext((await cookies()).get(PORTAL_COOKIE)?.value ?? null, requestMetaFrom(h)), input);
      const user = await requireUserCtx();
      return fn(await resolveOrgContext(user.principal, String(target), user), input);
    });
}
