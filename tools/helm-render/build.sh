#!/usr/bin/env bash
# Builds build/helm-render.wasm.gz (git-ignored; scripts/test-prerequisites.sh runs this) from engine.go/main.go with Debian's Go toolchain and Sprig sources:
#   apt-get install golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev
# GOPATH mode, because Debian ships the Go libraries as sources under /usr/share/gocode.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/helmrender"
cp engine.go main.go "$work/src/helmrender/"
GOPATH="$work:/usr/share/gocode" GO111MODULE=off GOOS=js GOARCH=wasm GOFLAGS=-trimpath \
  go build -ldflags='-s -w' -o "$work/helm-render.wasm" helmrender
mkdir -p build
gzip -9 -n -c "$work/helm-render.wasm" > build/helm-render.wasm.gz
{ echo "/* eslint-disable */ // Go $(go env GOVERSION) misc/wasm/wasm_exec.js, copied at build time from the installed toolchain (BSD licence, The Go Authors)."; cat "$(go env GOROOT)/misc/wasm/wasm_exec.js"; } > build/wasm_exec.cjs
ls -l build/
