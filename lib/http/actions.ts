// Wrappers for server actions: origin check, authentication, organization
// resolution from the caller's membership, and one error mapping. Domain
// functions do the permission checks, so the UI and the API share them.
import { headers } from "next/headers";
import { ZodError } from "zod";
import { requireUserCtx } from "../auth/current-user.ts";
import type { OrgCtx, RequestMeta, UserCtx } from "../context.ts";
import { isDatabaseUnavailable, isDomainError, zodMessage, type DomainError } from "../errors.ts";
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
  for (const issue of error.issues) {
    const path = issue.path.join(".");
    // Some schema messages name their field first ("eventType: required"), for API callers; a form shows it under the field.
    const named = String(issue.path.at(-1) ?? "");
    fields[path] ??= named && issue.message.startsWith(`${named}: `) ? issue.message.slice(named.length + 2) : issue.message;
  }
  return fields;
}

// API messages name their field first ("permission: … is not declared"); a form shows the rest under that field.
const FIELD_PREFIX = /^([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*): (.+)$/s;

export function domainFailure(error: DomainError, input?: unknown): Extract<ActionResult<never>, { ok: false }> {
  const match = error.field ? null : FIELD_PREFIX.exec(error.message);
  // Only a prefix that names a field of the input sent ("ops: on-call is held by…" may be a role's name).
  const prefixed = match && typeof input === "object" && input !== null && match[1]!.split(".")[0]! in input ? match : null;
  const field = error.field ?? prefixed?.[1];
  const message = prefixed ? prefixed[2]!.charAt(0).toUpperCase() + prefixed[2]!.slice(1) : error.message;
  return { ok: false, error: { code: error.code, message, ...(field && { fields: { [field]: message } }) } };
}

async function run<T>(work: () => Promise<T>, input?: unknown): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (error) {
    if (isDomainError(error)) return domainFailure(error, input);
    if (error instanceof ZodError) return { ok: false, error: { code: "invalid", message: zodMessage(error), fields: fieldMessages(error) } };
    if (isDatabaseUnavailable(error)) {
      logger.error({ err: error }, "server action failed: database unavailable");
      return { ok: false, error: { code: "database_unavailable", message: "The database is busy or unreachable. Try again in a few seconds." } };
    }
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
    }, input);
}

/** An action of a signed-in user outside any organization. */
export function userAction<I, T>(fn: (ctx: UserCtx & { sessionId: string }, input: I) => Promise<T>) {
  return async (input: I): Promise<ActionResult<T>> =>
    run(async () => {
      assertSameOrigin(await headers());
      assertCleanInput(input);
      return fn(await requireUserCtx(), input);
    }, input);
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
    }, input);
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
    }, input);
}
