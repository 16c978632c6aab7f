# syntax=docker/dockerfile:1.7
# ScalePlan control plane: operator, REST API, dashboard, metrics. Build from the repository root:
#   docker build -f docker/control-plane.Dockerfile -t ghcr.io/scaleplan/control-plane:0.1.0 .
ARG NODE_IMAGE=node:20.20-bookworm-slim

# ---- build: full dependency tree, TypeScript → dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the root "prepare" script would build before the sources are copied, and
# tfjs-node's install script downloads libtensorflow, which the build does not need.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
COPY bench ./bench
RUN npm run build

# ---- runtime: production dependencies and compiled code only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
# The control plane never loads TensorFlow.js (an ESLint boundary enforces it): drop the optional
# native TF.js packages that npm ci would otherwise bring along.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@tensorflow/tfjs-node node_modules/@tensorflow/tfjs-node-gpu \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Numeric non-root user, so Kubernetes can verify runAsNonRoot without a passwd lookup.
USER 10001:10001
EXPOSE 8080
CMD ["node", "dist/apps/control-plane/src/main.js"]
