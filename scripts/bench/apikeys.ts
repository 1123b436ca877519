// npm run bench:apikeys: API key verification in process (warm cache) and
// over HTTP (POST /api/v1/keys/verify at 50 connections over 10,000 distinct
// keys), and a plain node:http baseline, all in one run on one freshly seeded
// database. Prints one JSON line per figure.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { generateKey } from "../../lib/apikeys/key-format.ts";
import { baselineContender, benchDatabase, databaseQuiet, loadInTurns, percentile, print, printLoad, round, runBench, startAppServer } from "./harness.ts";

const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const OTHER_ORGS = 99;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENT_IP = "10.1.2.3";

type Seeded = { orgId: string; verifierKey: string; keys: string[] };

async function seed(url: string): Promise<Seeded> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const q = (sql: string, params: unknown[] = []) => c.query(sql, params);
  await q(`INSERT INTO "Organization" (id, name, slug, "updatedAt") SELECT gen_random_uuid(), 'Bench ' || i, 'bench-' || i, now() FROM generate_series(0, $1) i`, [OTHER_ORGS]);
  const { rows: orgs } = await q(`SELECT id, slug FROM "Organization" WHERE slug LIKE 'bench-%' ORDER BY slug`);
  const orgId = orgs.find((o) => o.slug === "bench-0")!.id as string;
  // The verified organization holds KEYS keys, a realistic mix: some expire,
  // some carry an IP allow list, some are project-free lists of permissions.
  const keys: string[] = [];
  const columns = { org: [] as string[], publicId: [] as string[], hash: [] as string[], four: [] as string[], expires: [] as (string | null)[], cidrs: [] as string[] };
  const add = (org: string, i: number) => {
    const generated = generateKey();
    columns.org.push(org);
    columns.publicId.push(generated.publicId);
    columns.hash.push(generated.secretHash);
    columns.four.push(generated.lastFour);
    columns.expires.push(i % 10 === 0 ? new Date(Date.now() + 30 * 86_400_000).toISOString() : null);
    columns.cidrs.push(i % 5 === 0 ? "{10.0.0.0/8}" : "{}");
    return generated.key;
  };
  for (let i = 0; i < KEYS; i++) keys.push(add(orgId, i));
  // Other organizations' keys fill the table as they would in a shared instance.
  for (const o of orgs) if (o.id !== orgId) for (let i = 0; i < 20; i++) add(o.id, i);
  await q(
    `INSERT INTO "ApiKey" (id, "orgId", name, "publicId", "secretHash", "lastFour", permissions, "expiresAt", "ipAllowList")
     SELECT gen_random_uuid(), org, 'bench key', pid, hash, four, ARRAY['authz:check', 'projects:read'], expires, cidrs::text[]
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS k(org, pid, hash, four, expires, cidrs)`,
    [columns.org, columns.publicId, columns.hash, columns.four, columns.expires, columns.cidrs],
  );
  const verifier = generateKey();
  await q(`INSERT INTO "ApiKey" (id, "orgId", name, "publicId", "secretHash", "lastFour", permissions) VALUES (gen_random_uuid(), $1, 'verifier', $2, $3, $4, ARRAY['apikeys:verify'])`, [
    orgId,
    verifier.publicId,
    verifier.secretHash,
    verifier.lastFour,
  ]);
  await c.end();
  return { orgId, verifierKey: verifier.key, keys };
}

async function inProcess(seeded: Seeded) {
  const { admitKey, checkKey, checkKeyCached } = await import("../../lib/apikeys/authenticate-api-key.ts");
  // As in the app: a listener keeps cached indexes valid until a change is notified.
  const { startAuthzListener, stopAuthzListener } = await import("../../lib/authz/org-index-cache.ts");
  await startAuthzListener(process.env.DATABASE_URL!);
  // Warm: every key's organization loaded and every key verified once.
  for (const key of seeded.keys) if (!(await checkKey(key, CLIENT_IP)).ok) throw new Error("a seeded key did not verify");
  const verify = (key: string) => {
    const check = checkKeyCached(key, CLIENT_IP);
    if (!check?.ok) throw new Error(`verification failed: ${check ? check.code : "not cached"}`);
    return admitKey(check, CLIENT_IP);
  };
  const keys = seeded.keys;
  for (let i = 0; i < 200_000; i++) void verify(keys[i % keys.length]!);
  const n = 1_000_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) void verify(keys[i % keys.length]!);
  const opsPerS = n / ((performance.now() - started) / 1000);
  const timings = new Float64Array(200_000);
  for (let i = 0; i < timings.length; i++) {
    const t0 = performance.now();
    void verify(keys[(i * 7) % keys.length]!);
    timings[i] = performance.now() - t0;
  }
  timings.sort();
  print({ bench: "apikeys.inprocess", ops_per_s: Math.round(opsPerS), p50_ms: round(percentile(timings, 0.5), 5), p99_ms: round(percentile(timings, 0.99), 5) });
  const { flushKeyUsage, stopKeyUsageTimer } = await import("../../lib/apikeys/key-usage.ts");
  stopKeyUsageTimer();
  await flushKeyUsage();
  await stopAuthzListener();
}

async function main() {
  const secret = randomBytes(32).toString("base64url");
  const apiKeySecret = randomBytes(32).toString("base64url");
  process.env.NEXTAUTH_SECRET = secret;
  process.env.TOLLGATE_API_KEY_SECRET = apiKeySecret;
  const database = await benchDatabase("tollgate_bench_apikeys");
  process.env.DATABASE_URL = database.url;
  try {
    const { syncBuiltInRoles } = await import("../../lib/authz/sync-built-in-roles.ts");
    await syncBuiltInRoles();
    const seededAt = performance.now();
    const seeded = await seed(database.url);
    console.error(`bench: seeded ${seeded.keys.length} keys in the verified organization (+${OTHER_ORGS * 20} elsewhere) in ${Math.round(performance.now() - seededAt)} ms`);
    if (process.env.BENCH_ONLY === "inprocess") return await inProcess(seeded);

    const headers = { "content-type": "application/json", authorization: `Bearer ${seeded.verifierKey}` };
    const requests = seeded.keys.map((key) => ({ method: "POST" as const, path: "/api/v1/keys/verify", headers, body: JSON.stringify({ key, ip: CLIENT_IP }) }));
    const app = await startAppServer(database.url, secret, apiKeySecret);
    const sample = await (await fetch(app.url + "/api/v1/keys/verify", { method: "POST", headers, body: requests[0]!.body })).text();
    if (!JSON.parse(sample).valid) throw new Error(`verify answered ${sample}`);
    const base = await baselineContender(sample, requests, { spread: true });
    let results: Awaited<ReturnType<typeof loadInTurns>>;
    try {
      // Key usage is written every 10 s; the app is frozen outside its turns, so those writes fall in its own.
      results = await loadInTurns([base.contender, { name: "verify", url: app.url, pid: app.pid, requests, spread: true, settle: () => databaseQuiet(database.url) }], { seconds: SECONDS });
    } finally {
      await Promise.all([app.stop(), base.stop()]);
    }
    const [baseline, http] = [results.get("baseline")!, results.get("verify")!];
    // In process last, so its heap does not weigh on the load generator above.
    await inProcess(seeded);
    const { disconnectDb } = await import("../../lib/db.ts");
    const { closeKeyUsage } = await import("../../lib/apikeys/key-usage.ts");
    await Promise.all([disconnectDb(), closeKeyUsage()]);
    printLoad("baseline.node-http", baseline);
    printLoad("apikeys.http-verify", http);
    // Where the two cores went, per request answered (warm-ups included).
    console.error(`bench: CPU per request: baseline ${baseline.cpu}; verify ${http.cpu}`);

    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    const { rows } = await c.query(`SELECT count(*)::int AS used, coalesce(sum("requestCount"), 0)::bigint AS requests FROM "ApiKey" WHERE "orgId" = $1 AND "lastUsedAt" IS NOT NULL`, [seeded.orgId]);
    await c.end();
    console.error(
      `bench: http-verify ratio to baseline ${(http.rps / baseline.rps).toFixed(2)} (goal >= 0.6); p99 ${(http.p99 / baseline.p99).toFixed(1)} x baseline p99 (goal <= 3); keys with last-used recorded: ${rows[0].used}, requests counted: ${rows[0].requests}`,
    );
  } finally {
    await database.stop();
  }
}

runBench(main);
