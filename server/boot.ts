// Start-up checks and set-up that run before the app serves: environment,
// database (embedded or DATABASE_URL), secret, migrations, built-in roles.
// Every failure becomes one line that names the problem.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { dataDir, env, type Env } from "../lib/env.ts";
import { isPortFree, startEmbeddedPostgres, type RunningPostgres } from "../lib/db/embedded-postgres.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";

export class StartupError extends Error {}

export type Booted = { env: Env; databaseUrl: string; embedded: RunningPostgres | null };

async function checkRedisUrl(url: string, embedded: RunningPostgres | null) {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 5_000, retryStrategy: () => null });
  redis.on("error", () => {}); // reported below, once
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    await embedded?.stop();
    throw new StartupError(`REDIS_URL: cannot connect to Redis (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    redis.disconnect();
  }
}

async function checkDatabaseUrl(url: string) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`DATABASE_URL: cannot connect to the database (${reason || "connection refused"})`);
  } finally {
    await client.end().catch(() => {});
  }
}

async function persistedSecret(dir: string): Promise<string> {
  const file = path.join(dir, "nextauth-secret");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const secret = randomBytes(32).toString("base64url");
  await writeFile(file, secret + "\n", { mode: 0o600 });
  return secret;
}

export async function boot(): Promise<Booted> {
  const config = env();
  if (!(await isPortFree(config.PORT, config.HOST === "0.0.0.0" ? undefined : config.HOST))) {
    throw new StartupError(`PORT: port ${config.PORT} is already in use; stop the other process or set PORT`);
  }
  let databaseUrl = config.DATABASE_URL;
  let embedded: RunningPostgres | null = null;
  if (databaseUrl) {
    if (!config.NEXTAUTH_SECRET || config.NEXTAUTH_SECRET.length < 32) {
      if (config.NODE_ENV === "production") {
        throw new StartupError("NEXTAUTH_SECRET: set it to a random string of at least 32 characters (e.g. `openssl rand -base64 32`)");
      }
    }
    await checkDatabaseUrl(databaseUrl);
  } else {
    const dir = dataDir();
    await mkdir(dir, { recursive: true, mode: 0o755 });
    try {
      embedded = await startEmbeddedPostgres({ dir: path.join(dir, "postgres"), port: config.TOLLGATE_PG_PORT, database: "tollgate" });
    } catch (error) {
      throw new StartupError(error instanceof Error ? error.message : String(error));
    }
    databaseUrl = embedded.url;
    if (config.NEXTAUTH_SECRET !== undefined && config.NEXTAUTH_SECRET.length < 32) {
      throw new StartupError("NEXTAUTH_SECRET: must be at least 32 characters (or unset it to use a generated one)");
    }
    process.env.NEXTAUTH_SECRET = config.NEXTAUTH_SECRET ?? (await persistedSecret(dir));
  }
  process.env.DATABASE_URL = databaseUrl;
  if (config.REDIS_URL) await checkRedisUrl(config.REDIS_URL, embedded);
  if (process.env.NEXTAUTH_URL) process.env.TOLLGATE_PUBLIC_URL_SET = "1";
  process.env.NEXTAUTH_URL ??= `http://localhost:${config.PORT}`;
  try {
    await migrateDatabase(databaseUrl);
  } catch (error) {
    await embedded?.stop();
    throw new StartupError(`migrations: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  const { syncBuiltInRoles } = await import("../lib/authz/sync-built-in-roles.ts");
  await syncBuiltInRoles();
  if (config.TOLLGATE_PERMISSIONS_FILE) {
    const { declarePermissionsFromFile } = await import("../lib/authz/product-permissions.ts");
    try {
      await declarePermissionsFromFile(config.TOLLGATE_PERMISSIONS_FILE);
    } catch (error) {
      await embedded?.stop();
      throw new StartupError(error instanceof Error ? error.message : String(error));
    }
  }
  return { env: config, databaseUrl, embedded };
}
