// Machine endpoints served on plain node:http inside the same process as
// Next.js, for speed (a Next.js route handler answers ~50x fewer requests/s).
// Handlers share lib/ with the app and map errors through lib/errors.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorToResponse } from "../errors.ts";
import { logger } from "../logger.ts";
import { REQUEST_ID_HEADER } from "./request-meta.ts";

export type LeanHandler = (req: IncomingMessage, res: ServerResponse) => Promise<unknown> | unknown;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(payload), "cache-control": "no-store", ...headers });
  res.end(payload);
}

export class LeanRouter {
  /** path -> method -> handler; paths it holds are its own (other methods get 405). */
  private routes = new Map<string, Map<string, LeanHandler>>();

  on(method: string, path: string, handler: LeanHandler) {
    let methods = this.routes.get(path);
    if (!methods) this.routes.set(path, (methods = new Map()));
    methods.set(method, handler);
    return this;
  }

  /** Returns false when the request is not for this router. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const methods = this.routes.get(path);
    if (!methods) return false;
    const handler = methods.get(req.method ?? "GET") ?? (req.method === "HEAD" ? methods.get("GET") : undefined);
    if (!handler) {
      sendJson(res, 405, { error: { code: "method_not_allowed", message: `${req.method} is not allowed on ${path}` } });
      return true;
    }
    const fail = (error: unknown) => {
      const requestId = String(req.headers[REQUEST_ID_HEADER] ?? "");
      const { status, body, headers } = errorToResponse(error, requestId);
      if (status >= 500) logger.error({ err: error, requestId, path }, "lean route failed");
      if (!res.headersSent) sendJson(res, status, body, headers);
      else res.end();
    };
    try {
      const result = handler(req, res);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
    return true;
  }
}
