// The lean router's routes. Later issues add their hot endpoints here
// (authorization check, key verification, usage ingest).
import { db } from "../lib/db.ts";
import { LeanRouter, sendJson } from "../lib/http/lean-router.ts";
import { pendingMigrations } from "../lib/db/migrate.ts";
import pg from "pg";

const startedAt = Date.now();

export function machineRouter(databaseUrl: string) {
  return new LeanRouter()
    .on("GET", "/api/health", (_req, res) => sendJson(res, 200, { status: "ok", uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }))
    .on("GET", "/api/ready", async (_req, res) => {
      try {
        await db.$queryRaw`SELECT 1`;
      } catch {
        return sendJson(res, 503, { status: "not_ready", reason: "database unreachable" });
      }
      const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        const pending = await pendingMigrations(client);
        if (pending.length) return sendJson(res, 503, { status: "not_ready", reason: "migrations pending", pending });
      } finally {
        await client.end().catch(() => {});
      }
      sendJson(res, 200, { status: "ready" });
    });
}
