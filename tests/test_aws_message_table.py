"""The message tables (pymsg.messages) against what pymsg raises: every entry has a call here
that makes it happen, through the Python API or boto3 in mock_aws (the wire-only ones), and the
error must carry the entry's code and AWS's words. An entry without a call fails the test."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest

import pymsg
from pymsg import errors
from pymsg.messages import KINESIS, SNS, SQS, Message

boto3 = pytest.importorskip("boto3")
ClientError = pytest.importorskip("botocore.exceptions").ClientError

ACCOUNT = "123456789012"
Q_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:t"


@dataclass
class World:
    broker: pymsg.Broker
    sqs: Any
    sqs_query: Any
    sns: Any
    kinesis: Any

    @property
    def q_url(self) -> str:
        return self.sqs.get_queue_url(QueueName="q")["QueueUrl"]


@pytest.fixture(scope="module")
def clients() -> tuple[Any, Any, Any, Any]:
    """boto3 clients made once (mock_aws serves clients made before it)."""
    from aws_endpoints import legacy_sqs_session

    options = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    return (boto3.client("sqs", **options), boto3.Session(botocore_session=legacy_sqs_session()).client("sqs", **options),
            boto3.client("sns", **options), boto3.client("kinesis", **options))


@pytest.fixture
def world(clock: pymsg.ManualClock, clients: tuple[Any, Any, Any, Any]) -> Iterator[World]:
    broker = pymsg.Broker(clock, account_id=ACCOUNT)
    broker.create_queue("q")
    broker.create_queue("f.fifo")
    broker.create_queue("dlq-source", dead_letter_queue=broker.create_queue("dlq"))
    broker.create_topic("t")
    broker.create_topic("t.fifo")
    broker.create_stream("s", 2)
    with pymsg.mock_aws(broker):
        yield World(broker, *clients)


def redrive(w: World, policy: str) -> Any:
    return w.sqs.set_queue_attributes(QueueUrl=w.q_url, Attributes={"RedrivePolicy": policy})


def mobile_endpoint(w: World) -> str:
    app = w.sns.create_platform_application(Name="a", Platform="GCM", Attributes={})["PlatformApplicationArn"]
    return w.sns.create_platform_endpoint(PlatformApplicationArn=app, Token="tok")["EndpointArn"]


def closed_shard(w: World) -> Any:
    stream = w.broker.get_stream("s")
    stream.split_shard("shardId-000000000000", str(2**126))
    return stream.split_shard("shardId-000000000000", str(2**125))


ATTR = {"DataType": "String", "StringValue": "x"}
# Attributes both services refuse, each in its own words.
BAD_TYPE = {"a": {"DataType": "Text", "StringValue": "x"}}
EMPTY_VALUE = {"a": {"DataType": "String", "StringValue": ""}}
NOT_A_NUMBER = {"a": {"DataType": "Number", "StringValue": "x"}}

SQS_CALLS: dict[str, Callable[[World], Any]] = {
    "queue_does_not_exist": lambda w: w.broker.get_queue("nope"),
    "queue_does_not_exist_query": lambda w: w.sqs_query.get_queue_url(QueueName="nope"),
    "queue_name": lambda w: w.broker.create_queue("a b"),
    "fifo_queue_name": lambda w: w.broker.create_queue("a b.fifo"),
    "queue_exists": lambda w: w.broker.create_queue("q", visibility_timeout=5),
    "unknown_attribute": lambda w: w.sqs.create_queue(QueueName="x", Attributes={"Colour": "red"}),
    "attribute_value": lambda w: w.broker.create_queue("x", delay_seconds=901),
    "sse_conflict": lambda w: w.sqs.create_queue(QueueName="x", Attributes={"KmsMasterKeyId": "k",
                                                                            "SqsManagedSseEnabled": "true"}),
    "fifo_id": lambda w: w.broker.get_queue("f.fifo").send("x", group_id="g" * 129, deduplication_id="d"),
    "seconds_range": lambda w: w.broker.get_queue("q").send("x", delay_seconds=901),
    "fifo_delay": lambda w: w.broker.get_queue("f.fifo").send("x", group_id="g", deduplication_id="d",
                                                              delay_seconds=2),
    "message_too_long": lambda w: w.broker.get_queue("q").send("x" * 1_048_577),
    "invalid_characters": lambda w: w.broker.get_queue("q").send("\x00"),
    "modify_queue_type": lambda w: w.sqs.set_queue_attributes(
        QueueUrl=w.sqs.get_queue_url(QueueName="f.fifo")["QueueUrl"], Attributes={"FifoQueue": "false"}),
    "redrive_not_a_map": lambda w: redrive(w, "[1]"),
    "redrive_mandatory": lambda w: redrive(w, '{"maxReceiveCount": 3}'),
    "redrive_target_arn": lambda w: redrive(w, '{"deadLetterTargetArn": "x", "maxReceiveCount": 3}'),
    "redrive_max_receive_count": lambda w: redrive(w, json.dumps({"deadLetterTargetArn": Q_ARN,
                                                                  "maxReceiveCount": 0})),
    "redrive_not_sqs": lambda w: redrive(w, json.dumps({"deadLetterTargetArn": TOPIC, "maxReceiveCount": 3})),
    "redrive_target_missing": lambda w: w.broker.get_queue("q").set_attributes(
        dead_letter_queue=Q_ARN + "-missing"),
    "redrive_target_type": lambda w: w.broker.get_queue("q").set_attributes(
        dead_letter_queue=w.broker.get_queue("f.fifo")),
    "missing_parameter": lambda w: w.broker.get_queue("q").send(""),
    "max_number_of_messages": lambda w: w.broker.get_queue("q").receive(11),
    "wait_time_seconds": lambda w: w.broker.get_queue("q").receive(1, wait_time_seconds=21),
    "visibility_timeout": lambda w: w.broker.get_queue("q").receive(1, visibility_timeout=43201),
    "receipt_handle": lambda w: w.broker.get_queue("q").delete("garbage"),
    "receipt_handle_expired": lambda w: fifo_handle_expired(w),
    "visibility_change": lambda w: visibility_of_deleted(w),
    "empty_batch": lambda w: w.broker.get_queue("q").delete_batch([]),
    "batch_entry_id": lambda w: w.broker.get_queue("q").send_batch([{"id": "a b", "body": "x"}]),
    "attribute_name_length": lambda w: w.broker.get_queue("q").send("x", message_attributes={"a" * 256: ATTR}),
    "attribute_name_characters": lambda w: w.broker.get_queue("q").send("x", message_attributes={"a b": ATTR}),
    "attribute_name_reserved": lambda w: w.broker.get_queue("q").send("x", message_attributes={"AWS.x": ATTR}),
    "attribute_type": lambda w: w.broker.get_queue("q").send("x", message_attributes=BAD_TYPE),
    "attribute_empty": lambda w: w.broker.get_queue("q").send("x", message_attributes=EMPTY_VALUE),
    "attribute_number": lambda w: w.broker.get_queue("q").send("x", message_attributes=NOT_A_NUMBER),
    "label": lambda w: w.broker.get_queue("q").remove_permission("never"),
    "not_a_dead_letter_queue": lambda w: w.broker.start_message_move_task(w.broker.get_queue("q")),
    "task_running": lambda w: [w.broker.get_queue("dlq").send("x"), w.broker.get_queue("dlq").send("y")] and [
        w.broker.start_message_move_task(w.broker.get_queue("dlq"), max_messages_per_second=1) for _ in range(2)],
    "task_handle": lambda w: w.broker.cancel_message_move_task("garbage"),
    "task_resource_missing": lambda w: w.broker.start_message_move_task(Q_ARN + "-missing"),
    "task_missing": lambda w: w.broker.cancel_message_move_task(base64.b64encode(json.dumps(
        {"taskId": "x", "sourceArn": w.broker.get_queue("dlq").arn}).encode()).decode()),
}


def fifo_handle_expired(w: World) -> Any:
    queue = w.broker.get_queue("f.fifo")
    queue.send("x", group_id="g", deduplication_id="d")
    old = queue.receive()[0]
    w.broker.clock.advance(30)  # type: ignore[attr-defined]
    queue.receive()
    return queue.delete(old.receipt_handle)


def visibility_of_deleted(w: World) -> Any:
    queue = w.broker.get_queue("q")
    queue.send("x")
    message = queue.receive()[0]
    message.delete()
    return queue.change_visibility(message.receipt_handle, 5)


SNS_CALLS: dict[str, Callable[[World], Any]] = {
    "topic_name": lambda w: w.broker.create_topic("a b"),
    "arn_elements": lambda w: w.sns.get_topic_attributes(TopicArn="x"),
    "no_value": lambda w: w.sns.unsubscribe(SubscriptionArn=""),
    "arn_region": lambda w: w.sns.get_topic_attributes(TopicArn=TOPIC.replace("us-east-1", "eu-west-1")),
    "topic_missing": lambda w: w.broker.get_topic("nope"),
    "subscription_missing": lambda w: w.sns.get_subscription_attributes(SubscriptionArn=TOPIC + ":1"),
    "subscription_id": lambda w: w.sns.get_subscription_attributes(SubscriptionArn=Q_ARN + ":1"),
    "resource_missing": lambda w: w.sns.list_tags_for_resource(ResourceArn=TOPIC + "x"),
    "attribute_name": lambda w: w.broker.get_topic("t").set_attribute("Colour", "red"),
    "topic_attributes_differ": lambda w: w.sns.create_topic(Name="t", Attributes={"DisplayName": "other"}),
    "topic_tags_differ": lambda w: w.sns.create_topic(Name="t", Tags=[{"Key": "k", "Value": "v"}]),
    "subscription_attributes_differ": lambda w: [w.broker.get_topic("t").subscribe(w.broker.get_queue("q"), raw_message_delivery=r)
                                                 for r in (False, True)],
    "raw_delivery_value": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=Q_ARN,
                                                    Attributes={"RawMessageDelivery": "maybe"}),
    "raw_delivery_protocol": lambda w: w.broker.get_topic("t").subscribe(print, raw_message_delivery=True),
    "filter_policy_scope": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=Q_ARN,
                                                     Attributes={"FilterPolicyScope": "Body"}),
    "redrive_arn": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=Q_ARN,
                                             Attributes={"RedrivePolicy": '{"deadLetterTargetArn": "x"}'}),
    "protocol": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="pigeon", Endpoint="x"),
    "endpoint_protocol": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="https", Endpoint="http://x"),
    "sqs_endpoint": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint="q"),
    "fifo_queue_on_standard_topic": lambda w: w.broker.get_topic("t").subscribe(w.broker.get_queue("f.fifo")),
    "sms_endpoint": lambda w: w.broker.get_topic("t").subscribe("x", protocol="sms"),
    "email_endpoint": lambda w: w.broker.get_topic("t").subscribe("x", protocol="email"),
    "invalid_token": lambda w: w.broker.get_topic("t").confirm_subscription("x"),
    "unknown_token": lambda w: w.broker.get_topic("t").confirm_subscription("ab" * 32),
    "token_topic": lambda w: w.sns.confirm_subscription(TopicArn="x", Token="ab" * 32),
    "statement_exists": lambda w: [w.broker.get_topic("t").add_permission("l", [ACCOUNT], ["Publish"])
                                   for _ in range(2)],
    "action_scope": lambda w: w.broker.get_topic("t").add_permission("l", [ACCOUNT], ["Fly"]),
    "duplicate_tag_keys": lambda w: w.sns.tag_resource(ResourceArn=TOPIC, Tags=[{"Key": "k", "Value": "1"},
                                                                                {"Key": "k", "Value": "2"}]),
    "tag_key_length": lambda w: w.sns.tag_resource(ResourceArn=TOPIC, Tags=[{"Key": "k" * 129, "Value": "1"}]),
    "tag_quota": lambda w: w.broker.get_topic("t").tag({f"k{i}": "v" for i in range(51)}),
    "empty_message": lambda w: w.broker.get_topic("t").publish(""),
    "message_too_long": lambda w: w.broker.get_topic("t").publish("x" * 262_145),
    "subject": lambda w: w.broker.get_topic("t").publish("x", subject="a\nb"),
    "structure_parse": lambda w: w.broker.get_topic("t").publish("{", message_structure="json"),
    "structure_default": lambda w: w.broker.get_topic("t").publish("{}", message_structure="json"),
    "group_id_required": lambda w: w.broker.get_topic("t.fifo").publish("x", deduplication_id="d"),
    "deduplication_required": lambda w: w.broker.get_topic("t.fifo").publish("x", group_id="g"),
    "deduplication_on_standard": lambda w: w.broker.get_topic("t").publish("x", deduplication_id="d"),
    "phone_number": lambda w: w.sns.publish(PhoneNumber="+1a", Message="x"),
    "phone_number_format": lambda w: w.sns.check_if_phone_number_is_opted_out(phoneNumber="x"),
    "target_endpoint": lambda w: w.sns.publish(TargetArn=mobile_endpoint(w) + "x", Message="x"),
    "endpoint_disabled": lambda w: disabled_push(w),
    "attribute_type": lambda w: w.broker.get_topic("t").publish("x", message_attributes=BAD_TYPE),
    "attribute_empty": lambda w: w.broker.get_topic("t").publish("x", message_attributes=EMPTY_VALUE),
    "attribute_field": lambda w: w.broker.get_topic("t").publish("x", message_attributes={
        "a": {"DataType": "Binary", "StringValue": "x"}}),
    "attribute_number": lambda w: w.broker.get_topic("t").publish("x", message_attributes=NOT_A_NUMBER),
    "attribute_data_type": lambda w: w.sns.publish(TopicArn=TOPIC, Message="x", MessageAttributes={
        "a": {"DataType": "", "StringValue": "x"}}),
    "attribute_name_length": lambda w: w.broker.get_topic("t").publish("x", message_attributes={"a" * 256: ATTR}),
    "attribute_name_character": lambda w: w.broker.get_topic("t").publish("x", message_attributes={"a^": ATTR}),
    "attribute_name_start": lambda w: w.broker.get_topic("t").publish("x", message_attributes={".a": ATTR}),
    "attribute_name_end": lambda w: w.broker.get_topic("t").publish("x", message_attributes={"a.": ATTR}),
    "attribute_name_dots": lambda w: w.broker.get_topic("t").publish("x", message_attributes={"a..b": ATTR}),
    "batch_too_many": lambda w: w.broker.get_topic("t").publish_batch([{"id": str(i), "message": "x"}
                                                                       for i in range(11)]),
    "batch_empty": lambda w: w.broker.get_topic("t").publish_batch([]),
    "batch_ids_not_distinct": lambda w: w.broker.get_topic("t").publish_batch([{"id": "a", "message": "x"}] * 2),
    "batch_too_long": lambda w: w.broker.get_topic("t").publish_batch([{"id": str(i), "message": "x" * 100_000}
                                                                       for i in range(3)]),
    "batch_id_character": lambda w: w.broker.get_topic("t").publish_batch([{"id": "a b", "message": "x"}]),
    "batch_id_too_long": lambda w: w.broker.get_topic("t").publish_batch([{"id": "a" * 81, "message": "x"}]),
    "application_missing": lambda w: w.sns.get_platform_application_attributes(PlatformApplicationArn="x"),
    "endpoint_missing": lambda w: w.sns.get_endpoint_attributes(EndpointArn="x"),
    "endpoint_token": lambda w: endpoint_token_clash(w),
}


def expired_iterator(w: World) -> Any:
    stream = w.broker.get_stream("s")
    iterator = stream.get_shard_iterator("shardId-000000000000", "LATEST")
    w.broker.clock.advance(301)  # type: ignore[attr-defined]
    return stream.get_records(iterator)


def disabled_push(w: World) -> Any:
    arn = mobile_endpoint(w)
    w.sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})
    return w.sns.publish(TargetArn=arn, Message="x")


def endpoint_token_clash(w: World) -> Any:
    arn = mobile_endpoint(w)
    app = arn.replace(":endpoint/", ":app/").rsplit("/", 1)[0]
    return w.sns.create_platform_endpoint(PlatformApplicationArn=app, Token="tok", CustomUserData="other")


KINESIS_CALLS: dict[str, Callable[[World], Any]] = {
    "stream_missing": lambda w: w.broker.get_stream("nope"),
    "shard_missing": lambda w: w.broker.get_stream("s").split_shard("shardId-000000000099", "5"),
    "shard_closed": closed_shard,
    "on_demand": lambda w: w.broker.create_stream("od", mode="ON_DEMAND").split_shard("shardId-000000000000", "5"),
    "scale_up": lambda w: w.broker.get_stream("s").update_shard_count(5),
    "scale_down": lambda w: w.broker.create_stream("five", 5).update_shard_count(2),
    "shard_count_required": lambda w: w.kinesis.create_stream(StreamName="p",
                                                              StreamModeDetails={"StreamMode": "PROVISIONED"}),
    "encryption_type": lambda w: w.broker.get_stream("s").start_encryption("AES", "k"),
    "consumer_missing": lambda w: w.broker.get_stream("s").describe_stream_consumer("nope"),
    "invalid_iterator": lambda w: w.kinesis.get_records(ShardIterator="garbage"),
    "iterator_shard_missing": lambda w: w.broker.get_stream("s").get_shard_iterator("shardId-000000000009", "LATEST"),
    "partition_key_long": lambda w: w.kinesis.put_record(StreamName="nope", Data=b"x", PartitionKey="k" * 257),
    "partition_key_short": lambda w: w.broker.get_stream("s").put_record(b"x", ""),
    "stream_exists": lambda w: w.broker.create_stream("s"),
    "iterator_type": lambda w: w.broker.get_stream("s").get_shard_iterator("shardId-000000000000", "NOPE"),
    "sequence_number_required": lambda w: w.broker.get_stream("s").get_shard_iterator("shardId-000000000000",
                                                                                      "AT_SEQUENCE_NUMBER"),
    "timestamp_required": lambda w: w.broker.get_stream("s").get_shard_iterator("shardId-000000000000",
                                                                                "AT_TIMESTAMP"),
    "iterator_expired": lambda w: expired_iterator(w),
    "explicit_hash_key": lambda w: w.broker.get_stream("s").put_record(b"x", "k", explicit_hash_key=str(2**128)),
    "records_size": lambda w: w.broker.get_stream("s").put_records(
        [{"data": b"x" * 1_000_000, "partition_key": "k"} for _ in range(11)]),  # over 10 MiB
    "split_key_range": lambda w: w.broker.get_stream("s").split_shard("shardId-000000000000", "1"),
    "not_adjacent": lambda w: w.broker.create_stream("three", 3).merge_shards("shardId-000000000000",
                                                                              "shardId-000000000002"),
    "retention_too_long": lambda w: w.broker.get_stream("s").increase_retention_period(8761),
    "retention_too_short": lambda w: w.broker.get_stream("s").decrease_retention_period(23),
    "retention_decrease": lambda w: [w.broker.get_stream("s").increase_retention_period(48),
                                     w.broker.get_stream("s").increase_retention_period(30)],
    "retention_increase": lambda w: w.broker.get_stream("s").decrease_retention_period(48),
    "data_too_long": lambda w: w.broker.get_stream("s").put_records([{"data": b"x" * 1_048_576, "partition_key": "k"}]),
}

TABLES = [("SQS", SQS, SQS_CALLS), ("SNS", SNS, SNS_CALLS), ("KINESIS", KINESIS, KINESIS_CALLS)]
CASES = [(service, key, table[key], calls.get(key)) for service, table, calls in TABLES for key in table]


def raised(call: Callable[[World], Any], world: World) -> tuple[str, str]:
    """The (code, message) the call fails with, through the Python API or boto3."""
    with pytest.raises((errors.PymsgError, ClientError)) as excinfo:
        call(world)
    if isinstance(excinfo.value, ClientError):
        error = excinfo.value.response["Error"]
        return error.get("QueryErrorCode") or error["Code"], error["Message"]
    return excinfo.value.code, str(excinfo.value)


@pytest.mark.parametrize(("service", "key", "entry", "call"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_every_table_entry_is_what_pymsg_raises(world: World, service: str, key: str, entry: Message,
                                                call: Callable[[World], Any] | None) -> None:
    assert call is not None, f"{service}.{key} has no call that raises it"
    code, message = raised(call, world)
    json_type = {"InvalidParameterValue": "InvalidParameterValueException",
                 "MissingParameter": "MissingRequiredParameterException"}.get(entry.code)
    legacy = getattr(errors, entry.code).legacy_code
    assert code in {entry.code, json_type, legacy}
    assert entry.pattern().match(message), f"{message!r} is not {entry.template!r}"


def test_every_call_belongs_to_an_entry() -> None:
    for _, table, calls in TABLES:
        assert set(calls) <= set(table)


def test_error_formats_an_entry_into_its_exception() -> None:
    exc = pymsg.messages.error(SQS, "unknown_attribute", name="Colour")
    assert isinstance(exc, pymsg.InvalidAttributeName) and str(exc) == "Unknown Attribute Colour."
    assert SQS["unknown_attribute"].pattern().match("Unknown Attribute Colour.")
    assert not SQS["unknown_attribute"].pattern().match("Unknown Attribute Colour. (detail)")
