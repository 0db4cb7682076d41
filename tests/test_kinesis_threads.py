"""Kinesis under threads: producers writing one stream at once lose and duplicate nothing, and each
shard's sequence numbers strictly increase; readers polling while producers write see every record
once, in increasing sequence-number order; splits and merges while producers write lose nothing.
"""

from __future__ import annotations

import collections
import hashlib
import threading
from typing import Callable

import pytest

import pymsg

PRODUCERS = 4
SHARDS = 4


@pytest.fixture(params=["manual clock", "system clock"])
def broker(request: pytest.FixtureRequest, clock: pymsg.ManualClock) -> pymsg.Broker:
    """The conftest broker on its manual clock, and one on the real clock."""
    return pymsg.Broker(clock if request.param == "manual clock" else pymsg.SystemClock())


def new_stream(broker: pymsg.Broker) -> pymsg.Stream:
    return broker.create_stream("s", SHARDS, enforce_limits=False)


def run_threads(targets: list[Callable[[], None]], timeout: float = 120) -> None:
    """Starts the targets together, joins them, and re-raises the first error any of them hit."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrap(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait()
                target()
            except BaseException as e:  # reported below, in the test's thread
                errors.append(e)

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    if errors:
        raise errors[0]


def producer(
    stream: pymsg.Stream, p: int, count: int, batch: int, results: list[tuple[str, str, str]]
) -> Callable[[], None]:
    """Puts `count` records with distinct partition keys in put_records of `batch`; appends
    (partition_key, shard_id, sequence_number) of each to `results`."""

    def run() -> None:
        for start in range(0, count, batch):
            records = [(f"{p}:{i}".encode(), f"p{p}-{i}") for i in range(start, min(start + batch, count))]
            result = stream.put_records(records)
            assert result.failed_record_count == 0
            for (_, key), entry in zip(records, result.records):
                results.append((key, entry.shard_id, entry.sequence_number))  # type: ignore[arg-type]

    return run


def read_shard(stream: pymsg.Stream, shard_id: str) -> list[pymsg.Record]:
    out: list[pymsg.Record] = []
    iterator = stream.get_shard_iterator(shard_id, "TRIM_HORIZON")
    while True:
        result = stream.get_records(iterator, limit=1000)
        out.extend(result.records)
        if not result.records or result.next_shard_iterator is None:
            return out
        iterator = result.next_shard_iterator  # type: ignore[assignment]


def key_range(shard: pymsg.Shard) -> tuple[int, int]:
    return int(shard.hash_key_range.starting_hash_key), int(shard.hash_key_range.ending_hash_key)


def strictly_increasing(numbers: list[str]) -> bool:
    as_ints = [int(n) for n in numbers]
    return all(a < b for a, b in zip(as_ints, as_ints[1:]))


def expected_shard(stream: pymsg.Stream, partition_key: str) -> str:
    h = int(hashlib.md5(partition_key.encode()).hexdigest(), 16)
    (shard_id,) = [
        s.shard_id
        for s in stream.list_shards()
        if int(s.hash_key_range.starting_hash_key) <= h <= int(s.hash_key_range.ending_hash_key)
    ]
    return shard_id


def test_4_producers_of_5000_records_each_lose_and_duplicate_nothing(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    per_producer = 5000
    results: list[tuple[str, str, str]] = []  # list.append is atomic under the GIL
    run_threads([producer(stream, p, per_producer, 100, results) for p in range(PRODUCERS)])

    expected = collections.Counter(
        (f"p{p}-{i}", f"{p}:{i}".encode()) for p in range(PRODUCERS) for i in range(per_producer)
    )
    read = {s.shard_id: read_shard(stream, s.shard_id) for s in stream.list_shards()}
    got = collections.Counter((r.partition_key, r.data) for records in read.values() for r in records)
    assert got == expected
    assert sum(got.values()) == PRODUCERS * per_producer

    for shard_id, records in read.items():
        assert len(records) > 0
        assert strictly_increasing([r.sequence_number for r in records])
        # One producer's sequential calls stay in its order within a shard.
        for p in range(PRODUCERS):
            mine = [int(r.data.split(b":")[1]) for r in records if r.partition_key.startswith(f"p{p}-")]
            assert mine == sorted(mine)
        assert all(expected_shard(stream, r.partition_key) == shard_id for r in records[:200])

    # The put_records results name exactly the records read back.
    assert sorted(results) == sorted(
        (r.partition_key, shard_id, r.sequence_number) for shard_id, records in read.items() for r in records
    )


def test_readers_polling_while_producers_write_see_every_record_once_in_order(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    per_producer = 2000
    results: list[tuple[str, str, str]] = []
    producers_done = threading.Event()
    finished = [0]
    finished_lock = threading.Lock()
    seen: dict[str, list[pymsg.Record]] = {s.shard_id: [] for s in stream.list_shards()}

    def producing(p: int) -> Callable[[], None]:
        body = producer(stream, p, per_producer, 100, results)

        def run() -> None:
            body()
            with finished_lock:
                finished[0] += 1
                if finished[0] == PRODUCERS:
                    producers_done.set()

        return run

    def reading(shard_id: str) -> Callable[[], None]:
        def run() -> None:
            iterator = stream.get_shard_iterator(shard_id, "TRIM_HORIZON")
            last = 0
            while True:
                done = producers_done.is_set()  # read before the call: an empty read after it is the end
                result = stream.get_records(iterator, limit=250)
                for record in result.records:
                    number = int(record.sequence_number)
                    assert number > last, "sequence numbers went backwards"
                    last = number
                seen[shard_id].extend(result.records)
                assert result.next_shard_iterator is not None
                iterator = result.next_shard_iterator
                if done and not result.records:
                    return

        return run

    run_threads([producing(p) for p in range(PRODUCERS)] + [reading(shard_id) for shard_id in seen])

    expected = collections.Counter(
        (f"p{p}-{i}", f"{p}:{i}".encode()) for p in range(PRODUCERS) for i in range(per_producer)
    )
    got = collections.Counter((r.partition_key, r.data) for records in seen.values() for r in records)
    assert got == expected
    for shard_id, records in seen.items():
        assert strictly_increasing([r.sequence_number for r in records])
        assert [r.sequence_number for r in records] == [r.sequence_number for r in read_shard(stream, shard_id)]
    assert len(results) == PRODUCERS * per_producer


def test_splits_and_merges_while_producers_write_lose_nothing(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", 2, enforce_limits=False)
    per_producer = 2000
    results: list[tuple[str, str, str]] = []
    producers_done = threading.Event()
    finished = [0]
    finished_lock = threading.Lock()
    reshards = [0]

    def producing(p: int) -> Callable[[], None]:
        body = producer(stream, p, per_producer, 100, results)

        def run() -> None:
            body()
            with finished_lock:
                finished[0] += 1
                if finished[0] == PRODUCERS:
                    producers_done.set()

        return run

    def resharding() -> None:
        while not producers_done.is_set():
            open_shards = [s for s in stream.list_shards() if s.sequence_number_range.ending_sequence_number is None]
            widest = max(open_shards, key=lambda s: key_range(s)[1] - key_range(s)[0])
            start, end = key_range(widest)
            stream.split_shard(widest.shard_id, str((start + end + 1) // 2))
            low, high = [s.shard_id for s in stream.list_shards()][-2:]
            stream.merge_shards(low, high)
            reshards[0] += 1

    run_threads([producing(p) for p in range(PRODUCERS)] + [resharding])

    assert reshards[0] > 0
    shards = {s.shard_id: s for s in stream.list_shards()}
    read = {shard_id: read_shard(stream, shard_id) for shard_id in shards}
    expected = collections.Counter(
        (f"p{p}-{i}", f"{p}:{i}".encode()) for p in range(PRODUCERS) for i in range(per_producer)
    )
    got = collections.Counter((r.partition_key, r.data) for records in read.values() for r in records)
    assert got == expected
    for shard_id, records in read.items():
        assert strictly_increasing([r.sequence_number for r in records])
        start, end = key_range(shards[shard_id])
        for r in records:
            assert start <= int(hashlib.md5(r.partition_key.encode()).hexdigest(), 16) <= end
    assert sorted(results) == sorted(
        (r.partition_key, shard_id, r.sequence_number) for shard_id, records in read.items() for r in records
    )
