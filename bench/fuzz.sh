#!/usr/bin/env bash
# Runs every Jazzer @FuzzTest in fuzzing mode (-Pfuzz), one after another, each for a bounded time:
#   bench/fuzz.sh                 every target, 300 s each
#   bench/fuzz.sh 60              every target, 60 s each
#   bench/fuzz.sh 600 Inbound     only targets whose name contains "Inbound", 600 s each
# Jazzer fuzzes one @FuzzTest per JVM, hence one Maven run per target. A crash fails that run and
# leaves its input in the test's src/test/resources/.../<Class>Inputs/<method>/ directory, where the
# default build then replays it (regression mode); the growing corpus stays in <module>/.cifuzz-corpus/.
# Extra Maven flags come from MVN_FLAGS (e.g. MVN_FLAGS=-o). Exit status: the number of failed targets.
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
if [[ -n "${JAVA_HOME:-}" ]]; then
  export PATH="$JAVA_HOME/bin:$PATH"
fi
seconds="${1:-300}"
filter="${2:-}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bench/fuzz.sh [seconds per target] [name filter]" >&2
  exit 64
fi
# module  test class#method
targets=(
  "core dev.roomcast.core.EnvelopeCodecFuzzTest#decodeReturnsADocumentedResultAndWhatDecodesSurvivesReencoding"
  "transport-undertow dev.roomcast.transport.undertow.internal.UpgradeRequestParserFuzzTest#anyRequestHeadIsParsedOrRefusedAsTheContractSays"
  "transport-undertow dev.roomcast.transport.undertow.internal.InboundMessagesFuzzTest#everyInboundPayloadEndsInACloseCodeAnErrorEventOrADispatch"
)
failed=0
for entry in "${targets[@]}"; do
  read -r module test <<<"$entry"
  [[ -n "$filter" && "$test" != *"$filter"* ]] && continue
  echo "== fuzzing $test for ${seconds}s"
  # shellcheck disable=SC2086
  if ! ./mvnw -B -ntp ${MVN_FLAGS:-} -Pfuzz -pl "$module" -am -DskipDocs=true -Dtest="$test" \
      -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.seconds="$seconds" test; then
    echo "== $test FAILED: see the crash input under $module/src/test/resources" >&2
    failed=$((failed + 1))
  fi
done
exit "$failed"
