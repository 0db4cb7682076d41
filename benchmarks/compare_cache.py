"""Medians and ratios of the cache workloads against cachetools.LRUCache and TTLCache.

    python benchmarks/compare_cache.py [--repeat 15]

Each workload runs on the three caches in turn (interleaved), `repeat` times; medians per
operation and the ratios pymsg/peer are printed beside the issue's targets. The machine is shared
and noisy: read medians and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cache_workloads import HOT, PEERS, RANDOM, ROUND, get_hits, mget_100, sets  # noqa: E402


def timed(fn, calls: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(calls):
        fn()
    return (time.perf_counter_ns() - start) / calls


def memory(peer: str) -> float:
    code = f"from cache_workloads import bytes_per_entry; print(bytes_per_entry({peer!r}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, capture_output=True, text=True,
                         check=True)
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    caches = {name: make() for name, make in PEERS.items()}
    workloads = {
        "get hit, hot 1k": {n: get_hits(c, HOT) for n, c in caches.items()},
        "get hit, random": {n: get_hits(c, RANDOM) for n, c in caches.items()},
        "set, random": {n: sets(c) for n, c in caches.items()},
        "mget of 100": {n: mget_100(c) for n, c in caches.items()},
    }
    per_op = {"get hit, hot 1k": ROUND, "get hit, random": ROUND, "set, random": ROUND, "mget of 100": 1}
    samples = {w: {n: [] for n in caches} for w in workloads}
    for _ in range(args.repeat):
        for w, by_peer in workloads.items():
            for n, (fn, _check) in by_peer.items():
                samples[w][n].append(timed(fn, 20) / per_op[w])
    for by_peer in workloads.values():
        for _fn, check in by_peer.values():
            check()
    targets = {"get hit, hot 1k": "<= 1.0x LRUCache, <= 0.5x TTLCache", "set, random": "<= 0.5x TTLCache"}
    print(f"{args.repeat} interleaved repeats, medians; ns per operation (mget: per call of 100 keys)")
    print(f"{'workload':18s} {'pymsg':>8s} {'LRUCache':>9s} {'TTLCache':>9s} {'vs LRU':>7s} {'vs TTL':>7s}  target")
    for w in workloads:
        med = {n: statistics.median(v) for n, v in samples[w].items()}
        print(f"{w:18s} {med['pymsg']:8.0f} {med['LRUCache']:9.0f} {med['TTLCache']:9.0f} "
              f"{med['pymsg'] / med['LRUCache']:6.2f}x {med['pymsg'] / med['TTLCache']:6.2f}x  {targets.get(w, '')}")
    mem = {n: memory(n) for n in PEERS}
    print(f"{'bytes per entry beyond key and value':38s} pymsg {mem['pymsg']:.1f}, LRUCache {mem['LRUCache']:.1f}, "
          f"TTLCache {mem['TTLCache']:.1f}  (target: pymsg <= 64)")


if __name__ == "__main__":
    main()
