"""Kinesis stream lifecycle: create, get (by name and ARN), list, delete; names, modes, retention at
create; describe() and describe_summary() shapes; shard ids and the uniform hash-key ranges.
"""

from __future__ import annotations

import pytest

import pymsg
from conftest import START

MAX_HASH_KEY = 2**128 - 1
ARN_PREFIX = "arn:aws:kinesis:us-east-1:123456789012:stream/"


def ranges(stream: pymsg.Stream) -> list[tuple[int, int]]:
    """The (StartingHashKey, EndingHashKey) of every listed shard, as ints."""
    return [(int(s.hash_key_range.starting_hash_key), int(s.hash_key_range.ending_hash_key)) for s in stream.list_shards()]


def read_shard(stream: pymsg.Stream, shard_id: str) -> list[pymsg.Record]:
    """Every retained record of a shard, from TRIM_HORIZON."""
    result = stream.get_records(stream.get_shard_iterator(shard_id, "TRIM_HORIZON"))
    return result.records


def names(broker: pymsg.Broker) -> list[str]:
    return [s.name for s in broker.list_streams()]


# --- create, get, list -----------------------------------------------------------------------


def test_create_gives_an_active_stream_with_its_name_and_arn(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("orders", 2)
    assert stream.name == "orders"
    assert stream.arn == ARN_PREFIX + "orders"
    assert stream.mode == "PROVISIONED"
    assert stream.retention_period_hours == 24
    assert len(stream.list_shards()) == 2


def test_get_stream_by_name_and_by_arn_is_the_same_stream(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("orders", 1)
    by_name = broker.get_stream("orders")
    by_arn = broker.get_stream(ARN_PREFIX + "orders")
    assert by_name.arn == by_arn.arn == stream.arn
    by_arn.put_record(b"written through the ARN handle", "k")
    (record,) = read_shard(by_name, "shardId-000000000000")
    assert record.data == b"written through the ARN handle"


def test_get_stream_of_an_unknown_name_raises_resource_not_found(broker: pymsg.Broker) -> None:
    broker.create_stream("orders", 1)
    with pytest.raises(pymsg.ResourceNotFoundException, match="Stream nope under account 123456789012 not found"):
        broker.get_stream("nope")
    with pytest.raises(pymsg.ResourceNotFoundException, match="not found"):
        broker.get_stream(ARN_PREFIX + "nope")
    assert names(broker) == ["orders"]


def test_list_streams_gives_every_stream_in_name_order(broker: pymsg.Broker) -> None:
    assert broker.list_streams() == []
    for name in ("zeta", "alpha", "Mid"):
        broker.create_stream(name, 1)
    assert names(broker) == ["Mid", "alpha", "zeta"]


def test_a_duplicate_name_raises_resource_in_use_and_keeps_the_first_stream(broker: pymsg.Broker) -> None:
    first = broker.create_stream("orders", 2, retention_period_hours=48)
    first.put_record(b"kept", "k", explicit_hash_key="0")
    shards_before = first.list_shards()
    with pytest.raises(pymsg.ResourceInUseException, match="Stream orders under account 123456789012 already exists"):
        broker.create_stream("orders", 5)
    again = broker.get_stream("orders")
    assert again.list_shards() == shards_before
    assert again.retention_period_hours == 48
    assert [r.data for r in read_shard(again, "shardId-000000000000")] == [b"kept"]
    assert names(broker) == ["orders"]


# --- delete ----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["stream", "name", "arn"])
def test_delete_removes_the_stream(broker: pymsg.Broker, how: str) -> None:
    stream = broker.create_stream("orders", 1)
    broker.create_stream("other", 1)
    targets: dict[str, pymsg.Stream | str] = {"stream": stream, "name": "orders", "arn": ARN_PREFIX + "orders"}
    target = targets[how]
    broker.delete_stream(target)
    assert names(broker) == ["other"]
    with pytest.raises(pymsg.ResourceNotFoundException, match="Stream orders under account 123456789012 not found"):
        broker.get_stream("orders")


def test_calls_on_a_deleted_stream_raise_resource_not_found(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("orders", 1)
    stream.put_record(b"before", "k")
    iterator = stream.get_shard_iterator("shardId-000000000000", "TRIM_HORIZON")
    broker.delete_stream("orders")
    not_found = "Stream orders under account 123456789012 not found"
    with pytest.raises(pymsg.ResourceNotFoundException, match=not_found):
        stream.put_record(b"after", "k")
    with pytest.raises(pymsg.ResourceNotFoundException, match=not_found):
        stream.put_records([(b"after", "k")])
    with pytest.raises(pymsg.ResourceNotFoundException, match=not_found):
        stream.get_records(iterator)
    with pytest.raises(pymsg.ResourceNotFoundException, match=not_found):
        stream.list_shards()
    with pytest.raises(pymsg.ResourceNotFoundException, match=not_found):
        stream.get_shard_iterator("shardId-000000000000", "TRIM_HORIZON")
    with pytest.raises(pymsg.ResourceNotFoundException, match=not_found):
        broker.delete_stream("orders")
    assert broker.list_streams() == []


def test_a_name_can_be_reused_at_once_and_the_new_stream_starts_empty(broker: pymsg.Broker) -> None:
    old = broker.create_stream("orders", 1)
    old.put_record(b"old", "k")
    broker.delete_stream(old)
    new = broker.create_stream("orders", 3)
    assert len(new.list_shards()) == 3
    assert all(read_shard(new, s.shard_id) == [] for s in new.list_shards())
    with pytest.raises(pymsg.ResourceNotFoundException, match="not found"):
        old.list_shards()


# --- names and parameters at create ----------------------------------------------------------


@pytest.mark.parametrize("name", ["a", "A-b_c.9", "x" * 128])
def test_valid_stream_names_are_accepted(broker: pymsg.Broker, name: str) -> None:
    assert broker.create_stream(name, 1).name == name
    assert names(broker) == [name]


@pytest.mark.parametrize("name", ["", "x" * 129, "has space", "slash/name", "colon:name", "caf\u00e9", "star*"])
def test_invalid_stream_names_raise_validation_exception(broker: pymsg.Broker, name: str) -> None:
    with pytest.raises(pymsg.ValidationException, match="at 'streamName' failed to satisfy constraint"):
        broker.create_stream(name, 1)
    assert broker.list_streams() == []


def test_a_non_str_name_raises_validation_exception(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.ValidationException, match="streamName"):
        broker.create_stream(7, 1)  # type: ignore[arg-type]
    assert broker.list_streams() == []


@pytest.mark.parametrize("hours", [24, 25, 8760])
def test_retention_in_24_to_8760_hours_is_accepted(broker: pymsg.Broker, hours: int) -> None:
    stream = broker.create_stream("s", 1, retention_period_hours=hours)
    assert stream.retention_period_hours == hours
    assert stream.describe_summary()["RetentionPeriodHours"] == hours


@pytest.mark.parametrize("hours", [0, 1, 23, 8761, 100_000])
def test_retention_out_of_range_at_create_raises_invalid_argument(broker: pymsg.Broker, hours: int) -> None:
    with pytest.raises(pymsg.InvalidArgumentException, match=f"RetentionPeriodHours {hours} is out of range"):
        broker.create_stream("s", 1, retention_period_hours=hours)
    assert broker.list_streams() == []


def test_zero_shards_raise_validation_exception(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.ValidationException, match="at 'shardCount' failed to satisfy constraint"):
        broker.create_stream("s", 0)
    assert broker.list_streams() == []


def test_more_open_shards_than_the_account_quota_raise_limit_exceeded(clock: pymsg.ManualClock) -> None:
    broker = pymsg.Broker(clock, quotas={"shards": 500})
    with pytest.raises(pymsg.LimitExceededException, match="would exceed the shard limit for the account 123456789012"):
        broker.create_stream("huge", 501)
    assert broker.list_streams() == []
    broker.create_stream("big", 499)
    broker.create_stream("small", 1)  # 500 in all
    with pytest.raises(pymsg.LimitExceededException, match="500 open shards and 1 more asked for, 500 allowed"):
        broker.create_stream("one-more", 1)
    assert names(broker) == ["big", "small"]


def test_an_unknown_mode_raises_validation_exception(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.ValidationException, match="streamModeDetails.streamMode"):
        broker.create_stream("s", 1, mode="SERVERLESS")
    assert broker.list_streams() == []


def test_on_demand_starts_with_4_uniform_shards(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("od", 1, mode="ON_DEMAND")
    step = 2**128 // 4
    assert stream.mode == "ON_DEMAND"
    assert [s.shard_id for s in stream.list_shards()] == [f"shardId-00000000000{i}" for i in range(4)]
    assert ranges(stream) == [(i * step, (i + 1) * step - 1) for i in range(4)]
    summary = stream.describe_summary()
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] == 4


# --- describe and describe_summary -----------------------------------------------------------


def test_describe_summary_has_the_aws_keys_and_values(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    clock.advance(42.5)
    stream = broker.create_stream("s", 2, retention_period_hours=36)
    assert stream.describe_summary() == {
        "StreamName": "s",
        "StreamARN": ARN_PREFIX + "s",
        "StreamStatus": "ACTIVE",
        "StreamModeDetails": {"StreamMode": "PROVISIONED"},
        "RetentionPeriodHours": 36,
        "StreamCreationTimestamp": START + 42.5,
        "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
        "EncryptionType": "NONE",
        "OpenShardCount": 2,
        "ConsumerCount": 0,
        "MaxRecordSizeInKiB": 1024,
    }


def test_open_shard_count_follows_resharding(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", 1)
    stream.split_shard("shardId-000000000000", 2**127)
    assert stream.describe_summary()["OpenShardCount"] == 2
    assert len(stream.describe()["Shards"]) == 3  # the closed parent is still described


def test_describe_has_the_aws_keys_and_one_dict_per_shard(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", 2)
    description = stream.describe()
    assert set(description) == {
        "StreamName",
        "StreamARN",
        "StreamStatus",
        "StreamModeDetails",
        "Shards",
        "HasMoreShards",
        "RetentionPeriodHours",
        "StreamCreationTimestamp",
        "EnhancedMonitoring",
        "EncryptionType",
    }
    assert description["StreamName"] == "s"
    assert description["StreamARN"] == ARN_PREFIX + "s"
    assert description["StreamStatus"] == "ACTIVE"
    assert description["HasMoreShards"] is False
    assert description["StreamCreationTimestamp"] == START
    half = 2**127
    s0, s1 = (s.sequence_number_range.starting_sequence_number for s in stream.list_shards())
    assert description["Shards"] == [
        {
            "ShardId": "shardId-000000000000",
            "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": str(half - 1)},
            "SequenceNumberRange": {"StartingSequenceNumber": s0},
        },
        {
            "ShardId": "shardId-000000000001",
            "HashKeyRange": {"StartingHashKey": str(half), "EndingHashKey": str(MAX_HASH_KEY)},
            "SequenceNumberRange": {"StartingSequenceNumber": s1},
        },
    ]


def test_describe_shows_lineage_and_ending_sequence_number_after_a_split(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", 1)
    stream.split_shard("shardId-000000000000", 2**127)
    parent, low, high = stream.describe()["Shards"]
    assert set(parent["SequenceNumberRange"]) == {"StartingSequenceNumber", "EndingSequenceNumber"}
    assert "ParentShardId" not in parent
    assert low["ParentShardId"] == high["ParentShardId"] == "shardId-000000000000"
    assert "AdjacentParentShardId" not in low
    assert set(low["SequenceNumberRange"]) == {"StartingSequenceNumber"}


# --- shard ids, hash ranges, sequence number ranges ------------------------------------------


def test_shard_ids_are_shardid_and_12_zero_padded_digits(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", 12)
    assert [s.shard_id for s in stream.list_shards()] == [f"shardId-{i:012d}" for i in range(12)]
    assert stream.list_shards()[0].shard_id == "shardId-000000000000"
    assert stream.list_shards()[11].shard_id == "shardId-000000000011"


EXACT_RANGES = {
    2: [
        (0, 170141183460469231731687303715884105727),
        (170141183460469231731687303715884105728, MAX_HASH_KEY),
    ],
    3: [
        (0, 113427455640312821154458202477256070484),
        (113427455640312821154458202477256070485, 226854911280625642308916404954512140969),
        (226854911280625642308916404954512140970, MAX_HASH_KEY),
    ],
    4: [
        (0, 85070591730234615865843651857942052864 - 1),
        (85070591730234615865843651857942052864, 2 * 85070591730234615865843651857942052864 - 1),
        (2 * 85070591730234615865843651857942052864, 3 * 85070591730234615865843651857942052864 - 1),
        (3 * 85070591730234615865843651857942052864, MAX_HASH_KEY),
    ],
}


@pytest.mark.parametrize("count", sorted(EXACT_RANGES))
def test_hash_ranges_are_the_exact_values_of_section_3_4(broker: pymsg.Broker, count: int) -> None:
    stream = broker.create_stream("s", count)
    assert ranges(stream) == EXACT_RANGES[count]


def test_hash_keys_are_decimal_strings(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", 3)
    for shard in stream.list_shards():
        for key in shard.hash_key_range:
            assert isinstance(key, str) and key.isdigit() and (key == "0" or not key.startswith("0"))


@pytest.mark.parametrize("count", [1, 5, 6, 7, 10, 16, 100])
def test_hash_ranges_split_the_space_evenly(broker: pymsg.Broker, count: int) -> None:
    stream = broker.create_stream("s", count)
    step = 2**128 // count
    expected = [(i * step, (i + 1) * step - 1) for i in range(count)]
    expected[-1] = (expected[-1][0], MAX_HASH_KEY)
    assert ranges(stream) == expected


def test_open_shards_have_a_starting_and_no_ending_sequence_number(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s", 2)
    first = stream.list_shards()[0].sequence_number_range
    # The worked example of section 3.5: shard 0 created at second 1700000000.
    assert first.starting_sequence_number == "49646437577108476416916876405825929425585429676275269634"
    for shard in stream.list_shards():
        assert len(shard.sequence_number_range.starting_sequence_number) == 56
        assert shard.sequence_number_range.ending_sequence_number is None
        assert shard.parent_shard_id is None and shard.adjacent_parent_shard_id is None


# --- monitoring, encryption, enhanced fan-out consumers ---------------------------------------


def test_bad_metrics_and_encryption_types_are_refused_and_change_nothing(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s")
    with pytest.raises(pymsg.ValidationException, match="shardLevelMetrics"):
        stream.enable_enhanced_monitoring(["IncomingBytes", "Heat"])
    with pytest.raises(pymsg.ValidationException, match="shardLevelMetrics"):
        stream.enable_enhanced_monitoring([])
    assert stream.describe()["EnhancedMonitoring"] == [{"ShardLevelMetrics": []}]
    assert stream.enable_enhanced_monitoring(["ALL"])[1] == sorted(pymsg.kinesis.SHARD_LEVEL_METRICS)
    with pytest.raises(pymsg.InvalidArgumentException, match="^KMS is the only valid EncryptionType"):
        stream.start_encryption("AES", "k")
    with pytest.raises(pymsg.ValidationException, match="keyId"):
        stream.start_encryption("KMS", "")
    assert stream.describe()["EncryptionType"] == "NONE"


def test_a_stream_takes_twenty_fan_out_consumers(broker: pymsg.Broker) -> None:
    stream = broker.create_stream("s")
    for i in range(20):
        stream.register_stream_consumer(f"c{i}")
    with pytest.raises(pymsg.LimitExceededException, match="Consumer limit of 20"):
        stream.register_stream_consumer("one-more")
    with pytest.raises(pymsg.ValidationException, match="consumerName"):
        stream.register_stream_consumer("bad name")
    assert len(stream.list_stream_consumers()) == 20
    with pytest.raises(pymsg.ResourceNotFoundException, match="^Consumer nope, account 123456789012 not found.$"):
        stream.deregister_stream_consumer("nope")
    with pytest.raises(pymsg.ResourceNotFoundException):  # a policy needs its consumer
        stream.put_resource_policy(stream.arn + "/consumer/nope:1", "{}")
