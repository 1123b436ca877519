// `npm start`: one Node process. A small custom server answers machine
// endpoints through the lean router and hands everything else to Next.js.
import { randomUUID } from "node:crypto";
import http from "node:http";
import next from "next";
import { EnvError, env, trustProxy } from "../lib/env.ts";
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER } from "../lib/http/request-meta.ts";
import { isSameOrigin } from "../lib/http/same-origin.ts";
import { sendJson } from "../lib/http/lean-router.ts";
import { boot, StartupError } from "./boot.ts";
import { ensureBuild } from "./ensure-build.ts";
import { machineRouter } from "./machine-routes.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function clientIp(req: http.IncomingMessage): string {
  if (trustProxy()) {
    // The proxy appends the address it saw; anything left of it is the client's own claim.
    const forwarded = String(req.headers["x-forwarded-for"] ?? "").split(",").at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

function fail(message: string): never {
  console.error(`tollgate: ${message}`);
  process.exit(1);
}

async function main() {
  try {
    env();
  } catch (error) {
    if (error instanceof EnvError) fail(error.message);
    throw error;
  }
  const dev = process.env.TOLLGATE_DEV === "1";
  const booted = await boot();
  const { PORT, HOST } = booted.env;
  if (!dev) await ensureBuild();

  const app = next({ dev, dir: process.cwd(), hostname: "localhost", port: PORT });
  await app.prepare();
  const handleNext = app.getRequestHandler();
  const machines = await machineRouter();
  const authz = await import("../lib/authz/org-index-cache.ts");
  await authz.startAuthzListener(booted.databaseUrl);
  const { purgeExpiredDecisions } = await import("../lib/authz/list-decisions.ts");
  setInterval(() => void purgeExpiredDecisions().catch(() => {}), 60 * 60_000).unref();

  const server = http.createServer((req, res) => {
    // Facts about the request come from the socket, never from the client.
    req.headers[CLIENT_IP_HEADER] = clientIp(req);
    req.headers[REQUEST_ID_HEADER] = randomUUID();
    delete req.headers["x-middleware-subrequest"];
    res.setHeader("x-request-id", req.headers[REQUEST_ID_HEADER]);
    if (machines.handle(req, res)) return;
    const path = (req.url ?? "/").split("?")[0]!;
    // Cookie-authenticated writes (server actions, sign-in, sign-out) must
    // come from this site; the same check runs again inside every action.
    if (!SAFE_METHODS.has(req.method ?? "GET") && !path.startsWith("/api/v1/")) {
      const headers = { get: (name: string) => (req.headers[name] as string | undefined) ?? null };
      if (!isSameOrigin(headers, process.env.NEXTAUTH_URL)) {
        return sendJson(res, 403, { error: { code: "cross_site_request", message: "This request came from another site and was refused." } });
      }
    }
    handleNext(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "Something went wrong on our side." } });
    });
  });

  server.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE") fail(`PORT: port ${PORT} is already in use; stop the other process or set PORT`);
    fail(`server: ${error.message}`);
  });
  if (!process.env.TOLLGATE_PUBLIC_URL_SET && !["127.0.0.1", "localhost", "::1"].includes(HOST)) {
    console.warn(
      `tollgate: NEXTAUTH_URL is not set, so links in mail and sign-out point to http://localhost:${PORT}; set it to the address people use (e.g. https://tollgate.example.com)`,
    );
  }
  server.listen(PORT, HOST, () => {
    console.log(`tollgate: ready on http://localhost:${PORT}${booted.embedded ? " (embedded PostgreSQL)" : ""}`);
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    const { closeDecisionLog } = await import("../lib/authz/decision-log.ts");
    await closeDecisionLog().catch(() => {});
    await authz.stopAuthzListener();
    const { disconnectDb } = await import("../lib/db.ts");
    await disconnectDb().catch(() => {});
    await booted.embedded?.stop().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error) => {
  if (error instanceof StartupError || error instanceof EnvError) fail(error.message);
  fail(error instanceof Error ? error.message : String(error));
});
