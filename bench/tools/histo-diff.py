#!/usr/bin/env python3
"""Per-class difference of two `jcmd PID GC.class_histogram` listings, divided by N.

usage: bench/tools/histo-diff.py BASE.histo HELD.histo N [TOP]
Prints instances and bytes per unit (e.g. per connection), largest byte deltas first.
"""
import re
import sys


def read(path):
    out = {}
    for line in open(path):
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            name = re.sub(r"(\$\$Lambda|\$\$StringConcat)[/+]0x[0-9a-f]+", r"\1", m.group(3))
            c, b = out.get(name, (0, 0))
            out[name] = (c + int(m.group(1)), b + int(m.group(2)))
    return out


base, held, n = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
top = int(sys.argv[4]) if len(sys.argv) > 4 else 60
rows = []
for name in set(base) | set(held):
    b = base.get(name, (0, 0))
    h = held.get(name, (0, 0))
    rows.append((h[1] - b[1], h[0] - b[0], name))
rows.sort(reverse=True)
total = sum(r[0] for r in rows)
print(f"total {total / n:,.1f} B per unit")
shown = rows[:top] + [r for r in rows[-top:] if r[0] < 0 and r not in rows[:top]]
for db, dc, name in shown:
    if db != 0 or dc != 0:
        print(f"{dc / n:9.2f} {db / n:9.1f}  {name}")
