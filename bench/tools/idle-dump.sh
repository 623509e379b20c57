#!/usr/bin/env bash
# Runs the idle scenario and, while the connections are held, takes a class histogram and a heap
# dump of the server process. Usage:
#   bench/tools/idle-dump.sh OUT_PREFIX [idle scenario options...]
# e.g. bench/tools/idle-dump.sh /tmp/mem/raw --server raw --connections 10000 --hold-millis 30000
# DUMP_AFTER=SECONDS (default 5) delays the dump after the connections are open.
# Writes OUT_PREFIX.out (scenario output), OUT_PREFIX.histo and OUT_PREFIX.hprof. Analyse with
#   java -Xmx6g bench/tools/HprofTool.java OUT_PREFIX.hprof --histo OUT_PREFIX.histo owned ...
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1
shift
n=10000
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ ${args[$i]} == --connections ]]; then n=${args[$((i + 1))]}; fi
done
# Other work trees may run their own benchmarks on this machine: only servers started from this
# work tree's class path count as ours.
here=$(pwd)
our_server() {
  pgrep -f "$here/.*dev.roomcast.bench.server.ServerMain" | head -1 || true
}
if [[ -n $(our_server) ]]; then
  echo "a bench server of this work tree is already running; not starting another" >&2
  exit 1
fi
bench/run.sh idle "$@" >"$out.out" 2>&1 &
runner=$!
pid=""
for _ in $(seq 1 600); do
  pid=$(our_server)
  if [[ -n $pid ]]; then
    # open descriptors of the server process: the warm-up batch closes before the N are dialed
    fds=$( (ls /proc/"$pid"/fd 2>/dev/null || true) | wc -l)
    if ((fds >= n)); then break; fi
  fi
  if ! kill -0 $runner 2>/dev/null; then break; fi
  sleep 0.5
done
if [[ -z $pid ]]; then
  echo "no server process found" >&2
  wait $runner || true
  cat "$out.out"
  exit 1
fi
# DUMP_AFTER: seconds to wait once the N connections are open (default 5); keep it below the hold
sleep "${DUMP_AFTER:-5}"
jcmd "$pid" GC.class_histogram >"$out.histo"
jcmd "$pid" GC.heap_dump "$out.hprof" >/dev/null
wait $runner || true
cat "$out.out"
