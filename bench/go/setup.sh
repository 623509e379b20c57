#!/usr/bin/env bash
# Installs Debian's Go toolchain and gorilla/websocket source when missing, then builds the
# independent client and hub into bench/target/go with no network (GOPATH mode over Debian's
# /usr/share/gocode, GOPROXY=off).
set -euo pipefail
cd "$(dirname "$0")/../.."
gorilla=/usr/share/gocode/src/github.com/gorilla/websocket
if ! command -v go >/dev/null || [[ ! -d $gorilla ]]; then
  apt-get update -qq
  apt-get install -y -qq golang-go golang-github-gorilla-websocket-dev >/dev/null
fi
mkdir -p bench/target/go
for tool in hub load; do
  (cd "bench/go/$tool" && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
    GOCACHE="$PWD/../../target/go/cache" go build -o "../../target/go/$tool" .)
done
