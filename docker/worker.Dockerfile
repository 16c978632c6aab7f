# syntax=docker/dockerfile:1.7
# ScalePlan CPU worker: trains TF.js models for the BullMQ `runs` queue. Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t ghcr.io/scaleplan/worker:0.1.0 .
ARG NODE_IMAGE=node:20.20-bookworm-slim

# ---- build: full dependency tree, TypeScript → dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
COPY bench ./bench
RUN npm run build

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SCALEPLAN_TFJS_BACKEND=auto \
    SCALEPLAN_CHECKPOINT_DIR=/var/lib/scaleplan/checkpoints
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies; then fetch the native CPU TensorFlow (libtensorflow 2.9.1) for
# @tensorflow/tfjs-node only. The GPU package is removed: it belongs to worker-gpu.Dockerfile.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@tensorflow/tfjs-node-gpu \
 && npm rebuild @tensorflow/tfjs-node \
 && npm cache clean --force \
 && mkdir -p /var/lib/scaleplan/checkpoints && chown 10001:10001 /var/lib/scaleplan/checkpoints
COPY --from=build /app/dist ./dist
COPY bin ./bin
USER 10001:10001
CMD ["node", "dist/apps/worker/src/main.js"]
