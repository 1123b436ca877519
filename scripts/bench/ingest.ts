// npm run bench:ingest: usage events over HTTP, batches of 500 from 8
// connections for at least 60 s with 1% duplicates, into three meters, across
// 1,000 organizations. Prints accepted events/s with batch latency, and, from
// the same run and database, the baseline: rows/s of a server-side
// INSERT … SELECT … ON CONFLICT DO NOTHING into a table shaped like the events
// table (primary key, JSONB), from as many connections. Then the invoice run
// (./invoice-run.ts): 10 million events to finalized Stripe invoices.
import http from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { generateKey } from "../../lib/apikeys/key-format.ts";
import { benchDatabase, cpuMeter, percentile, print, round, runBench, startAppServer } from "./harness.ts";
import { invoiceRun } from "./invoice-run.ts";

const ORGS = 1_000;
const BATCH = 500;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const BASELINE_SECONDS = Number(process.env.BENCH_BASELINE_SECONDS ?? 15);
const DUPLICATE_SHARE = 0.01;
const TYPE = "api_call";

async function seed(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query(
    `INSERT INTO "Organization" (id, name, slug, "externalId", "updatedAt")
     SELECT gen_random_uuid(), 'Org ' || i, 'org-' || i, 'acct_' || i, now() FROM generate_series(1, ${ORGS}) i RETURNING id`,
  );
  await c.query(
    `INSERT INTO "Meter" (id, key, name, "eventType", aggregation, "valueProperty", "groupBy", "updatedAt") VALUES
       (gen_random_uuid(), 'api_calls', 'API calls', '${TYPE}', 'count', NULL, '{}', now()),
       (gen_random_uuid(), 'tokens', 'Tokens', '${TYPE}', 'sum', 'tokens', '{model}', now()),
       (gen_random_uuid(), 'active_users', 'Active users', '${TYPE}', 'unique_count', 'user', '{}', now())`,
  );
  const key = generateKey();
  await c.query(
    `INSERT INTO "ApiKey" (id, "orgId", "isInstanceAdmin", name, "publicId", "secretHash", "lastFour", permissions) VALUES (gen_random_uuid(), NULL, false, 'usage', $1, $2, $3, '{usage:write}')`,
    [key.publicId, key.secretHash, key.lastFour],
  );
  await c.end();
  return { orgIds: rows.map((r) => r.id as string), usageKey: key.key };
}

/** Batches of new events, with about 1% repeating an id sent before. */
function batches(orgIds: string[]) {
  const run = randomUUID().slice(0, 8);
  let counter = 0;
  const sent: Array<{ org: string; id: string }> = [];
  const models = ["small", "medium", "large"];
  return () => {
    const now = new Date().toISOString();
    const parts: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      let org: string;
      let id: string;
      if (sent.length > BATCH && Math.random() < DUPLICATE_SHARE) {
        ({ org, id } = sent[Math.floor(Math.random() * sent.length)]!);
      } else {
        const n = counter++;
        org = orgIds[n % orgIds.length]!;
        id = `${run}-${n}`;
        if (sent.length < 100_000) sent.push({ org, id });
        else sent[n % sent.length] = { org, id };
      }
      parts.push(
        `{"id":"${id}","type":"${TYPE}","timestamp":"${now}","organization":"${org}","properties":{"tokens":${(counter % 977) + 1},"model":"${models[counter % 3]}","user":"u${counter % 50}"}}`,
      );
    }
    return `{"events":[${parts.join(",")}]}`;
  };
}

async function driveIngest(base: URL, key: string, next: () => string, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let accepted = 0;
  let duplicates = 0;
  const send = (body: string) =>
    new Promise<{ accepted: number; duplicates: number }>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method: "POST",
          path: "/api/v1/usage/events",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 202) return reject(new Error(`POST /api/v1/usage/events: ${res.statusCode} ${text.slice(0, 300)}`));
            const answer = JSON.parse(text) as { accepted: number; duplicates: number; rejected: number };
            if (answer.rejected) return reject(new Error(`${answer.rejected} events rejected: ${text.slice(0, 300)}`));
            resolve(answer);
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const body = next();
        const t0 = performance.now();
        const answer = await send(body);
        latencies.push(performance.now() - t0);
        accepted += answer.accepted;
        duplicates += answer.duplicates;
      }
    }),
  );
  agent.destroy();
  const elapsed = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return { accepted, duplicates, elapsed, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** Rows/s of server-side INSERT … SELECT … ON CONFLICT DO NOTHING, 500 rows a statement, from CONNECTIONS connections. */
async function baselineInsert(url: string, orgIds: string[], seconds: number) {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`DROP TABLE IF EXISTS bench_baseline_event`);
  await setup.query(`CREATE TABLE bench_baseline_event (org_id uuid NOT NULL, id text NOT NULL, type text NOT NULL, ts timestamptz NOT NULL, properties jsonb NOT NULL, PRIMARY KEY (org_id, id))`);
  await setup.end();
  let next = 0;
  let rows = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      while (performance.now() < until) {
        const from = next;
        next += BATCH;
        const result = await c.query(
          `INSERT INTO bench_baseline_event (org_id, id, type, ts, properties)
           SELECT ($1::uuid[])[1 + g % array_length($1::uuid[], 1)], 'b-' || g, 'api_call', now(), jsonb_build_object('tokens', g % 977, 'model', 'small', 'user', 'u' || g % 50)
           FROM generate_series($2::int, $2::int + ${BATCH - 1}) g ON CONFLICT DO NOTHING`,
          [orgIds, from],
        );
        rows += result.rowCount ?? 0;
      }
      await c.end();
    }),
  );
  return rows / ((performance.now() - started) / 1000);
}

async function main() {
  const apiKeySecret = randomBytes(32).toString("base64url");
  process.env.TOLLGATE_API_KEY_SECRET = apiKeySecret; // the seeded key is hashed as the server will check it
  const db = await benchDatabase("tollgate_bench_ingest");
  const { orgIds, usageKey } = await seed(db.url);
  const baseline = await baselineInsert(db.url, orgIds, BASELINE_SECONDS);
  const server = await startAppServer(db.url, randomBytes(32).toString("base64url"), apiKeySecret);
  try {
    const base = new URL(server.url);
    const next = batches(orgIds);
    await driveIngest(base, usageKey, next, 3); // warm-up: partitions, prepared statements, JIT
    const cpu = cpuMeter(server.pid);
    const result = await driveIngest(base, usageKey, next, SECONDS);
    const cpuUsed = cpu.perOperation(result.accepted + result.duplicates);
    print({ bench: "ingest.http", ops_per_s: Math.round(result.accepted / result.elapsed), p50_ms: round(result.p50, 2), p99_ms: round(result.p99, 2) });
    console.log(JSON.stringify({ bench: "baseline.pg-insert", ops_per_s: Math.round(baseline) }));
    console.error(
      `bench: ${result.accepted} events accepted, ${result.duplicates} duplicates answered, in ${round(result.elapsed, 1)} s; ingest/baseline = ${round(result.accepted / result.elapsed / baseline, 2)}`,
    );
    // Where the two cores went, per event answered.
    console.error(`bench: CPU per event: ${cpuUsed}`);
  } finally {
    await server.stop();
  }
  try {
    await invoiceRun(db.url, orgIds);
  } finally {
    await db.stop();
  }
}

runBench(main);
