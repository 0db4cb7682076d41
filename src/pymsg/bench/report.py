"""The report of `pymsg bench`: a terminal table, report.md and PNG plots (matplotlib, if
installed) in the output folder."""

from __future__ import annotations

import os
from typing import Any, NamedTuple


class Result(NamedTuple):
    family: str
    name: str
    unit: str
    ns: dict[str, float]  # median ns per item, by peer ("pymsg" first)


def _fmt(ns: float) -> str:
    return f"{ns / 1000:,.1f} us" if ns >= 10_000 else f"{ns:,.0f} ns"


def _rows(results: list[Result]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for r in results:
        mine = r.ns["pymsg"]
        for peer, ns in r.ns.items():
            ratio = "" if peer == "pymsg" else f"{mine / ns:.3f}x"
            ahead = "" if peer == "pymsg" else ("yes" if mine < ns else "NO")
            rows.append((f"{r.family}: {r.name} (per {r.unit})", peer, _fmt(ns), ratio, ahead))
    return rows


def write_report(out: str, results: list[Result], core: dict[str, float], scaling: dict[int, tuple[float, float]],
                 memory: dict[str, float], versions: dict[str, str], settings: dict[str, Any],
                 skipped: dict[str, str]) -> None:
    os.makedirs(out, exist_ok=True)
    rows = _rows(results)
    widths = [max(len(row[i]) for row in rows + [("workload", "peer", "median", "pymsg/peer", "ahead")]) for i in range(5)]
    header = ("workload", "peer", "median", "pymsg/peer", "ahead")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    print("\nthe core alone (no Python): " + ", ".join(f"{k} {_fmt(v)} a message" for k, v in core.items()))
    print("core threads (messages/s, own queues | one shared queue): " +
          ", ".join(f"{t}: {a / 1e6:.1f}M | {b / 1e6:.1f}M" for t, (a, b) in scaling.items()))
    print("memory (bytes per item beyond its payload): " + ", ".join(f"{k} {v:.0f}" for k, v in memory.items()))

    lines = [
        "# pymsg bench",
        "",
        "Medians of interleaved repeats, measured in one run; `pymsg/peer` below 1 means pymsg is faster.",
        "Redis numbers include a loopback round trip per command (per pipeline when pipelined).",
        "",
        "Settings: " + ", ".join(f"{k} {v}" for k, v in settings.items()),
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "",
    ]
    for peer, why in skipped.items():
        lines.append(f"- **{peer} skipped**: {why}")
    lines += ["", "| workload | peer | median | pymsg/peer | pymsg ahead |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    lines += ["", "## The core alone", "",
              "The same SQS cycles in C++ loops without Python: what the binding adds is the difference.", ""]
    lines += [f"- {k}: {_fmt(v)} a message" for k, v in core.items()]
    lines += ["", "## Core threads", "", "| threads | own queues (messages/s) | one shared queue (messages/s) |",
              "|---|---|---|"]
    lines += [f"| {t} | {a:,.0f} | {b:,.0f} |" for t, (a, b) in scaling.items()]
    lines += ["", "## Memory", "", "Resident bytes per stored item beyond its payload (each measured in a fresh process).", "",
              "| item | bytes |", "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in memory.items()]
    plots = _plots(out, results)
    if plots:
        lines += ["", "## Plots", ""] + [f"![{name}]({name})" for name in plots]
    else:
        lines += ["", "(No plots: matplotlib is not installed; pip install 'pymsg[bench]'.)"]
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"\nreport: {os.path.join(out, 'report.md')}")


def _plots(out: str, results: list[Result]) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    names = []
    families = sorted({r.family for r in results})
    for family in families:
        rs = [r for r in results if r.family == family]
        fig, axes = plt.subplots(len(rs), 1, figsize=(8, 1.2 + 1.1 * sum(len(r.ns) for r in rs) / max(len(rs), 1) * len(rs)),
                                 squeeze=False)
        for ax, r in zip(axes[:, 0], rs):
            peers = list(r.ns)
            values = [r.ns[p] for p in peers]
            colors = ["#2b7bba" if p == "pymsg" else "#bbbbbb" for p in peers]
            ax.barh(peers, values, color=colors)
            ax.set_xscale("log")
            ax.invert_yaxis()
            ax.set_title(f"{r.name} (ns per {r.unit}, log scale)", fontsize=9)
            ax.tick_params(labelsize=8)
        fig.tight_layout()
        name = f"{family.lower()}.png"
        fig.savefig(os.path.join(out, name), dpi=110)
        plt.close(fig)
        names.append(name)
    return names
