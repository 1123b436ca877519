// The OpenAPI document proven true: every answer of an /api/v1 route the
// tests receive must be what the document says (lib/http/api-schemas.ts),
// so an undocumented field, status or shape fails the test that met it.
import { z } from "zod";
import { apiV1Routes } from "../lib/http/api-v1-routes.ts";
import { ApiError } from "../lib/http/api-schemas.ts";

const routes = apiV1Routes.map((route) => ({ route, pattern: new RegExp(`^${route.path.replace(/[.-]/g, "\\$&").replace(/\{\w+\}/g, "[^/]+")}$`) }));
const ERROR_STATUSES = [400, 401, 403, 404, 429];

/** Throws when the answer is not the one the document describes for this route (other paths pass). */
export function assertDocumentedAnswer(method: string, url: string, status: number, body: unknown) {
  const path = url.split("?")[0]!;
  const found = routes.find(({ route, pattern }) => route.method === method && pattern.test(path));
  if (!found) return;
  const { route } = found;
  const where = `${method} ${path} answered ${status}`;
  const fail = (problem: string) => {
    throw new Error(`${where}, which the OpenAPI document does not describe: ${problem}\n${JSON.stringify(body, null, 2)}`);
  };
  if (status >= 200 && status < 300) {
    const documented = route.status ?? 200;
    if (status !== documented) fail(`it documents ${documented}`);
    if (!route.response) return body === null ? undefined : fail("it documents no body");
    const parsed = route.response.safeParse(body);
    if (!parsed.success) fail(z.prettifyError(parsed.error));
    return;
  }
  const documented = [...ERROR_STATUSES, ...(route.conflict ? [409] : []), ...(route.unavailable ? [503] : []), ...(route.limit ? [402] : [])];
  if (!documented.includes(status)) fail(`it documents ${documented.join(", ")}`);
  const parsed = ApiError.safeParse(body);
  if (!parsed.success) fail(z.prettifyError(parsed.error));
}
