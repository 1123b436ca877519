// The process's HTTP server: request facts taken from the socket, machine
// endpoints on the lean router, everything else handed to Next.js (when
// there is one: API-only processes and tests run without it).
import http from "node:http";
import { publicUrl, trustProxy } from "../lib/env.ts";
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER, PATH_HEADER, newRequestId, setRequestMeta } from "../lib/http/request-meta.ts";
import { isSameOrigin } from "../lib/http/same-origin.ts";
import { newNonce, securityHeaders } from "../lib/http/security-headers.ts";
import { releaseResponseFrame, sendJson, setResponseFrame, type LeanRouter } from "../lib/http/lean-router.ts";
import { observeRequest } from "../lib/http/request-observer.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// eslint-disable-next-line no-control-regex -- NUL is exactly what it looks for
const NUL_IN_PATH = /%00|\u0000/i;
const FORWARDED_HEADERS = ["x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-for", "forwarded"];

function clientIp(req: http.IncomingMessage): string {
  if (trustProxy()) {
    // The proxy appends the address it saw; anything left of it is the client's own claim.
    const forwarded = String(req.headers["x-forwarded-for"] ?? "")
      .split(",")
      .at(-1)
      ?.trim();
    if (forwarded) return forwarded;
  }
  return (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

type NextHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

type ServerOptions = { dev?: boolean; publicUrl?: string };

export function createTollgateServer(machines: LeanRouter, handleNext?: NextHandler, options: ServerOptions = {}) {
  const security = securityHeaders({ publicUrl: options.publicUrl ?? publicUrl(), dev: options.dev ?? false });
  const frameHeaders = security.common.flat();
  return http.createServer((req, res) => {
    // Facts about the request come from the socket, never from the client.
    const url = req.url ?? "/";
    const requestId = newRequestId();
    observeRequest(res);
    setResponseFrame(res, frameHeaders, requestId);
    // A NUL character in the address is never real input (and PostgreSQL cannot store one).
    if (NUL_IN_PATH.test(url)) {
      return sendJson(res, 400, { error: { code: "invalid_text", message: "The address may not contain NUL characters." } });
    }
    const ip = clientIp(req);
    setRequestMeta(req, { requestId, ip, userAgent: req.headers["user-agent"] ?? null });
    if (machines.handle(req, res)) return;
    const path = url.split("?")[0]!;
    // The machine API answers machines: an unknown address under it is a JSON 404, never an HTML page.
    if (!handleNext || path === "/api/v1" || path.startsWith("/api/v1/")) {
      return sendJson(res, 404, { error: { code: "not_found", message: `No API route ${req.method} ${path}. See /api/v1/openapi.json.` } });
    }
    // Cookie-authenticated writes (server actions, sign-in, sign-out) must
    // come from this site; the same check runs again inside every action.
    if (!SAFE_METHODS.has(req.method ?? "GET")) {
      const headers = { get: (name: string) => (req.headers[name] as string | undefined) ?? null };
      if (!isSameOrigin(headers, process.env.NEXTAUTH_URL, trustProxy())) {
        return sendJson(res, 403, { error: { code: "cross_site_request", message: "This request came from another site and was refused." } });
      }
    }
    // Next.js reads the request's facts from headers, which the server overwrites.
    req.headers[CLIENT_IP_HEADER] = ip;
    req.headers[REQUEST_ID_HEADER] = requestId;
    req.headers[PATH_HEADER] = path;
    delete req.headers["x-middleware-subrequest"];
    // Without a trusted proxy these are the client's own claims: nothing downstream may read them.
    if (!trustProxy()) for (const name of FORWARDED_HEADERS) delete req.headers[name];
    releaseResponseFrame(res);
    // Next.js takes the nonce for its script tags from the request's policy;
    // a policy the client sent itself is replaced, never used.
    const policy = security.pagePolicy(newNonce());
    req.headers["content-security-policy"] = policy;
    delete req.headers["content-security-policy-report-only"];
    res.setHeader("content-security-policy", policy);
    handleNext(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "Something went wrong on our side." } });
    });
  });
}
