"""boto3 against pymsg, through ``pymsg.mock_aws()`` and ``pymsg serve``: Kinesis over AWS JSON 1.1."""

from __future__ import annotations

import hashlib
from typing import Any, Iterator

import pytest

import pymsg
from aws_endpoints import MODES, endpoint

boto3 = pytest.importorskip("boto3")
ClientError = pytest.importorskip("botocore.exceptions").ClientError


@pytest.fixture(params=MODES)
def kinesis(request: pytest.FixtureRequest, clock: pymsg.ManualClock) -> Iterator[Any]:
    with endpoint(request.param, pymsg.Broker(clock, account_id="123456789012")) as make_client:
        yield make_client("kinesis")


def code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_two_shards_have_aws_ranges_and_alice_lands_in_shard_0(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=2)
    shards = kinesis.list_shards(StreamName="s")["Shards"]
    assert [s["HashKeyRange"] for s in shards] == [
        {"StartingHashKey": "0", "EndingHashKey": str(2**127 - 1)},
        {"StartingHashKey": str(2**127), "EndingHashKey": str(2**128 - 1)},
    ]
    assert int(hashlib.md5(b"alice").hexdigest(), 16) < 2**127
    assert kinesis.put_record(StreamName="s", Data=b"x", PartitionKey="alice")["ShardId"] == "shardId-000000000000"


def test_sequence_numbers_and_put_records_shape(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=1)
    result = kinesis.put_records(StreamName="s", Records=[{"Data": str(i).encode(), "PartitionKey": f"k{i}"}
                                                          for i in range(20)])
    assert result["FailedRecordCount"] == 0 and len(result["Records"]) == 20
    numbers = [int(r["SequenceNumber"]) for r in result["Records"]]
    assert all(len(r["SequenceNumber"]) == 56 for r in result["Records"]) and numbers == sorted(set(numbers))
    it = kinesis.get_shard_iterator(StreamName="s", ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = kinesis.get_records(ShardIterator=it)
    assert [r["Data"] for r in page["Records"]] == [str(i).encode() for i in range(20)]
    assert page["MillisBehindLatest"] == 0


def test_iterators_expire_while_chaining_keeps_working(kinesis: Any, clock: pymsg.ManualClock) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=1)
    it = kinesis.get_shard_iterator(StreamName="s", ShardId="shardId-000000000000",
                                    ShardIteratorType="LATEST")["ShardIterator"]
    old = it
    for _ in range(3):
        clock.advance(200)
        it = kinesis.get_records(ShardIterator=it)["NextShardIterator"]
    with pytest.raises(kinesis.exceptions.ExpiredIteratorException):
        kinesis.get_records(ShardIterator=old)
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.get_records(ShardIterator="A" * 64)


def test_split_closes_the_parent_and_reading_it_ends_with_child_shards(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=1)
    kinesis.put_record(StreamName="s", Data=b"before", PartitionKey="k")
    kinesis.split_shard(StreamName="s", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
    shards = {s["ShardId"]: s for s in kinesis.list_shards(StreamName="s")["Shards"]}
    assert "EndingSequenceNumber" in shards["shardId-000000000000"]["SequenceNumberRange"]
    assert shards["shardId-000000000001"]["ParentShardId"] == "shardId-000000000000"
    assert shards["shardId-000000000002"]["ParentShardId"] == "shardId-000000000000"
    it = kinesis.get_shard_iterator(StreamName="s", ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = kinesis.get_records(ShardIterator=it)
    assert [r["Data"] for r in page["Records"]] == [b"before"]
    assert page.get("NextShardIterator") is None
    assert sorted(c["ShardId"] for c in page["ChildShards"]) == ["shardId-000000000001", "shardId-000000000002"]
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.merge_shards(StreamName="s", ShardToMerge="shardId-000000000002", AdjacentShardToMerge="shardId-000000000002")


def test_on_demand_retention_and_limit_errors(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    assert len(kinesis.list_shards(StreamName="od")["Shards"]) == 4
    for call in (lambda: kinesis.split_shard(StreamName="od", ShardToSplit="shardId-000000000000",
                                             NewStartingHashKey="5"),
                 lambda: kinesis.update_shard_count(StreamName="od", TargetShardCount=8, ScalingType="UNIFORM_SCALING")):
        with pytest.raises(kinesis.exceptions.ValidationException):
            call()
    kinesis.create_stream(StreamName="p", ShardCount=1)
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.increase_stream_retention_period(StreamName="p", RetentionPeriodHours=8761)
    it = kinesis.get_shard_iterator(StreamName="p", ShardId="shardId-000000000000",
                                    ShardIteratorType="LATEST")["ShardIterator"]
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.get_records(ShardIterator=it, Limit=10_001)


def test_missing_stream_is_resource_not_found(kinesis: Any) -> None:
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException) as excinfo:
        kinesis.describe_stream_summary(StreamName="nope")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "x-amzn-query-error" not in excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]


def test_stream_tags_both_ways_with_paging(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="t", ShardCount=1, Tags={"a": "1"})
    arn = kinesis.describe_stream_summary(StreamName="t")["StreamDescriptionSummary"]["StreamARN"]
    kinesis.add_tags_to_stream(StreamName="t", Tags={"b": "2", "c": "3"})
    kinesis.tag_resource(ResourceARN=arn, Tags={"d": "4"})
    first = kinesis.list_tags_for_stream(StreamName="t", Limit=3)
    assert first["Tags"] == [{"Key": k, "Value": v} for k, v in [("a", "1"), ("b", "2"), ("c", "3")]]
    assert first["HasMoreTags"] is True
    rest = kinesis.list_tags_for_stream(StreamName="t", ExclusiveStartTagKey="c")
    assert rest == {**rest, "Tags": [{"Key": "d", "Value": "4"}], "HasMoreTags": False}
    kinesis.remove_tags_from_stream(StreamName="t", TagKeys=["a", "missing"])
    kinesis.untag_resource(ResourceARN=arn, TagKeys=["b"])
    assert [t["Key"] for t in kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"]] == ["c", "d"]
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.add_tags_to_stream(StreamName="t", Tags={f"k{i}": "v" for i in range(49)})  # 51 in all
    with pytest.raises(ClientError) as excinfo:
        kinesis.list_tags_for_stream(StreamName="t", Limit=51)
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
        kinesis.tag_resource(ResourceARN=arn.replace(":stream/t", ":stream/gone"), Tags={"x": "y"})
    assert len(kinesis.list_tags_for_stream(StreamName="t")["Tags"]) == 2  # the refused calls changed nothing


def test_list_shards_and_streams_page_and_filter(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="wide", ShardCount=5)
    kinesis.split_shard(StreamName="wide", ShardToSplit="shardId-000000000000", NewStartingHashKey="1000")
    first = kinesis.list_shards(StreamName="wide", MaxResults=3)
    assert [s["ShardId"][-2:] for s in first["Shards"]] == ["00", "01", "02"] and "NextToken" in first
    rest = kinesis.list_shards(NextToken=first["NextToken"])
    assert [s["ShardId"][-2:] for s in rest["Shards"]] == ["03", "04", "05", "06"] and "NextToken" not in rest
    pages = kinesis.get_paginator("list_shards").paginate(StreamName="wide", PaginationConfig={"PageSize": 2})
    assert len([s for page in pages for s in page["Shards"]]) == 7
    latest = kinesis.list_shards(StreamName="wide", ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert [s["ShardId"][-2:] for s in latest] == ["01", "02", "03", "04", "05", "06"]  # 00 is closed
    after = kinesis.list_shards(StreamName="wide", ShardFilter={"Type": "AFTER_SHARD_ID",
                                                                "ShardId": "shardId-000000000004"})["Shards"]
    assert [s["ShardId"][-2:] for s in after] == ["05", "06"]
    assert [s["ShardId"][-2:] for s in kinesis.list_shards(
        StreamName="wide", ExclusiveStartShardId="shardId-000000000005")["Shards"]] == ["06"]
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.list_shards(StreamName="s0", NextToken=first["NextToken"])  # another stream than the token's
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.list_shards(StreamName="wide", ShardFilter={"Type": "AT_TIMESTAMP", "Timestamp": 1})
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.list_shards(NextToken="garbage")

    for name in ("s1", "s2"):
        kinesis.create_stream(StreamName=name, ShardCount=1)
    page = kinesis.list_streams(Limit=2)
    assert page["StreamNames"] == ["s1", "s2"] and page["HasMoreStreams"] is True
    assert kinesis.list_streams(NextToken=page["NextToken"])["StreamNames"] == ["wide"]
    assert kinesis.list_streams(ExclusiveStartStreamName="s1")["StreamNames"] == ["s2", "wide"]
    with pytest.raises(kinesis.exceptions.ValidationException, match="at 'limit' failed to satisfy constraint: "
                       "Member must have value less than or equal to 10000"):
        kinesis.list_streams(Limit=10_001)


def test_a_shard_iterator_pasted_with_its_json_quotes_is_accepted(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=1)
    kinesis.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    it = kinesis.get_shard_iterator(StreamName="s", ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=f'"{it}"')["Records"]] == [b"x"]
    with pytest.raises(ClientError) as excinfo:
        kinesis.get_records(ShardIterator=f'"{it}')  # one quote is no JSON string: still invalid
    assert code(excinfo) == "InvalidArgumentException"


def test_create_stream_without_shard_count_is_on_demand_with_four_shards(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s")
    summary = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"} and summary["OpenShardCount"] == 4
    with pytest.raises(ClientError) as excinfo:
        kinesis.create_stream(StreamName="p", StreamModeDetails={"StreamMode": "PROVISIONED"})
    assert excinfo.value.response["Error"]["Message"] == (
        "ShardCount cannot be null when creating stream in PROVISIONED StreamMode")
    assert kinesis.list_streams()["StreamNames"] == ["s"]


def test_describe_stream_pages_shards_by_limit(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=5)
    first = kinesis.describe_stream(StreamName="s", Limit=2)["StreamDescription"]
    assert [s["ShardId"] for s in first["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    assert first["HasMoreShards"] is True
    rest = kinesis.describe_stream(StreamName="s", Limit=5, ExclusiveStartShardId="shardId-000000000001")
    assert len(rest["StreamDescription"]["Shards"]) == 3 and rest["StreamDescription"]["HasMoreShards"] is False


def test_update_shard_count_10_to_13_leaves_37_shards(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=10)
    answer = kinesis.update_shard_count(StreamName="s", TargetShardCount=13, ScalingType="UNIFORM_SCALING")
    assert (answer["CurrentShardCount"], answer["TargetShardCount"]) == (10, 13)
    assert len(kinesis.list_shards(StreamName="s")["Shards"]) == 37
    with pytest.raises(ClientError) as excinfo:
        kinesis.split_shard(StreamName="s", ShardToSplit="shardId-000000000000", NewStartingHashKey="5")
    assert code(excinfo) == "InvalidArgumentException"  # split before


def test_stream_mode_monitoring_encryption_and_policies(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]["StreamARN"]
    kinesis.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    with pytest.raises(ClientError) as excinfo:
        kinesis.split_shard(StreamName="s", ShardToSplit="shardId-000000000000", NewStartingHashKey="5")
    assert excinfo.value.response["Error"]["Message"] == (
        "Request is invalid. Stream s under account 123456789012 is in On-Demand mode.")
    kinesis.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "PROVISIONED"})
    enabled = kinesis.enable_enhanced_monitoring(StreamName="s", ShardLevelMetrics=["IncomingBytes"])
    assert (enabled["CurrentShardLevelMetrics"], enabled["DesiredShardLevelMetrics"]) == ([], ["IncomingBytes"])
    disabled = kinesis.disable_enhanced_monitoring(StreamName="s", ShardLevelMetrics=["ALL"])
    assert (disabled["CurrentShardLevelMetrics"], disabled["DesiredShardLevelMetrics"]) == (["IncomingBytes"], [])
    kinesis.start_stream_encryption(StreamName="s", EncryptionType="KMS", KeyId="alias/k")
    description = kinesis.describe_stream(StreamName="s")["StreamDescription"]
    assert (description["EncryptionType"], description["KeyId"]) == ("KMS", "alias/k")
    kinesis.stop_stream_encryption(StreamName="s", EncryptionType="KMS", KeyId="alias/k")
    assert "KeyId" not in kinesis.describe_stream(StreamName="s")["StreamDescription"]
    kinesis.put_resource_policy(ResourceARN=arn, Policy='{"Version": "2012-10-17"}')
    assert kinesis.get_resource_policy(ResourceARN=arn)["Policy"] == '{"Version": "2012-10-17"}'
    kinesis.delete_resource_policy(ResourceARN=arn)
    assert kinesis.get_resource_policy(ResourceARN=arn)["Policy"] == "{}"


def test_enhanced_fan_out_consumers_register_describe_list_deregister(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c")["Consumer"]
    assert consumer["ConsumerARN"].startswith(arn + "/consumer/c:") and consumer["ConsumerStatus"] == "ACTIVE"
    by_arn = kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"]
    by_name = kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="c")["ConsumerDescription"]
    assert by_arn == by_name and by_arn["StreamARN"] == arn
    assert [c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]] == ["c"]
    assert kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]["ConsumerCount"] == 1
    with pytest.raises(ClientError) as excinfo:
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c")
    assert code(excinfo) == "ResourceInUseException"
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []
    with pytest.raises(ClientError) as excinfo:
        kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="c")
    assert code(excinfo) == "ResourceNotFoundException"


def test_subscribe_to_shard_streams_the_records_as_boto3_reads_them(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c")["Consumer"]["ConsumerARN"]
    sent = [kinesis.put_record(StreamName="s", Data=f"r{i}".encode(), PartitionKey="k") for i in range(3)]
    answer = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                                        StartingPosition={"Type": "TRIM_HORIZON"})
    events = [e["SubscribeToShardEvent"] for e in answer["EventStream"]]
    records = [r for e in events for r in e["Records"]]
    assert [r["Data"] for r in records] == [b"r0", b"r1", b"r2"]
    assert events[-1]["ContinuationSequenceNumber"] == sent[-1]["SequenceNumber"]
    again = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000", StartingPosition={
        "Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": events[-1]["ContinuationSequenceNumber"]})
    (empty,) = [e["SubscribeToShardEvent"] for e in again["EventStream"]]
    assert empty["Records"] == [] and empty["ContinuationSequenceNumber"] == sent[-1]["SequenceNumber"]
    with pytest.raises(ClientError) as excinfo:
        kinesis.subscribe_to_shard(ConsumerARN=arn + "/consumer/nope:1", ShardId="shardId-000000000000",
                                   StartingPosition={"Type": "LATEST"})
    assert code(excinfo) == "ResourceNotFoundException"


def test_subscribe_to_a_closed_shard_ends_with_its_children(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="s", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c")["Consumer"]["ConsumerARN"]
    kinesis.put_record(StreamName="s", Data=b"before", PartitionKey="k")
    kinesis.split_shard(StreamName="s", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
    answer = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                                        StartingPosition={"Type": "TRIM_HORIZON"})
    events = [e["SubscribeToShardEvent"] for e in answer["EventStream"]]
    assert [r["Data"] for e in events for r in e["Records"]] == [b"before"]
    assert sorted(c["ShardId"] for c in events[-1]["ChildShards"]) == ["shardId-000000000001", "shardId-000000000002"]
