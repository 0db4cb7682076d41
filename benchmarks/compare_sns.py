"""Time per delivered copy of an SNS publish to 1, 10 and 100 queue subscribers, with and
without a filter policy (median of interleaved repeats). Target: <= 1 us per copy at 10 and 100.

    python benchmarks/compare_sns.py [--repeat 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pymsg  # noqa: E402
from sns_workloads import fan_out  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    broker = pymsg.Broker(strict_limits=False)
    cases = [(n, f) for n in (1, 10, 100) for f in (False, True)]
    workloads = {case: fan_out(broker, *case) for case in cases}
    samples: dict = {case: [] for case in cases}
    for _ in range(args.repeat):
        for (n, f), (publish, drain, _check) in workloads.items():
            rounds = max(1, 2000 // n)
            start = time.perf_counter_ns()
            for _ in range(rounds):
                publish()
            samples[(n, f)].append((time.perf_counter_ns() - start) / rounds / n)
            drain()
    for _publish, _drain, check in workloads.values():
        check()
    print(f"{args.repeat} interleaved repeats, medians; ns per delivered copy (publish time / subscribers)")
    for n, f in cases:
        print(f"{n:4d} subscribers, {'filter   ' if f else 'no filter'}  {statistics.median(samples[(n, f)]):8.0f} ns"
              + ("   target <= 1000 ns" if n >= 10 else ""))


if __name__ == "__main__":
    main()
