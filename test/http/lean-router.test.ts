// Lean answers are written together at the end of the event-loop turn: every
// answer arrives whole, many at once too, and a handler that fails after it
// answered keeps its answer.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeanRouter, sendEmpty, sendJson } from "../../lib/http/lean-router.ts";

let server: http.Server;
let base = "";
beforeAll(async () => {
  const router = new LeanRouter()
    .on("GET", "/echo/:n", (_req, res, params) => sendJson(res, 200, { n: Number(params.n), pad: "x".repeat(Number(params.n)) }))
    .on("DELETE", "/thing", (_req, res) => sendEmpty(res, 204))
    .on("GET", "/answers-then-fails", (_req, res) => {
      sendJson(res, 200, { answered: true });
      throw new Error("after the answer");
    })
    .on("GET", "/answers-then-rejects", async (_req, res) => {
      sendJson(res, 201, { answered: true });
      await Promise.resolve();
      throw new Error("after the answer");
    });
  server = http.createServer((req, res) => {
    if (!router.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("lean answers", () => {
  it("arrive whole, two hundred at once as one by one", async () => {
    const sizes = Array.from({ length: 200 }, (_, i) => i * 37);
    const answers = await Promise.all(sizes.map(async (n) => (await fetch(`${base}/echo/${n}`)).json()));
    expect(answers.map((a) => [a.n, a.pad.length])).toEqual(sizes.map((n) => [n, n]));
    const empty = await fetch(`${base}/thing`, { method: "DELETE" });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("stand when their handler fails after answering, at once or later", async () => {
    for (const [path, status] of [
      ["/answers-then-fails", 200],
      ["/answers-then-rejects", 201],
    ] as const) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(status);
      expect(await res.json()).toEqual({ answered: true });
    }
  });
});
