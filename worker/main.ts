// npm run worker: the background jobs alone, without the web server, on the
// database in DATABASE_URL (migrated by an app process or `npm run db:migrate`).
// Several may run at once; each job runs once. Stops on SIGTERM after the
// jobs in progress.
import { env, EnvError } from "../lib/env.ts";

function fail(message: string): never {
  console.error(`tollgate worker: ${message}`);
  process.exit(1);
}

async function main() {
  const config = env();
  if (!config.DATABASE_URL) fail("DATABASE_URL is not set: the worker joins an app's database (with the embedded one, `npm start` runs the jobs itself)");
  process.env.DATABASE_URL = config.DATABASE_URL;
  const { startJobs, stopJobs } = await import("../lib/jobs/jobs.ts");
  const { startUsageFolding, stopUsageFolding } = await import("../lib/usage/folding.ts");
  const { disconnectDb } = await import("../lib/db.ts");
  await startJobs({ databaseUrl: config.DATABASE_URL, work: true });
  startUsageFolding();
  console.log("tollgate worker: working the job queues");
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 15_000).unref();
    await stopUsageFolding().catch(() => {});
    await stopJobs().catch(() => {});
    await disconnectDb().catch(() => {});
    process.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, stop);
}

main().catch((error) => fail(error instanceof EnvError ? error.message : error instanceof Error ? error.message : String(error)));
