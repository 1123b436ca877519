// SIGTERM under load, as Compose or Kubernetes send it: the process stops
// taking connections, answers every request already in flight, and writes
// what it buffers before it exits. Nothing it answered is lost: every
// answered check has its decision-log row, every accepted event is stored,
// every authenticated request is in its key's request count.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { createInstanceKey } from "../../lib/admin/instance-keys.ts";
import { db } from "../../lib/db.ts";
import { sql, sqlRows } from "../../lib/db/sql.ts";
import { orgWithAdminKey } from "../apikeys/http.ts";
import { createUser } from "../helpers.ts";
import { countDecisions } from "../fixtures/logged-decisions.ts";

type AppProcess = { url: string; port: number; child: ChildProcess; exited: Promise<number | null> };
let app: AppProcess | undefined;

function startProcess(env: Record<string, string> = {}): Promise<AppProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/api-process.ts"], { env: { ...process.env, LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`api process exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => {
      const { port } = JSON.parse(line) as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, port, child, exited });
    });
  });
}
afterAll(() => {
  if (app?.child.exitCode === null) app.child.kill("SIGKILL");
});

const post = (url: string, key: string, body: unknown) => fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });

describe("SIGTERM under load", () => {
  it("answers the requests in flight and loses no decision, event or key use it answered", async () => {
    const { adminKey, adminKeyRow, owner, org } = await orgWithAdminKey();
    const ownerId = (owner.principal as { userId: string }).userId;
    const admin = await createUser({ isInstanceAdmin: true });
    const usage = await createInstanceKey(admin, { name: "usage", access: "usage" });
    app = await startProcess();
    const base = app.url;

    let stopped = false;
    const answered = { checks: 0, accepted: 0, refusedConnections: 0 };
    const checkLoop = async () => {
      while (!stopped) {
        try {
          const res = await post(`${base}/api/v1/authz/check`, adminKey, { subject: { type: "user", id: ownerId }, permission: "members:read" });
          if (res.status === 200 && ((await res.json()) as { allowed: boolean }).allowed) answered.checks++;
        } catch {
          answered.refusedConnections++;
          return; // the process no longer takes connections
        }
      }
    };
    const ingestLoop = async () => {
      while (!stopped) {
        const events = Array.from({ length: 50 }, () => ({ id: randomUUID(), type: "shutdown_test", timestamp: new Date().toISOString(), organization: org.id, properties: {} }));
        try {
          const res = await post(`${base}/api/v1/usage/events`, usage.key, { events });
          if (res.status === 202) answered.accepted += ((await res.json()) as { accepted: number }).accepted;
        } catch {
          answered.refusedConnections++;
          return;
        }
      }
    };

    // A request in flight when the signal comes: its body arrives in two parts, the second after SIGTERM.
    const slowEvents = Array.from({ length: 10 }, () => ({ id: randomUUID(), type: "shutdown_test", timestamp: new Date().toISOString(), organization: org.id, properties: {} }));
    const slowBody = JSON.stringify({ events: slowEvents });
    const slowAnswer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${base}/api/v1/usage/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${usage.key}`, "content-type": "application/json", "content-length": String(Buffer.byteLength(slowBody)) },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.write(slowBody.slice(0, 100));
      setTimeout(() => req.end(slowBody.slice(100)), 2_500);
    });

    const loops = [...Array.from({ length: 6 }, checkLoop), ...Array.from({ length: 2 }, ingestLoop)];
    await new Promise((r) => setTimeout(r, 1_500));
    const signalledAt = Date.now();
    app.child.kill("SIGTERM");
    const code = await app.exited;
    stopped = true;
    await Promise.all(loops);

    expect(code, "the process exits cleanly").toBe(0);
    expect(Date.now() - signalledAt, "well inside a 30 s stop timeout").toBeLessThan(20_000);
    expect(answered.checks).toBeGreaterThan(0);
    expect(answered.accepted).toBeGreaterThan(0);
    const slow = await slowAnswer;
    expect(slow.status, slow.body).toBe(202);
    expect(JSON.parse(slow.body)).toMatchObject({ accepted: 10 });

    const logged = await countDecisions(org.id, { source: "check-api", principalId: ownerId, allowed: true });
    expect(logged, "every answered check was logged").toBeGreaterThanOrEqual(answered.checks);
    const [{ stored }] = await sqlRows<{ stored: number }>(sql`SELECT count(*)::int AS stored FROM usage.event WHERE org_id = ${org.id}::uuid AND type = 'shutdown_test'`);
    expect(stored, "every accepted event was stored").toBeGreaterThanOrEqual(answered.accepted + 10);
    const key = await db.apiKey.findUniqueOrThrow({ where: { id: adminKeyRow.id }, select: { requestCount: true, lastUsedAt: true } });
    expect(Number(key.requestCount), "every answered request counted on its key").toBeGreaterThanOrEqual(answered.checks);
    expect(key.lastUsedAt!.getTime()).toBeGreaterThan(signalledAt - 10_000);
  }, 60_000);

  it("with a shutdown delay, keeps serving while readiness says 503, then stops", async () => {
    const { adminKey, owner } = await orgWithAdminKey();
    app = await startProcess({ TOLLGATE_SHUTDOWN_DELAY_SECONDS: "2" });
    expect((await fetch(`${app.url}/api/ready`)).status).toBe(200);
    const signalledAt = Date.now();
    app.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    const ready = await fetch(`${app.url}/api/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ reason: "shutting down" });
    const check = await post(`${app.url}/api/v1/authz/check`, adminKey, { subject: { type: "user", id: (owner.principal as { userId: string }).userId }, permission: "members:read" });
    expect(check.status, "still served during the delay").toBe(200);
    expect(check.headers.get("connection"), "and told to go elsewhere next time").toBe("close");
    expect(await app.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(2_000);
  }, 30_000);
});
