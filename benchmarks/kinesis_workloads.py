"""Kinesis workloads, shared by the pytest-benchmark file and the comparison runner.

Each factory returns (fn, check): ``fn()`` runs one round and asserts what it got, and ``check()``
asserts what the rounds so far did, so a benchmark can never pass by doing nothing. Streams run
with enforce_limits=False: these measure pymsg, not AWS's per-shard rates.
"""

from __future__ import annotations

import os
from typing import Callable, Tuple

import pymsg

Workload = Tuple[Callable[[], object], Callable[[], None]]
DATA = b"x" * 100
PUT_BATCH = 500
GET_BATCH = 10_000


def put_records_500(broker: pymsg.Broker) -> Workload:
    """put_records of 500 records (100-byte data, distinct partition keys) onto 4 shards."""
    stream = broker.create_stream("bench-put", 4, enforce_limits=False)
    records = [(DATA, f"user-{i:06d}") for i in range(PUT_BATCH)]
    rounds = [0]

    def fn() -> None:
        result = stream.put_records(records)
        assert result.failed_record_count == 0 and len(result.records) == PUT_BATCH
        rounds[0] += 1

    def check() -> None:
        total = 0
        for shard in stream.list_shards():
            it = stream.get_shard_iterator(shard.shard_id, "TRIM_HORIZON")
            while it is not None:
                page = stream.get_records(it)
                total += len(page.records)
                if not page.records:
                    break
                it = page.next_shard_iterator
        assert total == rounds[0] * PUT_BATCH, (total, rounds[0])

    return fn, check


def get_records_10000(broker: pymsg.Broker) -> Workload:
    """get_records of 10,000 records from TRIM_HORIZON, iterating every Record returned."""
    stream = broker.create_stream("bench-get", 1, enforce_limits=False)
    for start in range(0, GET_BATCH, PUT_BATCH):
        stream.put_records([(DATA, f"user-{i:06d}") for i in range(start, start + PUT_BATCH)])
    shard_id = stream.list_shards()[0].shard_id
    seen = [0]

    def fn() -> None:
        page = stream.get_records(stream.get_shard_iterator(shard_id, "TRIM_HORIZON"))
        n = 0
        for _record in page.records:
            n += 1
        assert n == GET_BATCH and page.millis_behind_latest == 0
        seen[0] += n

    def check() -> None:
        page = stream.get_records(stream.get_shard_iterator(shard_id, "TRIM_HORIZON"), limit=2)
        first, second = page.records
        assert first.data == DATA and int(first.sequence_number) < int(second.sequence_number)
        assert seen[0] % GET_BATCH == 0 and seen[0] > 0

    return fn, check


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc)."""
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bytes_per_record(count: int = 1_000_000, data_size: int = 100) -> float:
    """Resident bytes per stored record beyond its data and partition key, over `count` records."""
    broker = pymsg.Broker(pymsg.ManualClock(), strict_limits=False)
    stream = broker.create_stream("bench-memory", 1, enforce_limits=False)
    batch = [(b"y" * data_size, f"pk{i:07d}") for i in range(1000)]
    key_bytes = sum(len(key) for _, key in batch) / len(batch)
    before = rss_bytes()
    for _ in range(count // 1000):
        stream.put_records(batch)
    after = rss_bytes()
    assert len(stream.get_records(stream.get_shard_iterator("shardId-000000000000", "LATEST")).records) == 0
    broker.delete_stream(stream)
    return (after - before) / count - data_size - key_bytes
