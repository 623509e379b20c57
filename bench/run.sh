#!/usr/bin/env bash
# Runs the whole benchmark suite (under 10 minutes on a 2-core machine) and writes
# bench/results/latest.json. Extra arguments go to the suite, e.g. --quick or --skip-jmh.
# A single scenario: bench/run.sh fanout --server roomcast --subscribers 1000
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
if [[ -n "${JAVA_HOME:-}" ]]; then
  export PATH="$JAVA_HOME/bin:$PATH"
fi
# The independent comparison (Go client, gorilla hub vs the example jar) needs no Java build here.
if [[ "${1:-}" == independent ]]; then
  shift
  exec bash bench/go/independent.sh "$@"
fi
# Cross-node fan-out (Go client, 1,000 subscribers on one node vs 500 + 500 on two nodes over a real
# redis-server): bench/run.sh cluster [--quick]; writes bench/results/cluster.json.
if [[ "${1:-}" == cluster ]]; then
  shift
  exec bash bench/go/cluster.sh "$@"
fi
# Build the framework and the bench module in one reactor (never `install`), so the class path
# points at the modules just built rather than at whatever a local repository holds.
./mvnw -q -pl bench -am package -DskipTests dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >/dev/null
classpath="bench/target/classes:$(cat bench/target/classpath.txt)"
flags=(-Xmx2g)
if java -XX:+UnlockDiagnosticVMOptions -version 2>&1 | grep -q 'version "2[4-9]'; then
  flags+=(--sun-misc-unsafe-memory-access=allow)
fi
if [[ $# -eq 0 || "${1:-}" == --* ]]; then
  exec java "${flags[@]}" -cp "$classpath" dev.roomcast.bench.BenchMain suite --out bench/results/latest.json "$@"
fi
exec java "${flags[@]}" -cp "$classpath" dev.roomcast.bench.BenchMain "$@"
