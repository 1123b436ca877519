# Tollgate as one image: `node dist/server.js` (the app, the default) or
# `node dist/worker.js` (the background jobs alone). See docs/self-hosting.md.

# Build: every dependency, then the standalone output (scripts/build-standalone.ts).
FROM node:24-bookworm-slim AS build
WORKDIR /build
ENV NEXT_TELEMETRY_DISABLED=1
# Installed first so that a change of source alone does not install again.
# npm install, not npm ci: a lockfile written where some platforms' optional
# packages were left out is refused by npm ci, while npm install completes it.
# The install generates the Prisma client, so the schema comes with it.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma/schema.prisma prisma/schema.prisma
COPY scripts/prisma-generate.mjs scripts/prisma-generate.mjs
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build:standalone

# Run: Node and the standalone output only; no compiler, no dev dependency, no npm install.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Owned by root, run as node: the running app cannot rewrite its own code.
COPY --from=build /build/.next/standalone ./
RUN mkdir -p .next/cache && chown node:node .next/cache
USER node
EXPOSE 3000
# /api/ready answers 200 once the database is reachable and migrated.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/api/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The server stops taking requests on SIGTERM, finishes those in flight and
# writes what it buffers (decision log, key usage) before it exits.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
