// PostgreSQL restarted while a product sends usage: the app process answers
// errors while it is down, the product sends each batch again until it is
// answered (giving up on a request unanswered for 15 s, as a product's client
// would; the trail printed on failure, and a warning, say when that happened),
// and every event is stored once, none lost, none twice.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { afterAll, describe, expect, it, onTestFailed } from "vitest";
import { generateKey } from "../../lib/apikeys/key-format.ts";
import { freePort, startEmbeddedPostgres, type RunningPostgres } from "../../lib/db/embedded-postgres.ts";
import { migrateDatabase } from "../../lib/db/migrate.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

function startApp(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/api-process.ts"], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`api process exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => resolve({ url: `http://127.0.0.1:${JSON.parse(line).port}`, child }));
  });
}

describe("usage ingest across a database restart", () => {
  it("stores every event once when the product sends each batch until it is answered", { timeout: 180_000 }, async () => {
    // What happened when, printed if the test fails (a timeout alone says nothing of where it stood).
    const started = Date.now();
    const trail: string[] = [];
    const mark = (what: string) => trail.push(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
    onTestFailed(() => console.error(`usage-restart trail:\n${trail.join("\n")}`));
    const home = await mkdtemp(path.join(os.tmpdir(), "tollgate-restart-"));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const options = { dir: path.join(home, "pg"), port: await freePort(), database: "tollgate_restart", dirSetting: "TMPDIR" };
    let server: RunningPostgres = await startEmbeddedPostgres(options);
    cleanups.push(() => server.stop());
    mark("PostgreSQL started");
    await migrateDatabase(server.url);
    mark("migrated");

    const key = generateKey();
    const setup = new pg.Client({ connectionString: server.url });
    await setup.connect();
    const { rows } = await setup.query(`INSERT INTO "Organization" (id, name, slug, "updatedAt") VALUES (gen_random_uuid(), 'Restart', 'restart', now()) RETURNING id`);
    const orgId = rows[0].id as string;
    await setup.query(`INSERT INTO "Meter" (id, key, name, "eventType", aggregation, "valueProperty", "updatedAt") VALUES (gen_random_uuid(), 'calls', 'Calls', 'call', 'count', NULL, now())`);
    await setup.query(
      `INSERT INTO "ApiKey" (id, "orgId", "isInstanceAdmin", name, "publicId", "secretHash", "lastFour", permissions) VALUES (gen_random_uuid(), NULL, false, 'usage', $1, $2, $3, '{usage:write}')`,
      [key.publicId, key.secretHash, key.lastFour],
    );
    await setup.end();

    const app = await startApp(server.url);
    cleanups.push(async () => app.child.kill("SIGTERM"));
    mark("app listening");
    // The app must outlive the restart: once it has exited, sending again only meets a closed port.
    let exited: string | null = null;
    app.child.once("exit", (code, signal) => mark((exited = `the app process exited (${code ?? signal})`)));

    const BATCHES = 40;
    const PER_BATCH = 50;
    let refusedWhileDown = 0;
    let timedOut = 0;
    const sendUntilAnswered = async (b: number) => {
      const events = Array.from({ length: PER_BATCH }, (_, i) => ({ id: `e-${b}-${i}`, type: "call", timestamp: new Date().toISOString(), organization: orgId }));
      for (;;) {
        if (exited) throw new Error(exited);
        try {
          const res = await fetch(`${app.url}/api/v1/usage/events`, {
            method: "POST",
            headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" },
            body: JSON.stringify({ events }),
            // As a product would: a request unanswered for long is given up and sent again.
            signal: AbortSignal.timeout(15_000),
          });
          if (res.status === 202) return (await res.json()) as { accepted: number; duplicates: number };
          refusedWhileDown++;
        } catch (error) {
          if ((error as Error).name === "TimeoutError") {
            mark(`batch ${b}: no answer in 15 s (${++timedOut} so far)`);
            console.warn(`usage-restart: batch ${b} had no answer in 15 s; sending it again`);
          }
          refusedWhileDown++;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // Two senders; the database goes away a third of the way in, and comes back a moment later.
    let sent = 0;
    const sender = async () => {
      while (sent < BATCHES) await sendUntilAnswered(sent++);
    };
    const restart = (async () => {
      while (sent < BATCHES / 3) await new Promise((r) => setTimeout(r, 10));
      mark(`stopping PostgreSQL at batch ${sent}`);
      await server.stop();
      mark("PostgreSQL stopped");
      await new Promise((r) => setTimeout(r, 1_000));
      server = await startEmbeddedPostgres(options);
      mark(`PostgreSQL back at batch ${sent}`);
    })();
    await Promise.all([sender(), sender(), restart]);
    mark(`all batches answered; ${refusedWhileDown} refused while down`);

    const check = new pg.Client({ connectionString: server.url });
    await check.connect();
    const stored = await check.query(`SELECT count(*)::int AS events, count(DISTINCT id)::int AS ids FROM usage.event WHERE org_id = $1`, [orgId]);
    const claims = await check.query(`SELECT count(*)::int AS n FROM usage.event_id WHERE org_id = $1`, [orgId]);
    await check.end();
    expect(refusedWhileDown).toBeGreaterThan(0);
    expect(stored.rows[0]).toEqual({ events: BATCHES * PER_BATCH, ids: BATCHES * PER_BATCH });
    expect(claims.rows[0].n).toBe(BATCHES * PER_BATCH);
  });
});
