// `npm start`: one Node process. A small custom server answers machine
// endpoints through the lean router and hands everything else to Next.js.
import { existsSync, readFileSync } from "node:fs";
import next from "next";
import { EnvError, env } from "../lib/env.ts";
import { boot, StartupError } from "./boot.ts";
import { ensureBuild } from "./ensure-build.ts";
import { createTollgateServer } from "./http-server.ts";
import { machineRouter } from "./machine-routes.ts";
import { stopGracefully } from "./shutdown.ts";

// Written by `npm run build:standalone`: the configuration Next.js resolved at
// build time, since the standalone output (the Docker image) has no next.config.ts.
const STANDALONE_CONFIG = ".next/tollgate-next-config.json";

function standaloneNextConfig() {
  if (!existsSync(STANDALONE_CONFIG)) return undefined;
  const config = readFileSync(STANDALONE_CONFIG, "utf8");
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = config;
  return JSON.parse(config);
}

function fail(message: string): never {
  console.error(`tollgate: ${message}`);
  process.exit(1);
}

async function main() {
  try {
    env();
  } catch (error) {
    if (error instanceof EnvError) fail(error.message);
    throw error;
  }
  const dev = process.env.TOLLGATE_DEV === "1";
  const booted = await boot();
  const { PORT, HOST } = booted.env;
  const standaloneConfig = dev ? undefined : standaloneNextConfig();
  if (!dev && !standaloneConfig) await ensureBuild();

  const app = next({ dev, dir: process.cwd(), hostname: "localhost", port: PORT, conf: standaloneConfig });
  await app.prepare();
  const handleNext = app.getRequestHandler();
  const machines = await machineRouter();
  const authz = await import("../lib/authz/org-index-cache.ts");
  await authz.startAuthzListener(booted.databaseUrl);
  const usage = await import("../lib/usage/folding.ts");
  usage.startUsageFolding();
  const jobs = await import("../lib/jobs/jobs.ts");
  await jobs.startJobs({ databaseUrl: booted.databaseUrl, work: booted.env.TOLLGATE_IN_PROCESS_WORKER === "true" });
  const { purgeExpiredDecisions } = await import("../lib/authz/list-decisions.ts");
  const { purgeExpiredCounters, closeCounterStore } = await import("../lib/apikeys/rate-limit.ts");
  const { purgeThrottles } = await import("../lib/auth/throttle.ts");
  const { purgeOldKeyUsage } = await import("../lib/apikeys/key-usage-history.ts");
  setInterval(() => {
    void purgeExpiredDecisions().catch(() => {});
    void purgeExpiredCounters().catch(() => {});
    void purgeThrottles().catch(() => {});
    void purgeOldKeyUsage().catch(() => {});
  }, 60 * 60_000).unref();

  // Loaded now: an import during shutdown goes through the TypeScript loader's
  // worker, which does not keep the process alive, so the process would exit
  // before the buffers below were written.
  const { closeDecisionLog } = await import("../lib/authz/decision-log.ts");
  const { closeKeyUsage } = await import("../lib/apikeys/key-usage.ts");
  const { disconnectDb } = await import("../lib/db.ts");

  const server = createTollgateServer(machines, handleNext, { dev });

  server.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE") fail(`PORT: port ${PORT} is already in use; stop the other process or set PORT`);
    fail(`server: ${error.message}`);
  });
  if (!process.env.TOLLGATE_PUBLIC_URL_SET && !["127.0.0.1", "localhost", "::1"].includes(HOST)) {
    console.warn(`tollgate: NEXTAUTH_URL is not set, so links in mail and sign-out point to http://localhost:${PORT}; set it to the address people use (e.g. https://tollgate.example.com)`);
  }
  server.listen(PORT, HOST, () => {
    console.log(`tollgate: ready on http://localhost:${PORT}${booted.embedded ? " (embedded PostgreSQL)" : ""}`);
    // Only the person who can read this output can claim the new instance.
    if (booted.setupLink) console.log(`tollgate: set up this instance at ${booted.setupLink}`);
  });

  // Runs to the end, or the buffered decision log and key usage would be
  // lost; the embedded PostgreSQL (in its own process group, out of reach of
  // a terminal's Ctrl-C) leaves stopping it to this sequence, which does it last.
  stopGracefully(server, [
    ["decision log", closeDecisionLog],
    ["key usage", closeKeyUsage],
    ["usage rollups", usage.stopUsageFolding],
    ["jobs", jobs.stopJobs],
    ["Next.js", () => app.close()],
    ["rate-limit counters", closeCounterStore],
    ["authorization listener", authz.stopAuthzListener],
    ["database", disconnectDb],
    ["embedded PostgreSQL", async () => booted.embedded?.stop()],
  ]);
}

main().catch((error) => {
  if (error instanceof StartupError || error instanceof EnvError) fail(error.message);
  fail(error instanceof Error ? error.message : String(error));
});
