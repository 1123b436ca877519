// The API reference's renderer, Swagger UI, served from its installed package
// (swagger-ui-dist): no CDN, so the reference works offline and under our CSP.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendBytes, sendJson } from "./lean-router.ts";

const ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};
const resolvePackageFile = createRequire(import.meta.url).resolve;
const read = new Map<string, Buffer>();

/** GET /docs/api/assets/:file — only the two files the reference page loads. */
export function docsAsset(_req: IncomingMessage, res: ServerResponse, params: Record<string, string>) {
  const file = params.file!;
  const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
  if (!type) return sendJson(res, 404, { error: { code: "not_found", message: "No such file." } });
  let body = read.get(file);
  if (!body) read.set(file, (body = readFileSync(resolvePackageFile(`swagger-ui-dist/${file}`))));
  // The package's version is pinned: a day in the browser's cache is safe.
  sendBytes(res, 200, body, type, "public, max-age=86400");
}
