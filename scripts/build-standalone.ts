// npm run build:standalone: the self-contained app the Docker image runs, in
// .next/standalone. Next.js writes its standalone output (the pages and the
// node_modules files they load); the custom server and the worker are
// compiled to JavaScript next to it, and the node_modules files they load are
// traced and added the same way Next.js traces its own. Nothing in it needs
// tsx, TypeScript or a dev dependency at run time.
import { spawnSync } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";

const root = process.cwd();
const out = path.join(root, ".next/standalone");
const require = createRequire(import.meta.url);

function step(message: string) {
  console.log(`build:standalone: ${message}`);
}

step("next build (standalone output)");
const nextBuild = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], {
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", TOLLGATE_STANDALONE_BUILD: "1" },
});
if (nextBuild.status !== 0) process.exit(nextBuild.status ?? 1);
// Next's own entry point is replaced by dist/server.js (the custom server).
await rm(path.join(out, "server.js"), { force: true });

step("compiling the server, the worker and the migrator");
// Compiled inside the project first, so that tracing resolves packages from its node_modules.
const compiled = path.join(root, ".next/tollgate-dist");
await rm(compiled, { recursive: true, force: true });
await build({
  entryPoints: { server: "server/main.ts", worker: "worker/main.ts", migrate: "scripts/db-migrate.ts" },
  outdir: compiled,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Packages stay packages: traced below and loaded from node_modules.
  packages: "external",
  tsconfig: "tsconfig.json",
  logLevel: "warning",
  // The Node versions Tollgate runs on load CommonJS packages from ESM with `require` made here.
  banner: { js: 'import { createRequire as __tollgateRequire } from "node:module"; const require = __tollgateRequire(import.meta.url);' },
});
await writeFile(path.join(compiled, "package.json"), JSON.stringify({ type: "module" }) + "\n");

step("tracing the files they load");
// The tracer Next.js itself uses (@vercel/nft, compiled into next; no types shipped).
type NodeFileTrace = (files: string[], options: { base: string; processCwd: string }) => Promise<{ fileList: Set<string> }>;
const { nodeFileTrace } = require("next/dist/compiled/@vercel/nft") as { nodeFileTrace: NodeFileTrace };
const entries = ["server", "worker", "migrate"].map((name) => path.join(compiled, `${name}.js`));
const traced = await nodeFileTrace(entries, { base: root, processCwd: root });
let added = 0;
for (const file of traced.fileList) {
  // Only packages: everything of our own is compiled into dist/.
  const from = path.join(root, file);
  if (!file.startsWith("node_modules/") || !existsSync(from)) continue;
  const to = path.join(out, file);
  if (existsSync(to)) continue;
  await mkdir(path.dirname(to), { recursive: true });
  await cp(from, to, { dereference: true });
  added++;
}
step(`${added} files added to node_modules`);

// What no tracer can see: files read by a path built at run time.
const packageDir = (name: string) => path.join(root, "node_modules", name);
const copies: Array<[string, string]> = [
  [compiled, path.join(out, "dist")],
  // Migrations are applied at start-up by Prisma's schema engine (WebAssembly).
  [path.join(root, "prisma/migrations"), path.join(out, "prisma/migrations")],
  [path.join(root, "prisma/schema.prisma"), path.join(out, "prisma/schema.prisma")],
  [packageDir("@prisma/schema-engine-wasm"), path.join(out, "node_modules/@prisma/schema-engine-wasm")],
  // The API reference's renderer, read by lib/http/docs-assets.ts through require.resolve.
  ...["package.json", "swagger-ui-bundle.js", "swagger-ui.css"].map((file): [string, string] => [path.join(packageDir("swagger-ui-dist"), file), path.join(out, "node_modules/swagger-ui-dist", file)]),
  // Served by the server, not by a CDN.
  [path.join(root, ".next/static"), path.join(out, ".next/static")],
  [path.join(root, "public"), path.join(out, "public")],
];
for (const [from, to] of copies) {
  if (!existsSync(from)) continue;
  await rm(to, { recursive: true, force: true });
  await mkdir(path.dirname(to), { recursive: true });
  await cp(from, to, { recursive: true, dereference: true });
}

// The configuration Next.js resolved at build time, read by dist/server.js
// instead of next.config.ts (which is TypeScript and not in the output).
const serverFiles = JSON.parse(await readFile(path.join(root, ".next/required-server-files.json"), "utf8"));
await writeFile(path.join(out, ".next/tollgate-next-config.json"), JSON.stringify(serverFiles.config));
step(`done: node ${path.relative(root, path.join(out, "dist/server.js"))} from ${path.relative(root, out)}`);
