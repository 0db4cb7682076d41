"""Kinesis resharding: split_shard, merge_shards and update_shard_count; the closed parents, the
children's ids, ranges, lineage and sequence numbers; reading a parent to its end; the split-key,
adjacency and scaling limits; ON_DEMAND refusals; closed shards expiring from list_shards.
"""

from __future__ import annotations

import pytest

import pymsg

MAX_HASH_KEY = 2**128 - 1
MID = 2**127
HOUR = 3600
SHARD = "shardId-{:012d}".format


def new_stream(broker: pymsg.Broker, shards: int = 1, **kwargs: object) -> pymsg.Stream:
    """A provisioned stream without throughput limits (resharding is what is tested here)."""
    kwargs.setdefault("enforce_limits", False)
    return broker.create_stream("s", shards, **kwargs)  # type: ignore[arg-type]


def by_id(stream: pymsg.Stream) -> dict[str, pymsg.Shard]:
    return {s.shard_id: s for s in stream.list_shards()}


def key_range(shard: pymsg.Shard) -> tuple[int, int]:
    return int(shard.hash_key_range.starting_hash_key), int(shard.hash_key_range.ending_hash_key)


def is_open(shard: pymsg.Shard) -> bool:
    return shard.sequence_number_range.ending_sequence_number is None


def open_ranges(stream: pymsg.Stream) -> list[tuple[int, int]]:
    return sorted(key_range(s) for s in stream.list_shards() if is_open(s))


def uniform(count: int) -> list[tuple[int, int]]:
    step = 2**128 // count
    out = [(i * step, (i + 1) * step - 1) for i in range(count)]
    out[-1] = (out[-1][0], MAX_HASH_KEY)
    return out


def read_to_end(stream: pymsg.Stream, shard_id: str) -> tuple[list[pymsg.Record], pymsg.GetRecordsResult]:
    """Reads a shard from TRIM_HORIZON until next_shard_iterator is None or no records come back;
    returns the records and the last result."""
    records: list[pymsg.Record] = []
    iterator = stream.get_shard_iterator(shard_id, "TRIM_HORIZON")
    while True:
        result = stream.get_records(iterator, limit=2)
        records.extend(result.records)
        if result.next_shard_iterator is None or not result.records:
            return records, result
        iterator = result.next_shard_iterator


# --- split_shard -----------------------------------------------------------------------------


@pytest.mark.parametrize("wait", [0, 90])  # in the creation second and later
def test_split_at_the_midpoint_closes_the_parent_and_opens_two_children(
    broker: pymsg.Broker, clock: pymsg.ManualClock, wait: int
) -> None:
    stream = new_stream(broker)
    clock.advance(wait)
    stream.split_shard(SHARD(0), str(MID))
    shards = stream.list_shards()
    assert [s.shard_id for s in shards] == [SHARD(0), SHARD(1), SHARD(2)]
    parent, low, high = shards
    assert not is_open(parent)
    assert len(parent.sequence_number_range.ending_sequence_number) == 56  # type: ignore[arg-type]
    assert key_range(parent) == (0, MAX_HASH_KEY)
    assert key_range(low) == (0, MID - 1)
    assert key_range(high) == (MID, MAX_HASH_KEY)
    for child in (low, high):
        assert is_open(child)
        assert child.parent_shard_id == SHARD(0)
        assert child.adjacent_parent_shard_id is None
        # A child's numbers are above its parent's ending number (compared as big integers).
        assert int(child.sequence_number_range.starting_sequence_number) > int(
            parent.sequence_number_range.ending_sequence_number  # type: ignore[arg-type]
        )
    assert stream.describe_summary()["OpenShardCount"] == 2


@pytest.mark.parametrize("wait", [0, 90])
def test_children_numbers_exceed_the_parents_when_shard_numbers_pass_15(
    broker: pymsg.Broker, clock: pymsg.ManualClock, wait: int
) -> None:
    stream = new_stream(broker, 16)  # shard 15's children are shards 16 and 17
    clock.advance(wait)
    parent_number = stream.put_record(b"p", "k", explicit_hash_key=str(MAX_HASH_KEY)).sequence_number
    start, end = key_range(by_id(stream)[SHARD(15)])
    stream.split_shard(SHARD(15), str((start + end + 1) // 2))
    shards = by_id(stream)
    ending = int(shards[SHARD(15)].sequence_number_range.ending_sequence_number)  # type: ignore[arg-type]
    assert int(parent_number) < ending
    for child in (shards[SHARD(16)], shards[SHARD(17)]):
        assert int(child.sequence_number_range.starting_sequence_number) > ending
    child_number = stream.put_record(b"c", "k", explicit_hash_key=str(MAX_HASH_KEY))
    assert child_number.shard_id == SHARD(17)
    assert int(child_number.sequence_number) > ending


def test_split_accepts_an_int_key(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    stream.split_shard(SHARD(0), MID)
    assert open_ranges(stream) == [(0, MID - 1), (MID, MAX_HASH_KEY)]


@pytest.mark.parametrize("wait", [0, 90])
def test_the_parent_is_readable_to_its_end_which_names_the_children(
    broker: pymsg.Broker, clock: pymsg.ManualClock, wait: int
) -> None:
    stream = new_stream(broker)
    before = [stream.put_record(b"%d" % i, f"k{i}").sequence_number for i in range(5)]
    clock.advance(wait)
    stream.split_shard(SHARD(0), str(MID))
    records, last = read_to_end(stream, SHARD(0))
    assert [r.sequence_number for r in records] == before
    assert [r.data for r in records] == [b"0", b"1", b"2", b"3", b"4"]
    assert last.next_shard_iterator is None
    assert last.millis_behind_latest == 0
    assert last.child_shards == [
        pymsg.ChildShard(SHARD(1), [SHARD(0)], pymsg.HashKeyRange("0", str(MID - 1))),
        pymsg.ChildShard(SHARD(2), [SHARD(0)], pymsg.HashKeyRange(str(MID), str(MAX_HASH_KEY))),
    ]
    ending = int(by_id(stream)[SHARD(0)].sequence_number_range.ending_sequence_number)  # type: ignore[arg-type]
    assert all(int(n) < ending for n in before)


def test_an_iterator_issued_before_the_split_reads_on_to_the_end(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    stream.put_record(b"a", "k")
    iterator = stream.get_shard_iterator(SHARD(0), "LATEST")
    stream.put_record(b"b", "k")
    stream.split_shard(SHARD(0), str(MID))
    result = stream.get_records(iterator)
    assert [r.data for r in result.records] == [b"b"]
    assert result.next_shard_iterator is None
    assert [c.shard_id for c in result.child_shards] == [SHARD(1), SHARD(2)]


def test_latest_on_a_closed_shard_is_at_its_end(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    stream.put_record(b"a", "k")
    stream.split_shard(SHARD(0), str(MID))
    result = stream.get_records(stream.get_shard_iterator(SHARD(0), "LATEST"))
    assert result.records == []
    assert result.next_shard_iterator is None
    assert [c.shard_id for c in result.child_shards] == [SHARD(1), SHARD(2)]


def test_writes_after_a_split_go_to_the_children(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    (parent_number,) = [stream.put_record(b"before", "alice").sequence_number]
    stream.split_shard(SHARD(0), str(MID))
    ending = int(by_id(stream)[SHARD(0)].sequence_number_range.ending_sequence_number)  # type: ignore[arg-type]
    low = stream.put_record(b"low", "alice")  # MD5("alice") < 2^127
    high = stream.put_record(b"high", "k", explicit_hash_key=str(MAX_HASH_KEY))
    edge = stream.put_record(b"edge", "k", explicit_hash_key=str(MID))
    assert (low.shard_id, high.shard_id, edge.shard_id) == (SHARD(1), SHARD(2), SHARD(2))
    for number in (low.sequence_number, high.sequence_number, edge.sequence_number):
        assert int(number) > ending > int(parent_number)
    assert [r.data for r in read_to_end(stream, SHARD(0))[0]] == [b"before"]
    assert [r.data for r in read_to_end(stream, SHARD(1))[0]] == [b"low"]
    assert [r.data for r in read_to_end(stream, SHARD(2))[0]] == [b"high", b"edge"]


def test_split_keys_just_inside_the_rules_are_accepted(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    stream.split_shard(SHARD(0), "2")  # start + 2
    assert open_ranges(stream) == [(0, 1), (2, MAX_HASH_KEY)]
    stream.split_shard(SHARD(2), str(MAX_HASH_KEY - 1))  # end - 1
    assert open_ranges(stream) == [(0, 1), (2, MAX_HASH_KEY - 2), (MAX_HASH_KEY - 1, MAX_HASH_KEY)]


@pytest.mark.parametrize(
    "shard_count, shard, key",
    [
        (1, 0, 0),
        (1, 0, 1),  # start + 1
        (1, 0, MAX_HASH_KEY),  # end
        (2, 1, MID),  # start of shard 1
        (2, 1, MID + 1),
        (2, 1, MAX_HASH_KEY),
        (2, 0, MID),  # beyond shard 0's end
        (2, 1, 5),  # below shard 1's start
    ],
)
def test_a_split_key_outside_the_shard_raises_invalid_argument(
    broker: pymsg.Broker, shard_count: int, shard: int, key: int
) -> None:
    stream = new_stream(broker, shard_count)
    before = stream.list_shards()
    with pytest.raises(
        pymsg.InvalidArgumentException,
        match=f"NewStartingHashKey {key} used in SplitShard\\(\\) on shard {SHARD(shard)} in stream s under account "
        "123456789012 is not both greater than one plus the shard's StartingHashKey",
    ):
        stream.split_shard(SHARD(shard), str(key))
    assert stream.list_shards() == before


@pytest.mark.parametrize("key", ["abc", "-5", "01", "", str(2**128)])
def test_a_split_key_that_is_not_a_hash_key_raises_invalid_argument(broker: pymsg.Broker, key: str) -> None:
    stream = new_stream(broker)
    before = stream.list_shards()
    with pytest.raises(pymsg.InvalidArgumentException, match="NewStartingHashKey"):
        stream.split_shard(SHARD(0), key)
    assert stream.list_shards() == before


def test_splitting_a_closed_shard_raises_invalid_argument(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    stream.split_shard(SHARD(0), str(MID))
    before = stream.list_shards()
    with pytest.raises(
        pymsg.InvalidArgumentException,  # as AWS answers (moto checks it too)
        match=f"Shard {SHARD(0)} in stream s under account 123456789012 has already been merged or split",
    ):
        stream.split_shard(SHARD(0), str(MID // 2))
    assert stream.list_shards() == before


@pytest.mark.parametrize("shard_id", [SHARD(1), SHARD(7), "shardId-1", "nope"])
def test_splitting_an_unknown_shard_raises_resource_not_found(broker: pymsg.Broker, shard_id: str) -> None:
    stream = new_stream(broker)
    before = stream.list_shards()
    with pytest.raises(pymsg.ResourceNotFoundException, match=f"Could not find shard {shard_id} in stream s"):
        stream.split_shard(shard_id, str(MID))
    assert stream.list_shards() == before


# --- merge_shards ----------------------------------------------------------------------------


@pytest.mark.parametrize("named, adjacent", [(0, 1), (1, 0)])
def test_merging_adjacent_shards_opens_one_child_over_both(broker: pymsg.Broker, named: int, adjacent: int) -> None:
    stream = new_stream(broker, 2)
    stream.put_record(b"low", "k", explicit_hash_key="0")
    stream.put_record(b"high", "k", explicit_hash_key=str(MAX_HASH_KEY))
    stream.merge_shards(SHARD(named), SHARD(adjacent))
    shards = by_id(stream)
    assert list(shards) == [SHARD(0), SHARD(1), SHARD(2)]
    child = shards[SHARD(2)]
    assert key_range(child) == (0, MAX_HASH_KEY)
    assert child.parent_shard_id == SHARD(named)
    assert child.adjacent_parent_shard_id == SHARD(adjacent)
    assert is_open(child)
    for parent in (shards[SHARD(0)], shards[SHARD(1)]):
        assert not is_open(parent)
        assert int(child.sequence_number_range.starting_sequence_number) > int(
            parent.sequence_number_range.ending_sequence_number  # type: ignore[arg-type]
        )
    # Each parent ends naming the child with both parents; new writes go to the child.
    for parent_id, data in ((SHARD(0), b"low"), (SHARD(1), b"high")):
        records, last = read_to_end(stream, parent_id)
        assert [r.data for r in records] == [data]
        assert last.next_shard_iterator is None
        assert last.child_shards == [
            pymsg.ChildShard(SHARD(2), [SHARD(named), SHARD(adjacent)], pymsg.HashKeyRange("0", str(MAX_HASH_KEY)))
        ]
    assert stream.put_record(b"after", "k", explicit_hash_key=str(MID)).shard_id == SHARD(2)


def test_merging_non_adjacent_shards_raises_invalid_argument(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 3)
    before = stream.list_shards()
    for a, b in ((0, 2), (2, 0), (1, 1)):
        with pytest.raises(
            pymsg.InvalidArgumentException,
            match=f"Shards {SHARD(a)} and {SHARD(b)} in stream s under account 123456789012 are not an adjacent pair",
        ):
            stream.merge_shards(SHARD(a), SHARD(b))
    assert stream.list_shards() == before


def test_merging_a_closed_shard_raises_resource_in_use(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 2)
    stream.split_shard(SHARD(1), str(MID + MID // 2))  # shard 1 closes; shards 2 and 3 open
    before = stream.list_shards()
    with pytest.raises(pymsg.ResourceInUseException, match=f"Shard {SHARD(1)} .* has already been merged or split"):
        stream.merge_shards(SHARD(0), SHARD(1))
    assert stream.list_shards() == before
    stream.merge_shards(SHARD(0), SHARD(2))  # the open neighbour is fine
    assert open_ranges(stream) == [(0, MID + MID // 2 - 1), (MID + MID // 2, MAX_HASH_KEY)]


def test_merging_an_unknown_shard_raises_resource_not_found(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 2)
    before = stream.list_shards()
    with pytest.raises(pymsg.ResourceNotFoundException, match=f"Could not find shard {SHARD(5)} in stream s"):
        stream.merge_shards(SHARD(0), SHARD(5))
    assert stream.list_shards() == before


# --- update_shard_count ----------------------------------------------------------------------


def assert_open_shards_cover_the_key_space(stream: pymsg.Stream, count: int) -> None:
    """`count` open shards, contiguous from 0 to 2^128-1; the parents of each are closed."""
    shards = by_id(stream)
    ranges = open_ranges(stream)
    assert len(ranges) == count
    assert ranges[0][0] == 0 and ranges[-1][1] == 2**128 - 1
    assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:]))
    for shard in shards.values():
        if is_open(shard):
            lineage = [shard.parent_shard_id, shard.adjacent_parent_shard_id]
            for parent_id in filter(None, lineage):
                assert not is_open(shards[parent_id])
    assert stream.describe_summary()["OpenShardCount"] == count


def test_update_shard_count_1_to_2_to_4_to_3(broker: pymsg.Broker) -> None:
    stream = new_stream(broker)
    for current, target in ((1, 2), (2, 4), (4, 3)):
        assert stream.update_shard_count(target) == {
            "StreamName": "s",
            "StreamARN": stream.arn,
            "CurrentShardCount": current,
            "TargetShardCount": target,
        }
        assert_open_shards_cover_the_key_space(stream, target)
        ids = [s.shard_id for s in stream.list_shards()]
        assert ids == [SHARD(i) for i in range(len(ids))]  # numbered in creation order
        for start, end in open_ranges(stream):  # writes go to the shard of the key's range
            written = stream.put_record(b"x", "k", explicit_hash_key=str(end))
            assert key_range(by_id(stream)[written.shard_id]) == (start, end)
    assert open_ranges(stream)[1:] == uniform(4)[2:]  # 4 -> 3 merged the lowest pair


@pytest.mark.parametrize(("current", "target", "total"), [(2, 4, 6), (4, 5, 15), (10, 13, 37), (4, 2, 6), (5, 3, 7),
                                                          (1, 2, 3), (3, 6, 9)])
def test_update_shard_count_leaves_the_shards_aws_leaves(broker: pymsg.Broker, current: int, target: int,
                                                         total: int) -> None:
    """AWS splits every open shard to scale up, then merges adjacent pairs from the lowest hash
    keys: 10 -> 13 is 10 splits and 7 merges, 37 shards in all."""
    stream = new_stream(broker, current)
    stream.update_shard_count(target)
    assert len(stream.list_shards()) == total
    assert_open_shards_cover_the_key_space(stream, target)


def test_update_shard_count_to_the_current_count_changes_nothing(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 2)
    before = stream.list_shards()
    stream.update_shard_count(2)
    assert stream.list_shards() == before


@pytest.mark.parametrize("current, target", [(1, 3), (2, 5), (4, 9), (4, 1), (5, 2), (9, 4)])
def test_more_than_double_or_less_than_half_raises_limit_exceeded(broker: pymsg.Broker, current: int, target: int) -> None:
    stream = new_stream(broker, current)
    before = stream.list_shards()
    direction = "up over double" if target > current else "down below half"
    with pytest.raises(pymsg.LimitExceededException) as excinfo:
        stream.update_shard_count(target)
    assert str(excinfo.value) == (f"UpdateShardCount cannot scale {direction} your current open shard count. Current "
                                  f"open shard count: {current}, Target shard count: {target}")
    assert stream.list_shards() == before


@pytest.mark.parametrize("current, target", [(2, 4), (4, 2), (5, 3), (3, 6)])
def test_exactly_double_or_half_is_allowed(broker: pymsg.Broker, current: int, target: int) -> None:
    stream = new_stream(broker, current)
    stream.update_shard_count(target)
    assert_open_shards_cover_the_key_space(stream, target)


def test_a_target_of_zero_raises_validation_exception(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 2)
    before = stream.list_shards()
    with pytest.raises(pymsg.ValidationException, match="targetShardCount"):
        stream.update_shard_count(0)
    assert stream.list_shards() == before


def test_an_unknown_scaling_type_raises_validation_exception(broker: pymsg.Broker) -> None:
    stream = new_stream(broker, 2)
    before = stream.list_shards()
    with pytest.raises(pymsg.ValidationException, match="scalingType"):
        stream.update_shard_count(4, scaling_type="CUSTOM")
    assert stream.list_shards() == before


def test_the_11th_scaling_in_24_hours_raises_limit_exceeded(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    stream = new_stream(broker)
    for i in range(10):  # 1 -> 2 -> 1 -> ..., a minute apart
        stream.update_shard_count(2 if i % 2 == 0 else 1)
        clock.advance(60)
    before = stream.list_shards()
    with pytest.raises(pymsg.LimitExceededException, match="has already been scaled 10 times in the last 24 hours"):
        stream.update_shard_count(2)
    assert stream.list_shards() == before
    clock.advance(23 * HOUR)  # the ten are still within the rolling day
    with pytest.raises(pymsg.LimitExceededException, match="scaled 10 times"):
        stream.update_shard_count(2)
    clock.advance(HOUR)  # 24 h after the first scaling
    stream.update_shard_count(2)
    assert open_ranges(stream) == uniform(2)


def test_split_beyond_the_account_shard_limit_raises_limit_exceeded(clock: pymsg.ManualClock) -> None:
    """Section 3.2: LimitExceededException for the shard limit. The broker holds the account's
    open-shard quota (create_stream enforces it across streams); a split is a way past it."""
    broker = pymsg.Broker(clock, quotas={"shards": 500})
    broker.create_stream("other", 499, enforce_limits=False)
    stream = new_stream(broker)  # 500 open shards in all
    before = stream.list_shards()
    with pytest.raises(pymsg.LimitExceededException, match="shard limit"):
        stream.split_shard(SHARD(0), str(MID))
    assert stream.list_shards() == before


def test_update_shard_count_beyond_the_account_shard_limit_raises_limit_exceeded(clock: pymsg.ManualClock) -> None:
    broker = pymsg.Broker(clock, quotas={"shards": 500})
    broker.create_stream("other", 498, enforce_limits=False)
    stream = new_stream(broker, 2)  # 500 open shards in all
    before = stream.list_shards()
    with pytest.raises(pymsg.LimitExceededException):
        stream.update_shard_count(4)
    assert stream.list_shards() == before


# --- ON_DEMAND -------------------------------------------------------------------------------


def test_on_demand_refuses_split_merge_and_update_shard_count(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", mode="ON_DEMAND")
    before = stream.list_shards()
    on_demand = "Request is invalid. Stream s under account 123456789012 is in On-Demand mode"
    with pytest.raises(pymsg.ValidationException, match=on_demand):
        stream.split_shard(SHARD(0), str(2**125))
    with pytest.raises(pymsg.ValidationException, match=on_demand):
        stream.merge_shards(SHARD(0), SHARD(1))
    with pytest.raises(pymsg.ValidationException, match=on_demand):
        stream.update_shard_count(2)
    assert stream.list_shards() == before


# --- closed shards expire --------------------------------------------------------------------


@pytest.mark.parametrize("retention_hours", [24, 48])
def test_closed_shards_leave_list_shards_once_retention_has_passed_since_they_closed(
    broker: pymsg.Broker, clock: pymsg.ManualClock, retention_hours: int
) -> None:
    stream = new_stream(broker, retention_period_hours=retention_hours)
    stream.put_record(b"a", "k")
    clock.advance(5 * HOUR)  # the shard closes 5 h after it was created
    stream.split_shard(SHARD(0), str(MID))
    clock.advance(retention_hours * HOUR - 1)
    assert [s.shard_id for s in stream.list_shards()] == [SHARD(0), SHARD(1), SHARD(2)]
    clock.advance(2)
    assert [s.shard_id for s in stream.list_shards()] == [SHARD(1), SHARD(2)]
    assert len(stream.describe()["Shards"]) == 2
    with pytest.raises(pymsg.ResourceNotFoundException, match=f"^Shard {SHARD(0)} in stream s under account 123456789012 does not exist$"):
        stream.get_shard_iterator(SHARD(0), "TRIM_HORIZON")
    assert [s.shard_id for s in stream.list_shards()] == [SHARD(1), SHARD(2)]
