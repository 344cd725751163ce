# rollcall: the GraphQL subgraph, compiled, with production dependencies only.
#   docker build -t rollcall .
#   docker run --rm -p 4000:4000 --env-file rollcall.env rollcall
# test/image.test.ts builds and runs this same layout without Docker (no engine runs in CI).

# --- build: compile TypeScript to dist/ --------------------------------------------------------------
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` honours the lockfile (see the README: `npm ci` refuses lockfiles made without every
# platform's optional binaries).
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY src ./src
RUN npm run build

# --- runtime: dist/, schema/ and production dependencies, as an unprivileged user -----------------------
FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
# The directory's embedded database (PGlite) persists here; mount a volume to keep it across containers,
# or set ROLLCALL_DATABASE_URL to use a PostgreSQL server instead.
RUN mkdir -p rollcall-data && chown node:node rollcall-data
VOLUME ["/app/rollcall-data"]
USER node
EXPOSE 4000
# Liveness: /health (readiness, for an orchestrator, is /ready).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 here and handles SIGTERM itself: stop accepting, finish requests in flight within
# ROLLCALL_SHUTDOWN_GRACE_MS (keep it below the orchestrator's grace period), exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
