"""Medians and ratios of the SQS workloads against queue.Queue, measured in one run.

    python benchmarks/compare_sqs.py [--repeat 15]

Each workload and its peer are timed in turn (interleaved), `repeat` times, and the median
per-message time is reported with the ratio pymsg/peer. The machine is shared and noisy: read
medians and ratios, not single numbers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pymsg  # noqa: E402
from sqs_workloads import (  # noqa: E402
    bytes_per_message,
    queue_queue_cycle,
    sqs_batch_cycle,
    sqs_cycle,
    sqs_fifo_cycle,
    sqs_receive_with_backlog,
)


def per_call_ns(fn: Callable[[], object], calls: int, setup: Callable[[], None] | None = None) -> float:
    if setup is None:
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        return (time.perf_counter_ns() - start) / calls
    total = 0
    for _ in range(calls):
        setup()
        start = time.perf_counter_ns()
        fn()
        total += time.perf_counter_ns() - start
    return total / calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    broker = pymsg.Broker()
    peer, peer_check = queue_queue_cycle()
    one, one_check = sqs_cycle(broker)
    batch, batch_check = sqs_batch_cycle(broker)
    fifo, fifo_check = sqs_fifo_cycle(broker)
    small, small_refill, small_check = sqs_receive_with_backlog(broker, 100)
    large, large_refill, large_check = sqs_receive_with_backlog(broker, 1_000_000)

    samples: dict[str, list[float]] = {k: [] for k in ("peer", "one", "batch", "fifo", "small", "large")}
    n = args.calls
    for _ in range(args.repeat):  # interleaved, so drift hits every workload alike
        samples["peer"].append(per_call_ns(peer, n))
        samples["one"].append(per_call_ns(one, n))
        samples["batch"].append(per_call_ns(batch, n // 10) / 10)
        samples["fifo"].append(per_call_ns(fifo, n))
        samples["small"].append(per_call_ns(small, n // 4, small_refill))
        samples["large"].append(per_call_ns(large, n // 4, large_refill))
    for check in (peer_check, one_check, batch_check, fifo_check, small_check, large_check):
        check()
    med = {k: statistics.median(v) for k, v in samples.items()}
    overhead = bytes_per_message()

    print(f"pymsg {pymsg.__version__}, Python {sys.version.split()[0]}, {args.repeat} interleaved repeats, medians")
    print(f"{'workload':58s} {'ns/msg':>9s} {'vs queue.Queue':>15s}  target")
    print(f"{'queue.Queue put + get (peer)':58s} {med['peer']:9.0f} {1.0:14.2f}x")
    print(f"{'(a) send + receive + delete, one message':58s} {med['one']:9.0f} {med['one'] / med['peer']:14.2f}x  <= 1.00x")
    print(f"{'(b) send_batch + receive(10) + delete_batch, per message':58s} {med['batch']:9.0f} "
          f"{med['batch'] / med['peer']:14.2f}x  <= 0.25x")
    print(f"{'(c) FIFO send + receive + delete over 100 groups':58s} {med['fifo']:9.0f} {med['fifo'] / med['peer']:14.2f}x")
    print(f"{'(d) receive + delete with 100 queued':58s} {med['small']:9.0f}")
    print(f"{'(d) receive + delete with 1,000,000 queued':58s} {med['large']:9.0f}   ratio 1M/100 = "
          f"{med['large'] / med['small']:.2f}  <= 1.25")
    print(f"{'(e) resident bytes per queued 100-byte message, beyond the body':58s} {overhead:9.1f}   target <= 64")


if __name__ == "__main__":
    main()
