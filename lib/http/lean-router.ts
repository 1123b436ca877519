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
  private routes = new Map<string, LeanHandler>();

  on(method: string, path: string, handler: LeanHandler) {
    this.routes.set(`${method} ${path}`, handler);
    return this;
  }

  /** Paths this router owns; other methods on them get 405. */
  owns(path: string) {
    for (const key of this.routes.keys()) if (key.slice(key.indexOf(" ") + 1) === path) return true;
    return false;
  }

  /** Returns false when the request is not for this router. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? "/").split("?")[0]!;
    if (!this.owns(path)) return false;
    const handler = this.routes.get(`${req.method} ${path}`) ?? (req.method === "HEAD" ? this.routes.get(`GET ${path}`) : undefined);
    if (!handler) {
      sendJson(res, 405, { error: { code: "method_not_allowed", message: `${req.method} is not allowed on ${path}` } });
      return true;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error) => {
        const requestId = String(req.headers[REQUEST_ID_HEADER] ?? "");
        const { status, body, headers } = errorToResponse(error, requestId);
        if (status >= 500) logger.error({ err: error, requestId, path }, "lean route failed");
        if (!res.headersSent) sendJson(res, status, body, headers);
        else res.end();
      });
    return true;
  }
}
