// npm run usage:rollups -- [--from ISO] [--to ISO] [--repair]
// Recomputes the hourly usage rollups of a time range (default: the last
// TOLLGATE_USAGE_MAX_AGE_DAYS days) from the raw events and prints every
// difference as JSON; --repair replaces the rollups that differ.
import { parseArgs } from "node:util";
import { disconnectDb } from "../lib/db.ts";
import { env } from "../lib/env.ts";
import { withDatabase } from "./with-database.ts";

const { values } = parseArgs({ options: { from: { type: "string" }, to: { type: "string" }, repair: { type: "boolean", default: false } } });
const to = values.to ? new Date(values.to) : new Date(Date.now() + 3_600_000);
const from = values.from ? new Date(values.from) : new Date(Date.now() - env().TOLLGATE_USAGE_MAX_AGE_DAYS * 86_400_000);
if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
  console.error("usage: npm run usage:rollups -- [--from 2026-11-01T00:00:00Z] [--to 2026-12-01T00:00:00Z] [--repair]   (from before to)");
  process.exit(1);
}

try {
  const report = await withDatabase(async (url) => {
    process.env.DATABASE_URL = url;
    const { rebuildRollups } = await import("../lib/usage/event-store.ts");
    try {
      return await rebuildRollups({ from, to, repair: values.repair });
    } finally {
      await disconnectDb();
    }
  });
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.differences > 0 && !report.repaired ? 2 : 0);
} catch (error) {
  console.error(`usage:rollups failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
