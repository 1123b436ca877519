// Machine routes on the lean router: read and validate the JSON body,
// authenticate the API key, call one domain function, map its errors.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { bearerToken } from "../apikeys/authenticate-api-key.ts";
import { apiKeyContext, keyRequestContext, ORG_HEADER } from "../auth/request-context.ts";
import { decisionLogRoom } from "../authz/decision-log.ts";
import { Invalid } from "../errors.ts";
import { assertCleanInput } from "../input.ts";
import type { InstanceCtx, OrgCtx } from "../context.ts";
import { requestMeta } from "./request-meta.ts";
import { sendJson, throughDoor, type LeanHandler } from "./lean-router.ts";

const MAX_BODY = 1_000_000;

// Plain stream events: an async iterator costs measurably more per request.
/** Collects the body up to `maxBytes` (refused beyond), then calls `done` with its chunks. */
function collectBody(req: IncomingMessage, maxBytes: number, reject: (error: unknown) => void, done: (chunks: Buffer[], size: number) => void) {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      req.removeAllListeners("data");
      req.resume();
      reject(new Invalid("body_too_large", `The request body is larger than ${maxBytes / 1_000_000} MB.`));
    } else chunks.push(chunk);
  });
  req.on("error", reject);
  req.on("end", () => {
    if (size <= maxBytes) done(chunks, size);
  });
}

/**
 * The body parsed, and whether its text holds a \u escape: decoded UTF-8
 * never holds NUL or a lone surrogate (JSON refuses a raw NUL, the decoder
 * replaces bad bytes), so only an escape can make one.
 */
function parseBody(req: IncomingMessage, maxBytes: number, reject: (error: unknown) => void, done: (body: unknown, escaped: boolean) => void) {
  collectBody(req, maxBytes, reject, (chunks, size) => {
    if (size === 0) return reject(new Invalid("invalid_json", "Send a JSON body."));
    let text: string;
    let body: unknown;
    try {
      text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
      body = JSON.parse(text);
    } catch {
      return reject(new Invalid("invalid_json", "The request body is not valid JSON."));
    }
    done(body, text.includes("\\u"));
  });
}

/** The JSON body; NUL or a lone surrogate anywhere in it is refused. */
export function readJson(req: IncomingMessage, maxBytes = MAX_BODY): Promise<unknown> {
  return new Promise((resolve, reject) =>
    parseBody(req, maxBytes, reject, (body, escaped) => {
      if (escaped) {
        try {
          assertCleanInput(body);
        } catch (error) {
          return reject(error);
        }
      }
      resolve(body);
    }),
  );
}

/**
 * The JSON body for a handler that refuses NUL and lone surrogates itself,
 * part by part (ingest, event by event); `cleanText` says none can be there.
 */
export function readJsonUnchecked(req: IncomingMessage, maxBytes = MAX_BODY): Promise<{ body: unknown; cleanText: boolean }> {
  return new Promise((resolve, reject) => parseBody(req, maxBytes, reject, (body, escaped) => resolve({ body, cleanText: !escaped })));
}

/** The body as sent (a signature is checked on these exact bytes). */
export function readRaw(req: IncomingMessage, maxBytes = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => collectBody(req, maxBytes, reject, (chunks) => resolve(Buffer.concat(chunks))));
}

export function orgHeader(req: IncomingMessage): string | null {
  const value = req.headers[ORG_HEADER];
  return typeof value === "string" && value.trim() ? value.trim() : null;
}

/**
 * A route of an organization's key (check, verify): its context comes from
 * the door, without an await when it can. Written with plain promises: each
 * `await` of an async handler costs the hot path a turn of the microtask queue.
 */
export function apiRoute<S extends z.ZodType, R>(
  options: { body: S; status?: number; /** A faster parse giving the schema's answers (the schema stays what the API reference shows). */ parse?: (raw: unknown) => z.infer<S> },
  handler: (ctx: OrgCtx, body: z.infer<S>) => R | Promise<R>,
): LeanHandler {
  const status = options.status ?? 200;
  const parse = options.parse ?? ((raw: unknown) => options.body.parse(raw));
  // Every decision is logged: when the log is far behind, the answer waits for it.
  const send = (res: ServerResponse, value: R) => {
    const room = decisionLogRoom();
    if (room) return room.then(() => sendJson(res, status, value));
    sendJson(res, status, value);
  };
  const answer = (res: ServerResponse, ctx: OrgCtx, raw: unknown) => {
    const result = handler(ctx, parse(raw));
    return result instanceof Promise ? result.then((value) => send(res, value)) : send(res, result);
  };
  return throughDoor("org-key", (req: IncomingMessage, res: ServerResponse) => {
    const ctx = keyRequestContext(bearerToken(req.headers.authorization), requestMeta(req), orgHeader(req));
    if (ctx instanceof Promise) return ctx.then((known) => readJson(req).then((raw) => answer(res, known, raw)));
    return readJson(req).then((raw) => answer(res, ctx, raw));
  });
}

/**
 * A route of an instance-level key that acts for many organizations (usage
 * ingest): the handler checks the instance permission it needs. NUL and lone
 * surrogates are refused here, unless the handler refuses them itself
 * (`textCheckedByHandler`; it is told when the body cannot hold any).
 */
export function instanceKeyRoute<S extends z.ZodType, R>(
  options: { body: S; status?: number; maxBytes?: number; textCheckedByHandler?: boolean },
  handler: (ctx: InstanceCtx, body: z.infer<S>, input: { cleanText: boolean }) => Promise<R>,
): LeanHandler {
  const status = options.status ?? 200;
  return throughDoor("any-key", async (req: IncomingMessage, res: ServerResponse) => {
    const ctx = await apiKeyContext(bearerToken(req.headers.authorization), requestMeta(req), "instance", null);
    const { body, cleanText } = await readJsonUnchecked(req, options.maxBytes);
    if (!cleanText && !options.textCheckedByHandler) assertCleanInput(body);
    sendJson(res, status, await handler(ctx, options.body.parse(body), { cleanText }));
  });
}
