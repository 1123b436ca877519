// npm run db:migrate: apply prisma/migrations to DATABASE_URL (or the embedded database).
import { migrateDatabase } from "../lib/db/migrate.ts";
import { withDatabase } from "./with-database.ts";

try {
  const applied = await withDatabase((url) => migrateDatabase(url));
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
  process.exit(0);
} catch (error) {
  console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
