"""Kinesis per-shard throughput limits (enforce_limits=True, PROVISIONED): 1,000 records and 1 MiB
written per second, 5 get_records calls per second, all on the broker clock; put_record throttled
as a whole and put_records record by record; enforce_limits=False and ON_DEMAND never throttle.
"""

from __future__ import annotations

import pytest

import pymsg

MIB = 1024 * 1024
SHARD0 = "shardId-000000000000"
RATE_EXCEEDED = f"Rate exceeded for shard {SHARD0} in stream lim under account 123456789012\\."


def limited(broker: pymsg.Broker, **kwargs: object) -> pymsg.Stream:
    """One provisioned shard with the AWS limits on."""
    return broker.create_stream("lim", 1, enforce_limits=True, **kwargs)  # type: ignore[arg-type]


def small(n: int, first: int = 0) -> list[tuple[bytes, str]]:
    return [(b"%d" % i, "k") for i in range(first, first + n)]


def stored(stream: pymsg.Stream, shard_id: str = SHARD0) -> list[bytes]:
    """Every record's data, with one get_records (which counts against the shard's 5 reads a second)."""
    return [r.data for r in stream.get_records(stream.get_shard_iterator(shard_id, "TRIM_HORIZON")).records]


def keys(stream: pymsg.Stream, shard_id: str = SHARD0) -> list[str]:
    """Every record's partition key, with one get_records."""
    return [r.partition_key for r in stream.get_records(stream.get_shard_iterator(shard_id, "TRIM_HORIZON")).records]


# --- records per second ----------------------------------------------------------------------


def test_1000_records_in_one_second_succeed_and_the_1001st_is_throttled(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    stream = limited(broker)
    assert stream.put_records(small(500)).failed_record_count == 0
    assert stream.put_records(small(499, 500)).failed_record_count == 0
    stream.put_record(b"999", "k")  # the 1,000th
    with pytest.raises(pymsg.ProvisionedThroughputExceededException, match=RATE_EXCEEDED):
        stream.put_record(b"1000", "k")
    assert stored(stream) == [b"%d" % i for i in range(1000)]  # the throttled record is not there
    clock.advance(1)
    stream.put_record(b"next second", "k")
    assert stored(stream)[-1] == b"next second"


def test_the_record_rate_refills_with_the_clock(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = limited(broker)
    stream.put_records(small(500))
    stream.put_records(small(500, 500))
    clock.advance(0.5)  # half a second: room for 500 more
    assert stream.put_records(small(500, 1000)).failed_record_count == 0
    with pytest.raises(pymsg.ProvisionedThroughputExceededException, match=RATE_EXCEEDED):
        stream.put_record(b"over", "k")
    clock.advance(1)
    assert len(stored(stream)) == 1500


def test_put_records_marks_each_throttled_record(broker: pymsg.Broker) -> None:
    stream = limited(broker)
    stream.put_records(small(500))
    stream.put_records(small(498, 500))
    result = stream.put_records(small(4, 998))  # room for 2 of these 4
    assert result.failed_record_count == 2
    ok, ok2, throttled, throttled2 = result.records
    assert ok.shard_id == ok2.shard_id == SHARD0 and ok.error_code is None and ok2.error_message is None
    for entry in (throttled, throttled2):
        assert entry.error_code == "ProvisionedThroughputExceededException"
        assert entry.error_message == f"Rate exceeded for shard {SHARD0} in stream lim under account 123456789012."
        assert entry.shard_id is None and entry.sequence_number is None
    assert stored(stream)[-3:] == [b"997", b"998", b"999"]
    assert len(stored(stream)) == 1000


def test_put_records_still_writes_later_records_after_a_throttled_one(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    stream = limited(broker)
    big = b"x" * (600 * 1024)
    # 600 KiB fits, a second 600 KiB does not (1 MiB/s), the small one after it does.
    result = stream.put_records([(big, "a"), (big, "b"), (b"small", "c")])
    assert result.failed_record_count == 1
    first, second, third = result.records
    assert first.error_code is None and third.error_code is None
    assert second.error_code == "ProvisionedThroughputExceededException"
    assert second.error_message is not None and "Rate exceeded for shard" in second.error_message
    assert int(third.sequence_number) > int(first.sequence_number)  # type: ignore[arg-type]
    assert keys(stream) == ["a", "c"]
    clock.advance(1)  # the tokens are back: the failed record can be retried
    retry = stream.put_records([(big, "b")])
    assert retry.failed_record_count == 0
    assert keys(stream) == ["a", "c", "b"]


# --- bytes per second ------------------------------------------------------------------------


def test_1_mib_in_one_second_succeeds_and_one_more_byte_is_throttled(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = limited(broker)
    half = MIB // 2
    stream.put_record(b"a" * (half - 1), "k")  # data + partition key: 512 KiB
    stream.put_record(b"b" * (half - 1), "k")  # 1 MiB in all
    with pytest.raises(pymsg.ProvisionedThroughputExceededException, match=RATE_EXCEEDED):
        stream.put_record(b"", "k")  # the key's one byte is too many
    result = stream.put_records([(b"c", "k")])
    assert result.failed_record_count == 1
    assert result.records[0].error_code == "ProvisionedThroughputExceededException"
    assert [len(d) for d in stored(stream)] == [half - 1, half - 1]
    clock.advance(1)
    stream.put_record(b"c", "k")
    assert stored(stream)[-1] == b"c"


def test_a_1_mib_record_takes_the_whole_second(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = limited(broker)
    stream.put_record(b"x" * (MIB - 1), "k")
    with pytest.raises(pymsg.ProvisionedThroughputExceededException, match=RATE_EXCEEDED):
        stream.put_record(b"y", "k")
    clock.advance(0.5)  # 512 KiB back
    stream.put_record(b"y" * (MIB // 2 - 1), "k")
    with pytest.raises(pymsg.ProvisionedThroughputExceededException, match=RATE_EXCEEDED):
        stream.put_record(b"z", "k")
    assert [len(d) for d in stored(stream)] == [MIB - 1, MIB // 2 - 1]


def test_a_record_that_max_record_size_kib_admits_can_be_written_on_an_idle_shard(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    """Section 3.8: MaxRecordSizeInKiB may be raised to 10 MiB; such a record must be writable
    (a shard that has been idle for a minute is not over any rate)."""
    stream = limited(broker, max_record_size_kib=2048)
    clock.advance(60)
    result = stream.put_record(b"x" * (MIB + MIB // 2), "k")
    assert result.shard_id == SHARD0
    assert [len(d) for d in stored(stream)] == [MIB + MIB // 2]


# --- reads -----------------------------------------------------------------------------------


def test_5_reads_in_an_instant_succeed_and_the_6th_is_throttled(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = limited(broker)
    stream.put_record(b"a", "k")
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    for _ in range(5):
        assert [r.data for r in stream.get_records(iterator).records] == [b"a"]
    with pytest.raises(pymsg.ProvisionedThroughputExceededException, match=RATE_EXCEEDED):
        stream.get_records(iterator)
    clock.advance(0.2)  # one call's worth of the 5 a second
    assert [r.data for r in stream.get_records(iterator).records] == [b"a"]
    with pytest.raises(pymsg.ProvisionedThroughputExceededException, match=RATE_EXCEEDED):
        stream.get_records(iterator)
    clock.advance(1)
    assert [r.data for r in stream.get_records(iterator).records] == [b"a"]


def test_read_limits_are_per_shard(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("lim", 2, enforce_limits=True)
    iterators = [stream.get_shard_iterator(s.shard_id, "TRIM_HORIZON") for s in stream.list_shards()]
    for _ in range(5):
        stream.get_records(iterators[0])
    with pytest.raises(pymsg.ProvisionedThroughputExceededException, match=RATE_EXCEEDED):
        stream.get_records(iterators[0])
    for _ in range(5):
        assert stream.get_records(iterators[1]).records == []


def test_a_10_mib_response_throttles_reads_for_the_next_5_seconds(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    """Section 3.7: after a 10 MiB response, calls in the next 5 s give
    ProvisionedThroughputExceededException (2 MiB/s per shard)."""
    stream = limited(broker)
    for _ in range(10):  # 10 MiB at the 1 MiB/s write rate
        stream.put_record(b"x" * (MIB - 1), "k")
        clock.advance(1)
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    result = stream.get_records(iterator)
    assert sum(len(r.data) for r in result.records) == 10 * (MIB - 1)
    for wait in (1, 1, 1, 1, 0.9):  # 1, 2, 3, 4 and 4.9 s after the response
        clock.advance(wait)
        with pytest.raises(pymsg.ProvisionedThroughputExceededException, match=RATE_EXCEEDED):
            stream.get_records(result.next_shard_iterator)  # type: ignore[arg-type]
    clock.advance(0.2)  # 5.1 s after
    assert stream.get_records(result.next_shard_iterator).records == []  # type: ignore[arg-type]


# --- no limits -------------------------------------------------------------------------------


def test_enforce_limits_false_never_throttles(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("free", 1, enforce_limits=False)
    for start in range(0, 3000, 500):
        assert stream.put_records(small(500, start)).failed_record_count == 0
    for _ in range(3):
        stream.put_record(b"x" * (MIB - 1), "k")
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    for _ in range(20):
        assert len(stream.get_records(iterator, limit=3000).records) == 3000


def test_on_demand_never_throttles(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("od", mode="ON_DEMAND")  # enforce_limits defaults to True
    for start in range(0, 3000, 500):
        records = [{"data": b"%d" % i, "partition_key": "k", "explicit_hash_key": "0"} for i in range(start, start + 500)]
        result = stream.put_records(records)
        assert result.failed_record_count == 0
    for _ in range(3):
        stream.put_record(b"x" * (MIB - 1), "k", explicit_hash_key="0")
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    for _ in range(20):
        assert len(stream.get_records(iterator, limit=3000).records) == 3000
