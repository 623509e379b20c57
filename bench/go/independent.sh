#!/usr/bin/env bash
# bench/run.sh independent [--quick] [--pairs N] [--roomcast-jvm "FLAGS"] [--out FILE]
# Runs the independent comparison: a Go load client (gorilla/websocket) against, alternately, a
# gorilla/websocket chat hub written here (bench/go/hub) and the shipped chat example jar started the
# way README starts it: the JVM options are read from README's launch command, so the benchmark can
# never run with flags a user does not get. Writes bench/results/independent.json and the verdicts
# into bench/results/latest.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# The options between `java` and `-jar` on README's line that starts the chat example.
readme_jvm=$(sed -n 's/.*&& java \(.*\)-jar examples\/chat\/target\/roomcast-example-chat\.jar.*/\1/p' README.md | head -n1 | xargs)
quick=0; pairs=3; rc_jvm=$readme_jvm; out=bench/results/independent.json; only=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --pairs) pairs=$2; shift 2 ;;
    --roomcast-jvm) rc_jvm=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;   # fanout,rate,idle,churn
    *) echo "independent: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$only" ]] || only=fanout,rate,idle,churn

# Tools: Debian's Go and gorilla/websocket, installed when missing; built offline in GOPATH mode.
bash bench/go/setup.sh
gobin=bench/target/go
jar=examples/chat/target/roomcast-example-chat.jar
if [[ ! -f $jar ]]; then
  ./mvnw -B -ntp -q -pl examples/chat -am package -DskipTests
fi
ulimit -n 20000 2>/dev/null || true

secret=$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 43)
export BENCH_TOKEN_SECRET=$secret
port=18480
tmp=$(mktemp -d /tmp/roomcast-independent.XXXXXX)
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT

start_server() { # $1 = gorilla | roomcast
  port=$((port + 1))
  if [[ $1 == gorilla ]]; then
    HUB_TOKEN_SECRET=$secret "$gobin/hub" -addr "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
  else
    # ROOMCAST_INBOUND_RATE raises the per-connection inbound rate limit for the publisher (the
    # default closes it with 1008 past 100 msg/s); an example without that variable ignores it.
    # shellcheck disable=SC2086
    ROOMCAST_PORT=$port ROOMCAST_TOKEN_SECRET=$secret ROOMCAST_INBOUND_RATE=100000 ROOMCAST_SHUTDOWN_SECONDS=2 \
      java $rc_jvm -jar "$jar" >"$tmp/server.log" 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "independent: $1 did not listen on $port" >&2; cat "$tmp/server.log" >&2; exit 1
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null || true
  server_pid=""
}
run() { # $1 server, rest load flags; appends one JSON line to rows
  start_server "$1"
  local s=$1; shift
  "$gobin/load" -url "ws://127.0.0.1:$port/ws" -pid "$server_pid" -label "$s" "$@" | tee -a "$tmp/rows.jsonl"
  stop_server
}

if ((quick)); then
  fan=(-n 300 -m 500 -warmup 2000); rate=(-n 300 -m 500 -warmup 500 -rate 500)
  idle=(-n 2000 -warmup 500 -hold 3s); churn=(-n 1000 -warmup 1000); pairs=1
else
  # Fan-out measures 5,000 messages (5M deliveries, several seconds): 500 lasted under a second, and
  # one run's pairs ranged 0.51-1.34x. Churn warms up with 50,000 cycles: after 10,000 the JIT was
  # still compiling (C2 threads used 36% of the server's CPU 20,000-35,000 cycles in). Both servers
  # get the same counts; the Go hub has no warm-up to do. The fixed-rate run warms up with 20,000
  # messages: after 2,000 (about 6 s into the JVM's life) the JIT compiler threads still used a
  # third of the server's CPU, so its p99 measured compiling more than serving; the load client
  # reports that share per run (serverJitCpu) so a reader can check it.
  # Fan-out warms up with 30,000: after 10,000 the compiler threads still took 1.0-2.0 s of the
  # server's CPU during the 5,000 measured messages (a fifth to a third of it).
  # Churn measures 19,000 cycles (the client's bound; about 4-5 s): 5,000 lasted 1.1-1.7 s, and
  # one run's pairs ranged 0.69-1.15x on the same jar, the JIT's late recompilations (still a
  # hundred methods every two seconds 50,000 cycles in) landing in or out of so short a window.
  fan=(-n 1000 -m 5000 -warmup 30000); rate=(-n 1000 -m 1500 -warmup 20000 -rate 500)
  idle=(-n 10000 -warmup 1000 -hold 5s); churn=(-n 19000 -warmup 50000)
fi
started=$(date +%s)
for ((i = 0; i < pairs; i++)); do
  for s in gorilla roomcast; do
    [[ $only == *fanout* ]] && run "$s" -scenario fanout "${fan[@]}" -size 64 -window 64
    [[ $only == *rate* ]] && run "$s" -scenario fanout "${rate[@]}" -size 64
    [[ $only == *churn* ]] && run "$s" -scenario churn "${churn[@]}" -workers 32
  done
done
if [[ $only == *idle* ]]; then
  for s in gorilla roomcast; do run "$s" -scenario idle "${idle[@]}"; done
fi
python3 bench/go/summarize.py "$tmp/rows.jsonl" "$out" "$(git rev-parse --short HEAD)" "$(( $(date +%s) - started ))" "$rc_jvm"
rm -rf "$tmp"
