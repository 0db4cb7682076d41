"""The cache under threads: writers and readers on the 16 lock stripes at once, with eviction
running, never see a torn value, never pass the memory limit once every write has returned, and
account every byte."""

from __future__ import annotations

import threading

import pymsg

THREADS = 8
OPS = 5_000


def run(targets) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrap(target):
        def go() -> None:
            try:
                barrier.wait()
                target()
            except BaseException as e:  # reported in the test's thread
                errors.append(e)

        return go

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]


def test_concurrent_writers_and_readers_keep_values_whole_and_within_the_limit() -> None:
    cache = pymsg.Broker().create_cache("c", max_memory=64 * 1024)

    def writer(n: int):
        def go() -> None:
            for i in range(OPS):
                key = f"k{(n * 7919 + i) % 2000}"
                cache.set(key, key.encode() * (1 + i % 5))  # the value names its key

        return go

    def reader() -> None:
        for i in range(OPS):
            key = f"k{i % 2000}"
            value = cache.get(key)
            assert value is None or (value and value == key.encode() * (len(value) // len(key)))

    run([writer(n) for n in range(THREADS)] + [reader for _ in range(THREADS)])
    stats = cache.stats()
    assert stats["used_memory"] <= 64 * 1024
    assert stats["evictions"] > 0 and stats["items"] == len(cache) > 0
    cache.clear()
    assert len(cache) == 0


def test_concurrent_incr_counts_every_increment() -> None:
    cache = pymsg.Broker().create_cache("c")

    def go() -> None:
        for _ in range(OPS):
            cache.incr("counter")

    run([go for _ in range(THREADS)])
    assert cache.get("counter") == str(THREADS * OPS).encode()


def test_concurrent_nx_sets_let_exactly_one_win() -> None:
    cache = pymsg.Broker().create_cache("c")
    wins: list[int] = []

    def contender(n: int):
        def go() -> None:
            for i in range(200):
                if cache.set(f"lock{i}", str(n).encode(), nx=True):
                    wins.append(i)

        return go

    run([contender(n) for n in range(THREADS)])
    assert sorted(wins) == list(range(200))  # every lock won once
