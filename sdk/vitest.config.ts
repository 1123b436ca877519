// Runs the SDK tests on their own with the root's database setup (they talk
// to a real Tollgate server):  cd sdk && ../node_modules/.bin/vitest run
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const sdk = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(sdk, "..");
// The server code resolves prisma/ from the working directory.
process.chdir(repo);

export default defineConfig({
  root: sdk,
  resolve: { alias: { "@": repo } },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    setupFiles: [path.join(repo, "test/setup.ts")],
    globalSetup: [path.join(repo, "test/global-setup.ts")],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
