"""pytest-benchmark files for the cache, each beside cachetools.LRUCache and TTLCache.

Run ``pytest benchmarks --benchmark-only`` for timings (or ``python benchmarks/compare_cache.py``
for medians and ratios); CI runs them with ``--benchmark-disable``, where each still runs and
asserts its results. Timings are never asserted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cache_workloads import HOT, PEERS, RANDOM, get_hits, mget_100, sets

PEER_NAMES = list(PEERS)


@pytest.fixture(scope="module", params=PEER_NAMES)
def filled(request: pytest.FixtureRequest):
    return request.param, PEERS[request.param]()


@pytest.mark.benchmark(group="cache get hit, hot 1k keys (1,000 gets)")
def test_get_hit_hot(benchmark, filled) -> None:
    fn, check = get_hits(filled[1], HOT)
    benchmark(fn)
    check()


@pytest.mark.benchmark(group="cache get hit, random keys (1,000 gets)")
def test_get_hit_random(benchmark, filled) -> None:
    fn, check = get_hits(filled[1], RANDOM)
    benchmark(fn)
    check()


@pytest.mark.benchmark(group="cache set, random keys (1,000 sets)")
def test_set(benchmark, filled) -> None:
    fn, check = sets(filled[1])
    benchmark(fn)
    check()


@pytest.mark.benchmark(group="cache mget of 100")
def test_mget_100(benchmark, filled) -> None:
    fn, check = mget_100(filled[1])
    benchmark(fn)
    check()


@pytest.mark.parametrize("peer", PEER_NAMES)
def test_bytes_per_entry(peer: str) -> None:
    # A fresh process, so earlier tests' memory cannot hide the growth. The target (<= 64 bytes
    # for pymsg) is reported by compare_cache.py, not asserted; this checks the measurement is sane.
    code = f"from cache_workloads import bytes_per_entry; print(bytes_per_entry({peer!r}, 50_000))"
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, capture_output=True,
                         text=True, check=True)
    assert 0 < float(out.stdout) < 4096, out.stdout
