"""Turns the independent run's JSON lines into bench/results/independent.json: every row, the
pairs (gorilla hub run, then Roomcast example run) with their ratio, the median pair, and the verdict
against each target. Usage: summarize.py ROWS.jsonl OUT.json COMMIT SECONDS ROOMCAST_JVM."""
import datetime
import json
import os
import statistics
import sys

rows_file, out_file, commit, seconds, jvm = sys.argv[1:6]
rows = [json.loads(line) for line in open(rows_file) if line.strip()]


def kind(r):
    if r["scenario"] == "fanout":
        return "fanoutRate" if r.get("rate") else "fanout"
    return r["scenario"]


METRIC = {  # metric, target ratio, whether higher is better
    "fanout": ("deliveriesPerSecond", 1.2, True),
    "fanoutRate": ("p99Millis", 1.0, False),
    "idle": ("rssBytesPerConnection", 0.5, False),
    "churn": ("cyclesPerSecond", 1.0, True),
}
result = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "commit": commit,
    "seconds": int(seconds),
    "roomcastJvmOptions": jvm,
    "client": "bench/go/load (Go, gorilla/websocket)",
    "servers": {"gorilla": "bench/go/hub (Go, gorilla/websocket)",
                "roomcast": "examples/chat/target/roomcast-example-chat.jar, java -jar"},
    "rows": rows,
    "scenarios": {},
}
for k, (metric, target, higher) in METRIC.items():
    g = [r for r in rows if kind(r) == k and r["server"] == "gorilla"]
    rc = [r for r in rows if kind(r) == k and r["server"] == "roomcast"]
    pairs = []
    for a, b in zip(g, rc):
        if a.get(metric) and b.get(metric) is not None:
            pairs.append(b[metric] / a[metric])
    if not pairs:
        continue
    median = statistics.median(pairs)
    met = median >= target if higher else median <= target
    if k == "fanout":
        met = met and all(r.get("lost", 1) == 0 and "publisherClosed" not in r for r in rc)
    summary = {"metric": metric, "pairRatios": [round(p, 3) for p in pairs], "medianRatio": round(median, 3),
               "target": ("≥ " if higher else "≤ ") + str(target) + "×", "met": met}
    for name, rs in (("gorilla", g), ("roomcast", rc)):
        summary[name] = [r.get(metric) for r in rs]
        if k.startswith("fanout"):
            summary[name + "MessagesPerFrame"] = [round(r.get("messagesPerFrame", 0), 1) for r in rs]
            summary[name + "Lost"] = [r.get("lost") for r in rs]
        # The CPU split: where the two cores went, server (user, sys) and load client (user, sys), seconds.
        summary[name + "CpuSplit"] = [{"serverUser": round(r.get("serverCpuUser", 0), 2),
                                       "serverSys": round(r.get("serverCpuSys", 0), 2),
                                       # of which the JVM's JIT compiler threads (0 for the Go hub)
                                       "serverJit": round(r.get("serverJitCpu", 0), 2),
                                       "clientUser": round(r.get("clientCpuUser", 0), 2),
                                       "clientSys": round(r.get("clientCpuSys", 0), 2)} for r in rs
                                      if "serverCpuUser" in r]
    result["scenarios"][k] = summary
with open(out_file, "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
# The verdicts also go into the suite's latest.json (the file the targets are judged in),
# under "independent", leaving the suite's own results as they are.
latest = os.path.join(os.path.dirname(out_file) or ".", "latest.json")
if os.path.exists(latest):
    with open(latest) as f:
        merged = json.load(f)
    merged["independent"] = {key: result[key] for key in result if key != "rows"}
    with open(latest, "w") as f:
        json.dump(merged, f, indent=1)
        f.write("\n")
for k, s in result["scenarios"].items():
    print(f"{k:11s} {s['metric']:22s} pairs {s['pairRatios']} median {s['medianRatio']}x "
          f"(target {s['target']}) {'met' if s['met'] else 'MISSED'}")
print(f"wrote {out_file} ({seconds} s)")
