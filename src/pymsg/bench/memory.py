"""Resident bytes per stored item beyond its payload, for `pymsg bench`. Each function runs in a
fresh interpreter (``python -m pymsg.bench.memory NAME COUNT``), so memory freed by earlier work
cannot hide growth. Keys and values are made during the fill, as an application's would be."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, Callable

import pymsg


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def sqs_message(n: int) -> float:
    """Per queued SQS message of 100 bytes, beyond the body."""
    q = pymsg.Broker(strict_limits=False).create_queue("m")
    before = _rss()
    for start in range(0, n, 1000):
        q.send_batch([{"id": str(i), "body": "y" * 99 + str(i % 10)} for i in range(min(1000, n - start))])
    return (_rss() - before) / n - 100


def kinesis_record(n: int) -> float:
    """Per stored record of 100 bytes with a 10-byte partition key, beyond data and key."""
    s = pymsg.Broker(strict_limits=False).create_stream("m", 1, enforce_limits=False)
    before = _rss()
    for start in range(0, n, 500):
        s.put_records([(b"y" * 100, f"pk{start + i:08d}") for i in range(500)])
    return (_rss() - before) / n - 110


def _entries(put: Callable[[str, bytes], Any], n: int) -> None:
    for i in range(n):
        put(f"key-{i:012d}", b"v" * 99 + bytes([i & 0x7F]))


def cache_entry(n: int) -> float:
    """Per cache entry (16-byte key, 100-byte value), beyond key and value."""
    c = pymsg.Broker().create_cache("m")
    before = _rss()
    _entries(c.set, n)
    return (_rss() - before) / n - 116


def lrucache_entry(n: int) -> float:
    import cachetools

    c: Any = cachetools.LRUCache(2 * n)
    before = _rss()
    _entries(c.__setitem__, n)
    return (_rss() - before) / n - 116


def ttlcache_entry(n: int) -> float:
    import cachetools

    c: Any = cachetools.TTLCache(2 * n, 3600)
    before = _rss()
    _entries(c.__setitem__, n)
    return (_rss() - before) / n - 116


MEASURES: dict[str, tuple[str, Callable[[int], float]]] = {
    "SQS message (pymsg)": ("sqs_message", sqs_message),
    "Kinesis record (pymsg)": ("kinesis_record", kinesis_record),
    "cache entry (pymsg)": ("cache_entry", cache_entry),
    "cache entry (cachetools.LRUCache)": ("lrucache_entry", lrucache_entry),
    "cache entry (cachetools.TTLCache)": ("ttlcache_entry", ttlcache_entry),
}


def measure_all(n: int) -> dict[str, float]:
    """Each measure in its own interpreter; ones whose library is missing are left out."""
    out = {}
    for label, (name, _fn) in MEASURES.items():
        result = subprocess.run([sys.executable, "-m", "pymsg.bench.memory", name, str(n)], capture_output=True, text=True)
        if result.returncode == 0:
            out[label] = float(result.stdout)
    return out


if __name__ == "__main__":
    functions = {name: fn for name, fn in MEASURES.values()}
    print(functions[sys.argv[1]](int(sys.argv[2])))
