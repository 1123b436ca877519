// npm run bench:management: management writes over HTTP (grants, group
// members, membership role changes, members added by a provisioning key) by a
// few concurrent clients, in one organization of 10,000 members and 1,000
// grants on a freshly seeded database. Prints one JSON line for all writes and
// one per kind.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import pg from "pg";
import { generateKey } from "../../lib/apikeys/key-format.ts";
import { benchDatabase, cpuMs, percentile, print, round, runBench, startAppServer, type Figure } from "./harness.ts";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 10_000);
const GRANTS = 1_000;
const GROUPS = 50;
/** Groups the bench adds members to; the others hold the seeded members. */
const OPEN_GROUPS = 10;
const PROJECTS = 5;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
/** Users who are not members yet, for POST /api/v1/members: more than any run can add. */
const OUTSIDERS = 20_000;

type Seeded = {
  orgId: string;
  orgKey: string;
  instanceKey: string;
  roles: { member: string; viewer: string };
  members: string[];
  outsiders: string[];
  openGroups: string[];
  projects: string[];
};

async function seed(url: string): Promise<Seeded> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const q = (sql: string, params: unknown[] = []) => c.query(sql, params);
  const { rows: roleRows } = await q(`SELECT id, key FROM "Role" WHERE "orgId" IS NULL`);
  const role = (key: string) => roleRows.find((r) => r.key === key)!.id as string;
  const { rows: orgRows } = await q(`INSERT INTO "Organization" (id, name, slug, "updatedAt") VALUES (gen_random_uuid(), 'Bench', 'bench', now()) RETURNING id`);
  const orgId = orgRows[0].id as string;
  await q(`INSERT INTO "User" (id, email, name, "updatedAt") SELECT gen_random_uuid(), 'm' || i || '@bench.test', 'Member ' || i, now() FROM generate_series(1, $1) i`, [MEMBERS]);
  await q(`INSERT INTO "User" (id, email, name, "emailVerifiedAt", "updatedAt") SELECT gen_random_uuid(), 'o' || i || '@bench.test', 'Outsider ' || i, now(), now() FROM generate_series(1, $1) i`, [
    OUTSIDERS,
  ]);
  // Members alternate between the Member and Viewer roles.
  await q(
    `INSERT INTO "Membership" (id, "orgId", "userId", "roleId", "updatedAt")
     SELECT gen_random_uuid(), $1, u.id, CASE WHEN u.n % 2 = 0 THEN $2::uuid ELSE $3::uuid END, now()
     FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM "User" WHERE email LIKE 'm%@bench.test') u`,
    [orgId, role("member"), role("viewer")],
  );
  await q(`INSERT INTO "Project" (id, "orgId", name, slug, "updatedAt") SELECT gen_random_uuid(), $1, 'Project ' || i, 'project-' || i, now() FROM generate_series(1, ${PROJECTS}) i`, [orgId]);
  await q(`INSERT INTO "Group" (id, "orgId", name, "updatedAt") SELECT gen_random_uuid(), $1, 'Group ' || i, now() FROM generate_series(1, ${GROUPS - OPEN_GROUPS}) i`, [orgId]);
  await q(`INSERT INTO "Group" (id, "orgId", name, "updatedAt") SELECT gen_random_uuid(), $1, 'Open ' || i, now() FROM generate_series(1, ${OPEN_GROUPS}) i`, [orgId]);
  // Every member is in one of the groups the bench does not add to; each group holds a grant.
  await q(`INSERT INTO "GroupMember" ("groupId", "userId", "orgId")
           SELECT (SELECT id FROM "Group" g WHERE g."orgId" = m."orgId" AND g.name LIKE 'Group %' ORDER BY md5(g.id::text || m."userId"::text) LIMIT 1), m."userId", m."orgId"
           FROM "Membership" m WHERE m."orgId" = '${orgId}'`);
  await q(
    `INSERT INTO "Grant" (id, "orgId", "roleId", "userId", "groupId", "projectId")
     SELECT gen_random_uuid(), $1, CASE WHEN i % 2 = 0 THEN $2::uuid ELSE $3::uuid END,
            CASE WHEN i > ${GROUPS} THEN (SELECT "userId" FROM "Membership" m WHERE m."orgId" = $1 ORDER BY md5(m."userId"::text || i) LIMIT 1) END,
            CASE WHEN i <= ${GROUPS} THEN (SELECT id FROM "Group" g WHERE g."orgId" = $1 ORDER BY g.name OFFSET i - 1 LIMIT 1) END,
            CASE WHEN i % 3 = 0 THEN NULL ELSE (SELECT id FROM "Project" p WHERE p."orgId" = $1 ORDER BY md5(p.id::text || i) LIMIT 1) END
     FROM generate_series(1, ${GRANTS}) i`,
    [orgId, role("member"), role("viewer")],
  );
  const orgKey = generateKey();
  await q(`INSERT INTO "ApiKey" (id, "orgId", name, "publicId", "secretHash", "lastFour", "roleId") VALUES (gen_random_uuid(), $1, 'automation', $2, $3, $4, $5)`, [
    orgId,
    orgKey.publicId,
    orgKey.secretHash,
    orgKey.lastFour,
    role("admin"),
  ]);
  const instanceKey = generateKey();
  await q(`INSERT INTO "ApiKey" (id, "orgId", "isInstanceAdmin", name, "publicId", "secretHash", "lastFour", permissions) VALUES (gen_random_uuid(), NULL, true, 'provisioning', $1, $2, $3, '{}')`, [
    instanceKey.publicId,
    instanceKey.secretHash,
    instanceKey.lastFour,
  ]);
  const ids = async (sql: string) => (await q(sql, [orgId])).rows.map((r) => r.id as string);
  const seeded: Seeded = {
    orgId,
    orgKey: orgKey.key,
    instanceKey: instanceKey.key,
    roles: { member: role("member"), viewer: role("viewer") },
    members: await ids(`SELECT "userId" AS id FROM "Membership" WHERE "orgId" = $1 ORDER BY md5("userId"::text)`),
    outsiders: (await q(`SELECT id FROM "User" WHERE email LIKE 'o%@bench.test' ORDER BY md5(id::text)`)).rows.map((r) => r.id as string),
    openGroups: await ids(`SELECT id FROM "Group" WHERE "orgId" = $1 AND name LIKE 'Open %' ORDER BY id`),
    projects: await ids(`SELECT id FROM "Project" WHERE "orgId" = $1 ORDER BY id`),
  };
  await c.end();
  return seeded;
}

type Write = { kind: string; method: "POST" | "PATCH"; path: string; key: string; headers?: Record<string, string>; body: unknown };

/**
 * An endless supply of writes that each succeed: every group membership and
 * added member is new, every role change flips a member's role. The kinds
 * take turns.
 */
function writes(seeded: Seeded): () => Write {
  const { members, outsiders, openGroups, projects, roles } = seeded;
  const currentRole = new Map(members.map((id, i) => [id, i % 2 === 0 ? roles.member : roles.viewer]));
  let grant = 0;
  let groupMember = 0;
  let roleChange = 0;
  let added = 0;
  const makers: Array<() => Write> = [
    () => {
      const i = grant++;
      const body = { roleId: i % 2 ? roles.member : roles.viewer, subject: { type: "user", id: members[(i * 7) % members.length] }, projectId: i % 3 ? projects[i % projects.length] : null };
      return { kind: "grant", method: "POST", path: "/api/v1/grants", key: seeded.orgKey, body };
    },
    () => {
      // Each (group, member) pair once: walk the members, moving to the next open group after each lap.
      const i = groupMember++;
      const group = openGroups[Math.floor(i / members.length) % openGroups.length]!;
      return { kind: "group_member", method: "POST", path: `/api/v1/groups/${group}/members`, key: seeded.orgKey, body: { userId: members[i % members.length] } };
    },
    () => {
      const userId = members[roleChange++ % members.length]!;
      const next = currentRole.get(userId) === roles.member ? roles.viewer : roles.member;
      currentRole.set(userId, next);
      return { kind: "membership_role", method: "PATCH", path: `/api/v1/members/${userId}`, key: seeded.orgKey, body: { roleId: next } };
    },
    () => {
      const userId = outsiders[added++];
      if (!userId) throw new Error("ran out of users to add; raise OUTSIDERS");
      return { kind: "membership_add", method: "POST", path: "/api/v1/members", key: seeded.instanceKey, headers: { "tollgate-organization": seeded.orgId }, body: { userId, roleId: roles.viewer } };
    },
  ];
  let turn = 0;
  return () => makers[turn++ % makers.length]!();
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

function send(base: URL, write: Write): Promise<number> {
  const body = JSON.stringify(write.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: write.method,
        path: write.path,
        headers: { authorization: `Bearer ${write.key}`, "content-type": "application/json", "content-length": Buffer.byteLength(body), ...write.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (res.statusCode! >= 300) reject(new Error(`${write.method} ${write.path}: ${res.statusCode} ${Buffer.concat(chunks).toString()}`));
          else resolve(res.statusCode!);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function figure(bench: string, latencies: number[], seconds: number): Figure {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { bench, ops_per_s: Math.round(latencies.length / seconds), p50_ms: round(percentile(sorted, 0.5), 2), p99_ms: round(percentile(sorted, 0.99), 2) };
}

/** CLIENTS clients, each sending its next write as soon as the last one is answered, for `seconds`. */
async function drive(base: URL, next: () => Write, seconds: number) {
  const latencies = new Map<string, number[]>();
  const until = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < until) {
      const write = next();
      const started = performance.now();
      await send(base, write);
      const list = latencies.get(write.kind) ?? [];
      list.push(performance.now() - started);
      latencies.set(write.kind, list);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { latencies, elapsed: (performance.now() - started) / 1000 };
}

async function main() {
  const secret = randomBytes(32).toString("base64url");
  const apiKeySecret = randomBytes(32).toString("base64url");
  process.env.NEXTAUTH_SECRET = secret;
  process.env.TOLLGATE_API_KEY_SECRET = apiKeySecret;
  const database = await benchDatabase("tollgate_bench_management");
  process.env.DATABASE_URL = database.url;
  try {
    const { syncBuiltInRoles } = await import("../../lib/authz/sync-built-in-roles.ts");
    await syncBuiltInRoles();
    const seeding = performance.now();
    const seeded = await seed(database.url);
    console.error(`bench: seeded one organization of ${MEMBERS} members and ${GRANTS} grants in ${Math.round(performance.now() - seeding)} ms`);

    if (!process.env.BENCH_API_ONLY) {
      const { ensureBuild } = await import("../../server/ensure-build.ts");
      await ensureBuild();
    }
    const app = await startAppServer(database.url, secret, apiKeySecret);
    try {
      const base = new URL(app.url);
      const next = writes(seeded);
      await drive(base, next, WARMUP_SECONDS);
      const cpuBefore = cpuMs(app.pid);
      const { latencies, elapsed } = await drive(base, next, SECONDS);
      const cpuAfter = cpuMs(app.pid);
      const all = [...latencies.values()].flat();
      print(figure("management.write", all, elapsed));
      for (const [kind, list] of latencies) print(figure(`management.write.${kind}`, list, elapsed));
      // On a shared machine latency moves with the neighbours' load; the server's own CPU per write does much less.
      if (cpuBefore !== null && cpuAfter !== null)
        console.error(`bench: app server CPU ${((cpuAfter - cpuBefore) / all.length).toFixed(2)} ms per write; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs`);
    } finally {
      await app.stop();
    }
  } finally {
    agent.destroy();
    await database.stop();
  }
}

runBench(main);
