// The management API: routes declared once with their zod schemas, served on
// the lean router with API-key authentication, and described by the OpenAPI
// document generated from the same declarations.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { bearerToken } from "../apikeys/authenticate-api-key.ts";
import { apiKeyContext } from "../auth/request-context.ts";
import { assertAllowed, assertInstanceAdmin, type Resource } from "../authz/authorize.ts";
import type { Permission } from "../authz/permissions.ts";
import type { InstanceCtx, OrgCtx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { assertCleanInput } from "../input.ts";
import { orgHeader, readJson } from "./api-route.ts";
import { sendJson, throughDoor, type LeanRouter } from "./lean-router.ts";
import { requestMetaFrom } from "./request-meta.ts";

export type ApiInput = { params: Record<string, string>; query: Record<string, unknown>; body: unknown };

type RouteCommon = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** OpenAPI style: /api/v1/projects/{projectId} */
  path: string;
  summary: string;
  tag: string;
  permission: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  status?: number;
  /** What the route acts on, for its permission check (default: the organization); a project that does not exist is a 404. */
  resource?: (params: Record<string, string>) => Resource;
  /** Served elsewhere (the fast check routes); only described here. */
  docOnly?: boolean;
};
/** Routes in the key's organization (or, for instance keys, the one named by the Tollgate-Organization header). */
type OrgRoute = RouteCommon & { scope?: "organization"; handler: (ctx: OrgCtx, input: ApiInput) => unknown };
/** Provisioning routes for instance-admin keys only. */
type InstanceRoute = RouteCommon & { scope: "instance"; handler: (ctx: InstanceCtx, input: ApiInput) => unknown };
export type ApiRouteDef = OrgRoute | InstanceRoute;

function assertRoutePermission(ctx: OrgCtx, route: ApiRouteDef, params: Record<string, string>) {
  const resource = route.resource?.(params);
  if (resource?.type === "project" && !ctx.authz.projects.has(resource.id)) throw new NotFound("project_not_found", "project not found.");
  assertAllowed(ctx, route.permission as Permission, resource);
}

function queryOf(req: IncomingMessage): Record<string, unknown> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const query = q === -1 ? {} : Object.fromEntries(new URLSearchParams(url.slice(q + 1)));
  assertCleanInput(query);
  return query;
}

export function registerApiRoutes(router: LeanRouter, routes: ApiRouteDef[]) {
  for (const route of routes.filter((r) => !r.docOnly)) {
    const path = route.path.replace(/\{(\w+)\}/g, ":$1");
    router.on(
      route.method,
      path,
      throughDoor("any-key", async (req: IncomingMessage, res: ServerResponse, params) => {
        const ctx = await apiKeyContext(bearerToken(req.headers.authorization), requestMetaFrom(req.headers), route.scope ?? "organization", orgHeader(req));
        // The route's permission is checked before input is read; the domain
        // function asks again where it needs to, and the request's memo answers.
        if ("orgId" in ctx) assertRoutePermission(ctx, route, params);
        else assertInstanceAdmin(ctx, "use this route: it needs an instance-admin API key");
        const query = route.query ? route.query.parse(queryOf(req)) : {};
        const body = route.body ? route.body.parse(await readJson(req)) : undefined;
        const result = await (route.handler as (ctx: OrgCtx | InstanceCtx, input: ApiInput) => unknown)(ctx, { params, query, body });
        if (route.status === 204) {
          res.writeHead(204).end();
          return;
        }
        sendJson(res, route.status ?? 200, result ?? null);
      }),
    );
  }
}

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" }, requestId: { type: "string" } } } },
};

function schemaOf(schema: z.ZodType) {
  return z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

export function openApiDocument(routes: ApiRouteDef[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    if (route.query) {
      const json = schemaOf(route.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(json.properties ?? {})) parameters.push({ name, in: "query", required: json.required?.includes(name) ?? false, schema });
    }
    const { $schema: _drop, ...body } = route.body ? schemaOf(route.body) : {};
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      description:
        route.scope === "instance"
          ? "Needs an instance-admin API key."
          : `Needs the \`${route.permission}\` permission. Instance-admin keys name the organization in the \`Tollgate-Organization\` header.`,
      operationId: `${route.method.toLowerCase()}${route.path
        .replace(/^\/api\/v1/, "")
        .replace(/\{(\w+)\}/g, "By-$1")
        .replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: body } } } } : {}),
      responses: {
        [String(route.status ?? 200)]: route.status === 204 ? { description: "Done" } : { description: "OK", content: { "application/json": { schema: {} } } },
        "400": { description: "Invalid input", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        "401": { description: "Missing, malformed, expired or revoked API key", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        "403": { description: "The key lacks the permission", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        "404": { description: "Not found in the key's organization", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Tollgate API",
      version: "1",
      description:
        "Authorization checks and management of an organization's projects, members, groups, roles and grants. Authenticate with `Authorization: Bearer <API key>`; the key's organization is the one acted on.",
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "A Tollgate API key (tg_live_...)" } }, schemas: { Error: errorSchema } },
    paths,
  };
}
