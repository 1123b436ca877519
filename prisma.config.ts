import { defineConfig } from "prisma/config";

// Migrations are applied by scripts/db-migrate.ts through Prisma's schema
// engine (WebAssembly), so the CLI here only generates the client.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
