# syntax=docker/dockerfile:1.7
# SyncWell's two images, from one file: `--target api` (server/main.ts) and `--target worker`
# (worker/main.ts). One file because both run the same compiled code on the same production
# node_modules: they share every stage but the last, so one build and one cache serve both, and
# the two cannot drift apart. Build and push: docs/deploy.md. Linted in `npm run test:unit`
# (scripts/dockerfiles.test.ts).
#
#   docker buildx build --platform linux/arm64,linux/amd64 --target api    -t <repo>/syncwell-api:<tag> .
#   docker buildx build --platform linux/arm64,linux/amd64 --target worker -t <repo>/syncwell-worker:<tag> .
#
# Base image: pinned to the Node release the tests run on. For a byte-for-byte reproducible build
# pin the digest as well: --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:<digest of the
# multi-platform index> (`docker buildx imagetools inspect node:20.20.2-bookworm-slim`).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
# package-lock.json is written by npm 11 (what the project's machines run); the npm 10 that Node 20
# bundles refuses it as out of sync ("Missing: zod@3.25.76 from lock file", checked with 10.8.2),
# so both install stages first put the machines' npm in place.
ARG NPM_VERSION=11.19.1

# --- build: the full dependency tree (esbuild, tsx) and the compiled code --------------------------
# On the builder's own platform: the output is plain JavaScript, the same for every target, so a
# multi-platform build compiles once and without emulation.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
ARG NPM_VERSION
RUN npm install --global npm@${NPM_VERSION}
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: nothing here needs an install script (the root's postinstall patches a
# production dependency, which prod-deps does below); --workspaces=false: the SDK is not built.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts --workspaces=false
COPY tsconfig.json ./
COPY core core
COPY server server
COPY worker worker
COPY generated generated
COPY scripts/buildDist.ts scripts/containerHealthcheck.ts scripts/
# Transpiles every non-test module into /out with the repository's layout (scripts/buildDist.ts).
RUN node --import tsx scripts/buildDist.ts /out

# --- prod-deps: production dependencies only, for the target platform -----------------------------
FROM ${NODE_IMAGE} AS prod-deps
ARG NPM_VERSION
RUN npm install --global npm@${NPM_VERSION}
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --omit=dev: no devDependency reaches the image. --ignore-scripts: the root's postinstall is
# patch-package, a devDependency, and no production dependency needs its own script (checked:
# @firebase/util's only rewrites a stub it already ships).
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --ignore-scripts --workspaces=false
# patches/ applied with the build stage's patch-package, which fails when a patch no longer applies.
COPY patches patches
# The dependencies' source maps go too (39 of 191 MB): nothing reads them at run time, and with
# --enable-source-maps Node would parse each loaded module's map.
RUN --mount=type=bind,from=build,source=/src/node_modules,target=/src/node_modules \
    node /src/node_modules/patch-package/index.js && rm -rf patches \
    && find node_modules -name '*.map' -type f -delete

# --- runtime: what both images share -------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# npm, npx, corepack and yarn are not needed to run the code: less to patch, smaller image.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
ARG VERSION=0.1.0
ARG REVISION=unknown
# The repository's URL (docs/deploy.md passes it); empty when not given.
ARG SOURCE=
# The build's SOURCE_DATE_EPOCH as ISO-8601, so the label does not change a reproducible build.
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.vendor="SyncWell" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# Stack traces point into the TypeScript sources; the AWS SDK's Node 22 notice is known (README).
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
# Owned by root and read-only for the process: it writes nothing to its own files (a read-only
# root filesystem works; SECRET_STORE=aws and EVENT_BUS=eventbridge in AWS write no local state).
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /out ./

# --- worker ----------------------------------------------------------------------------------------
FROM runtime AS worker
LABEL org.opencontainers.image.title="syncwell-worker" \
      org.opencontainers.image.description="SyncWell worker: SQS consumers, sync engine, scheduler"
# The worker has no HTTP endpoint of its own: its health check asks the operations listener
# (GET /metrics, bound to loopback by METRICS_HOST's default, never exposed) whether the event
# loop still turns. Unset METRICS_PORT and the check falls back to the process (PID 1's state).
# 9100: the port infra/terraform's task definition gives it too.
ENV METRICS_PORT=9100
# The base image's `node` user, by number so that runAsNonRoot-style checks can verify it.
USER 1000:1000
# worker/main.ts stops on SIGTERM: consumers stop receiving, in-flight jobs finish within
# WORKER_SHUTDOWN_GRACE_MS (25 s) or go back to the queue, so the stop timeout must exceed it
# (ECS stopTimeout 30+ s; `docker stop -t 30`).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "scripts/containerHealthcheck.js", "worker"]
# Exec form: node is PID 1 and receives the signal itself (no shell in between).
CMD ["node", "worker/main.js"]

# --- api (the default target) ----------------------------------------------------------------------
FROM runtime AS api
LABEL org.opencontainers.image.title="syncwell-api" \
      org.opencontainers.image.description="SyncWell HTTP API and WebSocket lane"
# HOST defaults to loopback (core/config): in a container the API must listen on every interface.
ENV HOST=0.0.0.0 \
    PORT=8080
EXPOSE 8080
USER 1000:1000
# server/main.ts stops on SIGTERM: WebSockets closed with 1001 (clients reconnect elsewhere), the
# server stops accepting and drains, then Redis, the batches and the telemetry are closed.
STOPSIGNAL SIGTERM
# Liveness only (GET /healthz); the load balancer's target group checks /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "scripts/containerHealthcheck.js", "api"]
CMD ["node", "server/main.js"]
