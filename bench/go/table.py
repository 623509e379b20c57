"""Prints bench/results/independent.json as the Markdown table the Benchmarks page shows, so the page
is copied from the result file rather than retyped. Usage: table.py [independent.json]."""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "bench/results/independent.json"
d = json.load(open(path))
s = d["scenarios"]


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "k":
        return f"{v / 1000:,.0f}k"
    if unit == "ms":
        return f"{v:,.0f} ms"
    if unit == "B":
        return f"{v:,.0f} B"
    return f"{v:,.0f}"


def cpu(k, who, per):
    rows = [r for r in d["rows"] if r["server"] == who and kind(r) == k]
    vals = [r.get(per) for r in rows if r.get(per) is not None]
    return ", ".join(f"{v:,.2f}" if v < 10 else f"{v:,.0f}" for v in vals) or "–"


def kind(r):
    if r["scenario"] == "fanout":
        return "fanoutRate" if r.get("rate") else "fanout"
    return r["scenario"]


def first(k, key):
    return next((r.get(key) for r in d["rows"] if kind(r) == k), "?")


labels = {
    "fanout": (f"fan-out N={first('fanout', 'n')}, M={first('fanout', 'm')}, 64 B, window 64, deliveries/s", "k",
               "serverCpuMicrosPerDelivery", "server CPU µs per delivery", "fan-out"),
    "fanoutRate": ("p99 at 500 msg/s to 1,000 members", "ms", "serverCpuMicrosPerDelivery",
                   "server CPU µs per delivery", "fixed rate"),
    "churn": (f"churn with token auth, {first('churn', 'n')} cycles after {first('churn', 'warmup')}, cycles/s", "",
              "serverCpuMicrosPerCycle", "server CPU µs per cycle", "churn"),
    "idle": ("idle, RSS growth per connection (10,000)", "B", None, None, "idle"),
}
print(f"Run of {d['date']} at `{d['commit']}`, {d['seconds']} s, Roomcast launched as "
      f"`java {d.get('roomcastJvmOptions') or ''} -jar` (README's line).\n")
print("| scenario | gorilla hub | Roomcast example | pair ratios | median | target | |")
print("|---|---|---|---|---:|---|---|")
for k, (label, unit, per, per_label, short) in labels.items():
    if k not in s:
        continue
    x = s[k]
    g = ", ".join(fmt(v, unit) for v in x["gorilla"])
    r = ", ".join(fmt(v, unit) for v in x["roomcast"])
    verdict = "met" if x["met"] else "**missed**"
    print(f"| {label} | {g} | {r} | {', '.join(f'{p:.2f}' for p in x['pairRatios'])} | {x['medianRatio']:.2f}× "
          f"| {x['target']} | {verdict} |")
    if k.startswith("fanout"):
        print(f"| {short}, messages per frame | {', '.join(str(v) for v in x['gorillaMessagesPerFrame'])} "
              f"| {', '.join(str(v) for v in x['roomcastMessagesPerFrame'])} | | | | |")
        print(f"| {short}, lost | {', '.join(str(v) for v in x['gorillaLost'])} "
              f"| {', '.join(str(v) for v in x['roomcastLost'])} | | | | |")
    if per:
        print(f"| {short}, {per_label} | {cpu(k, 'gorilla', per)} | {cpu(k, 'roomcast', per)} | | | | |")
    # The share of the server's CPU in the measured window that went to the JVM's JIT compiler threads:
    # work the Go hub never does, shown so a reader can tell compiling from serving.
    jit = [r for r in d["rows"] if r["server"] == "roomcast" and kind(r) == k and "serverJitCpu" in r]
    if jit:
        shares = ", ".join(f"{100 * r['serverJitCpu'] / max(1e-9, r['serverCpuUser'] + r['serverCpuSys']):.0f}%" for r in jit)
        print(f"| {short}, share of server CPU in JIT compiler threads | – | {shares} | | | | |")
