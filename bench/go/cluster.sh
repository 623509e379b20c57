#!/usr/bin/env bash
# bench/run.sh cluster [--quick] [--pairs N] [--rate MSG_PER_S] [--out FILE]
# Cross-node fan-out: the Go load client (gorilla/websocket) with 1,000 subscribers and one publisher,
#   one-node   all on one chat example jar with the in-process bus (the reference),
#   one-redis  all on one node of a Redis cluster (what the Redis bus costs with nobody to relay to),
#   two-nodes  500 + 500 on two nodes sharing a real redis-server, the publisher on node one,
# each measured twice: deliveries/s with a window of 64 outstanding messages, and p50/p99 latency at a
# fixed publish rate. The three setups run in turn, --pairs times (default 2), so that a machine whose
# load drifts during the run does not favour the setup that ran first; the summary takes the median
# per setup. The jars are started the way README starts them (JVM options read from README's launch
# line); redis-server runs on a free loopback port with no persistence. Every client run has a hard
# time limit; the whole scenario takes about 6 minutes (--pairs 1: 3). Writes bench/results/cluster.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
readme_jvm=$(sed -n 's/.*&& java \(.*\)-jar examples\/chat\/target\/roomcast-example-chat\.jar.*/\1/p' README.md | head -n1 | xargs)
quick=0; rate=100; pairs=2; out=bench/results/cluster.json
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --rate) rate=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "cluster: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v redis-server >/dev/null || { echo "cluster: needs redis-server (Debian package redis-server)" >&2; exit 2; }
bash bench/go/setup.sh
gobin=bench/target/go
jar=examples/chat/target/roomcast-example-chat.jar
if [[ ! -f $jar ]]; then
  ./mvnw -B -ntp -q -pl examples/chat -am package -DskipTests -DskipDocs=true
fi
ulimit -n 20000 2>/dev/null || true

free_port() { # a free loopback port, chosen by the kernel
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
secret=$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 43)
export BENCH_TOKEN_SECRET=$secret
tmp=$(mktemp -d /tmp/roomcast-cluster.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" --loglevel warning \
  >"$tmp/redis.log" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break
  sleep 0.1
done

node_pids=()
node_ports=()
start_node() { # $1 = node id, or "" for a node without Redis
  local port; port=$(free_port)
  local redis_env=()
  [[ -n $1 ]] && redis_env=(ROOMCAST_REDIS_URL="redis://127.0.0.1:$redis_port" ROOMCAST_NODE_ID="$1")
  # shellcheck disable=SC2086
  env "${redis_env[@]}" ROOMCAST_PORT="$port" ROOMCAST_TOKEN_SECRET="$secret" ROOMCAST_INBOUND_RATE=100000 \
    ROOMCAST_SHUTDOWN_SECONDS=2 java $readme_jvm -jar "$jar" >"$tmp/node-${1:-solo}.log" 2>&1 &
  local pid=$!
  pids+=("$pid"); node_pids+=("$pid"); node_ports+=("$port")
  for _ in $(seq 1 600); do # up to 60 s: a busy machine starts a JVM slowly
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "cluster: node ${1:-solo} did not listen on $port" >&2; cat "$tmp/node-${1:-solo}.log" >&2; exit 1
}
stop_nodes() {
  for p in "${node_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${node_pids[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  node_pids=(); node_ports=()
}

if ((quick)); then
  fan=(-n 300 -m 500 -warmup 1000); lat=(-n 300 -m 300 -warmup 200); pairs=1
else
  fan=(-n 1000 -m 3000 -warmup 5000); lat=(-n 1000 -m 800 -warmup 400)
fi
run_setup() { # $1 = label; the nodes are started already
  local label=$1; shift
  local urls=(-url "ws://127.0.0.1:${node_ports[0]}/ws")
  [[ ${#node_ports[@]} -gt 1 ]] && urls+=(-sub-url "ws://127.0.0.1:${node_ports[1]}/ws")
  cut -d' ' -f1 /proc/loadavg >>"$tmp/load.txt"
  "$gobin/load" "${urls[@]}" -pid "${node_pids[0]}" -label "$label" -timeout 90s \
    -scenario fanout "${fan[@]}" -size 64 -window 64 | tee -a "$tmp/rows.jsonl"
  cut -d' ' -f1 /proc/loadavg >>"$tmp/load.txt"
  "$gobin/load" "${urls[@]}" -pid "${node_pids[0]}" -label "$label" -timeout 90s \
    -scenario fanout "${lat[@]}" -size 64 -rate "$rate" | tee -a "$tmp/rows.jsonl"
}

started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 0; i < pairs; i++)); do
  start_node ""; run_setup one-node; stop_nodes
  start_node solo; run_setup one-redis; stop_nodes
  start_node one; start_node two; run_setup two-nodes; stop_nodes
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$(dirname "$out")"
python3 - "$tmp/rows.jsonl" "$tmp/load.txt" "$out" "$(git rev-parse --short HEAD)" "$(( $(date +%s) - started ))" "$readme_jvm" \
  "$load_before" "$load_after" "$(nproc)" "$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')" "$rate" <<'PY'
import json, sys, datetime
import statistics
rows_file, load_file, out, commit, seconds, jvm, load_before, load_after, cores, redis = sys.argv[1:11]
rows = [json.loads(l) for l in open(rows_file) if l.strip()]
for r, load in zip(rows, open(load_file).read().split()):
    r["loadAverage1m"] = float(load)  # the machine's load when the run started
def runs(server, paced):
    return [r for r in rows if r["server"] == server and (r.get("rate", 0) > 0) == paced]
def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None
summary = {}
for server in ("one-node", "one-redis", "two-nodes"):
    t, l = runs(server, False), runs(server, True)
    summary[server] = {
        "deliveriesPerSecond": round(median([r.get("deliveriesPerSecond") for r in t]) or 0),
        "deliveriesPerSecondRuns": [round(r.get("deliveriesPerSecond", 0)) for r in t],
        "lost": sum(r.get("lost", 0) for r in t + l),
        "duplicated": sum(r.get("duplicated", 0) for r in t + l),
        "p50Millis": median([r.get("p50Millis") for r in l]),
        "p99Millis": median([r.get("p99Millis") for r in l]),
        "p99MillisRuns": [round(r.get("p99Millis", 0), 1) for r in l],
        "serverCpuMicrosPerDelivery": median([r.get("serverCpuMicrosPerDelivery") for r in t]),
        "loadAverages": [r["loadAverage1m"] for r in t + l if "loadAverage1m" in r],
    }
base = summary["one-node"]
for server in ("one-redis", "two-nodes"):
    s = summary[server]
    s["deliveriesVsOneNode"] = round(s["deliveriesPerSecond"] / base["deliveriesPerSecond"], 2) if base["deliveriesPerSecond"] else None
    s["p99VsOneNode"] = round(s["p99Millis"] / base["p99Millis"], 2) if s["p99Millis"] and base["p99Millis"] else None
doc = {
    "scenario": "cluster fan-out: 1,000 subscribers on one node, on one node of a Redis cluster, and 500 + 500 on two nodes",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "commit": commit, "seconds": int(seconds), "jvm": jvm, "cores": int(cores), "redis": redis,
    "fixedRate": int(sys.argv[11]), "note": "serverCpu* is node one's (the publisher's) only",
    "loadAverageBefore": load_before, "loadAverageAfter": load_after,
    "summary": summary, "runs": rows,
}
json.dump(doc, open(out, "w"), indent=2)
print(json.dumps(summary, indent=2))
PY
