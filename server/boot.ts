// Start-up checks and set-up that run before the app serves: environment,
// database (embedded or DATABASE_URL), secrets, migrations, built-in roles.
// Every failure becomes one line that names the problem.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { API_KEY_SECRET_VAR, MIN_API_KEY_SECRET_LENGTH } from "../lib/secrets/key-hashing.ts";
import { dataDir, env, type Env } from "../lib/env.ts";
import { isPortFree, startEmbeddedPostgres, type RunningPostgres } from "../lib/db/embedded-postgres.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";
import { ownClient } from "../lib/db/own-client.ts";

export class StartupError extends Error {}

/** setupLink: the one-time link that sets up an instance with no admin yet (else null). */
export type Booted = { env: Env; databaseUrl: string; embedded: RunningPostgres | null; setupLink: string | null };

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
  const client = ownClient({ connectionString: url, connectionTimeoutMillis: 5000, application_name: "tollgate-start-check" });
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

/** A secret generated on the first start and kept in the data directory (embedded mode). */
async function persistedSecret(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
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
  const apiKeySecret = config.TOLLGATE_API_KEY_SECRET;
  if (databaseUrl) {
    if (!config.NEXTAUTH_SECRET || config.NEXTAUTH_SECRET.length < 32) {
      if (config.NODE_ENV === "production") {
        throw new StartupError("NEXTAUTH_SECRET: set it to a random string of at least 32 characters (e.g. `openssl rand -base64 32`)");
      }
    }
    // Required outside tests (not only in production): without it no API key could be made or checked.
    if (config.NODE_ENV !== "test" && (!apiKeySecret || apiKeySecret.length < MIN_API_KEY_SECRET_LENGTH)) {
      throw new StartupError(`${API_KEY_SECRET_VAR}: set it to a random string of at least ${MIN_API_KEY_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`); API keys are hashed with it`);
    }
    if (apiKeySecret && apiKeySecret.length < MIN_API_KEY_SECRET_LENGTH) throw new StartupError(`${API_KEY_SECRET_VAR}: must be at least ${MIN_API_KEY_SECRET_LENGTH} characters`);
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
    if (apiKeySecret !== undefined && apiKeySecret.length < MIN_API_KEY_SECRET_LENGTH) {
      throw new StartupError(`${API_KEY_SECRET_VAR}: must be at least ${MIN_API_KEY_SECRET_LENGTH} characters (or unset it to use a generated one)`);
    }
    process.env.NEXTAUTH_SECRET = config.NEXTAUTH_SECRET ?? (await persistedSecret(dir, "nextauth-secret"));
    process.env[API_KEY_SECRET_VAR] = apiKeySecret ?? (await persistedSecret(dir, "api-key-secret"));
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
    const { declarePermissionsFromFile } = await import("../lib/permissions/product-permissions.ts");
    try {
      await declarePermissionsFromFile(config.TOLLGATE_PERMISSIONS_FILE);
    } catch (error) {
      await embedded?.stop();
      throw new StartupError(error instanceof Error ? error.message : String(error));
    }
  }
  const { promoteConfiguredAdminAtStart } = await import("../lib/auth/configured-admin.ts");
  await promoteConfiguredAdminAtStart();
  const { issueSetupLink } = await import("../lib/admin/setup.ts");
  return { env: config, databaseUrl, embedded, setupLink: await issueSetupLink() };
}
