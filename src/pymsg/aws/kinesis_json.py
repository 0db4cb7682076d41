"""Kinesis over AWS JSON 1.1 (``X-Amz-Target: Kinesis_20131202.<Operation>``). Data is base64 on
the wire; streams are named by StreamName or StreamARN; timestamps are epoch seconds.

The same operations serve CBOR bodies (``application/x-amz-cbor-1.1``, what the Java SDKs send):
:func:`from_cbor` and :func:`to_cbor` translate, with Data as a byte string and timestamps as
tag 1 over epoch milliseconds, as those SDKs write and read them."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Callable

from ..broker import Broker
from ..errors import ProvisionedThroughputExceededException
from ..kinesis import Stream
from ..messages import KINESIS, error
from . import eventstream
from .cbor import Tag

CBOR_CONTENT_TYPE = "application/x-amz-cbor-1.1"
# The service model's patterns for the ARN members, which AWS quotes when one does not match.
_ARN_PATTERNS = {
    "StreamARN": r"arn:aws.*:kinesis:.*:\d{12}:stream/\S+",
    "ConsumerARN": r"^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+",
    "ResourceARN": r"arn:aws.*:kinesis:.*:\d{12}:.*(stream|channel|queue)/\S+",
}


def _member(key: str) -> str:
    """A member's name as AWS's validation messages give it: lowerCamelCase."""
    return key[:1].lower() + key[1:]


def _req(r: dict[str, Any], key: str, parent: str = "") -> Any:
    """A required member (botocore checks these too; other clients may not)."""
    value = r.get(key)
    if value is None:
        raise error(KINESIS, "not_null", at=parent + _member(key))
    return value


def _stream(broker: Broker, r: dict[str, Any]) -> Stream:
    name = r.get("StreamARN") or _req(r, "StreamName")
    if not name:
        raise error(KINESIS, "stream_name_empty")
    return _owner(broker, name).get_stream(name)


def _owner(broker: Broker, name_or_arn: Any) -> Broker:
    """The broker of the account a stream or consumer ARN names (a name: `broker` itself)."""
    parts = name_or_arn.split(":") if isinstance(name_or_arn, str) else []
    if len(parts) >= 6 and parts[4] != broker.account_id and len(parts[4]) == 12 and parts[4].isdigit():
        return broker.find_scope(parts[4]) or broker  # an account nothing was made in: not found here
    return broker


def _data(value: Any) -> bytes:
    if isinstance(value, bytes):  # a CBOR byte string
        return value
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise error(KINESIS, "base64") from None


def _shard(s: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"ShardId": s.shard_id}
    if s.parent_shard_id:
        out["ParentShardId"] = s.parent_shard_id
    if s.adjacent_parent_shard_id:
        out["AdjacentParentShardId"] = s.adjacent_parent_shard_id
    out["HashKeyRange"] = {"StartingHashKey": s.hash_key_range.starting_hash_key,
                           "EndingHashKey": s.hash_key_range.ending_hash_key}
    seq = {"StartingSequenceNumber": s.sequence_number_range.starting_sequence_number}
    if s.sequence_number_range.ending_sequence_number:
        seq["EndingSequenceNumber"] = s.sequence_number_range.ending_sequence_number
    out["SequenceNumberRange"] = seq
    return out


def create_stream(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    shards = r.get("ShardCount")
    # Without ShardCount or StreamModeDetails AWS creates an ON_DEMAND stream of 4 shards.
    mode = (r.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED" if shards is not None else "ON_DEMAND")
    if mode == "PROVISIONED" and shards is None:
        raise error(KINESIS, "shard_count_required")
    broker.create_stream(_req(r, "StreamName"), shards or 4, mode=mode,
                         max_record_size_kib=r.get("MaxRecordSizeInKiB") or 1024, tags=r.get("Tags"))
    return {}


def delete_stream(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    broker.delete_stream(_stream(broker, r))
    return {}


def _bounded(r: dict[str, Any], name: str, default: int, most: int) -> int:
    value = r.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(KINESIS, "wrong_type", at=_member(name), kind="an int", type=type(value).__name__)
    if not 1 <= value <= most:
        raise error(KINESIS, "value_least" if value < 1 else "value_most", value=value, at=_member(name), least=1,
                    most=most)
    return value


def _token(stream: str, after: str) -> str:
    """A NextToken: where a listing stops (opaque to clients, as AWS's are)."""
    return base64.urlsafe_b64encode(json.dumps([stream, after]).encode()).decode()


def _untoken(token: Any) -> tuple[str, str]:
    try:
        stream, after = json.loads(base64.urlsafe_b64decode(token))
        return str(stream), str(after)
    except (ValueError, TypeError, binascii.Error):
        raise error(KINESIS, "next_token", token=repr(token)) from None


def list_streams(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    limit = _bounded(r, "Limit", 100, 10_000)
    after = _untoken(r["NextToken"])[1] if r.get("NextToken") else r.get("ExclusiveStartStreamName")
    streams = [s for s in broker.list_streams() if after is None or s.name > after]
    page = streams[:limit]
    out = {"StreamNames": [s.name for s in page], "HasMoreStreams": len(streams) > limit,
           "StreamSummaries": [{"StreamName": s.name, "StreamARN": s.arn, "StreamStatus": "ACTIVE",
                                "StreamModeDetails": {"StreamMode": s.mode},
                                "StreamCreationTimestamp": s._core.created_timestamp} for s in page]}
    if len(streams) > limit:
        out["NextToken"] = _token("", page[-1].name)
    return out


def describe_stream(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    """DescribeStream: at most Limit shards (100 by default) after ExclusiveStartShardId."""
    limit = _bounded(r, "Limit", 100, 10_000)
    description = _stream(broker, r).describe()
    shards = description["Shards"]
    after = r.get("ExclusiveStartShardId")
    if after:
        shards = [s for s in shards if s["ShardId"] > after]
    description["Shards"], description["HasMoreShards"] = shards[:min(limit, 100)], len(shards) > min(limit, 100)
    return {"StreamDescription": description}


def describe_stream_summary(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return {"StreamDescriptionSummary": _stream(broker, r).describe_summary()}


def list_shards(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    """ListShards, 1,000 a page by default. ShardFilter: AFTER_SHARD_ID, AT_LATEST (the open
    shards) and the TRIM_HORIZON ones (every shard pymsg keeps); the time-based ones are refused."""
    limit = _bounded(r, "MaxResults", 1000, 10_000)
    if r.get("NextToken"):
        name, after = _untoken(r["NextToken"])
        stream = broker.get_stream(name)
        # AWS refuses a StreamName beside a NextToken, but boto3's paginator sends both: the
        # same stream is let through.
        given = r.get("StreamName") or str(r.get("StreamARN") or "").rsplit("/", 1)[-1]
        if given and given != stream.name:
            raise error(KINESIS, "next_token_and_stream_name")
    else:
        stream, after = _stream(broker, r), r.get("ExclusiveStartShardId") or ""
    shards = stream.list_shards()
    shard_filter = r.get("ShardFilter") or {}
    kind = shard_filter.get("Type")
    if kind == "AFTER_SHARD_ID":
        after = max(after, _req(shard_filter, "ShardId", "shardFilter."))
    elif kind == "AT_LATEST":
        shards = [s for s in shards if not s.sequence_number_range.ending_sequence_number]
    elif kind not in (None, "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON"):
        raise error(KINESIS, "shard_filter", kind=kind)
    shards = [s for s in shards if s.shard_id > after]
    page = shards[:limit]
    out: dict[str, Any] = {"Shards": [_shard(s) for s in page]}
    if len(shards) > limit:
        out["NextToken"] = _token(stream.name, page[-1].shard_id)
    return out


def _partition_key(value: Any, at: str = "") -> Any:
    """A PartitionKey checked against the service model, which AWS does before it looks for the stream."""
    if isinstance(value, str) and not 1 <= len(value) <= 256:
        raise error(KINESIS, "partition_key_short" if not value else "partition_key_long", key=value, at=at)
    return value


def put_record(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    data, key = _data(r.get("Data")), _partition_key(_req(r, "PartitionKey"))
    result = _stream(broker, r).put_record(data, key, explicit_hash_key=r.get("ExplicitHashKey"),
                                           sequence_number_for_ordering=r.get("SequenceNumberForOrdering"))
    return {"ShardId": result.shard_id, "SequenceNumber": result.sequence_number, "EncryptionType": "NONE"}


def put_records(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    records = []
    for i, entry in enumerate(r.get("Records") or [], 1):
        record: dict[str, Any] = {"data": _data(entry.get("Data")),
                                  "partition_key": _partition_key(entry.get("PartitionKey"), f"records.{i}.member.")}
        if entry.get("ExplicitHashKey") is not None:
            record["explicit_hash_key"] = entry["ExplicitHashKey"]
        records.append(record)
    result = _stream(broker, r).put_records(records)
    out = []
    for e in result.records:
        if e.error_code:
            out.append({"ErrorCode": e.error_code, "ErrorMessage": e.error_message})
        else:
            out.append({"SequenceNumber": e.sequence_number, "ShardId": e.shard_id})
    return {"FailedRecordCount": result.failed_record_count, "Records": out, "EncryptionType": "NONE"}


def get_shard_iterator(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    iterator = _stream(broker, r).get_shard_iterator(
        _req(r, "ShardId"), _req(r, "ShardIteratorType"), starting_sequence_number=r.get("StartingSequenceNumber"),
        timestamp=r.get("Timestamp"),
    )
    return {"ShardIterator": iterator}


def get_records(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    iterator = r.get("ShardIterator")
    if not isinstance(iterator, str):
        raise error(KINESIS, "invalid_iterator")
    if len(iterator) >= 2 and iterator[0] == iterator[-1] == '"':
        iterator = iterator[1:-1]  # Kinesis takes an iterator pasted with its JSON quotes
    stream = _stream_of_iterator(broker, iterator, r)
    page = stream.get_records(iterator, limit=r.get("Limit") or 10_000)
    out: dict[str, Any] = {"Records": _records(page.records), "NextShardIterator": page.next_shard_iterator,
                           "MillisBehindLatest": page.millis_behind_latest}
    if page.child_shards:
        out["ChildShards"] = _child_shards(page.child_shards)
    return out


def _records(records: Any) -> list[dict[str, Any]]:
    return [{"SequenceNumber": x.sequence_number, "ApproximateArrivalTimestamp": x.approximate_arrival_timestamp,
             "Data": base64.b64encode(x.data).decode(), "PartitionKey": x.partition_key} for x in records]


def _child_shards(children: Any) -> list[dict[str, Any]]:
    return [{"ShardId": c.shard_id, "ParentShards": c.parent_shards,
             "HashKeyRange": {"StartingHashKey": c.hash_key_range.starting_hash_key,
                              "EndingHashKey": c.hash_key_range.ending_hash_key}} for c in children]


_SUBSCRIPTION_PAGES = 100  # pages of up to 10,000 records one subscription answers; the next one reads on


def _last_sequence_number(stream: Stream, shard_id: str) -> str:
    """Where a subscription that read nothing continues from: the shard's newest record (so
    AFTER_SEQUENCE_NUMBER from it reads only what comes next), or its first sequence number
    when it has none. Reads the shard from its start: pymsg keeps no index of its newest record."""
    shard = next((s for s in stream.list_shards() if s.shard_id == shard_id), None)
    if shard is None:
        raise error(KINESIS, "iterator_shard_missing", shard=shard_id, name=stream.name, account=stream.arn.split(":")[4])
    last = shard.sequence_number_range.starting_sequence_number
    iterator = stream.get_shard_iterator(shard_id, "TRIM_HORIZON")
    try:
        while iterator is not None:
            page = stream.get_records(iterator, limit=10_000)
            if not page.records:
                break
            last, iterator = page.records[-1].sequence_number, page.next_shard_iterator
    except ProvisionedThroughputExceededException:
        pass  # the read limit: the newest record read so far
    return last


def subscribe_to_shard(broker: Broker, r: dict[str, Any]) -> bytes:
    """SubscribeToShard for an enhanced fan-out consumer, as an event stream: the initial
    response, then one SubscribeToShardEvent per page of the records there are now (one event,
    empty, when there are none), with ContinuationSequenceNumber to subscribe again from, and
    ChildShards once a closed shard is read to its end. AWS keeps a subscription open for five
    minutes and pushes what arrives; pymsg ends it when the shard is read, so a client's
    re-subscribe loop (as the KCL runs it) reads on from the continuation."""
    consumer_arn = _req(r, "ConsumerARN")
    stream = _stream_of_arn(broker, consumer_arn, "ConsumerARN")
    stream.describe_stream_consumer(consumer_arn=consumer_arn)
    position = _req(r, "StartingPosition")
    if not isinstance(position, dict):
        raise error(KINESIS, "wrong_type", at="startingPosition", kind="a structure", type=type(position).__name__)
    shard_id = _req(r, "ShardId")
    iterator = stream.get_shard_iterator(shard_id, position.get("Type"),
                                         starting_sequence_number=position.get("SequenceNumber"),
                                         timestamp=position.get("Timestamp"))
    continuation = position.get("SequenceNumber") or _last_sequence_number(stream, shard_id)
    events = [eventstream.event("initial-response", b"{}")]
    pages = 0
    while iterator is not None and pages < _SUBSCRIPTION_PAGES:
        pages += 1
        try:
            page = stream.get_records(iterator, limit=10_000)
        except ProvisionedThroughputExceededException:
            break  # the shard's read limit: the rest is for the next subscription
        if page.records:
            continuation = page.records[-1].sequence_number
        payload: dict[str, Any] = {"Records": _records(page.records), "ContinuationSequenceNumber": continuation,
                                   "MillisBehindLatest": page.millis_behind_latest}
        if page.child_shards:
            payload["ChildShards"] = _child_shards(page.child_shards)
        if page.records or page.child_shards or len(events) == 1:
            events.append(eventstream.event("SubscribeToShardEvent", json.dumps(payload).encode()))
        iterator = page.next_shard_iterator if page.records else None
    return b"".join(events)


def _stream_of_iterator(broker: Broker, iterator: str, r: dict[str, Any]) -> Stream:
    """GetRecords need not name its stream (StreamARN is optional): the iterator's stream is the
    one whose keyed tag it carries (checked without reading)."""
    if r.get("StreamARN"):
        return broker.get_stream(r["StreamARN"])
    for stream in broker.list_streams():
        if stream._core.owns_iterator(iterator):
            return stream
    raise error(KINESIS, "invalid_iterator")


def split_shard(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _stream(broker, r).split_shard(_req(r, "ShardToSplit"), _req(r, "NewStartingHashKey"))
    return {}


def merge_shards(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _stream(broker, r).merge_shards(_req(r, "ShardToMerge"), _req(r, "AdjacentShardToMerge"))
    return {}


def update_shard_count(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return _stream(broker, r).update_shard_count(_req(r, "TargetShardCount"), scaling_type=r.get("ScalingType", "UNIFORM_SCALING"))


def increase_stream_retention_period(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _stream(broker, r).increase_retention_period(_req(r, "RetentionPeriodHours"))
    return {}


def decrease_stream_retention_period(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _stream(broker, r).decrease_retention_period(_req(r, "RetentionPeriodHours"))
    return {}


def add_tags_to_stream(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _stream(broker, r).add_tags(_req(r, "Tags"))
    return {}


def remove_tags_from_stream(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _stream(broker, r).remove_tags(_req(r, "TagKeys"))
    return {}


def list_tags_for_stream(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    limit = r.get("Limit", 50)
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise error(KINESIS, "wrong_type", at="limit", kind="an int", type=type(limit).__name__)
    if not 1 <= limit <= 50:
        raise error(KINESIS, "value_least" if limit < 1 else "value_most", value=limit, at="limit", least=1, most=50)
    tags = sorted(_stream(broker, r).list_tags().items())
    start = r.get("ExclusiveStartTagKey")
    if start is not None:
        tags = [(k, v) for k, v in tags if k > start]
    return {"Tags": [{"Key": k, "Value": v} for k, v in tags[:limit]], "HasMoreTags": len(tags) > limit}


def _resource(broker: Broker, r: dict[str, Any]) -> Stream:
    return broker.get_stream(_req(r, "ResourceARN"))  # streams are the resources pymsg tags


def tag_resource(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _resource(broker, r).add_tags(_req(r, "Tags"))
    return {}


def untag_resource(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _resource(broker, r).remove_tags(_req(r, "TagKeys"))
    return {}


def list_tags_for_resource(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(_resource(broker, r).list_tags().items())]}


def describe_limits(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return broker.describe_kinesis_limits()


def update_stream_mode(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    arn = _req(r, "StreamARN")
    stream = _owner(broker, arn).get_stream(arn)
    stream.update_mode(_req(r, "StreamModeDetails").get("StreamMode"))
    return {}


def _monitoring(broker: Broker, r: dict[str, Any], enable: bool) -> dict[str, Any]:
    stream = _stream(broker, r)
    metrics = _req(r, "ShardLevelMetrics")
    current, desired = (stream.enable_enhanced_monitoring if enable else stream.disable_enhanced_monitoring)(metrics)
    return {"StreamName": stream.name, "StreamARN": stream.arn, "CurrentShardLevelMetrics": current,
            "DesiredShardLevelMetrics": desired}


def enable_enhanced_monitoring(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return _monitoring(broker, r, True)


def disable_enhanced_monitoring(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return _monitoring(broker, r, False)


def start_stream_encryption(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _stream(broker, r).start_encryption(_req(r, "EncryptionType"), _req(r, "KeyId"))
    return {}


def stop_stream_encryption(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _stream(broker, r).stop_encryption(_req(r, "EncryptionType"), _req(r, "KeyId"))
    return {}


def _stream_of_arn(broker: Broker, arn: Any, member: str) -> Stream:
    """The stream a stream or consumer ARN (".../stream/<name>[/consumer/<c>:<t>]") belongs to."""
    if not isinstance(arn, str):
        raise error(KINESIS, "wrong_type", at=_member(member), kind="a str", type=type(arn).__name__)
    if ":stream/" not in arn:
        raise error(KINESIS, "pattern", value=arn, at=_member(member), pattern=_ARN_PATTERNS[member])
    return _owner(broker, arn).get_stream(arn.split(":stream/", 1)[1].split("/", 1)[0])


def put_resource_policy(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    arn = _req(r, "ResourceARN")
    _stream_of_arn(broker, arn, "ResourceARN").put_resource_policy(arn, _req(r, "Policy"))
    return {}


def get_resource_policy(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    arn = _req(r, "ResourceARN")
    return {"Policy": _stream_of_arn(broker, arn, "ResourceARN").get_resource_policy(arn)}


def delete_resource_policy(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    arn = _req(r, "ResourceARN")
    _stream_of_arn(broker, arn, "ResourceARN").delete_resource_policy(arn)
    return {}


def register_stream_consumer(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    stream = _stream_of_arn(broker, _req(r, "StreamARN"), "StreamARN")
    return {"Consumer": stream.register_stream_consumer(_req(r, "ConsumerName"))}


def _consumer_stream(broker: Broker, r: dict[str, Any]) -> Stream:
    if r.get("ConsumerARN"):
        return _stream_of_arn(broker, r["ConsumerARN"], "ConsumerARN")
    if not r.get("StreamARN") or not r.get("ConsumerName"):
        raise error(KINESIS, "consumer_selector")
    return _stream_of_arn(broker, r["StreamARN"], "StreamARN")


def describe_stream_consumer(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    stream = _consumer_stream(broker, r)
    return {"ConsumerDescription": stream.describe_stream_consumer(r.get("ConsumerName"), r.get("ConsumerARN"))}


def deregister_stream_consumer(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _consumer_stream(broker, r).deregister_stream_consumer(r.get("ConsumerName"), r.get("ConsumerARN"))
    return {}


def list_stream_consumers(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    consumers = _stream_of_arn(broker, _req(r, "StreamARN"), "StreamARN").list_stream_consumers()
    limit = _bounded(r, "MaxResults", 100, 10_000)
    start = int(r["NextToken"]) if str(r.get("NextToken") or "").isdigit() else 0
    out: dict[str, Any] = {"Consumers": consumers[start:start + limit]}
    if start + limit < len(consumers):
        out["NextToken"] = str(start + limit)
    return out


def from_cbor(value: Any) -> Any:
    """A decoded CBOR request in the JSON protocol's terms: tag-1 times as epoch seconds (the
    Java SDKs send milliseconds; a value below 1e11 is taken as seconds, as RFC 8949 has it)."""
    if isinstance(value, Tag):
        if value.tag == 1 and isinstance(value.value, (int, float)):
            return value.value / 1000 if abs(value.value) >= 1e11 else value.value
        raise error(KINESIS, "cbor_tag", tag=value.tag)
    if isinstance(value, dict):
        return {k: from_cbor(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_cbor(v) for v in value]
    return value


def to_cbor(value: Any, name: str = "") -> Any:
    """A JSON-protocol answer in CBOR's terms: Data as bytes, *Timestamp members as tag 1 over
    epoch milliseconds (every Kinesis timestamp member is named so)."""
    kind = type(value)
    if kind is dict:
        return {k: to_cbor(v, k) for k, v in value.items()}
    if kind is list:
        return [to_cbor(v, name) for v in value]
    if name == "Data" and kind is str:
        return base64.b64decode(value)
    if (kind is float or kind is int) and name.endswith("Timestamp"):
        return Tag(1, round(value * 1000))
    return value


OPERATIONS: dict[str, Callable[[Broker, dict[str, Any]], dict[str, Any]]] = {
    "CreateStream": create_stream,
    "DescribeLimits": describe_limits,
    "DeleteStream": delete_stream,
    "ListStreams": list_streams,
    "DescribeStream": describe_stream,
    "DescribeStreamSummary": describe_stream_summary,
    "ListShards": list_shards,
    "PutRecord": put_record,
    "PutRecords": put_records,
    "GetShardIterator": get_shard_iterator,
    "GetRecords": get_records,
    "SplitShard": split_shard,
    "MergeShards": merge_shards,
    "UpdateShardCount": update_shard_count,
    "IncreaseStreamRetentionPeriod": increase_stream_retention_period,
    "DecreaseStreamRetentionPeriod": decrease_stream_retention_period,
    "AddTagsToStream": add_tags_to_stream,
    "RemoveTagsFromStream": remove_tags_from_stream,
    "ListTagsForStream": list_tags_for_stream,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
    "UpdateStreamMode": update_stream_mode,
    "EnableEnhancedMonitoring": enable_enhanced_monitoring,
    "DisableEnhancedMonitoring": disable_enhanced_monitoring,
    "StartStreamEncryption": start_stream_encryption,
    "StopStreamEncryption": stop_stream_encryption,
    "PutResourcePolicy": put_resource_policy,
    "GetResourcePolicy": get_resource_policy,
    "DeleteResourcePolicy": delete_resource_policy,
    "RegisterStreamConsumer": register_stream_consumer,
    "DescribeStreamConsumer": describe_stream_consumer,
    "DeregisterStreamConsumer": deregister_stream_consumer,
    "ListStreamConsumers": list_stream_consumers,
    "SubscribeToShard": subscribe_to_shard,  # answers bytes: an event stream, not a JSON document
}
