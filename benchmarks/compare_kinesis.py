"""Per-record medians of the Kinesis workloads, with the issue's targets beside them.

    python benchmarks/compare_kinesis.py [--repeat 15]

The machine is shared and noisy: read medians. Redis numbers for the same patterns (XADD
pipelined by 500, XRANGE) come with `python -m pymsg bench`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pymsg  # noqa: E402
from kinesis_workloads import GET_BATCH, PUT_BATCH, bytes_per_record, get_records_10000, put_records_500  # noqa: E402


def per_call_ns(fn, calls: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(calls):
        fn()
    return (time.perf_counter_ns() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    broker = pymsg.Broker(strict_limits=False)
    put, put_check = put_records_500(broker)
    get, get_check = get_records_10000(broker)
    samples: dict[str, list[float]] = {"put": [], "get": []}
    for _ in range(args.repeat):  # interleaved
        samples["put"].append(per_call_ns(put, 20) / PUT_BATCH)
        samples["get"].append(per_call_ns(get, 5) / GET_BATCH)
    put_check()
    get_check()
    med = {k: statistics.median(v) for k, v in samples.items()}
    overhead = bytes_per_record()
    print(f"pymsg {pymsg.__version__}, Python {sys.version.split()[0]}, {args.repeat} interleaved repeats, medians")
    print(f"{'workload':60s} {'per record':>11s}  target")
    print(f"{'put_records of 500 (100-byte data, 4 shards)':60s} {med['put']:8.0f} ns  <= 250 ns")
    print(f"{'get_records of 10,000, iterating the records':60s} {med['get']:8.0f} ns  <= 100 ns")
    print(f"{'resident bytes per stored record beyond data and key':60s} {overhead:8.1f} B   <= 48 B")


if __name__ == "__main__":
    main()
