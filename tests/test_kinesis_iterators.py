"""Kinesis shard iterators and get_records: the five iterator types, their validation, expiry after
5 minutes while next_shard_iterator chaining keeps working, the Limit and paging,
MillisBehindLatest, and retention (trimming, and the increase/decrease rules).
"""

from __future__ import annotations

import datetime

import pytest

import pymsg
from conftest import START

SHARD0 = "shardId-000000000000"
SHARD1 = "shardId-000000000001"
HOUR = 3600


def new_stream(broker: pymsg.Broker, shards: int = 1, name: str = "s", **kwargs: object) -> pymsg.Stream:
    """A provisioned stream without throughput limits: these tests make many reads in one instant."""
    kwargs.setdefault("enforce_limits", False)
    return broker.create_stream(name, shards, **kwargs)  # type: ignore[arg-type]


def put(stream: pymsg.Stream, *datas: bytes) -> list[str]:
    """Puts each datum into shard 0 (explicit hash key 0); returns their sequence numbers."""
    return [stream.put_record(d, "k", explicit_hash_key="0").sequence_number for d in datas]


def datas(stream: pymsg.Stream, iterator: str, **kwargs: object) -> list[bytes]:
    return [r.data for r in stream.get_records(iterator, **kwargs).records]  # type: ignore[arg-type]


def trim_horizon_datas(stream: pymsg.Stream, shard_id: str = SHARD0) -> list[bytes]:
    return datas(stream, stream.get_shard_iterator(shard_id, "TRIM_HORIZON"))


# --- the five iterator types -----------------------------------------------------------------


def test_trim_horizon_starts_at_the_oldest_record(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")  # issued before the records
    put(stream, b"a", b"b", b"c")
    assert datas(stream, iterator) == [b"a", b"b", b"c"]
    assert trim_horizon_datas(stream) == [b"a", b"b", b"c"]


def test_latest_starts_after_the_newest_record(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    put(stream, b"old-1", b"old-2")
    iterator = stream.get_shard_iterator(SHARD0, "LATEST")
    result = stream.get_records(iterator)
    assert result.records == []
    put(stream, b"new")
    assert datas(stream, result.next_shard_iterator) == [b"new"]  # type: ignore[arg-type]
    assert datas(stream, iterator) == [b"new"]


def test_at_and_after_sequence_number(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    numbers = put(stream, b"a", b"b", b"c")
    at = stream.get_shard_iterator(SHARD0, "AT_SEQUENCE_NUMBER", starting_sequence_number=numbers[1])
    after = stream.get_shard_iterator(SHARD0, "AFTER_SEQUENCE_NUMBER", starting_sequence_number=numbers[1])
    assert datas(stream, at) == [b"b", b"c"]
    assert datas(stream, after) == [b"c"]
    last = stream.get_shard_iterator(SHARD0, "AFTER_SEQUENCE_NUMBER", starting_sequence_number=numbers[2])
    assert datas(stream, last) == []


@pytest.mark.parametrize("with_records", [False, True])
def test_at_sequence_number_accepts_the_shards_own_starting_sequence_number(
    broker: pymsg.Broker, with_records: bool
) -> None:
    stream = new_stream(broker, 2)
    starting = stream.list_shards()[0].sequence_number_range.starting_sequence_number
    if with_records:
        put(stream, b"a", b"b")
    at = stream.get_shard_iterator(SHARD0, "AT_SEQUENCE_NUMBER", starting_sequence_number=starting)
    after = stream.get_shard_iterator(SHARD0, "AFTER_SEQUENCE_NUMBER", starting_sequence_number=starting)
    expected = [b"a", b"b"] if with_records else []
    assert datas(stream, at) == expected
    assert datas(stream, after) == expected


def test_at_timestamp(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    put(stream, b"t0")
    clock.advance(10)
    put(stream, b"t10")
    clock.advance(10)
    put(stream, b"t20")

    def from_(ts: float | datetime.datetime) -> list[bytes]:
        return datas(stream, stream.get_shard_iterator(SHARD0, "AT_TIMESTAMP", timestamp=ts))

    assert from_(START) == [b"t0", b"t10", b"t20"]
    assert from_(START + 10) == [b"t10", b"t20"]  # the first record with arrival >= ts
    assert from_(START + 5) == [b"t10", b"t20"]
    assert from_(START + 20) == [b"t20"]
    assert from_(datetime.datetime.fromtimestamp(START + 10, tz=datetime.timezone.utc)) == [b"t10", b"t20"]


def test_at_timestamp_before_every_record_starts_at_the_first(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    clock.advance(100)
    put(stream, b"first", b"second")
    iterator = stream.get_shard_iterator(SHARD0, "AT_TIMESTAMP", timestamp=START - 86_400)
    assert datas(stream, iterator) == [b"first", b"second"]


def test_at_timestamp_in_the_future_gives_nothing_until_new_records(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    put(stream, b"past")
    iterator = stream.get_shard_iterator(SHARD0, "AT_TIMESTAMP", timestamp=START + 3600)
    result = stream.get_records(iterator)
    assert result.records == []
    clock.advance(1)
    put(stream, b"new")
    assert datas(stream, result.next_shard_iterator) == [b"new"]  # type: ignore[arg-type]


# --- GetShardIterator validation -------------------------------------------------------------


def test_a_sequence_number_of_another_shard_raises_invalid_argument(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 2)
    (in_shard_1,) = [stream.put_record(b"x", "k", explicit_hash_key=str(2**128 - 1)).sequence_number]
    starting_1 = stream.list_shards()[1].sequence_number_range.starting_sequence_number
    put(stream, b"a")
    for number in (in_shard_1, starting_1):
        for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            with pytest.raises(
                pymsg.InvalidArgumentException,
                match=f"StartingSequenceNumber {number} used in GetShardIterator on shard {SHARD0} in stream s "
                "under account 123456789012 is invalid",
            ):
                stream.get_shard_iterator(SHARD0, kind, starting_sequence_number=number)
    assert trim_horizon_datas(stream) == [b"a"]
    assert trim_horizon_datas(stream, SHARD1) == [b"x"]


def test_a_sequence_number_of_another_stream_raises_invalid_argument(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker, 1, name="one")
    clock.advance(5)  # the other stream's shard 0 is created in another second
    other = new_stream(broker, 1, name="two")
    (number,) = put(other, b"elsewhere")
    with pytest.raises(pymsg.InvalidArgumentException, match="is invalid"):
        stream.get_shard_iterator(SHARD0, "AT_SEQUENCE_NUMBER", starting_sequence_number=number)
    assert trim_horizon_datas(stream) == []


GARBAGE_NUMBERS = ["abc", "0", "1", "123456789", "01", "4964643757710847641691687640582592942558542967627526963x", "9" * 57]


@pytest.mark.parametrize("garbage", GARBAGE_NUMBERS)
def test_a_garbage_sequence_number_raises_invalid_argument(broker: pymsg.Broker, garbage: str) -> None:
    stream = new_stream(broker)
    put(stream, b"a")
    with pytest.raises(pymsg.InvalidArgumentException, match="StartingSequenceNumber .* is invalid"):
        stream.get_shard_iterator(SHARD0, "AT_SEQUENCE_NUMBER", starting_sequence_number=garbage)
    assert trim_horizon_datas(stream) == [b"a"]


@pytest.mark.parametrize("kind", ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"])
def test_a_missing_starting_sequence_number_raises_invalid_argument(broker: pymsg.Broker, kind: str) -> None:
    stream = new_stream(broker)
    put(stream, b"a")
    with pytest.raises(pymsg.InvalidArgumentException, match="Must specify StartingSequenceNumber"):
        stream.get_shard_iterator(SHARD0, kind)
    assert trim_horizon_datas(stream) == [b"a"]


def test_a_missing_timestamp_raises_invalid_argument(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    with pytest.raises(
        pymsg.InvalidArgumentException, match="Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP"
    ):
        stream.get_shard_iterator(SHARD0, "AT_TIMESTAMP")
    assert trim_horizon_datas(stream) == []


def test_parameters_of_other_iterator_types_raise_invalid_argument(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    (number,) = put(stream, b"a")
    with pytest.raises(pymsg.InvalidArgumentException, match="must not contain StartingSequenceNumber"):
        stream.get_shard_iterator(SHARD0, "TRIM_HORIZON", starting_sequence_number=number)
    with pytest.raises(pymsg.InvalidArgumentException, match="must not contain a Timestamp"):
        stream.get_shard_iterator(SHARD0, "LATEST", timestamp=START)
    assert trim_horizon_datas(stream) == [b"a"]


@pytest.mark.parametrize("kind", ["FIRST", "trim_horizon", "", "AT_SEQUENCE"])
def test_an_unknown_iterator_type_raises_validation_exception(broker: pymsg.Broker, kind: str) -> None:
    stream = new_stream(broker)
    put(stream, b"a")
    with pytest.raises(pymsg.ValidationException, match="at 'shardIteratorType' failed to satisfy constraint"):
        stream.get_shard_iterator(SHARD0, kind)
    assert trim_horizon_datas(stream) == [b"a"]


@pytest.mark.parametrize("shard_id", ["shardId-000000000001", "shardId-999999999999", "shard-0", "shardId-0"])
def test_an_unknown_shard_raises_resource_not_found(broker: pymsg.Broker, shard_id: str) -> None:
    stream = new_stream(broker)
    with pytest.raises(pymsg.ResourceNotFoundException, match=f"^Shard {shard_id} in stream s under account 123456789012 does not exist$"):
        stream.get_shard_iterator(shard_id, "TRIM_HORIZON")
    assert [s.shard_id for s in stream.list_shards()] == [SHARD0]


# --- invalid and expired iterators -----------------------------------------------------------


def tampered(iterator: str) -> str:
    """The iterator with one character in its middle changed."""
    i = len(iterator) // 2
    return iterator[:i] + ("A" if iterator[i] != "A" else "B") + iterator[i + 1 :]


def test_a_garbage_iterator_raises_invalid_argument(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    put(stream, b"a")
    real = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    for garbage in ("garbage", "", "A" * len(real), tampered(real), real[:-1], real + "A"):
        with pytest.raises(pymsg.InvalidArgumentException, match=r"^Invalid ShardIterator\.$"):
            stream.get_records(garbage)
    assert datas(stream, real) == [b"a"]


def test_an_iterator_of_another_stream_raises_invalid_argument(broker: pymsg.Broker) -> None:
    one = new_stream(broker, name="one")
    two = new_stream(broker, name="two")
    put(one, b"a")
    with pytest.raises(pymsg.InvalidArgumentException, match=r"Invalid ShardIterator\."):
        two.get_records(one.get_shard_iterator(SHARD0, "TRIM_HORIZON"))
    assert trim_horizon_datas(two) == []


def test_an_iterator_of_a_deleted_and_recreated_stream_is_refused(broker: pymsg.Broker) -> None:
    old = new_stream(broker)
    put(old, b"old")
    iterator = old.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    broker.delete_stream("s")
    new = new_stream(broker)
    put(new, b"new")
    with pytest.raises(pymsg.InvalidArgumentException, match=r"Invalid ShardIterator\."):
        new.get_records(iterator)
    with pytest.raises(pymsg.InvalidArgumentException, match=r"Invalid ShardIterator\."):
        broker.get_stream("s").get_records(iterator)
    assert trim_horizon_datas(new) == [b"new"]


def test_an_iterator_expires_5_minutes_after_it_was_issued(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    put(stream, b"a")
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    clock.advance(299)
    assert datas(stream, iterator) == [b"a"]
    clock.advance(2)  # 301 s after it was issued
    with pytest.raises(pymsg.ExpiredIteratorException, match="Iterator expired.*tolerated delay of 300000 milliseconds"):
        stream.get_records(iterator)
    assert trim_horizon_datas(stream) == [b"a"]


def test_next_shard_iterator_chaining_outlives_the_first_iterator(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    first = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    iterator = first
    seen: list[bytes] = []
    for minute in range(0, 12, 4):  # calls at 0, 4, 8 and 12 minutes: each within 5 min of the last
        put(stream, b"minute %d" % minute)
        result = stream.get_records(iterator)
        seen.extend(r.data for r in result.records)
        assert result.next_shard_iterator is not None
        iterator = result.next_shard_iterator
        clock.advance(240)
    result = stream.get_records(iterator)  # 12 minutes in
    assert seen == [b"minute 0", b"minute 4", b"minute 8"]
    assert result.records == []
    with pytest.raises(pymsg.ExpiredIteratorException, match="Iterator expired"):
        stream.get_records(first)
    assert trim_horizon_datas(stream) == [b"minute 0", b"minute 4", b"minute 8"]


# --- Limit and paging ------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [0, -1, 10_001, 1_000_000])
def test_a_limit_outside_1_to_10000_raises_invalid_argument(broker: pymsg.Broker, limit: int) -> None:
    stream = new_stream(broker)
    put(stream, b"a")
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    with pytest.raises(
        pymsg.InvalidArgumentException,
        match="at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000",
    ):
        stream.get_records(iterator, limit=limit)
    assert datas(stream, iterator) == [b"a"]  # the same iterator still reads from where it was


def test_limits_1_and_10000_are_accepted(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    for start in range(0, 10_001, 500):
        stream.put_records([(b"%d" % i, "k") for i in range(start, min(start + 500, 10_001))])
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    one = stream.get_records(iterator, limit=1)
    assert [r.data for r in one.records] == [b"0"]
    many = stream.get_records(one.next_shard_iterator, limit=10_000)  # type: ignore[arg-type]
    assert len(many.records) == 10_000
    assert many.records[-1].data == b"10000"
    default = stream.get_records(iterator)  # the default Limit is 10,000
    assert len(default.records) == 10_000


def test_paging_with_limit_reads_every_record_once_in_order(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    put(stream, *[b"%d" % i for i in range(10)])
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    pages = []
    for _ in range(5):
        result = stream.get_records(iterator, limit=3)
        pages.append([r.data for r in result.records])
        iterator = result.next_shard_iterator  # type: ignore[assignment]
    assert pages == [[b"0", b"1", b"2"], [b"3", b"4", b"5"], [b"6", b"7", b"8"], [b"9"], []]


def test_millis_behind_latest(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    put(stream, *[b"%d" % i for i in range(5)])
    clock.advance(10)
    iterator = stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")
    behind = stream.get_records(iterator, limit=2)
    assert len(behind.records) == 2
    assert behind.millis_behind_latest > 0
    rest = stream.get_records(behind.next_shard_iterator)  # type: ignore[arg-type]
    assert len(rest.records) == 3
    assert rest.millis_behind_latest == 0
    empty = stream.get_records(stream.get_shard_iterator(SHARD0, "LATEST"))
    assert empty.records == [] and empty.millis_behind_latest == 0


def test_millis_behind_latest_is_positive_whenever_records_are_left_behind(broker: pymsg.Broker) -> None:
    """Section 3.7: 0 means caught up. Records put and read in the same instant (a manual clock
    that has not moved) are still behind when the limit leaves some of them unread."""
    stream = new_stream(broker)
    put(stream, *[b"%d" % i for i in range(5)])
    behind = stream.get_records(stream.get_shard_iterator(SHARD0, "TRIM_HORIZON"), limit=2)
    assert len(behind.records) == 2
    assert behind.millis_behind_latest > 0
    rest = stream.get_records(behind.next_shard_iterator)  # type: ignore[arg-type]
    assert len(rest.records) == 3 and rest.millis_behind_latest == 0


def test_a_response_holds_at_most_10_mib(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    for _ in range(12):
        stream.put_record(b"x" * (1024 * 1024 - 1), "k")
    first = stream.get_records(stream.get_shard_iterator(SHARD0, "TRIM_HORIZON"))
    assert len(first.records) == 10
    assert sum(len(r.data) for r in first.records) <= 10 * 1024 * 1024
    second = stream.get_records(first.next_shard_iterator)  # type: ignore[arg-type]
    assert len(second.records) == 2


def test_get_records_result_shape(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    put(stream, b"a")
    result = stream.get_records(stream.get_shard_iterator(SHARD0, "TRIM_HORIZON"))
    assert type(result) is pymsg.GetRecordsResult
    assert result._fields == ("records", "next_shard_iterator", "millis_behind_latest", "child_shards")
    assert isinstance(result.next_shard_iterator, str) and 1 <= len(result.next_shard_iterator) <= 512
    assert result.child_shards == []


# --- retention -------------------------------------------------------------------------------


def test_records_older_than_the_retention_period_disappear(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    put(stream, b"day 0")
    clock.advance(12 * HOUR)
    put(stream, b"hour 12")
    clock.advance(12 * HOUR + 1)  # "day 0" is now more than 24 h old
    assert trim_horizon_datas(stream) == [b"hour 12"]
    clock.advance(12 * HOUR)
    assert trim_horizon_datas(stream) == []
    assert datas(stream, stream.get_shard_iterator(SHARD0, "AT_TIMESTAMP", timestamp=START)) == []


def test_trim_horizon_moves_with_retention(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    numbers = put(stream, b"old")
    clock.advance(23 * HOUR)
    numbers += put(stream, b"young")
    clock.advance(2 * HOUR)
    (first,) = stream.get_records(stream.get_shard_iterator(SHARD0, "TRIM_HORIZON")).records
    assert first.sequence_number == numbers[1]
    # An iterator at the trimmed record starts at the oldest retained one.
    at_old = stream.get_shard_iterator(SHARD0, "AT_SEQUENCE_NUMBER", starting_sequence_number=numbers[0])
    assert datas(stream, at_old) == [b"young"]


def test_a_longer_retention_keeps_records_longer(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker, retention_period_hours=48)
    put(stream, b"a")
    clock.advance(47 * HOUR)
    assert trim_horizon_datas(stream) == [b"a"]
    clock.advance(2 * HOUR)
    assert trim_horizon_datas(stream) == []


def test_increase_and_decrease_retention_period(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    put(stream, b"a")
    stream.increase_retention_period(72)
    assert stream.retention_period_hours == 72
    assert stream.describe_summary()["RetentionPeriodHours"] == 72
    clock.advance(30 * HOUR)
    assert trim_horizon_datas(stream) == [b"a"]  # kept past 24 h
    stream.decrease_retention_period(24)
    assert stream.retention_period_hours == 24
    assert trim_horizon_datas(stream) == []  # now older than the retention period
    stream.increase_retention_period(8760)
    assert stream.retention_period_hours == 8760


@pytest.mark.parametrize("call", ["increase", "decrease"])
def test_the_current_retention_period_again_changes_nothing(broker: pymsg.Broker, call: str) -> None:
    stream = new_stream(broker, retention_period_hours=48)
    getattr(stream, f"{call}_retention_period")(48)
    assert stream.retention_period_hours == 48


@pytest.mark.parametrize(
    "start, call, hours, message",
    [
        (48, "increase", 36, r"can not be shorter than existing retention period \(48 hours\)\. Use "
                             r"DecreaseRetentionPeriod API\.$"),
        (24, "increase", 8761, "Maximum allowed retention period is 8760 hours"),
        (48, "decrease", 100, r"can not be longer than existing retention period \(48 hours\)\. Use "
                              r"IncreaseRetentionPeriod API\.$"),
        (48, "decrease", 23, "Minimum allowed retention period is 24 hours"),
        (48, "decrease", 0, "Minimum allowed retention period is 24 hours"),
    ],
)
def test_retention_changes_out_of_range_or_in_the_wrong_direction_raise_invalid_argument(
    broker: pymsg.Broker, clock: pymsg.ManualClock, start: int, call: str, hours: int, message: str
) -> None:
    stream = new_stream(broker, retention_period_hours=start)
    put(stream, b"a")
    with pytest.raises(pymsg.InvalidArgumentException, match=message):
        getattr(stream, f"{call}_retention_period")(hours)
    assert stream.retention_period_hours == start
    assert stream.describe_summary()["RetentionPeriodHours"] == start
    clock.advance(start * HOUR - 1)  # the old retention still applies
    assert trim_horizon_datas(stream) == [b"a"]
    clock.advance(2)
    assert trim_horizon_datas(stream) == []
