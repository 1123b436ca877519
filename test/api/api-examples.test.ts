// The API reference's examples (lib/http/api-examples.ts): each parses with its
// route's own schemas, names a route that exists, and is in the document.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { displayKey, parseKey } from "../../lib/apikeys/key-format.ts";
import { apiExamples } from "../../lib/http/api-examples.ts";
import { openApiDocument, type ApiRouteDef } from "../../lib/http/api-v1.ts";
import { apiV1Routes } from "../../lib/http/api-v1-routes.ts";

const keyOf = (route: ApiRouteDef) => `${route.method} ${route.path}`;
const issuesOf = (error: z.ZodError | undefined) => (error ? z.prettifyError(error) : "");

// Some request schemas judge dates against now (a credit expires in the
// future, a plan starts within a year of now): the examples are dated
// 2 November 2026, and so is the clock here.
beforeAll(() => {
  vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-02T09:30:00.000Z") });
});
afterAll(() => {
  vi.useRealTimers();
});

describe("the API examples", () => {
  it.each(apiV1Routes.map((route) => [keyOf(route), route] as const))("%s: parse with the route's schemas", (key, route) => {
    const example = apiExamples[key];
    if (route.body) {
      expect(example?.request, `${key} has a body but no request example`).toBeDefined();
      const parsed = route.body.safeParse(example?.request);
      expect(parsed.success, `${key} request example:\n${issuesOf(parsed.error)}`).toBe(true);
    } else {
      expect(example?.request, `${key} takes no body, but has a request example`).toBeUndefined();
    }
    if (route.response) {
      expect(example?.response, `${key} answers with a body but has no response example`).toBeDefined();
      const parsed = route.response.safeParse(example?.response);
      expect(parsed.success, `${key} response example:\n${issuesOf(parsed.error)}`).toBe(true);
    } else {
      expect(example?.response, `${key} answers without a body, but has a response example`).toBeUndefined();
    }
  });

  it("name only routes that exist", () => {
    const routes = new Set(apiV1Routes.map(keyOf));
    expect(Object.keys(apiExamples).filter((key) => !routes.has(key))).toEqual([]);
  });

  it("are in the OpenAPI document, as the request body's and the success answer's examples", () => {
    const document = openApiDocument(apiV1Routes, "http://localhost:3000");
    type Media = { "application/json"?: { example?: unknown } };
    type Operation = { requestBody?: { content: Media }; responses: Record<string, { content?: Media }> };
    const operation = (method: string, path: string) => document.paths[path]?.[method.toLowerCase()] as Operation;

    const create = operation("POST", "/api/v1/projects");
    expect(create.requestBody?.content["application/json"]?.example).toEqual(apiExamples["POST /api/v1/projects"]?.request);
    expect(create.responses["201"]?.content?.["application/json"]?.example).toEqual(apiExamples["POST /api/v1/projects"]?.response);

    for (const route of apiV1Routes) {
      const { requestBody, responses } = operation(route.method, route.path);
      const example = apiExamples[keyOf(route)];
      if (route.body) expect(requestBody?.content["application/json"]?.example, keyOf(route)).toEqual(example?.request);
      if (route.response) expect(responses[String(route.status ?? 200)]?.content?.["application/json"]?.example, keyOf(route)).toEqual(example?.response);
    }
  });

  it("show API keys in their real format, the public part matching the secret", () => {
    type KeyAnswer = { apiKey: { publicId: string; lastFour: string; display: string }; key: string };
    for (const route of ["POST /api/v1/api-keys", "POST /api/v1/api-keys/{apiKeyId}/rotate"]) {
      const { apiKey, key } = apiExamples[route]?.response as KeyAnswer;
      const parsed = parseKey(key);
      expect(parsed?.publicId, route).toBe(apiKey.publicId);
      expect(parsed?.secret.slice(-4), route).toBe(apiKey.lastFour);
      expect(apiKey.display, route).toBe(displayKey(apiKey.publicId, apiKey.lastFour));
    }
    const verified = apiExamples["POST /api/v1/keys/verify"]?.request as { key: string };
    expect(parseKey(verified.key)).not.toBeNull();
  });
});
