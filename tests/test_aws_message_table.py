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
from pymsg.messages import SQS, Message

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
    broker.create_cache("c", max_memory=1 << 20)
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

def sqs_visibility_beyond_limit(w: World) -> Any:
    queue = w.broker.get_queue("q")
    queue.send("x")
    message = queue.receive()[0]
    w.broker.clock.advance(10)  # type: ignore[attr-defined]
    return queue.change_visibility(message.receipt_handle, 43200)  # 43,210 s after the receive


def sqs_not_in_flight(w: World) -> Any:
    queue = w.broker.get_queue("f.fifo")
    queue.send("x", group_id="g", deduplication_id="d")
    message = queue.receive(1, visibility_timeout=5)[0]
    w.broker.clock.advance(10)  # type: ignore[attr-defined]
    return queue.change_visibility(message.receipt_handle, 5)


def sqs_in_flight_limit(w: World) -> Any:
    queue = w.broker.create_queue("busy")
    for _ in range(12_001):
        queue.send_batch([{"id": str(i), "body": "x"} for i in range(10)])
    for _ in range(12_001):
        queue.receive(10)


def sqs_restored_over(w: World) -> Any:
    from pymsg.sqs import config_arguments

    queue = w.broker.get_queue("q")
    config = config_arguments(visibility_timeout=30, delay_seconds=0, message_retention_period=345600,
                              maximum_message_size=1048576, receive_message_wait_time_seconds=0,
                              dead_letter_queue=None, max_receive_count=None, content_based_deduplication=False,
                              deduplication_scope="queue", fifo_throughput_limit="perQueue")
    return w.broker._core.restore_queue("q", queue._core.dump(), **config)


def sqs_queue_quota(w: World) -> Any:
    broker = pymsg.Broker(w.broker.clock, account_id=ACCOUNT, quotas={"queues": 1})
    return [broker.create_queue(name) for name in ("a", "b")]


def sqs_query_request(action: str, body: bytes) -> Any:
    from pymsg.aws import sqs_query

    return sqs_query.request(action, sqs_query.parse(body))


class SqsSameName(str):
    """Two of these with one text are two dict keys: a message attribute name given twice."""

    __hash__ = object.__hash__
    __eq__ = object.__eq__


def sqs_mixed_entries(w: World) -> Any:
    queue = w.broker.get_queue("q")
    queue.send("x")
    return queue.delete_batch([*queue.receive(), {"id": "a", "receipt_handle": "h"}])


SQS_CALLS: dict[str, Callable[[World], Any]] = {
    "unicode": lambda w: w.broker.create_queue("q\ud800"),
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
    "tag_keys_str": lambda w: w.broker.get_queue("q").untag("env"),
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
    "queue_deleted_recently": lambda w: [w.broker.delete_queue("q"), w.broker.create_queue("q")],
    "redrive_allow_policy": lambda w: w.sqs.create_queue(QueueName="x", Attributes={
        "RedriveAllowPolicy": '{"redrivePermission": "some"}'}),
    "redrive_allow_by_queue": lambda w: w.broker.create_queue("x", redrive_allow_policy={
        "redrivePermission": "byQueue"}),
    "redrive_allow_too_many": lambda w: w.broker.create_queue("x", redrive_allow_policy={
        "redrivePermission": "byQueue", "sourceQueueArns": [f"{Q_ARN}{i}" for i in range(11)]}),
    "missing_message_body": lambda w: w.broker.get_queue("q").send(""),
    "missing_group_id": lambda w: w.broker.get_queue("f.fifo").send("x"),
    "deduplication_required": lambda w: w.broker.get_queue("f.fifo").send("x", group_id="g"),
    "deduplication_on_standard": lambda w: w.broker.get_queue("q").send("x", deduplication_id="d"),
    "visibility_beyond_limit": sqs_visibility_beyond_limit,
    "purge_in_progress": lambda w: [w.broker.get_queue("q").purge() for _ in range(2)],
    "batch_too_many": lambda w: w.broker.get_queue("q").send_batch([{"id": str(i), "body": "x"} for i in range(11)]),
    "batch_ids_not_distinct": lambda w: w.broker.get_queue("q").send_batch([{"id": "a", "body": "x"}] * 2),
    "batch_too_long": lambda w: w.broker.get_queue("q").send_batch([{"id": str(i), "body": "x" * 600_000}
                                                                    for i in range(2)]),
    "attribute_count": lambda w: w.broker.get_queue("q").send("x", message_attributes={f"a{i}": ATTR
                                                                                        for i in range(11)}),
    "attribute_type_length": lambda w: w.broker.get_queue("q").send("x", message_attributes={
        "a": {"DataType": "String." + "x" * 300, "StringValue": "x"}}),
    "permission_actions": lambda w: w.broker.get_queue("q").add_permission("l", [ACCOUNT], ["SendMessage"] * 8),
    "str_type": lambda w: w.broker.create_queue(5),  # type: ignore[arg-type]
    "queue_name_type": lambda w: w.broker.get_queue(5),  # type: ignore[arg-type]
    "queue_restored_over": sqs_restored_over,
    "queue_quota": sqs_queue_quota,
    "seconds_type": lambda w: w.broker.create_queue("x", visibility_timeout="5"),  # type: ignore[arg-type]
    "setting_type": lambda w: w.broker.create_queue("x", kms_master_key_id=5),  # type: ignore[arg-type]
    "dead_letter_queue_type": lambda w: w.broker.create_queue("x", dead_letter_queue=5),  # type: ignore[arg-type]
    "max_receive_count_type": lambda w: w.broker.create_queue("x", dead_letter_queue=w.broker.get_queue("dlq"),
                                                              max_receive_count="3"),  # type: ignore[arg-type]
    "max_receive_count_alone": lambda w: w.broker.create_queue("x", max_receive_count=3),
    "maximum_message_size_type": lambda w: w.broker.create_queue("x", maximum_message_size=1.5),  # type: ignore
    "redrive_not_allowed": lambda w: w.broker.create_queue("x", dead_letter_queue=w.broker.create_queue(
        "deny", redrive_allow_policy={"redrivePermission": "denyAll"})),
    "in_flight_limit": sqs_in_flight_limit,
    "message_not_in_flight": sqs_not_in_flight,
    "list_queues_max_results": lambda w: w.sqs.list_queues(MaxResults=1001),
    "query_numbered": lambda w: sqs_query_request("GetQueueAttributes", b"AttributeName=All"),
    "query_integer": lambda w: sqs_query_request("ReceiveMessage", b"MaxNumberOfMessages=x"),
    "body_not_unicode": lambda w: w.broker.get_queue("q").send("\ud800"),
    "body_type": lambda w: w.broker.get_queue("q").send(5),
    "seconds_not_a_number": lambda w: w.broker.get_queue("q").send("x", delay_seconds="5"),
    "seconds_out_of_range": lambda w: w.broker.get_queue("q").send("x", delay_seconds=10**400),
    "max_number_of_messages_type": lambda w: w.broker.get_queue("q").receive(True),
    "attributes_type": lambda w: w.broker.get_queue("q").send("x", message_attributes=[]),
    "attribute_shape": lambda w: w.broker.get_queue("q").send("x", message_attributes={"a": "x"}),
    "attribute_binary_type": lambda w: w.broker.get_queue("q").send("x", message_attributes={
        "a": {"DataType": "Binary", "BinaryValue": "x"}}),
    "attribute_field": lambda w: w.broker.get_queue("q").send("x", message_attributes={
        "a": {"DataType": "String", "StringListValues": ["x"]}}),
    "attribute_incomplete": lambda w: w.broker.get_queue("q").send("x", message_attributes={
        "a": {"DataType": "String"}}),
    "attribute_repeated": lambda w: w.broker.get_queue("q").send("x", message_attributes={
        SqsSameName("a"): ATTR, SqsSameName("a"): ATTR}),
    "attribute_contents": lambda w: w.broker.get_queue("q").send("x", message_attributes={
        "a": {"DataType": "String", "StringValue": "\x00"}}),
    "entries_type": lambda w: w.broker.get_queue("q").send_batch("x"),
    "entries_mixed": sqs_mixed_entries,
    "entry_type": lambda w: w.broker.get_queue("q").send_batch(["x"]),
    "entry_key": lambda w: w.broker.get_queue("q").send_batch([{"id": "a", "body": "x", "colour": "red"}]),
    "entry_id_missing": lambda w: w.broker.get_queue("q").send_batch([{"body": "x"}]),
    "entry_visibility_missing": lambda w: w.broker.get_queue("q").change_visibility_batch([
        {"id": "a", "receipt_handle": "h"}]),
    "move_task_types": lambda w: w.broker.start_message_move_task(w.broker.get_queue("dlq"),
                                                                  w.broker.get_queue("f.fifo")),
    "move_task_rate": lambda w: w.broker.start_message_move_task(w.broker.get_queue("dlq"),
                                                                 max_messages_per_second=501),
    "move_task_max_results": lambda w: w.broker.list_message_move_tasks(w.broker.get_queue("dlq"), 11),
    "move_task_arn_type": lambda w: w.broker.start_message_move_task(5),  # type: ignore[arg-type]
    "tags_type": lambda w: w.broker.create_queue("tagged", tags=[("k", "v")]),
    "tag_key": lambda w: w.broker.get_queue("q").tag({"k" * 129: "v"}),
    "tag_value": lambda w: w.broker.get_queue("q").tag({"k": None}),
    "tags_limit": lambda w: w.broker.get_queue("q").tag({f"k{i}": "v" for i in range(51)}),
    "entry_body": lambda w: w.broker.get_queue("q").send_batch([{"id": "a"}]),
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
    "unicode": lambda w: w.broker.get_topic("t").publish("lone \udc00"),
    "attributes_mapping": lambda w: w.broker.create_topic("t2", attributes=[("DisplayName", "d")]),
    "subscription_arn_type": lambda w: w.broker.get_topic("t").unsubscribe(None),  # type: ignore[arg-type]
    "topic_name": lambda w: w.broker.create_topic("a b"),
    "arn_elements": lambda w: w.sns.get_topic_attributes(TopicArn="x"),
    "no_value": lambda w: w.sns.unsubscribe(SubscriptionArn=""),
    "parameter": lambda w: w.sns.get_topic_attributes(TopicArn=TOPIC.replace("us-east-1", "eu-west-1")),
    "topic_missing": lambda w: w.broker.get_topic("nope"),
    "subscription_missing": lambda w: w.sns.get_subscription_attributes(SubscriptionArn=TOPIC + ":1"),
    "subscription_id": lambda w: w.sns.get_subscription_attributes(SubscriptionArn=Q_ARN + ":1"),
    "resource_missing": lambda w: w.sns.list_tags_for_resource(ResourceArn=TOPIC + "x"),
    "attribute_name": lambda w: w.broker.get_topic("t").set_attribute("Colour", "red"),
    "topic_attributes_differ": lambda w: w.sns.create_topic(Name="t", Attributes={"DisplayName": "other"}),
    "topic_tags_differ": lambda w: w.sns.create_topic(Name="t", Tags=[{"Key": "k", "Value": "v"}]),
    "tags_type": lambda w: w.broker.get_topic("t").tag(["k"]),
    "tag_key": lambda w: w.broker.get_topic("t").tag({"": "v"}),
    "tag_value": lambda w: w.broker.get_topic("t").tag({"k": "v" * 257}),
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
    "redrive_json": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=Q_ARN,
                                              Attributes={"RedrivePolicy": "{"}),
    "fifo_dead_letter_queue": lambda w: w.broker.get_topic("t.fifo").subscribe(
        w.broker.get_queue("f.fifo"), dead_letter_queue=w.broker.get_queue("q")),
    "delivery_policy_json": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=Q_ARN,
                                                      Attributes={"DeliveryPolicy": "{"}),
    "filter_policy": lambda w: w.broker.get_topic("t").subscribe(w.broker.get_queue("q"), filter_policy={"k": "v"}),
    "filter_policy_on_subscribe": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=Q_ARN,
                                                            Attributes={"FilterPolicy": '{"k": "v"}'}),
    "filter_policy_nested": lambda w: w.broker.get_topic("t").subscribe(w.broker.get_queue("q"),
                                                                        filter_policy={"a": {"b": ["x"]}}),
    "filter_policy_nested_on_subscribe": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=Q_ARN,
                                                                   Attributes={"FilterPolicy": '{"a": {"b": ["x"]}}'}),
    "sample_rate": lambda w: w.broker.get_topic("t").set_attribute("SQSSuccessFeedbackSampleRate", "500"),
    "application_endpoint": lambda w: w.broker.get_topic("t").subscribe(
        f"arn:aws:sns:us-east-1:{ACCOUNT}:endpoint/GCM/a/x", protocol="application"),
    "batch_id_invalid": lambda w: w.broker.get_topic("t").publish_batch([{"id": "", "message": "x"}]),
    "platform": lambda w: w.sns.create_platform_application(Name="a", Platform="PIGEON", Attributes={}),
    "topic_limit": lambda w: sns_topic_limit("t"),
    "topic_name_type": lambda w: w.broker.create_topic(5),  # type: ignore[arg-type]
    "topic_attribute_unknown": lambda w: w.broker.create_topic("x", attributes={"Colour": "blue"}),
    "content_based_deduplication_standard": lambda w: w.broker.create_topic("x", content_based_deduplication=True),
    "content_based_deduplication": lambda w: w.broker.get_topic("t").set_attribute("ContentBasedDeduplication", "true"),
    "display_name": lambda w: w.broker.get_topic("t").set_attribute("DisplayName", "x" * 101),
    "topic_attribute_value": lambda w: w.broker.get_topic("t").set_attribute("SignatureVersion", "3"),
    "attribute_types": lambda w: w.broker.get_topic("t").set_attribute("DisplayName", 5),  # type: ignore[arg-type]
    "tag_keys": lambda w: w.broker.get_topic("t").untag([]),
    "tag_keys_str": lambda w: w.broker.get_topic("t").untag("env"),
    "endpoint_type": lambda w: w.broker.get_topic("t").subscribe(5),  # type: ignore[arg-type]
    "protocol_unsupported": lambda w: w.sns.subscribe(TopicArn=TOPIC, Protocol="lambda",
                                                      Endpoint=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"),
    "fifo_topic_protocol": lambda w: w.broker.get_topic("t.fifo").subscribe(print),
    "filter_policy_scope_type": lambda w: w.broker.get_topic("t").subscribe(w.broker.get_queue("q"),
                                                                            filter_policy_scope=5),
    "filter_policy_scope_value": lambda w: w.broker.get_topic("t").subscribe(w.broker.get_queue("q"),
                                                                             filter_policy_scope="Body"),
    "filter_policy_type": lambda w: w.broker.get_topic("t").subscribe(w.broker.get_queue("q"), filter_policy=5),
    "delivery_policy_type": lambda w: w.broker.get_topic("t").subscribe(w.broker.get_queue("q")).set_attributes(
        delivery_policy=5),  # type: ignore[arg-type]
    "dead_letter_queue_type": lambda w: w.broker.get_topic("t").subscribe(w.broker.get_queue("q"),
                                                                          dead_letter_queue=5),
    "message_type": lambda w: w.broker.get_topic("t").publish(5),  # type: ignore[arg-type]
    "message_structure_value": lambda w: w.broker.get_topic("t").publish("x", message_structure="xml"),
    "batch_entries_type": lambda w: w.broker.get_topic("t").publish_batch("x"),  # type: ignore[arg-type]
    "batch_entry_key": lambda w: sns_batch_failure(w, {"id": "a", "message": "x", "colour": "red"}),
    "attributes_type": lambda w: w.broker.get_topic("t").publish("x", message_attributes=[1]),
    "attribute_shape": lambda w: w.broker.get_topic("t").publish("x", message_attributes={"a": 5}),
    "attribute_field_type": lambda w: w.broker.get_topic("t").publish("x", message_attributes={
        "a": {"DataType": "String", "StringValue": 5}}),
    "endpoint_token_empty": lambda w: w.sns.create_platform_endpoint(
        PlatformApplicationArn=w.sns.create_platform_application(Name="a", Platform="GCM", Attributes={})[
            "PlatformApplicationArn"], Token=""),
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


def sns_topic_limit(name: str) -> Any:
    """A second topic of a kind on a broker whose quota allows one of each."""
    broker = pymsg.Broker(pymsg.ManualClock(), quotas={"topics": 1, "fifo_topics": 1})
    broker.create_topic(name)
    return broker.create_topic("another" + name)


def sns_batch_failure(w: World, entry: dict[str, Any]) -> Any:
    """The error of a PublishBatch entry that fails alone, raised."""
    failed = w.broker.get_topic("t").publish_batch([entry]).failed
    raise getattr(errors, failed[0].code)(failed[0].message)


SHARD0 = "shardId-000000000000"


def kinesis_json_call(operation: str, request: dict[str, Any]) -> Callable[[World], Any]:
    """A Kinesis operation as the wire serves it, past botocore's own checks."""
    def call(w: World) -> Any:
        from pymsg.aws import kinesis_json

        return kinesis_json.OPERATIONS[operation](w.broker, request)
    return call


def kinesis_rate_exceeded(w: World) -> Any:
    stream = w.broker.create_stream("lim", 1)
    stream.put_records([(b"x", "k")] * 500)
    stream.put_records([(b"x", "k")] * 500)
    return stream.put_record(b"x", "k")  # the 1,001st record this second


def kinesis_merge_closed(w: World) -> Any:
    stream = w.broker.get_stream("s")
    stream.split_shard("shardId-000000000001", str(2**127 + 2**126))
    return stream.merge_shards(SHARD0, "shardId-000000000001")


def kinesis_shard_count_most(w: World) -> Any:
    broker = pymsg.Broker(w.broker.clock, quotas={"shards": 20_000})
    return broker.create_stream("wide", 5001).update_shard_count(10_001)


def kinesis_scalings_per_day(w: World) -> Any:
    stream = w.broker.get_stream("s")
    return [stream.update_shard_count(4 if i % 2 == 0 else 2) for i in range(11)]


def kinesis_next_token_and_stream_name(w: World) -> Any:
    token = w.kinesis.list_shards(StreamName="s", MaxResults=1)["NextToken"]
    return w.kinesis.list_shards(StreamName="other", NextToken=token)


def kinesis_cbor_tag(w: World) -> Any:
    from pymsg.aws import kinesis_json
    from pymsg.aws.cbor import Tag

    return kinesis_json.from_cbor(Tag(99, 1))


KINESIS_CALLS: dict[str, Callable[[World], Any]] = {
    "unicode": lambda w: w.broker.get_stream("s").get_shard_iterator("shardId-\ud800", "LATEST"),
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
    "stream_name": lambda w: w.broker.create_stream("a b"),
    "stream_mode": lambda w: w.broker.create_stream("x", mode="NOPE"),
    "shard_count_least": lambda w: w.broker.create_stream("x", 0),
    "max_record_size_least": lambda w: w.broker.create_stream("x", max_record_size_kib=1),
    "max_record_size_most": lambda w: w.broker.create_stream("x", max_record_size_kib=10241),
    "stream_name_length": lambda w: w.broker.create_stream("a" * 129),
    "shard_limit": lambda w: pymsg.Broker(w.broker.clock, quotas={"shards": 10}).create_stream("big", 11),
    "stream_name_empty": kinesis_json_call("DescribeStreamSummary", {"StreamName": ""}),
    "rate_exceeded": kinesis_rate_exceeded,
    "records_empty": lambda w: w.broker.get_stream("s").put_records([]),
    "records_too_many": lambda w: w.broker.get_stream("s").put_records([(b"x", "k")] * 501),
    "sequence_number_for_ordering": lambda w: w.broker.get_stream("s").put_record(
        b"x", "k", sequence_number_for_ordering="x"),
    "sequence_number_not_allowed": lambda w: w.broker.get_stream("s").get_shard_iterator(
        SHARD0, "LATEST", starting_sequence_number="1"),
    "timestamp_not_allowed": lambda w: w.broker.get_stream("s").get_shard_iterator(SHARD0, "LATEST", timestamp=1),
    "sequence_number_invalid": lambda w: w.broker.get_stream("s").get_shard_iterator(
        SHARD0, "AT_SEQUENCE_NUMBER", starting_sequence_number="1"),
    "get_records_limit": lambda w: w.broker.get_stream("s").get_records(
        w.broker.get_stream("s").get_shard_iterator(SHARD0, "LATEST"), limit=10_001),
    "hash_key": lambda w: w.broker.get_stream("s").split_shard(SHARD0, "abc"),
    "merge_closed_shard": kinesis_merge_closed,
    "target_shard_count_least": lambda w: w.broker.get_stream("s").update_shard_count(0),
    "shard_count_most": kinesis_shard_count_most,
    "next_token_and_stream_name": kinesis_next_token_and_stream_name,
    "not_null": lambda w: w.kinesis.list_shards(StreamName="s", ShardFilter={"Type": "AFTER_SHARD_ID"}),
    "length_least": lambda w: w.broker.get_stream("s").start_encryption("KMS", ""),
    "length_most": lambda w: w.broker.get_stream("s").remove_tags([f"k{i}" for i in range(51)]),
    "tags_type": lambda w: w.broker.create_stream("tagged", 1, tags=["k"]),
    "tag_key": lambda w: w.broker.get_stream("s").add_tags({"k" * 129: "v"}),
    "tag_value": lambda w: w.broker.get_stream("s").add_tags({"k": 1}),
    "tags_limit": lambda w: w.broker.get_stream("s").add_tags({f"k{i}": "v" for i in range(51)}),
    "value_least": kinesis_json_call("ListStreams", {"Limit": 0}),
    "value_most": lambda w: w.kinesis.list_streams(Limit=10_001),
    "pattern": lambda w: w.broker.get_stream("s").register_stream_consumer("a b"),
    "enum": lambda w: w.broker.get_stream("s").update_shard_count(4, scaling_type="X"),
    "metrics_enum": lambda w: w.broker.get_stream("s").enable_enhanced_monitoring(["Heat"]),
    "retention_out_of_range": lambda w: w.broker.create_stream("x", retention_period_hours=1),
    "on_demand_limit": lambda w: pymsg.Broker(w.broker.clock, quotas={"on_demand_streams": 0}).create_stream(
        "od", mode="ON_DEMAND"),
    "scalings_per_day": kinesis_scalings_per_day,
    "consumer_exists": lambda w: [w.broker.get_stream("s").register_stream_consumer("c") for _ in range(2)],
    "consumer_limit": lambda w: [w.broker.get_stream("s").register_stream_consumer(f"c{i}") for i in range(21)],
    "consumer_selector": lambda w: w.kinesis.describe_stream_consumer(ConsumerName="c"),
    "next_token": lambda w: w.kinesis.list_shards(NextToken="garbage"),
    "shard_filter": lambda w: w.kinesis.list_shards(StreamName="s", ShardFilter={"Type": "AT_TIMESTAMP",
                                                                                 "Timestamp": 1}),
    "base64": kinesis_json_call("PutRecord", {"StreamName": "s", "Data": "!!", "PartitionKey": "k"}),
    "cbor_tag": kinesis_cbor_tag,
    "wrong_type": lambda w: w.broker.create_stream(1),  # type: ignore[arg-type]
    "stream_name_type": lambda w: w.broker.get_stream(1),  # type: ignore[arg-type]
    "timestamp_type": lambda w: w.broker.get_stream("s").get_shard_iterator(SHARD0, "AT_TIMESTAMP",
                                                                            timestamp="x"),  # type: ignore[arg-type]
    "sequence_number_type": lambda w: w.broker.get_stream("s").get_shard_iterator(
        SHARD0, "AT_SEQUENCE_NUMBER", starting_sequence_number=1),  # type: ignore[arg-type]
    "hash_key_type": lambda w: w.broker.get_stream("s").split_shard(SHARD0, 1.5),  # type: ignore[arg-type]
    "application_name": lambda w: w.broker.get_stream("s").consumer("", "w", print),  # type: ignore[arg-type]
    "processor": lambda w: w.broker.get_stream("s").consumer("app", "w", None),  # type: ignore[arg-type]
    "initial_position": lambda w: w.broker.get_stream("s").consumer("app", "w", print,  # type: ignore[arg-type]
                                                                    initial_position="X"),
    "lease_duration": lambda w: w.broker.get_stream("s").consumer("app", "w", print,  # type: ignore[arg-type]
                                                                  lease_duration=0),
    "data_type": lambda w: w.broker.get_stream("s").put_record(1, "k"),
    "records_type": lambda w: w.broker.get_stream("s").put_records("x"),
    "record_type": lambda w: w.broker.get_stream("s").put_records([1]),
    "record_key": lambda w: w.broker.get_stream("s").put_records([{"data": b"x", "partition_key": "k", "other": 1}]),
    "record_fields": lambda w: w.broker.get_stream("s").put_records([{"data": b"x"}]),
}

def cache_full(w: World) -> Any:
    cache = w.broker.create_cache("full", max_memory=4096, eviction_policy="noeviction")
    for i in range(1000):
        cache.set(f"k{i}", b"x" * 100)


def cache_deleted(w: World) -> Any:
    cache = w.broker.create_cache("gone")
    w.broker.delete_cache("gone")
    return cache.get("k")


def cache_incr_of(w: World, value: bytes) -> Any:
    cache = w.broker.get_cache("c")
    cache.set("n", value)
    return cache.incr("n")


CACHE_CALLS: dict[str, Callable[[World], Any]] = {
    "unicode": lambda w: w.broker.create_cache("c\ud800"),
    "oom": cache_full,
    "not_an_integer": lambda w: cache_incr_of(w, b"x"),
    "increment_overflow": lambda w: cache_incr_of(w, str(2**63 - 1).encode()),
    "invalid_expire_time": lambda w: w.broker.get_cache("c").write_through("k", b"v", lambda k, v: None, ttl=0),
    "syntax_error": lambda w: w.broker.get_cache("c").set("k", b"v", nx=True, xx=True),
    "cache_not_found": cache_deleted,
    "cache_exists": lambda w: w.broker.create_cache("c"),
    "cache_name": lambda w: w.broker.create_cache(""),
    "eviction_policy": lambda w: w.broker.create_cache("x", eviction_policy="lru"),
    "key_type": lambda w: w.broker.get_cache("c").get(1),
    "key_unicode": lambda w: w.broker.get_cache("c").set("\ud800", b"v"),
    "mget_keys": lambda w: w.broker.get_cache("c").mget(1.5),  # type: ignore[arg-type]
    "callable": lambda w: w.broker.get_cache("c").get_or_load("k", "not callable"),  # type: ignore[arg-type]
    "key_too_long": lambda w: w.broker.get_cache("c").set(b"k" * 65_536, b"v"),
    "value_type": lambda w: w.broker.get_cache("c").set("k", "text"),
    "value_too_long": lambda w: w.broker.get_cache("c").set("k", bytes((512 << 20) + 1)),  # calloc'd: no pages touched
    "mset_mapping": lambda w: w.broker.get_cache("c").mset([("a", b"v")]),
    "incr_codec": lambda w: w.broker.create_cache("m", codec="msgpack").incr("k"),
    "msgpack_value": lambda w: w.broker.create_cache("m", codec="msgpack").set("k", object()),
    "cache_name_type": lambda w: w.broker.create_cache(1),
    "codec": lambda w: w.broker.create_cache("x", codec="json"),
    "default_ttl": lambda w: w.broker.create_cache("x", default_ttl=0),
    "eviction_policy_type": lambda w: w.broker.create_cache("x", eviction_policy=1),
    "cache_limit": lambda w: w.broker.create_cache("x", max_items=0),
}


def broker_restore(w: World, state: Any) -> Any:
    import msgpack

    return pymsg.state.restore(w.broker, state if isinstance(state, bytes) else msgpack.packb(state))


BROKER_CALLS: dict[str, Callable[[World], Any]] = {
    "account_id": lambda w: pymsg.Broker(account_id="0"),
    "no_such_scope": lambda w: w.broker.scope("x", "y"),
    "quotas_type": lambda w: pymsg.Broker(quotas=[("queues", 1)]),
    "quota_name_type": lambda w: pymsg.Broker(quotas={1: 1}),
    "quota_value": lambda w: pymsg.Broker(quotas={"queues": -1}),
    "unknown_quota": lambda w: pymsg.Broker(quotas={"bogus": 1}),
    "clock_advance": lambda w: pymsg.ManualClock().advance(-1),
    "clock_backwards": lambda w: pymsg.ManualClock(100).set(50),
    "not_a_snapshot": lambda w: broker_restore(w, b"\x01"),
    "state_format": lambda w: broker_restore(w, {"format": 2}),
    "state_scope": lambda w: broker_restore(w, pymsg.state.snapshot(pymsg.Broker(region="us-west-2",
                                                                                account_id=ACCOUNT))),
    "state_clash": lambda w: broker_restore(w, pymsg.state.snapshot(w.broker)),
    "fsync_policy": lambda w: pymsg.Broker(data_dir=".", fsync="sometimes"),
    "data_dir_type": lambda w: pymsg.Broker(data_dir=3),
    "http_targets_allow": lambda w: pymsg.HttpTargets("10.0.0.0/8"),
    "http_targets_network": lambda w: pymsg.HttpTargets(["10.0.0.0/33"]),
    "http_targets_type": lambda w: pymsg.Broker(http_targets=["10.0.0.0/8"]),
    "segment_bytes": lambda w: pymsg.Broker(data_dir=".", segment_bytes=100),
    "auto_checkpoint_bytes": lambda w: pymsg.Broker(data_dir=".", auto_checkpoint_bytes=-1),
}

# AWS's worked example of a signed request ("Create a signed AWS API request": IAM ListUsers).
AUTH_SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
AUTH_CREDENTIAL = "AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request"
AUTH_TIME = 1440938160.0  # 2015-08-30T12:36:00Z


def auth_verify(credential: str = AUTH_CREDENTIAL, signed_headers: str = "content-type;host;x-amz-date",
                signature: str = AUTH_SIGNATURE, *, authorization: str | None = None, amz_date: str = "20150830T123600Z",
                now: float = AUTH_TIME, query: str = "Action=ListUsers&Version=2010-05-08",
                service: str | None = None) -> str:
    from pymsg.aws import sigv4

    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Host": "iam.amazonaws.com",
               "X-Amz-Date": amz_date}
    if authorization is None:
        authorization = f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed_headers}, Signature={signature}"
    if authorization:
        headers["Authorization"] = authorization
    return sigv4.verify("GET", "/", query, headers, b"", {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}.get,
                        now, service=service)


def auth_unsigned_payload(w: World) -> str:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from pymsg.aws import sigv4

    request = AWSRequest("POST", "https://h.example/", data=b"body", headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    SigV4Auth(Credentials("AKID", "secret"), "sqs", "us-east-1").add_auth(request)
    return sigv4.verify("POST", "/", "", {**dict(request.headers.items()), "Host": "h.example"}, b"body",
                        {"AKID": "secret"}.get)


AUTH_CALLS: dict[str, Callable[[World], Any]] = {
    "missing_token": lambda w: auth_verify(authorization=""),
    "both_forms": lambda w: auth_verify(query="Action=ListUsers&Version=2010-05-08&X-Amz-Algorithm=AWS4-HMAC-SHA256"),
    "incomplete_query": lambda w: auth_verify(authorization="", query="Action=ListUsers&X-Amz-Algorithm=AWS4-HMAC-SHA256"),
    "scope_region": lambda w: auth_verify("AKIDEXAMPLE/20150830/mars-1/iam/aws4_request"),
    "scope_service": lambda w: auth_verify(service="sqs"),
    "credential_scope": lambda w: auth_verify("AKIDEXAMPLE/20150830/mars-1/sns/aws4_request", service="iam"),
    "incomplete_authorization": lambda w: auth_verify(authorization="Basic dXNlcjpwYXNz"),
    "missing_equal_sign": lambda w: auth_verify("AKIDEXAMPLE /20150830/us-east-1/iam/aws4_request"),
    "unsupported_algorithm": lambda w: auth_verify(authorization=f"AWS4-ECDSA-P256-SHA256 Credential={AUTH_CREDENTIAL}, "
                                                                 f"SignedHeaders=host, Signature={AUTH_SIGNATURE}"),
    "credential_elements": lambda w: auth_verify("AKIDEXAMPLE/20150830/us-east-1/iam"),
    "credential_terminator": lambda w: auth_verify("AKIDEXAMPLE/20150830/us-east-1/iam/aws5_request"),
    "invalid_token": lambda w: auth_verify("AKIDOTHER/20150830/us-east-1/iam/aws4_request"),
    "date_format": lambda w: auth_verify(amz_date="2015-08-30T12:36:00Z"),
    "credential_date": lambda w: auth_verify("AKIDEXAMPLE/20150831/us-east-1/iam/aws4_request"),
    "host_not_signed": lambda w: auth_verify(signed_headers="content-type;x-amz-date"),
    "signature_mismatch": lambda w: auth_verify(signature="0" * 64),
    "signature_expired": lambda w: auth_verify(now=AUTH_TIME + 15 * 60 + 1),
    "signature_not_yet_current": lambda w: auth_verify(now=AUTH_TIME - 15 * 60 - 1),
    "payload_hash": auth_unsigned_payload,
}

CALLS = {"SQS": SQS_CALLS, "SNS": SNS_CALLS, "KINESIS": KINESIS_CALLS, "CACHE": CACHE_CALLS, "BROKER": BROKER_CALLS,
         "AUTH": AUTH_CALLS}
TABLES = [(service, table, CALLS[service]) for service, table in pymsg.messages.TABLES.items()]
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
