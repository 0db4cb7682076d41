"""Cache workloads and their peers (cachetools.LRUCache and TTLCache), shared by the
pytest-benchmark file and the comparison runner.

100,000 keys of 16 bytes and values of 100 bytes; reads either hot (the same 1,000 keys) or
random over all keys. Each factory returns (fn, check): ``fn()`` runs one round of ROUND
operations (asserting what it got) and ``check()`` that the rounds did what they claim.
"""

from __future__ import annotations

import os
import random
from typing import Any, Callable, Tuple

import cachetools

import pymsg

Workload = Tuple[Callable[[], object], Callable[[], None]]
N_KEYS = 100_000
VALUE = b"v" * 100
ROUND = 1_000
KEYS = [f"key-{i:012d}" for i in range(N_KEYS)]  # 16 bytes each
_rng = random.Random(7)
HOT = KEYS[:1000]
RANDOM = [_rng.choice(KEYS) for _ in range(ROUND)]
MGET = [KEYS[_rng.randrange(N_KEYS)] for _ in range(100)]


def filled_pymsg() -> Any:
    cache = pymsg.Broker().create_cache("bench", max_items=2 * N_KEYS)
    cache.mset({k: VALUE for k in KEYS})
    return cache


def filled_lru() -> Any:
    cache: Any = cachetools.LRUCache(maxsize=2 * N_KEYS)
    for k in KEYS:
        cache[k] = VALUE
    return cache


def filled_ttl() -> Any:
    cache: Any = cachetools.TTLCache(maxsize=2 * N_KEYS, ttl=3600)
    for k in KEYS:
        cache[k] = VALUE
    return cache


PEERS: dict[str, Callable[[], Any]] = {"pymsg": filled_pymsg, "LRUCache": filled_lru, "TTLCache": filled_ttl}


def get_hits(cache: Any, keys: list[str]) -> Workload:
    """ROUND get hits: ``cache.get(k)`` for pymsg, ``c[k]`` for cachetools."""
    get = cache.get if isinstance(cache, pymsg.Cache) else cache.__getitem__
    seq = (keys * (ROUND // len(keys) + 1))[:ROUND]

    def fn() -> None:
        for k in seq:
            get(k)
        assert get(seq[-1]) == VALUE

    def check() -> None:
        assert all(get(k) == VALUE for k in seq[:10])

    return fn, check


def sets(cache: Any) -> Workload:
    """ROUND sets of existing random keys (overwrites; the cache stays full)."""
    put = cache.set if isinstance(cache, pymsg.Cache) else cache.__setitem__

    def fn() -> None:
        for k in RANDOM:
            put(k, VALUE)

    def check() -> None:
        assert len(cache) == N_KEYS

    return fn, check


def mget_100(cache: Any) -> Workload:
    """One mget of 100 random keys (cachetools: a list comprehension of get)."""
    mget = cache.mget if isinstance(cache, pymsg.Cache) else (lambda keys: [cache.get(k) for k in keys])

    def fn() -> None:
        values = mget(MGET)
        assert len(values) == 100 and values[0] == VALUE

    def check() -> None:
        assert all(v == VALUE for v in mget(MGET))

    return fn, check


def rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bytes_per_entry(peer: str = "pymsg", n: int = N_KEYS) -> float:
    """Resident bytes per entry beyond its key and value (16 + 100 bytes), over n entries. Each
    entry's key and value objects are made during the fill, as an application's would be: pymsg
    copies their bytes and lets them go, cachetools keeps the objects (their headers count)."""
    before = rss_bytes()
    if peer == "pymsg":
        cache: Any = pymsg.Broker().create_cache("memory")
        put = cache.set
    else:
        cache = cachetools.LRUCache(2 * n) if peer == "LRUCache" else cachetools.TTLCache(2 * n, 3600)
        put = cache.__setitem__
    for i in range(n):
        put(f"key-{i:012d}", VALUE[:99] + bytes([i & 0x7F]))
    after = rss_bytes()
    assert len(cache) == n
    return (after - before) / n - 116
