"""`python -m pymsg bench`: pymsg beside its peers (Redis, moto, the stdlib, cachetools), measured
in one run, interleaved, with medians and ratios, a Markdown report and PNG plots.

    python -m pymsg bench [--quick] [--only sqs,sns,kinesis,cache] [--out DIR] [--redis-url URL]

Redis is started on 127.0.0.1 and a free port when redis-server is installed (or reached at
--redis-url); without it, and without moto, those peers are skipped and the report says so.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from typing import Any, Optional, Sequence

from .. import __version__, _core
from .memory import measure_all
from .peers import Moto, RedisServer, Unavailable
from .report import Result, write_report
from .workloads import FAMILIES, Workload


def measure(op: Any, items: int, budget: float) -> float:
    """ns per item of op(), run until `budget` seconds have passed (at least once)."""
    rounds = 0
    start = time.perf_counter_ns()
    deadline = start + budget * 1e9
    while True:
        op()
        rounds += 1
        now = time.perf_counter_ns()
        if now >= deadline:
            return (now - start) / (rounds * items)


def progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} {label[:50]:50s}")
    sys.stderr.flush()
    if done == total:
        sys.stderr.write("\n")


def run(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="pymsg bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (about a minute)")
    parser.add_argument("--only", default=",".join(FAMILIES), help="families to run: sqs,sns,kinesis,cache")
    parser.add_argument("--out", default="bench-results", help="folder for report.md and the plots")
    parser.add_argument("--redis-url", default=None, help="use this Redis instead of starting one")
    parser.add_argument("--no-moto", action="store_true", help="skip moto (slow to start)")
    args = parser.parse_args(argv)
    families = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown families {unknown} (choose from {', '.join(FAMILIES)})")
    repeats, budget = (3, 0.05) if args.quick else (7, 0.2)

    ctx: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    versions = {"pymsg": __version__, "Python": platform.python_version()}
    try:
        ctx["redis"] = RedisServer(args.redis_url)
        versions["Redis"] = ctx["redis"].version
    except Unavailable as exc:
        skipped["Redis"] = str(exc)
    if args.no_moto:
        skipped["moto"] = "--no-moto"
    else:
        try:
            ctx["moto"] = Moto()
            versions["moto"] = ctx["moto"].version
        except Unavailable as exc:
            skipped["moto"] = str(exc)
    try:
        import cachetools

        versions["cachetools"] = cachetools.__version__
    except ImportError:
        families = [f for f in families if f != "cache"]
        skipped["cachetools"] = "not installed: the cache family was skipped (pip install 'pymsg[bench]')"
    for peer, why in skipped.items():
        print(f"{peer} skipped: {why}", file=sys.stderr)

    results: list[Result] = []
    try:
        workloads: list[Workload] = [w for f in families for w in FAMILIES[f](ctx, args.quick)]
        total = sum(len(w.peers) for w in workloads)
        done = 0
        for w in workloads:
            ops = {}
            for peer, make in w.peers.items():
                progress(done, total, f"{w.family}: {w.name} ({peer}, setup)")
                ops[peer] = make()
                done += 1
            samples: dict[str, list[float]] = {peer: [] for peer in ops}
            for _ in range(repeats):  # interleaved: drift hits every peer alike
                for peer, (op, _check, items) in ops.items():
                    op()  # warm-up
                    samples[peer].append(measure(op, items, budget))
            for _op, check, _items in ops.values():
                check()
            results.append(Result(w.family, w.name, w.unit, {p: statistics.median(v) for p, v in samples.items()}))
            progress(done, total, f"{w.family}: {w.name}")
        core = {
            "one message (C++ only)": _core._bench_sqs_cycle(200_000 if args.quick else 1_000_000, 1),
            "batches of 10 (C++ only)": _core._bench_sqs_cycle(200_000 if args.quick else 1_000_000, 10),
        }
        threads = [t for t in (1, 2, 4, 8, 16) if t <= max(2, os.cpu_count() or 1)]
        per_thread = 100_000 if args.quick else 500_000
        scaling = {t: (_core._bench_sqs_threads(t, per_thread, False), _core._bench_sqs_threads(t, per_thread, True))
                   for t in threads}
        memory = measure_all(100_000 if args.quick else 1_000_000)
    finally:
        if "redis" in ctx:
            ctx["redis"].stop()
        if "moto" in ctx:
            ctx["moto"].stop()
    settings = {"mode": "quick" if args.quick else "full", "repeats": repeats, "budget_s": budget,
                "cpus": os.cpu_count(), "machine": f"{platform.system()} {platform.machine()}"}
    write_report(args.out, results, core, scaling, memory, versions, settings, skipped)
    return 0
