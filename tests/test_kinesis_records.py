"""Kinesis records: put_record and put_records, routing by MD5 or explicit hash key, partition-key
and record-size rules, sequence numbers, and the fields of the Records get_records returns.
"""

from __future__ import annotations

import hashlib
import random

import pytest

import pymsg
from conftest import START

MAX_HASH_KEY = 2**128 - 1
MIB = 1024 * 1024


def md5_hash_key(partition_key: str) -> int:
    return int(hashlib.md5(partition_key.encode()).hexdigest(), 16)


def new_stream(broker: pymsg.Broker, shards: int = 1, **kwargs: object) -> pymsg.Stream:
    """A provisioned stream without throughput limits: these tests are about routing and shapes."""
    kwargs.setdefault("enforce_limits", False)
    return broker.create_stream("s", shards, **kwargs)  # type: ignore[arg-type]


def shard_for(stream: pymsg.Stream, hash_key: int) -> str:
    """The listed open shard whose inclusive range holds the hash key."""
    (shard_id,) = [
        s.shard_id
        for s in stream.list_shards()
        if s.sequence_number_range.ending_sequence_number is None
        and int(s.hash_key_range.starting_hash_key) <= hash_key <= int(s.hash_key_range.ending_hash_key)
    ]
    return shard_id


def read_shard(stream: pymsg.Stream, shard_id: str) -> list[pymsg.Record]:
    """Every retained record of a shard, from TRIM_HORIZON (paging until caught up)."""
    out: list[pymsg.Record] = []
    iterator = stream.get_shard_iterator(shard_id, "TRIM_HORIZON")
    while True:
        result = stream.get_records(iterator)
        out.extend(result.records)
        if not result.records or result.next_shard_iterator is None:
            return out
        iterator = result.next_shard_iterator


def read_all(stream: pymsg.Stream) -> dict[str, list[pymsg.Record]]:
    return {s.shard_id: read_shard(stream, s.shard_id) for s in stream.list_shards()}


def stored(stream: pymsg.Stream) -> list[tuple[str, str, bytes]]:
    """(shard_id, partition_key, data) of every stored record, shard by shard."""
    return [(sid, r.partition_key, r.data) for sid, records in read_all(stream).items() for r in records]


# --- routing ---------------------------------------------------------------------------------


def random_keys(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:/ \u00e9\u00df\u4e2d\u6587\U0001f600"
    keys = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(count * 2)}
    return sorted(keys)[:count]


def test_md5_routing_for_2000_random_keys_on_7_shards(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 7)
    keys = random_keys(2000, seed=7)
    assert len(keys) == 2000
    expected = {key: shard_for(stream, md5_hash_key(key)) for key in keys}
    assert len(set(expected.values())) == 7  # every shard gets some

    put: dict[str, str] = {}
    for key in keys[:100]:  # put_record
        put[key] = stream.put_record(key.encode(), key).shard_id
    for start in range(100, 2000, 500):  # put_records
        batch = keys[start : start + 500]
        result = stream.put_records([(key.encode(), key) for key in batch])
        assert result.failed_record_count == 0
        put.update(zip(batch, (entry.shard_id for entry in result.records)))
    assert put == expected

    landed = {r.partition_key: sid for sid, records in read_all(stream).items() for r in records}
    assert landed == expected


def test_alice_lands_in_shard_0_of_a_2_shard_stream(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 2)
    assert md5_hash_key("alice") == 132283552702735894323332391932430538300 < 2**127
    assert stream.put_record(b"hi", "alice").shard_id == "shardId-000000000000"
    assert stored(stream) == [("shardId-000000000000", "alice", b"hi")]


def test_explicit_hash_key_routes_instead_of_the_partition_key(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 4)
    step = 2**128 // 4
    cases = [
        ("0", "shardId-000000000000"),
        (str(step - 1), "shardId-000000000000"),
        (str(step), "shardId-000000000001"),
        (str(3 * step - 1), "shardId-000000000002"),
        (str(3 * step), "shardId-000000000003"),
        (str(MAX_HASH_KEY), "shardId-000000000003"),
    ]
    for key, shard_id in cases:
        # "alice" alone would go to shard 1 (its MD5 is in [step, 2*step)).
        assert stream.put_record(key.encode(), "alice", explicit_hash_key=key).shard_id == shard_id
    result = stream.put_records([{"data": b"d", "partition_key": "alice", "explicit_hash_key": str(MAX_HASH_KEY)}])
    assert result.records[0].shard_id == "shardId-000000000003"
    by_shard = {sid: [r.data for r in records] for sid, records in read_all(stream).items()}
    assert by_shard == {
        "shardId-000000000000": [b"0", str(step - 1).encode()],
        "shardId-000000000001": [str(step).encode()],
        "shardId-000000000002": [str(3 * step - 1).encode()],
        "shardId-000000000003": [str(3 * step).encode(), str(MAX_HASH_KEY).encode(), b"d"],
    }


BAD_HASH_KEYS = ["abc", "12a", "-1", "+1", " 1", "1.0", "01", "00", "", str(2**128), str(2**129), "9" * 40]


@pytest.mark.parametrize("key", BAD_HASH_KEYS)
def test_an_invalid_explicit_hash_key_raises_invalid_argument(broker: pymsg.Broker, key: str) -> None:
    stream = new_stream(broker, 2)
    with pytest.raises(pymsg.InvalidArgumentException, match="ExplicitHashKey"):
        stream.put_record(b"x", "k", explicit_hash_key=key)
    assert stored(stream) == []


@pytest.mark.parametrize("key", ["abc", "01", str(2**128)])
def test_an_invalid_explicit_hash_key_in_put_records_writes_nothing(broker: pymsg.Broker, key: str) -> None:
    stream = new_stream(broker, 2)
    records = [(b"good", "k"), {"data": b"bad", "partition_key": "k", "explicit_hash_key": key}]
    with pytest.raises(pymsg.InvalidArgumentException, match="ExplicitHashKey"):
        stream.put_records(records)
    assert stored(stream) == []


# --- partition keys and data -----------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["k", "x" * 256, "\u00e9" * 256, "\u20ac" * 256, "\U0001f600" * 256, "mixed \u00e9\u4e2d\U0001f600"],
)
def test_partition_keys_of_1_to_256_unicode_characters_are_accepted(broker: pymsg.Broker, key: str) -> None:
    stream = new_stream(broker)
    stream.put_record(b"data", key)
    stream.put_records([(b"batch", key)])
    assert stored(stream) == [("shardId-000000000000", key, b"data"), ("shardId-000000000000", key, b"batch")]


@pytest.mark.parametrize(
    "key, constraint",
    [
        ("", "greater than or equal to 1"),
        ("x" * 257, "less than or equal to 256"),
        ("\u00e9" * 257, "less than or equal to 256"),
        ("\U0001f600" * 257, "less than or equal to 256"),
    ],
)
def test_a_partition_key_outside_1_to_256_characters_raises_validation_exception(
    broker: pymsg.Broker, key: str, constraint: str
) -> None:
    stream = new_stream(broker)
    with pytest.raises(
        pymsg.ValidationException,
        match=f"at 'partitionKey' failed to satisfy constraint: Member must have length {constraint}",
    ):
        stream.put_record(b"x", key)
    with pytest.raises(pymsg.ValidationException, match=f"at 'records.2.member.partitionKey'.*{constraint}"):
        stream.put_records([(b"ok", "k"), (b"x", key)])
    assert stored(stream) == []


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"raw \x00\xff bytes", b"raw \x00\xff bytes"),
        (bytearray(b"a bytearray"), b"a bytearray"),
        ("caf\u00e9 \U0001f600", "caf\u00e9 \U0001f600".encode()),
    ],
)
def test_data_may_be_bytes_bytearray_or_str(broker: pymsg.Broker, data: object, expected: bytes) -> None:
    stream = new_stream(broker)
    stream.put_record(data, "k")  # type: ignore[arg-type]
    stream.put_records([(data, "k"), {"data": data, "partition_key": "k"}])  # type: ignore[list-item]
    records = read_shard(stream, "shardId-000000000000")
    assert [r.data for r in records] == [expected] * 3
    assert all(type(r.data) is bytes for r in records)


def test_data_of_another_type_raises_invalid_argument(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    with pytest.raises(pymsg.InvalidArgumentException, match="Data must be bytes, bytearray or str"):
        stream.put_record(12, "k")  # type: ignore[arg-type]
    assert stored(stream) == []


# --- record size -----------------------------------------------------------------------------


def test_data_and_key_up_to_1_mib_are_accepted(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    stream.put_record(b"x" * (MIB - 1), "k")
    stream.put_record(b"y" * (MIB - 2), "\u00e9")  # the key counts in UTF-8 bytes: 2
    assert [(len(r.data), r.partition_key) for r in read_shard(stream, "shardId-000000000000")] == [
        (MIB - 1, "k"),
        (MIB - 2, "\u00e9"),
    ]


@pytest.mark.parametrize("data_size, key", [(MIB, "k"), (MIB - 1, "\u00e9"), (MIB - 255, "x" * 256), (2 * MIB, "k")])
def test_data_and_key_over_1_mib_raise_validation_exception(broker: pymsg.Broker, data_size: int, key: str) -> None:
    stream = new_stream(broker)
    with pytest.raises(
        pymsg.ValidationException,
        match="at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576",
    ):
        stream.put_record(b"x" * data_size, key)
    with pytest.raises(pymsg.ValidationException, match="at 'records.1.member.data'.*1048576"):
        stream.put_records([(b"x" * data_size, key), (b"small", "k")])
    assert stored(stream) == []


def test_max_record_size_kib_raises_the_record_limit(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, max_record_size_kib=2048)
    assert stream.describe_summary()["MaxRecordSizeInKiB"] == 2048
    stream.put_record(b"x" * (2 * MIB - 1), "k")
    with pytest.raises(pymsg.ValidationException, match="less than or equal to 2097152"):
        stream.put_record(b"x" * (2 * MIB), "k")
    assert [len(r.data) for r in read_shard(stream, "shardId-000000000000")] == [2 * MIB - 1]


@pytest.mark.parametrize("kib", [1024, 4096, 10240])
def test_max_record_size_kib_1024_to_10240_is_accepted(broker: pymsg.Broker, kib: int) -> None:
    assert new_stream(broker, max_record_size_kib=kib).describe_summary()["MaxRecordSizeInKiB"] == kib


@pytest.mark.parametrize("kib", [0, 1, 1023, 10241, 1 << 20])
def test_max_record_size_kib_outside_1024_to_10240_raises_validation_exception(broker: pymsg.Broker, kib: int) -> None:
    bound = "greater than or equal to 1024" if kib < 1024 else "less than or equal to 10240"
    with pytest.raises(pymsg.ValidationException, match=f"Value '{kib}' at 'maxRecordSizeInKiB'.*{bound}"):
        new_stream(broker, max_record_size_kib=kib)
    assert broker.list_streams() == []


# --- put_records -----------------------------------------------------------------------------


def test_put_records_accepts_1_and_500_records(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    assert len(stream.put_records([(b"one", "k")]).records) == 1
    assert len(stream.put_records([(b"%d" % i, "k") for i in range(500)]).records) == 500
    assert len(read_shard(stream, "shardId-000000000000")) == 501


@pytest.mark.parametrize("count, constraint", [(0, "greater than or equal to 1"), (501, "less than or equal to 500")])
def test_put_records_outside_1_to_500_raises_validation_exception(broker: pymsg.Broker, count: int, constraint: str) -> None:
    stream = new_stream(broker)
    with pytest.raises(
        pymsg.ValidationException, match=f"at 'records' failed to satisfy constraint: Member must have length {constraint}"
    ):
        stream.put_records([(b"x", "k")] * count)
    assert stored(stream) == []


def test_put_records_of_10_mib_in_all_is_accepted(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    result = stream.put_records([(b"x" * (MIB - 1), "k")] * 10)  # data + keys: exactly 10 MiB
    assert result.failed_record_count == 0
    assert len(read_shard(stream, "shardId-000000000000")) == 10


def test_put_records_over_10_mib_in_all_raises_invalid_argument(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    records = [(b"x" * (MIB - 1), "k")] * 10 + [(b"", "k")]  # one byte over 10 MiB
    with pytest.raises(pymsg.InvalidArgumentException, match="Records size exceeds 10 MB limit"):
        stream.put_records(records)
    assert stored(stream) == []


def test_put_records_results_follow_the_request_order(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 5)
    keys = [f"key-{i}" for i in range(300)]
    records: list[object] = [
        (key.encode(), key) if i % 2 else {"data": key.encode(), "partition_key": key} for i, key in enumerate(keys)
    ]
    result = stream.put_records(records)  # type: ignore[arg-type]
    assert type(result) is pymsg.PutRecordsResult
    assert result.failed_record_count == 0
    assert len(result.records) == len(keys)
    for key, entry in zip(keys, result.records):
        assert type(entry) is pymsg.PutRecordsResultEntry
        assert entry.shard_id == shard_for(stream, md5_hash_key(key))
        assert entry.error_code is None and entry.error_message is None
    # Each entry names the record get_records returns under that shard and sequence number.
    read = {(sid, r.sequence_number): r.partition_key for sid, rs in read_all(stream).items() for r in rs}
    assert read == {(entry.shard_id, entry.sequence_number): key for key, entry in zip(keys, result.records)}


def test_put_records_takes_a_tuple_of_records(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    result = stream.put_records(((b"a", "k"), (b"b", "k")))
    assert [e.shard_id for e in result.records] == ["shardId-000000000000"] * 2
    assert [r.data for r in read_shard(stream, "shardId-000000000000")] == [b"a", b"b"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ((b"x",), "must be a \\(data, partition_key\\) tuple or a dict"),
        ("text", "must be a \\(data, partition_key\\) tuple or a dict"),
        ({"data": b"x"}, "needs data and partition_key"),
        ({"data": b"x", "partition_key": "k", "colour": "red"}, "Unknown record key 'colour'"),
    ],
)
def test_a_malformed_record_in_put_records_raises_invalid_argument(broker: pymsg.Broker, bad: object, message: str) -> None:
    stream = new_stream(broker)
    with pytest.raises(pymsg.InvalidArgumentException, match=message):
        stream.put_records([(b"good", "k"), bad])  # type: ignore[list-item]
    assert stored(stream) == []


def test_put_record_result_matches_the_record_read_back(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 3)
    result = stream.put_record(b"payload", "some key")
    assert type(result) is pymsg.PutRecordResult
    (record,) = read_shard(stream, result.shard_id)
    assert record.sequence_number == result.sequence_number
    assert record.partition_key == "some key"


# --- sequence numbers ------------------------------------------------------------------------


def test_sequence_numbers_are_56_digits_and_strictly_increase_within_a_shard(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    stream = new_stream(broker, 2)
    put: dict[str, list[str]] = {"shardId-000000000000": [], "shardId-000000000001": []}
    for round_ in range(20):
        for key in ("alice", "bob", "carol", "dave"):
            result = stream.put_record(b"x", f"{key}-{round_ % 3}")
            put[result.shard_id].append(result.sequence_number)
        batch = stream.put_records([(b"y", f"b{round_}-{i}") for i in range(10)])
        for entry in batch.records:
            put[entry.shard_id].append(entry.sequence_number)
        clock.advance(0.37 * round_)
    for shard in stream.list_shards():
        numbers = put[shard.shard_id]
        assert len(numbers) > 10
        assert all(len(n) == 56 and n.isdigit() for n in numbers)
        as_ints = [int(n) for n in numbers]
        assert all(a < b for a, b in zip(as_ints, as_ints[1:]))
        assert as_ints[0] > int(shard.sequence_number_range.starting_sequence_number)
        assert [r.sequence_number for r in read_shard(stream, shard.shard_id)] == numbers


def test_sequence_numbers_are_unique_across_the_stream(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 4)
    result = stream.put_records([(b"x", f"k{i}") for i in range(400)])
    numbers = [e.sequence_number for e in result.records]
    assert len(set(numbers)) == 400


@pytest.mark.parametrize("bad", ["abc", "01", "-1", "1.5", "", "1" * 130])
def test_a_malformed_sequence_number_for_ordering_raises_validation_exception(broker: pymsg.Broker, bad: str) -> None:
    stream = new_stream(broker)
    with pytest.raises(pymsg.ValidationException, match="at 'sequenceNumberForOrdering' failed to satisfy constraint"):
        stream.put_record(b"x", "k", sequence_number_for_ordering=bad)
    assert stored(stream) == []


def test_sequence_number_for_ordering_accepts_a_previous_sequence_number(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    first = stream.put_record(b"1", "k")
    second = stream.put_record(b"2", "k", sequence_number_for_ordering=first.sequence_number)
    third = stream.put_record(b"3", "k", sequence_number_for_ordering="0")
    assert int(first.sequence_number) < int(second.sequence_number) < int(third.sequence_number)
    assert [r.data for r in read_shard(stream, "shardId-000000000000")] == [b"1", b"2", b"3"]


# --- Record fields ---------------------------------------------------------------------------


def test_record_fields(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    clock.advance(12.3456)
    put = stream.put_record(b"\x00payload\xff", "the key")
    clock.advance(1)
    (record,) = read_shard(stream, "shardId-000000000000")
    assert type(record) is pymsg.Record
    assert record.data == b"\x00payload\xff"
    assert record.partition_key == "the key"
    assert record.sequence_number == put.sequence_number
    # Epoch seconds with millisecond precision: the clock time when it was put, truncated to ms.
    assert record.approximate_arrival_timestamp == 1_700_000_012.345
    assert record.approximate_arrival_timestamp == int((START + 12.3456) * 1000) / 1000


def test_arrival_timestamps_follow_the_clock(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    times = []
    for step in (0, 0.25, 1, 3600):
        clock.advance(step)
        times.append(clock.now())
        stream.put_record(b"x", "k")
    assert [r.approximate_arrival_timestamp for r in read_shard(stream, "shardId-000000000000")] == [
        round(t, 3) for t in times
    ]
