// micro: verifyKey in process
import { randomBytes } from "node:crypto";
process.env.NEXTAUTH_SECRET = randomBytes(32).toString("base64url");
const { benchDatabase } = await import("./harness.ts");
const database = await benchDatabase("tollgate_bench_micro");
process.env.DATABASE_URL = database.url;
const { syncBuiltInRoles } = await import("../../lib/authz/sync-built-in-roles.ts");
await syncBuiltInRoles();
const { generateKey } = await import("../../lib/apikeys/key-format.ts");
const pg = (await import("pg")).default;
const c = new pg.Client({ connectionString: database.url }); await c.connect();
const { rows } = await c.query(`INSERT INTO "Organization" (id, name, slug, "updatedAt") VALUES (gen_random_uuid(), 'm', 'm', now()) RETURNING id`);
const orgId = rows[0].id;
const keys: string[] = [];
for (let i = 0; i < 10001; i++) { const g = generateKey(); keys.push(g.key); await c.query(`INSERT INTO "ApiKey" (id, "orgId", name, "publicId", "secretHash", "lastFour", permissions) VALUES (gen_random_uuid(), $1, 'k', $2, $3, $4, $5)`, [orgId, g.publicId, g.secretHash, g.lastFour, i === 0 ? ["apikeys:verify"] : ["authz:check"]]); }
await c.end();
const { startAuthzListener } = await import("../../lib/authz/org-index-cache.ts");
await startAuthzListener(database.url);
const { authenticateRequest } = await import("../../lib/apikeys/authenticate-api-key.ts");
const { verifyKey, VerifyKeyInput } = await import("../../lib/apikeys/verify-key.ts");
const meta = { requestId: "x", ip: "10.1.2.3", userAgent: "ua" };
const caller = await authenticateRequest(keys[0]!, meta);
for (let i = 1; i < keys.length; i++) await verifyKey({ ...meta, key: caller }, { key: keys[i]!, ip: "10.1.2.3" });
const bodies = keys.slice(1).map((k) => JSON.stringify({ key: k, ip: "10.1.2.3" }));
async function one(i: number) {
  const key = await authenticateRequest(keys[0]!, meta);
  const body = VerifyKeyInput.parse(JSON.parse(bodies[i % bodies.length]!));
  const r = await verifyKey({ ...meta, key }, body);
  return JSON.stringify(r);
}
for (let i = 0; i < 50000; i++) await one(i);
const n = 200000; const t0 = performance.now();
for (let i = 0; i < n; i++) await one(i);
const dt = performance.now() - t0;
console.log("per verify µs", (dt * 1000 / n).toFixed(2));
process.exit(0);
