// GET /api/metrics: the Prometheus text format, for a scraper holding
// TOLLGATE_METRICS_TOKEN (Authorization: Bearer …). Unset, metrics are off.
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerToken } from "../apikeys/authenticate-api-key.ts";
import { env } from "../env.ts";
import { metricsText } from "../observability/metrics.ts";
import { safeEqual } from "../secrets/secrets.ts";
import { sendJson } from "./lean-router.ts";

export async function serveMetrics(req: IncomingMessage, res: ServerResponse) {
  const token = env().TOLLGATE_METRICS_TOKEN;
  if (!token) return sendJson(res, 404, { error: { code: "metrics_off", message: "Metrics are off: set TOLLGATE_METRICS_TOKEN, and scrape with Authorization: Bearer <that token>." } });
  const given = bearerToken(req.headers.authorization);
  if (!given || !safeEqual(given, token)) {
    return sendJson(res, 401, { error: { code: "metrics_token_invalid", message: "Scrape with Authorization: Bearer <TOLLGATE_METRICS_TOKEN>." } }, { "www-authenticate": 'Bearer realm="metrics"' });
  }
  const { contentType, body } = await metricsText();
  res.writeHead(200, { "content-type": contentType, "content-length": String(Buffer.byteLength(body)), "cache-control": "no-store" }).end(body);
}
