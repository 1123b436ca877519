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
import { Invalid, NotFound } from "../errors.ts";
import { assertCleanInput } from "../input.ts";
import { orgHeader, readJson } from "./api-route.ts";
import { sendEmpty, sendJson, throughDoor, type LeanRouter } from "./lean-router.ts";
import { ApiError, apiSchemas } from "./api-schemas.ts";
import { requestMeta } from "./request-meta.ts";
import { apiExamples } from "./api-examples.ts";

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
  /** The success body as JSON (named shapes in ./api-schemas.ts); every route answering with a body has one. */
  response?: z.ZodType;
  /** When the route answers 409, for the document. */
  conflict?: string;
  /** When it answers 402: a plan limit it can reach. */
  limit?: string;
  /** When it answers 503: a feature this instance is not configured for. */
  unavailable?: string;
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

/** The query string, refused (like bodies) when it names a parameter the route does not take: a typo must not pass unnoticed. */
function queryOf(req: IncomingMessage, schema: z.ZodObject | undefined): Record<string, unknown> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const query = q === -1 ? {} : Object.fromEntries(new URLSearchParams(url.slice(q + 1)));
  assertCleanInput(query);
  const unknown = Object.keys(query).filter((name) => !schema || !Object.hasOwn(schema.shape, name));
  if (unknown.length) {
    const takes = schema ? Object.keys(schema.shape).join(", ") : "none";
    throw new Invalid("unknown_parameter", `Unknown query parameter${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (this route takes: ${takes}).`);
  }
  return schema ? schema.parse(query) : {};
}

export function registerApiRoutes(router: LeanRouter, routes: ApiRouteDef[]) {
  for (const route of routes.filter((r) => !r.docOnly)) {
    const path = route.path.replace(/\{(\w+)\}/g, ":$1");
    router.on(
      route.method,
      path,
      throughDoor("any-key", async (req: IncomingMessage, res: ServerResponse, params) => {
        const ctx = await apiKeyContext(bearerToken(req.headers.authorization), requestMeta(req), route.scope ?? "organization", orgHeader(req));
        // The route's permission is checked before input is read; the domain
        // function asks again where it needs to, and the request's memo answers.
        if ("orgId" in ctx) assertRoutePermission(ctx, route, params);
        else assertInstanceAdmin(ctx, "use this route: it needs an instance-admin API key");
        const query = queryOf(req, route.query);
        const body = route.body ? route.body.parse(await readJson(req)) : undefined;
        const result = await (route.handler as (ctx: OrgCtx | InstanceCtx, input: ApiInput) => unknown)(ctx, { params, query, body });
        if (route.status === 204) {
          return sendEmpty(res, 204);
        }
        sendJson(res, route.status ?? 200, result ?? null);
      }),
    );
  }
}

type JsonSchema = Record<string, unknown>;

type ZodDef = { type: string; format?: string; out?: { _zod: { def: ZodDef } } };

/**
 * Formats say what the long patterns zod adds say; the safe-integer bounds say nothing; dates are sent as ISO strings.
 * A string that is trimmed before it is checked (`Email`) is a pipe: its input shows the format it is checked against.
 */
function tidy({ zodSchema, jsonSchema }: { zodSchema: { _zod: { def: ZodDef } }; jsonSchema: JsonSchema }) {
  const def = zodSchema._zod.def;
  if (def.type === "date") Object.assign(jsonSchema, { type: "string", format: "date-time" });
  const checkedFormat = def.type === "pipe" ? def.out?._zod.def.format : undefined;
  if (checkedFormat && jsonSchema.type === "string" && !jsonSchema.format) jsonSchema.format = checkedFormat;
  if (jsonSchema.format === "uuid" || jsonSchema.format === "date-time" || jsonSchema.format === "email") delete jsonSchema.pattern;
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

/** Rewrites zod's local `#/$defs/X` references to the document's components. */
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, key === "$ref" && typeof v === "string" ? v.replace(/^#\/\$defs\//, "#/components/schemas/") : toComponentRefs(v)]));
}

/** Converts a zod schema for the document; its named parts (./api-schemas.ts) go to `components` and are referenced. */
function schemaOf(schema: z.ZodType, io: "input" | "output", components: Record<string, JsonSchema>): JsonSchema {
  const { $schema: _drop, $defs, ...json } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any", metadata: apiSchemas, override: tidy }) as JsonSchema;
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
    const component = toComponentRefs(def) as JsonSchema;
    if (components[id] && JSON.stringify(components[id]) !== JSON.stringify(component)) throw new Error(`OpenAPI: two different schemas are named ${id}`);
    components[id] = component;
  }
  return toComponentRefs(json) as JsonSchema;
}

const sortedByKey = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
const retryable = <T extends object>(response: T) => ({ ...response, headers: { "Retry-After": { description: "Seconds to wait before sending it again", schema: { type: "integer" } } } });

export function openApiDocument(routes: ApiRouteDef[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Record<string, JsonSchema> = {};
  schemaOf(ApiError, "output", components);
  for (const route of routes) {
    const parameters: unknown[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    if (route.query) {
      const json = schemaOf(route.query, "input", components) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(json.properties ?? {})) parameters.push({ name, in: "query", required: json.required?.includes(name) ?? false, schema });
    }
    const example = apiExamples[`${route.method} ${route.path}`];
    const withExample = (value: unknown) => (value === undefined ? {} : { example: value });
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
      ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(route.body, "input", components), ...withExample(example?.request) } } } } : {}),
      responses: {
        [String(route.status ?? 200)]: route.response
          ? {
              description: route.status === 201 ? "Created" : "OK",
              content: { "application/json": { schema: schemaOf(route.response, "output", components), ...withExample(example?.response) } },
            }
          : { description: "Done" },
        "400": { $ref: "#/components/responses/Invalid" },
        "401": { $ref: "#/components/responses/Unauthenticated" },
        "403": { $ref: "#/components/responses/Forbidden" },
        "404": { $ref: "#/components/responses/NotFound" },
        ...(route.conflict ? { "409": errorResponse(route.conflict) } : {}),
        ...(route.limit ? { "402": errorResponse(route.limit) } : {}),
        "503": route.unavailable
          ? errorResponse(`${route.unavailable}; or the database could not be reached (database_unavailable, with Retry-After)`)
          : { $ref: "#/components/responses/Unavailable" },
        "429": { $ref: "#/components/responses/RateLimited" },
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
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "A Tollgate API key (tg_live_...)" } },
      schemas: sortedByKey(components),
      responses: {
        Invalid: errorResponse("Invalid input"),
        Unauthenticated: errorResponse("Missing, malformed, expired or revoked API key"),
        Forbidden: errorResponse("The key lacks the permission"),
        NotFound: errorResponse("Not found in the key's organization"),
        Unavailable: retryable(errorResponse("The database could not be reached (database_unavailable): send the request again after Retry-After")),
        RateLimited: {
          ...errorResponse("The key made too many requests"),
          headers: { "Retry-After": { description: "Seconds until the key may try again", schema: { type: "integer" } } },
        },
      },
    },
    paths,
  };
}
