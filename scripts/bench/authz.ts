// npm run bench:authz: authorization decisions in process, over HTTP (single
// and batch checks) and a plain node:http baseline, all in one run on one
// freshly seeded database: 1,000 organizations, 100,000 users, 20 custom roles
// and 50 groups per organization. Prints one JSON line per figure.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { generateKey } from "../../lib/apikeys/key-format.ts";
import { decide, type AuthzResource } from "../../lib/authz/decide.ts";
import type { OrgIndex } from "../../lib/authz/org-index.ts";
import { baselineContender, benchDatabase, databaseQuiet, loadInTurns, percentile, print, printLoad, round, runBench, startAppServer } from "./harness.ts";

const ORGS = Number(process.env.BENCH_ORGS ?? 1000);
const USERS_PER_ORG = 100;
const ROLES_PER_ORG = 20;
const GROUPS_PER_ORG = 50;
const PROJECTS_PER_ORG = 5;
const GRANTS_PER_ORG = 40;
const PRODUCT = ["traces:read", "traces:write", "datasets:read", "datasets:write", "prompts:read", "prompts:write", "evals:run", "exports:create"];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Organizations the HTTP checks go to, each with its own key (the decision log batches per organization). */
const TENANTS = Number(process.env.BENCH_TENANTS ?? 1);
if (!Number.isInteger(TENANTS) || TENANTS < 1 || TENANTS > ORGS) throw new Error(`BENCH_TENANTS must be a whole number from 1 to BENCH_ORGS (${ORGS})`);

async function seed(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const q = (sql: string, params: unknown[] = []) => c.query(sql, params);
  await q(`INSERT INTO "ProductPermission" (key) SELECT unnest($1::text[])`, [PRODUCT]);
  const { rows: builtIns } = await q(`SELECT id FROM "Role" WHERE "orgId" IS NULL AND NOT "isOwner"`);
  if (!builtIns.length) throw new Error("built-in roles missing");
  await q(`INSERT INTO "Organization" (id, name, slug, "updatedAt") SELECT gen_random_uuid(), 'Bench ' || i, 'bench-' || i, now() FROM generate_series(1, $1) i`, [ORGS]);
  await q(
    `INSERT INTO "User" (id, email, name, "updatedAt")
           SELECT gen_random_uuid(), 'u' || i || '@bench.test', 'User ' || i, now() FROM generate_series(1, $1) i`,
    [ORGS * USERS_PER_ORG],
  );
  // User n belongs to organization ceil(n / 100) with a built-in role.
  await q(
    `INSERT INTO "Membership" (id, "orgId", "userId", "roleId", "updatedAt")
           SELECT gen_random_uuid(), o.id, u.id, ($1::uuid[])[1 + (u.n % array_length($1::uuid[], 1))], now()
           FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM "User" WHERE email LIKE '%@bench.test') u
           JOIN (SELECT id, row_number() OVER (ORDER BY slug) AS n FROM "Organization" WHERE slug LIKE 'bench-%') o ON o.n = (u.n - 1) / ${USERS_PER_ORG} + 1`,
    [builtIns.map((r) => r.id)],
  );
  await q(
    `INSERT INTO "Role" (id, "orgId", key, name, permissions, "updatedAt")
           SELECT gen_random_uuid(), o.id, 'custom-' || i, 'Custom ' || i,
                  ARRAY(SELECT p FROM unnest($1::text[]) p WHERE random() < 0.35), now()
           FROM "Organization" o CROSS JOIN generate_series(1, ${ROLES_PER_ORG}) i WHERE o.slug LIKE 'bench-%'`,
    [PRODUCT],
  );
  await q(`INSERT INTO "Project" (id, "orgId", name, slug, "updatedAt")
           SELECT gen_random_uuid(), o.id, 'Project ' || i, 'project-' || i, now() FROM "Organization" o CROSS JOIN generate_series(1, ${PROJECTS_PER_ORG}) i WHERE o.slug LIKE 'bench-%'`);
  await q(`INSERT INTO "Group" (id, "orgId", name, "updatedAt")
           SELECT gen_random_uuid(), o.id, 'Group ' || i, now() FROM "Organization" o CROSS JOIN generate_series(1, ${GROUPS_PER_ORG}) i WHERE o.slug LIKE 'bench-%'`);
  // Every member is in two of their organization's groups.
  await q(`INSERT INTO "GroupMember" ("groupId", "userId", "orgId")
           SELECT DISTINCT ON (g.id, m."userId") g.id, m."userId", m."orgId"
           FROM "Membership" m
           JOIN LATERAL (SELECT id FROM "Group" WHERE "orgId" = m."orgId" ORDER BY md5(id::text || m."userId"::text) LIMIT 2) g ON true`);
  // Grants: custom roles to groups, on a project or the organization, some with conditions.
  await q(`INSERT INTO "Grant" (id, "orgId", "roleId", "groupId", "projectId", "validUntil", "ipCidrs", "requireMfa")
           SELECT gen_random_uuid(), o.id,
                  (SELECT id FROM "Role" r WHERE r."orgId" = o.id ORDER BY md5(r.id::text || i) LIMIT 1),
                  (SELECT id FROM "Group" g WHERE g."orgId" = o.id ORDER BY md5(g.id::text || i) LIMIT 1),
                  CASE WHEN i % 3 = 0 THEN NULL ELSE (SELECT id FROM "Project" p WHERE p."orgId" = o.id ORDER BY md5(p.id::text || i) LIMIT 1) END,
                  CASE WHEN i % 7 = 0 THEN now() + interval '30 days' END,
                  CASE WHEN i % 5 = 0 THEN ARRAY['10.0.0.0/8'] ELSE ARRAY[]::text[] END,
                  i % 11 = 0
           FROM "Organization" o CROSS JOIN generate_series(1, ${GRANTS_PER_ORG}) i WHERE o.slug LIKE 'bench-%'`);
  await c.end();
}

async function checkKey(url: string, orgSlug: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const generated = generateKey();
  const { rows } = await c.query(`SELECT id FROM "Organization" WHERE slug = $1`, [orgSlug]);
  await c.query(`INSERT INTO "ApiKey" (id, "orgId", name, "publicId", "secretHash", "lastFour", permissions) VALUES (gen_random_uuid(), $1, 'bench', $2, $3, $4, ARRAY['authz:check'])`, [
    rows[0].id,
    generated.publicId,
    generated.secretHash,
    generated.lastFour,
  ]);
  const users = await c.query(`SELECT "userId" FROM "Membership" WHERE "orgId" = $1`, [rows[0].id]);
  const projects = await c.query(`SELECT id FROM "Project" WHERE "orgId" = $1`, [rows[0].id]);
  await c.end();
  return { key: generated.key, orgId: rows[0].id as string, users: users.rows.map((r) => r.userId as string), projects: projects.rows.map((r) => r.id as string) };
}

async function inProcess(): Promise<void> {
  const { loadOrgIndex } = await import("../../lib/authz/org-index-cache.ts");
  const { db } = await import("../../lib/db.ts");
  const orgs = await db.organization.findMany({ where: { slug: { startsWith: "bench-" } }, select: { id: true }, take: 100 });
  const indexes: OrgIndex[] = [];
  for (const o of orgs) indexes.push(await loadOrgIndex(o.id));
  type Query = { index: OrgIndex; user: string; permission: string; resource: AuthzResource; ip: string };
  const queries: Query[] = [];
  for (let i = 0; i < 10_000; i++) {
    const index = indexes[i % indexes.length]!;
    const users = [...index.memberRole.keys()];
    const projects = [...index.projects];
    queries.push({
      index,
      user: users[(i * 7) % users.length]!,
      permission: PRODUCT[i % PRODUCT.length]!,
      resource: i % 2 ? { type: "project", id: projects[i % projects.length]! } : { type: "organization", id: index.orgId },
      ip: i % 3 ? "10.1.2.3" : "192.0.2.1",
    });
  }
  const run = (n: number, timings?: Float64Array) => {
    let allowed = 0;
    for (let i = 0; i < n; i++) {
      const q = queries[i % queries.length]!;
      const t0 = timings ? performance.now() : 0;
      if (decide(q.index, { type: "user", id: q.user }, q.permission, q.resource, { ip: q.ip }).allowed) allowed++;
      if (timings) timings[i] = performance.now() - t0;
    }
    return allowed;
  };
  run(200_000); // warm up the JIT
  const n = 2_000_000;
  const started = performance.now();
  run(n);
  const opsPerS = n / ((performance.now() - started) / 1000);
  const timings = new Float64Array(200_000);
  run(timings.length, timings);
  timings.sort();
  print({ bench: "authz.inprocess", ops_per_s: Math.round(opsPerS), p50_ms: round(percentile(timings, 0.5), 5), p99_ms: round(percentile(timings, 0.99), 5) });
  await db.$disconnect();
}

async function main() {
  const secret = randomBytes(32).toString("base64url");
  const apiKeySecret = randomBytes(32).toString("base64url");
  process.env.NEXTAUTH_SECRET = secret;
  process.env.TOLLGATE_API_KEY_SECRET = apiKeySecret;
  const database = await benchDatabase("tollgate_bench_authz");
  process.env.DATABASE_URL = database.url;
  try {
    const { syncBuiltInRoles } = await import("../../lib/authz/sync-built-in-roles.ts");
    await syncBuiltInRoles();
    const seeded = performance.now();
    await seed(database.url);
    console.error(`bench: seeded ${ORGS} organizations, ${ORGS * USERS_PER_ORG} users in ${Math.round(performance.now() - seeded)} ms`);
    await inProcess();

    const targets: Awaited<ReturnType<typeof checkKey>>[] = [];
    for (let t = 1; t <= TENANTS; t++) targets.push(await checkKey(database.url, `bench-${t}`));
    const headersOf = (t: number) => ({ "content-type": "application/json", authorization: `Bearer ${targets[t % TENANTS]!.key}` });
    const check = (t: number, i: number) => {
      const target = targets[t % TENANTS]!;
      return {
        subject: { type: "user", id: target.users[i % target.users.length] },
        permission: PRODUCT[i % PRODUCT.length],
        resource: i % 2 ? { type: "project", id: target.projects[i % target.projects.length] } : undefined,
        context: { ip: "10.1.2.3" },
      };
    };
    const singles = Array.from({ length: Math.max(64, TENANTS) }, (_, i) => ({ method: "POST" as const, path: "/api/v1/authz/check", headers: headersOf(i), body: JSON.stringify(check(i, i)) }));
    const batches = Array.from({ length: Math.max(8, TENANTS) }, (_, b) => ({
      method: "POST" as const,
      path: "/api/v1/authz/check-batch",
      headers: headersOf(b),
      body: JSON.stringify({ checks: Array.from({ length: 100 }, (_, i) => check(b, b * 100 + i)) }),
    }));

    const { ensureBuild } = await import("../../server/ensure-build.ts");
    await ensureBuild();
    const app = await startAppServer(database.url, secret, apiKeySecret);
    const ask = async (request: (typeof singles)[number]) => (await fetch(app.url + request.path, { method: "POST", headers: request.headers, body: request.body })).text();
    const sample = await ask(singles[0]!);
    // Each organization's index is loaded on its first check (about 10 ms of app and database
    // time each): loaded here, before the turns, so that they measure a running server.
    const warming = performance.now();
    for (let t = 1; t < TENANTS; t += 8) await Promise.all(singles.slice(t, Math.min(t + 8, TENANTS)).map(ask));
    if (TENANTS > 1) console.error(`bench: first checks of ${TENANTS} organizations (their indexes loaded) in ${Math.round(performance.now() - warming)} ms`);
    const base = await baselineContender(sample, singles);
    let results: Awaited<ReturnType<typeof loadInTurns>>;
    try {
      // The decision log is written a little after the answers: each turn waits for its own.
      const settle = () => databaseQuiet(database.url);
      results = await loadInTurns(
        [base.contender, { name: "single", url: app.url, pid: app.pid, requests: singles, settle }, { name: "batch", url: app.url, pid: app.pid, requests: batches, settle, checksPerRequest: 100 }],
        { seconds: SECONDS },
      );
    } finally {
      await Promise.all([app.stop(), base.stop()]);
    }
    const [baseline, http, batch] = [results.get("baseline")!, results.get("single")!, results.get("batch")!];
    printLoad("baseline.node-http", baseline);
    printLoad("authz.http", http);
    printLoad("authz.http-batch", batch, 100);
    // Where the two cores went, per request answered (warm-ups included).
    console.error(`bench: CPU per request: baseline ${baseline.cpu}; single checks ${http.cpu}; checks in batches of 100, per check, ${batch.cpu}`);

    const logged = new pg.Client({ connectionString: database.url });
    await logged.connect();
    // Each decision's source is its last field (see the DecisionLog model).
    const { rows } = await logged
      .query(`SELECT count(*)::int AS n FROM "DecisionLog", unnest(string_to_array(entries, chr(30))) AS d WHERE d ~ (chr(31) || 'check-api(-batch)?$')`)
      .finally(() => logged.end());
    const decided = http.answered + batch.answered * 100;
    // Every contender has the same 50 connections, so a batch of 100 checks waits behind 49 others
    // and its latency is its own work's: beside the baseline's p99 scaled by how much longer a
    // batch takes to answer (baseline req/s over batch req/s), not the baseline's p99 itself.
    const batchP99 = batch.p99 / ((baseline.p99 * baseline.rps) / batch.rps);
    console.error(
      `bench: ratios to baseline: http ${(http.rps / baseline.rps).toFixed(2)} (goal >= 0.5), batch ${((batch.rps * 100) / baseline.rps).toFixed(2)} (goal >= 2); http p99 ${(http.p99 / baseline.p99).toFixed(1)} x baseline p99 (goal <= 3), batch p99 ${batchP99.toFixed(1)} x baseline p99 scaled to a batch's answer time (goal <= 3); decisions answered ${decided}, logged ${rows[0].n}`,
    );
    if (rows[0].n < decided) throw new Error(`the decision log lost ${decided - rows[0].n} of ${decided} decisions`);
  } finally {
    await database.stop();
  }
}

runBench(main);
