#!/usr/bin/env python3
"""Plot the results of bench/run.sh into one PNG (needs matplotlib: pip install matplotlib).

    python3 bench/plot.py bench/results/latest/results.jsonl docs/img/benchmarks.png

Panels: saturation fan-out (best window per server), deliveries/s by window at 1,000 members,
latency percentiles at fixed offered loads, memory per idle connection, connection churn, and
the two-node Redis runs. Colours are fixed per server so panels read together.
"""
import json
import sys
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {
    "switchboard": "#1f77b4",
    "switchboard+rec": "#7fb3e0",
    "socketio": "#d62728",
    "ws": "#ff9f1a",
    # The bare reference server of the latency runs (`switchboard-bench floor`).
    "floor": "#8c8c8c",
}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return [r for r in rows if r.get("kind") != "recstats"]


def pick(rows, bench):
    """One row per server, as the report picks it: the best window for saturation runs, the
    median run by p99 for fixed-rate runs repeated in rotation, else the last run."""
    out = OrderedDict()
    rate = OrderedDict()
    for r in rows:
        if r["bench"] != bench:
            continue
        if r.get("mode") == "rate":
            rate.setdefault(r["server"], []).append(r)
            out.setdefault(r["server"], r)
            continue
        prev = out.get(r["server"])
        if prev is None or r.get("mode") != "saturate" or r["deliveries_per_s"] > prev["deliveries_per_s"]:
            out[r["server"]] = r
    for server, runs in rate.items():
        runs = sorted(runs, key=lambda r: r["latency"]["p99_ms"])
        out[server] = runs[(len(runs) - 1) // 2]
    return out


def bars(ax, groups, value, title, ylabel, fmt):
    """groups: [(label, {server: row})]; one cluster of bars per group."""
    servers = []
    for _, by in groups:
        for s in by:
            if s not in servers:
                servers.append(s)
    width = 0.8 / max(len(servers), 1)
    for i, s in enumerate(servers):
        xs, ys = [], []
        for g, (_, by) in enumerate(groups):
            if s in by:
                xs.append(g + (i - (len(servers) - 1) / 2) * width)
                ys.append(value(by[s]))
        b = ax.bar(xs, ys, width, label=s, color=COLORS.get(s, "grey"))
        ax.bar_label(b, labels=[fmt(y) for y in ys], fontsize=7, padding=1)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([g for g, _ in groups])
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)


def k(x):
    return f"{x / 1000:.0f}k" if x >= 1000 else f"{x:.0f}"


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = load(src)
    fig = plt.figure(figsize=(16, 9))
    grid = fig.add_gridspec(2, 3)
    axes = [[fig.add_subplot(grid[0, c]) for c in range(3)], [fig.add_subplot(grid[1, 0])]]
    lat_ax = fig.add_subplot(grid[1, 1:])

    groups = [(label, pick(rows, b)) for label, b in
              [("1,000 members", "fanout-1k"), ("10,000 members", "fanout-10k"),
               ("2 nodes + Redis", "cluster")] if pick(rows, b)]
    bars(axes[0][0], groups, lambda r: r["deliveries_per_s"],
         "1. Fan-out at saturation (best window)", "deliveries/s", k)
    axes[0][0].legend(fontsize=8)

    ax = axes[0][1]
    for s in COLORS:
        pts = sorted((r["window"], r["deliveries_per_s"]) for r in rows
                     if r["bench"] == "fanout-1k" and r["server"] == s and r.get("mode") == "saturate")
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=s, color=COLORS[s])
    ax.set_xscale("log", base=2)
    ax.set_title("Deliveries/s by window, 1,000 members", fontsize=10)
    ax.set_xlabel("broadcasts in flight (not yet received by everyone)")
    ax.set_ylabel("deliveries/s")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)

    # Latency: one cluster per benchmark, a bar per server, each bar layered p99.9 (light),
    # p99 (mid), p50 (solid). It gets the widest slot: up to 4 servers x 4 benchmarks.
    ax = lat_ax
    lat = [(b, pick(rows, b)) for b in ["latency-20k", "latency-100k", "latency-20k-small", "cluster-latency"] if pick(rows, b)]
    servers = []
    for _, by in lat:
        for s in by:
            if s not in servers:
                servers.append(s)
    width = 0.8 / max(len(servers), 1)
    for i, s in enumerate(servers):
        xs, p50, p99, p999 = [], [], [], []
        for g, (_, by) in enumerate(lat):
            if s in by:
                xs.append(g + (i - (len(servers) - 1) / 2) * width)
                p50.append(by[s]["latency"]["p50_ms"])
                p99.append(by[s]["latency"]["p99_ms"])
                p999.append(by[s]["latency"]["p999_ms"])
        color = COLORS.get(s, "grey")
        ax.bar(xs, p999, width, color=color, alpha=0.25)
        b = ax.bar(xs, p99, width, color=color, alpha=0.6)
        ax.bar(xs, p50, width, color=color, alpha=1.0, label=s)
        ax.bar_label(b, labels=[f"{v:.1f}" for v in p99], fontsize=7, padding=2)
    def lat_label(b, by):
        r = next(iter(by.values()))
        return f"{k(r['offered_per_s'])}/s, {r['members']} members" + (", 2 nodes + Redis" if b.startswith("cluster") else "")
    ax.set_xticks(range(len(lat)))
    ax.set_xticklabels([lat_label(b, by) for b, by in lat], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("ms, publish -> receipt")
    ax.set_title("2. Latency at fixed offered load (solid p50, mid p99 with its value, light p99.9)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)

    idle = pick(rows, "idle-10k")
    if idle:
        bars(axes[0][2], [("", idle)], lambda r: r["kib_per_conn"],
             "4. RSS per idle connection (target: 16 KiB)", "KiB", lambda y: f"{y:.1f}")
        axes[0][2].axhline(16, color="black", lw=0.8, ls="--")
        axes[0][2].legend(fontsize=8)
    churn = pick(rows, "churn")
    if churn:
        bars(axes[1][0], [("", churn)], lambda r: r["cycles_per_s"],
             "6. Churn: connect + join + close", "cycles/s", k)
        axes[1][0].legend(fontsize=8)

    fig.suptitle("Switchboard vs Socket.IO 4.8 and ws 8.23: 2 vCPU, loopback, one load generator", fontsize=12)
    fig.tight_layout()
    fig.savefig(dst, dpi=110)
    print(f"wrote {dst}")


if __name__ == "__main__":
    main()
