// The management API: routes declared once with their zod schemas, served on
// the lean router with API-key authentication, and described by the OpenAPI
// document generated from the same declarations.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { authenticateAnyKey, bearerToken } from "../apikeys/authenticate-api-key.ts";
import { getOrgIndex } from "../authz/org-index-cache.ts";
import type { InstanceCtx, OrgCtx } from "../context.ts";
import { db } from "../db.ts";
import { Forbidden, Invalid, NotFound } from "../errors.ts";
import { assertCleanInput } from "../input.ts";
import { assertAllowed } from "../authz/authorize.ts";
import type { Permission } from "../authz/permissions.ts";
import { readJson } from "./api-route.ts";
import { sendJson, type LeanRouter } from "./lean-router.ts";
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
  /** Served elsewhere (the fast check routes); only described here. */
  docOnly?: boolean;
};
/** Routes in the key's organization (or, for instance keys, the one named by the Tollgate-Organization header). */
type OrgRoute = RouteCommon & { scope?: "organization"; handler: (ctx: OrgCtx, input: ApiInput) => unknown };
/** Provisioning routes for instance-admin keys only. */
type InstanceRoute = RouteCommon & { scope: "instance"; handler: (ctx: InstanceCtx, input: ApiInput) => unknown };
export type ApiRouteDef = OrgRoute | InstanceRoute;

export const ORG_HEADER = "tollgate-organization";

async function apiContext(req: IncomingMessage, scope: "organization" | "instance"): Promise<OrgCtx | InstanceCtx> {
  const meta = requestMetaFrom(req.headers);
  const key = await authenticateAnyKey(bearerToken(req.headers.authorization), meta);
  if (key.type === "instance_key") {
    const principal = { type: "api_key" as const, keyId: key.keyId, name: key.name, display: key.display, instance: true as const };
    if (scope === "instance") return { ...meta, principal };
    const named = String(req.headers[ORG_HEADER] ?? "").trim();
    if (!named) throw new Invalid("organization_required", `An instance-admin key names the organization it acts in with the ${ORG_HEADER} header (id or slug).`);
    const org = await db.organization.findFirst({ where: z.uuid().safeParse(named).success ? { id: named } : { slug: named }, select: { id: true } });
    if (!org) throw new NotFound("organization_not_found", "Organization not found.");
    const authz = await getOrgIndex(org.id);
    return { ...meta, principal, orgId: org.id, orgSlug: authz.orgSlug, membership: null, authz, mfa: false };
  }
  if (scope === "instance") throw new Forbidden("instance_key_required", "This route needs an instance-admin API key.");
  const entry = key.authz.apiKeysById.get(key.keyId)!;
  return {
    ...meta,
    principal: { type: "api_key", keyId: key.keyId, name: entry.name, display: entry.display },
    orgId: key.orgId,
    orgSlug: key.authz.orgSlug,
    membership: null,
    authz: key.authz,
    mfa: false,
  };
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
    router.on(route.method, path, async (req: IncomingMessage, res: ServerResponse, params) => {
      const ctx = await apiContext(req, route.scope ?? "organization");
      // The route's permission is checked before input is read. Routes on one
      // project are decided in the domain, where the project is known.
      if ("orgId" in ctx && !route.path.includes("{projectId}")) assertAllowed(ctx, route.permission as Permission);
      const query = route.query ? route.query.parse(queryOf(req)) : {};
      const body = route.body ? route.body.parse(await readJson(req)) : undefined;
      const result = await (route.handler as (ctx: OrgCtx | InstanceCtx, input: ApiInput) => unknown)(ctx, { params, query, body });
      if (route.status === 204) {
        res.writeHead(204).end();
        return;
      }
      sendJson(res, route.status ?? 200, result ?? null);
    });
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
