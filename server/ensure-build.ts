// `npm start` works straight after `npm install`: it builds the app when no
// build exists or the sources changed since the last one.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const SOURCES = ["app", "components", "lib", "public", "next.config.ts", "package-lock.json", "postcss.config.mjs", "tsconfig.json"];
const STAMP = ".next/tollgate-source-hash";

function fingerprint(root: string): string {
  const hash = createHash("sha256");
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    const stat = statSync(p);
    if (stat.isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(path.join(p, name));
    } else {
      hash.update(`${path.relative(root, p)}:${stat.size}:${stat.mtimeMs}\n`);
    }
  };
  SOURCES.forEach((s) => walk(path.join(root, s)));
  return hash.digest("hex");
}

export async function ensureBuild(root = process.cwd()) {
  const current = fingerprint(root);
  const built = existsSync(STAMP) && existsSync(".next/BUILD_ID") ? readFileSync(STAMP, "utf8").trim() : null;
  if (built === current) return;
  console.log("tollgate: building the app (first start or sources changed)...");
  const result = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  });
  if (result.status !== 0) throw new Error("the app build failed (see above)");
  writeFileSync(STAMP, current);
}

export function writeBuildStamp(root = process.cwd()) {
  writeFileSync(path.join(root, STAMP), fingerprint(root));
}
