// The Node 24 LTS binary from npm (the node-<platform>-<arch> package, the
// one the Docker image's Node comes from), kept under node_modules/.cache, so
// that the tests can run on the Node the image runs without installing it
// system-wide. null where npm has no build for this machine.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";

const MAJOR = 24;

export async function node24(root = process.cwd()): Promise<string | null> {
  if (process.versions.node.split(".")[0] === String(MAJOR)) return process.execPath;
  const pkg = `node-${process.platform === "win32" ? "win" : process.platform}-${process.arch}`;
  const prefix = path.join(root, "node_modules/.cache/tollgate-node24");
  const binary = path.join(prefix, "node_modules", pkg, "bin", process.platform === "win32" ? "node.exe" : "node");
  if (existsSync(binary)) return binary;
  await mkdir(prefix, { recursive: true });
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const install = spawnSync(npm, ["install", "--no-save", "--no-audit", "--no-fund", "--no-package-lock", "--prefix", prefix, `${pkg}@${MAJOR}`], { stdio: ["ignore", 2, "inherit"] });
  return install.status === 0 && existsSync(binary) ? binary : null;
}
