# syntax=docker/dockerfile:1.7
# ScalePlan GPU worker: TF.js on @tensorflow/tfjs-node-gpu 4.22.0, which loads libtensorflow 2.9.1.
# TensorFlow 2.9 is built against CUDA 11.2 and cuDNN 8.1: it needs libcudart.so.11.0 and libcudnn.so.8,
# so the base must be CUDA 11.x (>= 11.2, minor-version compatible) with cuDNN 8 — not CUDA 12.
# The host needs an NVIDIA driver >= 450.80.02 (CUDA 11 minor-version compatibility; 520+ recommended
# for the 11.8 base, and needed when TensorFlow JIT-compiles PTX for a GPU newer than its cubins) and the
# NVIDIA device plugin. See docs/images.md. Build from the repository root:
#   docker build -f docker/worker-gpu.Dockerfile -t ghcr.io/scaleplan/worker-gpu:0.1.0 .
ARG NODE_IMAGE=node:20.20-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04

FROM ${NODE_IMAGE} AS node

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

# ---- runtime: CUDA 11 + cuDNN 8 runtime libraries, Node.js 20 copied from the official image ----
FROM ${CUDA_IMAGE} AS runtime
# The official Node.js binary needs glibc >= 2.28; Ubuntu 22.04 has 2.35.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    SCALEPLAN_TFJS_BACKEND=auto \
    SCALEPLAN_CHECKPOINT_DIR=/var/lib/scaleplan/checkpoints \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    TF_CPP_MIN_LOG_LEVEL=1
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies; then run only @tensorflow/tfjs-node-gpu's install script, which downloads
# libtensorflow-gpu 2.9.1 and the prebuilt N-API binding. The CPU twin is removed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@tensorflow/tfjs-node \
 && npm rebuild @tensorflow/tfjs-node-gpu \
 && npm cache clean --force \
 && mkdir -p /var/lib/scaleplan/checkpoints && chown 10001:10001 /var/lib/scaleplan/checkpoints
COPY --from=build /app/dist ./dist
COPY bin ./bin
USER 10001:10001
CMD ["node", "dist/apps/worker/src/main.js"]
