#!/usr/bin/env bash
# Makes sure the system tools the test suite drives are present, so that `npm test` works on a fresh
# Debian machine: Redis (BullMQ), Chromium (dashboard tests in a real browser), and Debian's Go
# toolchain + Sprig sources (to build the Helm template engine in tools/helm-render/, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v go >/dev/null 2>&1 || need_apt+=(golang-go)
[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || need_apt+=(golang-github-masterminds-sprig-dev)
[ -d /usr/share/gocode/src/sigs.k8s.io/yaml ] || need_apt+=(golang-k8s-sigs-yaml-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-prerequisites: installing ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "test-prerequisites: missing ${need_apt[*]}; install them (Debian: sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "test-prerequisites: starting redis-server on 127.0.0.1:6379 (no persistence)"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

wasm=tools/helm-render/build/helm-render.wasm.gz
if [ ! -f "$wasm" ] || [ tools/helm-render/engine.go -nt "$wasm" ] || [ tools/helm-render/main.go -nt "$wasm" ]; then
  echo "test-prerequisites: building the Helm template engine (tools/helm-render)"
  tools/helm-render/build.sh >/dev/null
fi
