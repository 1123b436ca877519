// npm run test:node24: the vitest suites on Node 24 LTS (what the Docker
// image runs), against TEST_DATABASE_URL or an embedded PostgreSQL.
import { spawnSync } from "node:child_process";
import { startTemporaryPostgres } from "../lib/db/embedded-postgres.ts";
import { node24 } from "./node24.ts";

const node = await node24();
if (!node) {
  console.error("test:node24: npm has no Node 24 build for this machine");
  process.exit(1);
}
let base = process.env.TEST_DATABASE_URL;
let stop = async () => {};
if (!base) {
  const server = await startTemporaryPostgres("tollgate-test-node24-");
  base = server.url;
  stop = server.stop;
}
console.log(`test:node24: ${spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()}`);
const run = spawnSync(node, ["node_modules/vitest/vitest.mjs", "run", ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, TEST_DATABASE_URL: base, NODE_ENV: "test" } });
await stop();
process.exit(run.status ?? 1);
