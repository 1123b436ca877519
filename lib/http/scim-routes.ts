// /scim/v2 on the lean router: the organization's identity provider, with
// its SCIM token (the door: scimContext), provisioning users and groups.
// Answers are application/scim+json; failures are SCIM error bodies.
import type { IncomingMessage, ServerResponse } from "node:http";
import { scimContext } from "../auth/request-context.ts";
import type { ScimCtx } from "../context.ts";
import { DomainError, errorToResponse, isDatabaseUnavailable } from "../errors.ts";
import { logger } from "../logger.ts";
import { resourceTypeById, resourceTypeList, schemaById, schemaList, serviceProviderConfig } from "../scim/discovery.ts";
import * as scim from "../scim/scim.ts";
import { bearerToken } from "../apikeys/authenticate-api-key.ts";
import { readJson } from "./api-route.ts";
import { type LeanRouter, sendEmpty, sendJsonAs, throughDoor } from "./lean-router.ts";
import { requestMeta } from "./request-meta.ts";

const SCIM_JSON = "application/scim+json; charset=utf-8";
const MAX_SCIM_BODY = 2_000_000;

type Answer = { status: number; body?: unknown; location?: string; retryAfter?: string };
type ScimHandler = (ctx: ScimCtx, req: IncomingMessage, params: Record<string, string>, query: URLSearchParams) => Promise<Answer> | Answer;

function sendScim(res: ServerResponse, answer: Answer) {
  if (answer.body === undefined) return sendEmpty(res, answer.status);
  const version = (answer.body as { meta?: { version?: string } }).meta?.version;
  const headers: Record<string, string> = {};
  if (version) headers.etag = version;
  if (answer.location) headers.location = answer.location;
  if (answer.retryAfter) headers["retry-after"] = answer.retryAfter;
  sendJsonAs(res, answer.status, answer.body, SCIM_JSON, headers);
}

/** The SCIM answer to a failure; exported for its tests. */
export function scimFailure(error: unknown, requestId: string): Answer {
  if (error instanceof scim.ScimError) return { status: error.status, body: error.body() };
  if (error instanceof DomainError) {
    const { status, body, headers } = errorToResponse(error, requestId);
    return { status, body: new scim.ScimError(status, body.error.message, status === 400 ? "invalidValue" : undefined).body(), retryAfter: headers?.["Retry-After"] };
  }
  if (isDatabaseUnavailable(error)) {
    logger.error({ err: error, requestId }, "scim request failed: database unavailable");
    const retryAfter = errorToResponse(error, requestId).headers?.["Retry-After"];
    return { status: 503, body: new scim.ScimError(503, "The database is busy or unreachable. Try again in a few seconds.").body(), retryAfter };
  }
  logger.error({ err: error, requestId }, "scim request failed");
  return { status: 500, body: new scim.ScimError(500, "Something went wrong on our side.").body() };
}

/** A SCIM route: through the door with the organization's SCIM token. */
function route(handler: ScimHandler) {
  return throughDoor("scim-token", async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
    const meta = requestMeta(req);
    try {
      const ctx = await scimContext(bearerToken(req.headers.authorization), meta);
      sendScim(res, await handler(ctx, req, params, new URL(req.url ?? "/", "http://x").searchParams));
    } catch (error) {
      sendScim(res, scimFailure(error, meta.requestId));
    }
  });
}

const body = async (req: IncomingMessage) => {
  try {
    return await readJson(req, MAX_SCIM_BODY);
  } catch (error) {
    throw new scim.ScimError(400, (error as Error).message, "invalidSyntax");
  }
};
const ifMatch = (req: IncomingMessage) => (typeof req.headers["if-match"] === "string" ? req.headers["if-match"] : null);
const listQuery = (q: URLSearchParams) => ({ filter: q.get("filter"), startIndex: q.get("startIndex"), count: q.get("count") });
const found = <T>(value: T | null, what: string): Answer => (value ? { status: 200, body: value } : { status: 404, body: new scim.ScimError(404, `${what} not found.`).body() });

export function registerScimRoutes(router: LeanRouter) {
  const base = "/scim/v2";
  router
    .on(
      "GET",
      `${base}/ServiceProviderConfig`,
      route(() => ({ status: 200, body: serviceProviderConfig() })),
    )
    .on(
      "GET",
      `${base}/ResourceTypes`,
      route(() => ({ status: 200, body: resourceTypeList() })),
    )
    .on(
      "GET",
      `${base}/ResourceTypes/:id`,
      route((_ctx, _req, p) => found(resourceTypeById(p.id!), `ResourceType ${p.id}`)),
    )
    .on(
      "GET",
      `${base}/Schemas`,
      route(() => ({ status: 200, body: schemaList() })),
    )
    .on(
      "GET",
      `${base}/Schemas/:id`,
      route((_ctx, _req, p) => found(schemaById(p.id!), `Schema ${p.id}`)),
    )
    .on(
      "GET",
      `${base}/Users`,
      route(async (ctx, _req, _p, q) => ({ status: 200, body: await scim.listUsers(ctx, listQuery(q)) })),
    )
    .on(
      "POST",
      `${base}/Users`,
      route(async (ctx, req) => {
        const user = await scim.createUser(ctx, await body(req));
        return { status: 201, body: user, location: user.meta.location };
      }),
    )
    .on(
      "GET",
      `${base}/Users/:id`,
      route(async (ctx, _req, p) => ({ status: 200, body: await scim.getUser(ctx, p.id!) })),
    )
    .on(
      "PUT",
      `${base}/Users/:id`,
      route(async (ctx, req, p) => ({ status: 200, body: await scim.replaceUser(ctx, p.id!, await body(req), ifMatch(req)) })),
    )
    .on(
      "PATCH",
      `${base}/Users/:id`,
      route(async (ctx, req, p) => ({ status: 200, body: await scim.patchUser(ctx, p.id!, await body(req), ifMatch(req)) })),
    )
    .on(
      "DELETE",
      `${base}/Users/:id`,
      route(async (ctx, req, p) => {
        await scim.deleteUser(ctx, p.id!, ifMatch(req));
        return { status: 204 };
      }),
    )
    .on(
      "GET",
      `${base}/Groups`,
      route(async (ctx, _req, _p, q) => ({ status: 200, body: await scim.listGroups(ctx, listQuery(q)) })),
    )
    .on(
      "POST",
      `${base}/Groups`,
      route(async (ctx, req) => {
        const group = await scim.createGroup(ctx, await body(req));
        return { status: 201, body: group, location: group.meta.location };
      }),
    )
    .on(
      "GET",
      `${base}/Groups/:id`,
      route(async (ctx, _req, p) => ({ status: 200, body: await scim.getGroup(ctx, p.id!) })),
    )
    .on(
      "PUT",
      `${base}/Groups/:id`,
      route(async (ctx, req, p) => ({ status: 200, body: await scim.replaceGroup(ctx, p.id!, await body(req), ifMatch(req)) })),
    )
    .on(
      "PATCH",
      `${base}/Groups/:id`,
      route(async (ctx, req, p) => ({ status: 200, body: await scim.patchGroup(ctx, p.id!, await body(req), ifMatch(req)) })),
    )
    .on(
      "DELETE",
      `${base}/Groups/:id`,
      route(async (ctx, req, p) => {
        await scim.deleteGroup(ctx, p.id!, ifMatch(req));
        return { status: 204 };
      }),
    );
}
