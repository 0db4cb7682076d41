"""SNS deliveries: the SQS envelope, raw delivery, MessageStructure=json, publish limits, callables
(the Lambda event), retries and dead-letter queues on the manual clock, fan-out and PublishBatch."""

from __future__ import annotations

import base64
import datetime
import json
import re
from typing import Any, Callable

import pytest

import pymsg
from conftest import counts

REGION = "us-east-1"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
DAY = 86_400.0

# AWS's retry schedule for AWS-managed endpoints (SQS, Lambda): 3 immediate retries, 2 one second
# apart, 10 backing off, 100,000 twenty seconds apart: 100,015 retries over about 23 days.
MANAGED_RETRIES = 3 + 2 + 10 + 100_000


def S(value: str) -> dict[str, Any]:
    return {"DataType": "String", "StringValue": value}


def N(value: str) -> dict[str, Any]:
    return {"DataType": "Number", "StringValue": value}


def iso(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def drain(queue: pymsg.Queue) -> list[pymsg.Message]:
    out: list[pymsg.Message] = []
    while True:
        batch = queue.receive(10)
        if not batch:
            return out
        for m in batch:
            out.append(m)
            m.delete()


def messages_in(queue: pymsg.Queue) -> list[str]:
    return sorted(json.loads(m.body)["Message"] for m in drain(queue))


class Recorder:
    """A callable subscriber that records each event and fails its first `failures` calls
    (every call when `failures` is None)."""

    def __init__(self, failures: int | None = 0) -> None:
        self.events: list[dict] = []
        self.failures = failures

    def __call__(self, event: dict) -> None:
        self.events.append(event)
        if self.failures is None or len(self.events) <= self.failures:
            raise RuntimeError("subscriber failure")

    @property
    def calls(self) -> int:
        return len(self.events)


@pytest.fixture
def topic(broker: pymsg.Broker) -> pymsg.Topic:
    return broker.create_topic("orders")


@pytest.fixture
def queue(broker: pymsg.Broker) -> pymsg.Queue:
    return broker.create_queue("q")


# --- the envelope ----------------------------------------------------------------------------


def expected_envelope(
    *,
    message_id: str,
    topic_arn: str,
    subscription_arn: str,
    message: str,
    timestamp: str,
    signature: str,
    cert_url: str,
    subject: str | None = None,
    attributes: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
) -> str:
    lines = [
        "{",
        '  "Type" : "Notification",',
        f'  "MessageId" : "{message_id}",',
        f'  "TopicArn" : "{topic_arn}",',
    ]
    if subject is not None:
        lines.append(f'  "Subject" : {json.dumps(subject)},')
    lines += [
        f'  "Message" : {json.dumps(message)},',
        f'  "Timestamp" : "{timestamp}",',
        '  "SignatureVersion" : "1",',
        f'  "Signature" : "{signature}",',
        f'  "SigningCertURL" : "{cert_url}",',
        f'  "UnsubscribeURL" : "https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"'
        + ("," if attributes else ""),
    ]
    if attributes:
        lines.append('  "MessageAttributes" : {')
        lines += [
            f'    "{name}" : {{"Type":"{kind}","Value":{json.dumps(value)}}}' + ("," if i < len(attributes) - 1 else "")
            for i, (name, kind, value) in enumerate(attributes)
        ]
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines)


def check_signature_fields(envelope: dict[str, Any]) -> None:
    assert envelope["SignatureVersion"] == "1"
    assert envelope["Signature"] and base64.b64decode(envelope["Signature"], validate=True)
    assert re.fullmatch(
        rf"https://sns\.{REGION}\.amazonaws\.com/SimpleNotificationService-[A-Za-z0-9._-]+\.pem", envelope["SigningCertURL"]
    )


def test_envelope_byte_for_byte(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    subscription = topic.subscribe(queue)
    result = topic.publish("hello world")

    [m] = queue.receive()
    envelope = json.loads(m.body)
    check_signature_fields(envelope)
    assert m.body == expected_envelope(
        message_id=result.message_id,
        topic_arn=topic.arn,
        subscription_arn=subscription.arn,
        message="hello world",
        timestamp="2023-11-14T22:13:20.000Z",
        signature=envelope["Signature"],
        cert_url=envelope["SigningCertURL"],
    )


def test_envelope_byte_for_byte_with_subject_and_attributes(
    clock: pymsg.ManualClock, topic: pymsg.Topic, queue: pymsg.Queue
) -> None:
    subscription = topic.subscribe(queue)
    clock.advance(0.125)
    result = topic.publish(
        "order placed",
        subject="New order",
        message_attributes={
            "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
            "count": N("3"),
            "kind": S("retail"),
            "tags": {"DataType": "String.Array", "StringValue": '["a","b"]'},
        },
    )

    [m] = queue.receive()
    envelope = json.loads(m.body)
    check_signature_fields(envelope)
    assert m.body == expected_envelope(
        message_id=result.message_id,
        topic_arn=topic.arn,
        subscription_arn=subscription.arn,
        subject="New order",
        message="order placed",
        timestamp="2023-11-14T22:13:20.125Z",
        signature=envelope["Signature"],
        cert_url=envelope["SigningCertURL"],
        attributes=[
            ("bin", "Binary", base64.b64encode(b"\x00\x01\xfe\xff").decode()),
            ("count", "Number", "3"),
            ("kind", "String", "retail"),
            ("tags", "String.Array", '["a","b"]'),
        ],
    )


@pytest.mark.parametrize("with_subject", [False, True])
@pytest.mark.parametrize("with_attributes", [False, True])
def test_envelope_key_set_and_order(
    topic: pymsg.Topic, queue: pymsg.Queue, with_subject: bool, with_attributes: bool
) -> None:
    topic.subscribe(queue)
    topic.publish(
        "m",
        subject="subj" if with_subject else None,
        message_attributes={"a": S("x")} if with_attributes else None,
    )
    [m] = queue.receive()
    keys = [k for k, _ in json.loads(m.body, object_pairs_hook=lambda pairs: pairs)]
    expected = ["Type", "MessageId", "TopicArn"]
    expected += ["Subject"] if with_subject else []
    expected += ["Message", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"]
    expected += ["MessageAttributes"] if with_attributes else []
    assert keys == expected


def test_envelope_text_layout(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    topic.publish("m", subject="s", message_attributes={"a": S("x"), "b": N("1")})
    [m] = queue.receive()
    lines = m.body.split("\n")
    assert lines[0] == "{" and lines[-1] == "}"
    top = lines[1:-1]
    start = top.index('  "MessageAttributes" : {')
    for line in top[:start]:
        assert re.fullmatch(r'  "[A-Za-z]+" : "[^\n]*",?', line), line  # 2 spaces, "Key" : value
    assert top[start + 1 : -1] == ['    "a" : {"Type":"String","Value":"x"},', '    "b" : {"Type":"Number","Value":"1"}']
    assert top[-1] == "  }"


def test_envelope_fields(clock: pymsg.ManualClock, topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    subscription = topic.subscribe(queue)
    clock.advance(61.5)
    result = topic.publish("body")
    [m] = queue.receive()
    envelope = json.loads(m.body)
    assert re.fullmatch(UUID, result.message_id)
    assert result.sequence_number is None
    assert envelope["Type"] == "Notification"
    assert envelope["MessageId"] == result.message_id
    assert envelope["TopicArn"] == topic.arn
    assert envelope["Message"] == "body"
    assert envelope["Timestamp"] == iso(clock.now()) == "2023-11-14T22:14:21.500Z"
    assert envelope["UnsubscribeURL"] == (
        f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription.arn}"
    )
    assert "Subject" not in envelope
    assert "MessageAttributes" not in envelope
    assert "SequenceNumber" not in envelope


def test_each_subscription_gets_its_own_unsubscribe_url(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    a, b = broker.create_queue("a"), broker.create_queue("b")
    sub_a, sub_b = topic.subscribe(a), topic.subscribe(b)
    result = topic.publish("m")
    [ma], [mb] = a.receive(), b.receive()
    ea, eb = json.loads(ma.body), json.loads(mb.body)
    assert ea["UnsubscribeURL"].endswith("SubscriptionArn=" + sub_a.arn)
    assert eb["UnsubscribeURL"].endswith("SubscriptionArn=" + sub_b.arn)
    assert ea["MessageId"] == eb["MessageId"] == result.message_id
    assert {k: v for k, v in ea.items() if k != "UnsubscribeURL"} == {k: v for k, v in eb.items() if k != "UnsubscribeURL"}


def test_message_ids_differ_per_publish(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    ids = {topic.publish(f"m{i}").message_id for i in range(20)}
    assert len(ids) == 20
    assert {json.loads(m.body)["MessageId"] for m in drain(queue)} == ids


@pytest.mark.parametrize(
    "message",
    ['quote " and backslash \\', "line\nbreak\ttab\r", "unicode é ✓ 𝄞", '{"json": [1, 2]}', "</script>/slash"],
)
def test_envelope_escapes_the_message(topic: pymsg.Topic, queue: pymsg.Queue, message: str) -> None:
    topic.subscribe(queue)
    topic.publish(message, subject='a "quoted" subject')
    [m] = queue.receive()
    envelope = json.loads(m.body)
    assert envelope["Message"] == message
    assert envelope["Subject"] == 'a "quoted" subject'


def test_sqs_message_has_no_attributes_without_raw_delivery(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    topic.publish("m", message_attributes={"a": S("x"), "n": N("2")})
    [m] = queue.receive()
    assert m.message_attributes == {}
    assert m.md5_of_message_attributes is None
    assert json.loads(m.body)["MessageAttributes"] == {
        "a": {"Type": "String", "Value": "x"},
        "n": {"Type": "Number", "Value": "2"},
    }


def test_timestamp_follows_the_manual_clock(clock: pymsg.ManualClock, topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    stamps = []
    for step in (0, 0.25, 3600, 86_400 * 40):
        clock.advance(step)
        topic.publish("m")
        [m] = queue.receive()
        m.delete()
        stamps.append(json.loads(m.body)["Timestamp"])
        assert stamps[-1] == iso(clock.now())
    assert stamps[:2] == ["2023-11-14T22:13:20.000Z", "2023-11-14T22:13:20.250Z"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", s) for s in stamps)


# --- raw delivery ------------------------------------------------------------------------------


def test_raw_delivery_body_is_the_message(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue, raw_message_delivery=True)
    topic.publish('{"not": "an envelope"}', subject="ignored")
    [m] = queue.receive()
    assert m.body == '{"not": "an envelope"}'
    assert m.message_attributes == {}


def test_raw_delivery_maps_attributes_onto_sqs(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue, raw_message_delivery=True)
    topic.publish(
        "raw",
        message_attributes={
            "s": S("text"),
            "n": N("-1.5"),
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
            "arr": {"DataType": "String.Array", "StringValue": '["x", 1, true]'},
            "custom": {"DataType": "String.label", "StringValue": "v"},
        },
    )
    [m] = queue.receive()
    assert m.body == "raw"
    assert m.message_attributes == {
        "s": {"DataType": "String", "StringValue": "text"},
        "n": {"DataType": "Number", "StringValue": "-1.5"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        "arr": {"DataType": "String.Array", "StringValue": '["x", 1, true]'},
        "custom": {"DataType": "String.label", "StringValue": "v"},
    }
    assert m.md5_of_message_attributes is not None


def test_raw_and_enveloped_subscribers_of_one_publish(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    raw, wrapped = broker.create_queue("raw"), broker.create_queue("wrapped")
    topic.subscribe(raw, raw_message_delivery=True)
    topic.subscribe(wrapped)
    result = topic.publish("m", message_attributes={"a": S("x")})
    [r], [w] = raw.receive(), wrapped.receive()
    assert r.body == "m"
    assert r.message_attributes == {"a": {"DataType": "String", "StringValue": "x"}}
    assert json.loads(w.body)["MessageId"] == result.message_id
    assert w.message_attributes == {}


# --- MessageStructure=json -----------------------------------------------------------------------


def test_message_structure_json_per_protocol(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    wrapped, raw = broker.create_queue("wrapped"), broker.create_queue("raw")
    recorder = Recorder()
    topic.subscribe(wrapped)
    topic.subscribe(raw, raw_message_delivery=True)
    topic.subscribe(recorder)
    structure = {"default": "for everyone", "sqs": "for queues", "lambda": "for functions", "email": "unused"}

    topic.publish(json.dumps(structure), message_structure="json")

    assert json.loads(wrapped.receive()[0].body)["Message"] == "for queues"
    assert raw.receive()[0].body == "for queues"
    [event] = recorder.events
    assert event["Records"][0]["Sns"]["Message"] == "for functions"


def test_message_structure_json_falls_back_to_default(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    queue = broker.create_queue("q")
    recorder = Recorder()
    topic.subscribe(queue)
    topic.subscribe(recorder)
    topic.publish(json.dumps({"default": "fallback", "sqs": 5, "http": "web"}), message_structure="json")
    assert json.loads(queue.receive()[0].body)["Message"] == "fallback"  # non-string values are ignored
    assert recorder.events[0]["Records"][0]["Sns"]["Message"] == "fallback"


@pytest.mark.parametrize(
    ("message", "match"),
    [
        ('{"sqs": "only sqs"}', "No default entry"),
        ('{"default": 5}', "No default entry"),
        ('{"default": null}', "No default entry"),
        ("{not json", "failed to parse"),
        ('["default"]', "failed to parse"),
        ('"default"', "failed to parse"),
        ("", "Empty message"),
    ],
)
def test_invalid_message_structure_json_delivers_nothing(
    broker: pymsg.Broker, topic: pymsg.Topic, message: str, match: str
) -> None:
    queue = broker.create_queue("q")
    recorder = Recorder()
    topic.subscribe(queue)
    topic.subscribe(recorder)
    with pytest.raises(pymsg.InvalidParameter, match=match):
        topic.publish(message, message_structure="json")
    assert counts(queue) == (0, 0, 0)
    assert recorder.calls == 0


@pytest.mark.parametrize("structure", ["xml", "JSON", ""])
def test_unknown_message_structure_raises_invalid_parameter(topic: pymsg.Topic, queue: pymsg.Queue, structure: str) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.InvalidParameter, match="MessageStructure"):
        topic.publish('{"default": "x"}', message_structure=structure)
    assert counts(queue) == (0, 0, 0)


# --- limits --------------------------------------------------------------------------------------

LIMIT = 262_144


@pytest.mark.parametrize("message", ["x" * LIMIT, "é" * (LIMIT // 2), "€" * (LIMIT // 3) + "x"])
def test_message_of_256_kb_is_accepted(topic: pymsg.Topic, queue: pymsg.Queue, message: str) -> None:
    assert len(message.encode()) == LIMIT
    topic.subscribe(queue, raw_message_delivery=True)
    topic.publish(message)
    [m] = queue.receive()
    assert m.body == message


@pytest.mark.parametrize("message", ["x" * (LIMIT + 1), "é" * (LIMIT // 2) + "x", "€" * (LIMIT // 3 + 1)])
def test_message_over_256_kb_raises_invalid_parameter(topic: pymsg.Topic, queue: pymsg.Queue, message: str) -> None:
    assert len(message.encode()) > LIMIT
    recorder = Recorder()
    topic.subscribe(queue)
    topic.subscribe(recorder)
    with pytest.raises(pymsg.InvalidParameter, match="Message too long"):
        topic.publish(message)
    assert counts(queue) == (0, 0, 0)
    assert recorder.calls == 0


def test_message_attributes_count_toward_256_kb(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue, raw_message_delivery=True)
    attributes = {"name": S("value")}  # name + type + value = 4 + 6 + 5 bytes
    size = len("name") + len("String") + len("value")
    topic.publish("x" * (LIMIT - size), message_attributes=attributes)
    assert counts(queue) == (1, 0, 0)
    with pytest.raises(pymsg.InvalidParameter, match="Message too long"):
        topic.publish("x" * (LIMIT - size + 1), message_attributes=attributes)
    assert counts(queue) == (1, 0, 0)


@pytest.mark.parametrize(("message", "error", "match"), [
    ("", pymsg.InvalidParameter, "Empty message"),
    (None, pymsg.InvalidParameter, "Message"),
    (b"bytes", pymsg.InvalidParameter, "Message must be a str"),
    (5, pymsg.InvalidParameter, "Message must be a str"),
])
def test_invalid_message_raises(topic: pymsg.Topic, queue: pymsg.Queue, message: Any, error: type, match: str) -> None:
    topic.subscribe(queue)
    with pytest.raises(error, match=match):
        topic.publish(message)
    assert counts(queue) == (0, 0, 0)


@pytest.mark.parametrize(
    "subject",
    ["line\nbreak", "carriage\rreturn", "tab\tinside", "bell\x07", "x" * 101, "é" * 101, ""],
)
def test_invalid_subject_raises_invalid_parameter(topic: pymsg.Topic, queue: pymsg.Queue, subject: str) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.InvalidParameter) as excinfo:
        topic.publish("m", subject=subject)
    assert str(excinfo.value) == "Invalid parameter: Subject"
    assert counts(queue) == (0, 0, 0)


@pytest.mark.parametrize("subject", ["x" * 100, "é" * 100, "a subject, with: punctuation!"])
def test_subject_up_to_100_characters_is_accepted(topic: pymsg.Topic, queue: pymsg.Queue, subject: str) -> None:
    topic.subscribe(queue)
    topic.publish("m", subject=subject)
    assert json.loads(queue.receive()[0].body)["Subject"] == subject


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"a": {"DataType": "Text", "StringValue": "x"}}, "The message attribute 'a' has an invalid message attribute "
         "type, the set of supported type prefixes is Binary, Number, and String."),
        ({"a": {"DataType": "String", "StringValue": ""}}, "The message attribute 'a' must contain non-empty message "
         "attribute value for message attribute type 'String'."),
        ({"a": {"DataType": "Number", "StringValue": "abc"}}, "Could not cast message attribute 'a' value to number."),
        ({"a": {"DataType": "Binary", "StringValue": "x"}}, "The message attribute 'a' with type 'Binary' must use "
         "field 'Binary'."),
        ({"a": {"DataType": "String", "BinaryValue": b"x"}}, "The message attribute 'a' with type 'String' must use "
         "field 'String'."),
        ({"bad^name": S("x")}, "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. "
         "Can only include alphanumeric characters, hyphens, underscores, or dots."),
        ({".a": S("x")}, "Invalid message attribute name starting with character '.' was found."),
        ({"a.": S("x")}, "Invalid message attribute name ending with character '.' was found."),
        ({"a..b": S("x")}, "Message attribute name can not have successive '.' character."),
        ({"a" * 256: S("x")}, "Length of message attribute name must be less than 256 bytes."),
    ],
)
def test_invalid_message_attributes_raise_parameter_value_invalid_in_sns_words(
    topic: pymsg.Topic, queue: pymsg.Queue, attributes: Any, message: str
) -> None:
    recorder = Recorder()
    topic.subscribe(queue)
    topic.subscribe(recorder)
    with pytest.raises(pymsg.ParameterValueInvalid) as excinfo:
        topic.publish("m", message_attributes=attributes)
    assert str(excinfo.value) == message
    assert counts(queue) == (0, 0, 0)
    assert recorder.calls == 0


@pytest.mark.parametrize(
    ("attributes", "match"),
    [
        ({"a": {"DataType": "String", "StringValue": 5}}, "unsupported or mistyped field"),
        ({"a": "x"}, "name ->"),
    ],
)
def test_mistyped_message_attributes_raise_invalid_parameter_value(
    topic: pymsg.Topic, queue: pymsg.Queue, attributes: Any, match: str
) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.InvalidParameterValue, match=match):
        topic.publish("m", message_attributes=attributes)
    assert counts(queue) == (0, 0, 0)


def test_sns_takes_more_than_ten_attributes_and_names_in_any_script(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue, raw_message_delivery=False)
    attributes = {f"a{i}": S("x") for i in range(11)} | {"grüße": S("y")}
    topic.publish("m", message_attributes=attributes)
    body = json.loads(queue.receive()[0].body)
    assert set(body["MessageAttributes"]) == set(attributes)


def test_deduplication_id_on_standard_topic_raises_invalid_parameter(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.InvalidParameter, match="MessageDeduplicationId"):
        topic.publish("m", deduplication_id="d")
    assert counts(queue) == (0, 0, 0)


def test_group_id_on_standard_topic_is_forwarded_to_standard_queues(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    topic.publish("m", group_id="tenant-1")
    [m] = queue.receive()
    assert json.loads(m.body)["Message"] == "m"


# --- callables (protocol lambda) ---------------------------------------------------------------


def test_callable_gets_the_lambda_event(topic: pymsg.Topic) -> None:
    recorder = Recorder()
    subscription = topic.subscribe(recorder)
    result = topic.publish("hello", subject="greeting", message_attributes={"a": S("x"), "n": N("7")})

    [event] = recorder.events
    assert list(event) == ["Records"]
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == subscription.arn
    sns = record["Sns"]
    assert sns["Type"] == "Notification"
    assert sns["MessageId"] == result.message_id
    assert sns["TopicArn"] == topic.arn
    assert sns["Subject"] == "greeting"
    assert sns["Message"] == "hello"
    assert sns["Timestamp"] == "2023-11-14T22:13:20.000Z"
    assert sns["MessageAttributes"] == {"a": {"Type": "String", "Value": "x"}, "n": {"Type": "Number", "Value": "7"}}
    assert sns["UnsubscribeUrl"].endswith("SubscriptionArn=" + subscription.arn)


def test_callable_without_attributes_gets_empty_message_attributes(topic: pymsg.Topic) -> None:
    recorder = Recorder()
    topic.subscribe(recorder)
    topic.publish("hello")
    sns = recorder.events[0]["Records"][0]["Sns"]
    assert sns["MessageAttributes"] == {}
    assert sns["Subject"] is None


def test_failing_callable_does_not_raise_into_the_publisher(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    queue = broker.create_queue("q")
    failing = Recorder(failures=None)
    topic.subscribe(failing)
    topic.subscribe(queue)
    result = topic.publish("m")  # does not raise
    assert re.fullmatch(UUID, result.message_id)
    assert messages_in(queue) == ["m"]  # the other subscriber is served


def test_failing_callable_retry_schedule(broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic) -> None:
    failing = Recorder(failures=None)
    dlq = broker.create_queue("dlq")
    topic.subscribe(failing, dead_letter_queue=dlq)

    result = topic.publish("m")
    assert failing.calls == 4  # the first try and 3 immediate retries
    clock.advance(0.999)
    assert failing.calls == 4
    clock.advance(0.001)
    assert failing.calls == 5  # pre-backoff: 2 retries one second apart
    clock.advance(1)
    assert failing.calls == 6
    backoff = pymsg.sns._MANAGED_RETRIES[5:]  # 10 retries backing off from 1 to 20 s
    assert len(backoff) == 10 and backoff[0] == 1.0 and backoff[-1] == 20.0
    clock.advance(sum(backoff) - backoff[-1] + 0.000001)
    assert failing.calls == 15  # one clock move runs every retry it covers
    clock.advance(backoff[-1])
    assert failing.calls == 16
    clock.advance(19.99)
    assert failing.calls == 16
    clock.advance(0.01)
    assert failing.calls == 17  # post-backoff: 20 s apart
    clock.advance(20)
    assert failing.calls == 18
    assert counts(dlq) == (0, 0, 0)
    # Every retry carries the same message.
    assert {e["Records"][0]["Sns"]["MessageId"] for e in failing.events} == {result.message_id}


def test_backoff_delays_grow_from_1_to_20_seconds(clock: pymsg.ManualClock, topic: pymsg.Topic) -> None:
    times: list[float] = []

    def failing(event: dict) -> None:
        times.append(clock.now())
        raise RuntimeError("down")

    topic.subscribe(failing)
    topic.publish("m")
    for _ in range(400):
        clock.advance(0.25)
    delays = [round(b - a, 2) for a, b in zip(times, times[1:])]
    assert delays[:5] == [0, 0, 0, 1, 1]
    backoff = delays[5:15]
    assert backoff == sorted(backoff)
    assert 1 <= backoff[0] <= 2 and 15 <= backoff[-1] <= 20
    assert all(d == 20 for d in delays[15:])


def step_clock(clock: pymsg.ManualClock, until: Callable[[], bool], step: float, limit: float) -> float:
    """Advances the clock `step` seconds at a time until `until()` (or `limit` seconds passed);
    returns the seconds advanced."""
    moved = 0.0
    while not until() and moved < limit:
        clock.advance(step)
        moved += step
    return moved


def test_failing_callable_lands_in_dlq_after_all_retries(
    broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic
) -> None:
    failing = Recorder(failures=None)
    dlq = broker.create_queue("dlq")
    topic.subscribe(failing, dead_letter_queue=dlq)
    result = topic.publish("m", subject="s", message_attributes={"a": S("x")})

    moved = step_clock(clock, lambda: counts(dlq)[0] > 0, 20, 30 * DAY)

    assert 23 * DAY < moved < 24 * DAY  # "100,015 retries over 23 days"
    assert failing.calls == 1 + MANAGED_RETRIES
    [dead] = dlq.receive()
    envelope = json.loads(dead.body)
    assert envelope["MessageId"] == result.message_id
    assert envelope["Message"] == "m"
    assert envelope["TopicArn"] == topic.arn
    assert broker._sns.dead_lettered == 1
    assert broker._sns.discarded == 0
    dead.delete()
    clock.advance(30 * DAY)
    assert failing.calls == 1 + MANAGED_RETRIES  # no more attempts
    assert counts(dlq) == (0, 0, 0)
    assert broker._sns.dead_lettered == 1


def test_failing_callable_lands_in_dlq_after_one_24_day_clock_jump(
    broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic
) -> None:
    """A manual clock jump wakes every timer whose time came: all 23 days of retries run."""
    failing = Recorder(failures=None)
    dlq = broker.create_queue("dlq")
    topic.subscribe(failing, dead_letter_queue=dlq)
    result = topic.publish("m")
    assert failing.calls == 4

    clock.advance(24 * DAY)

    assert failing.calls == 1 + MANAGED_RETRIES
    assert counts(dlq) == (1, 0, 0)
    [dead] = dlq.receive()
    assert json.loads(dead.body)["MessageId"] == result.message_id
    assert broker._sns.dead_lettered == 1


def test_callable_that_recovers_leaves_nothing_in_the_dlq(
    broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic
) -> None:
    flaky = Recorder(failures=2)
    dlq = broker.create_queue("dlq")
    topic.subscribe(flaky, dead_letter_queue=dlq)
    topic.publish("m")
    assert flaky.calls == 3  # failed twice, the third (immediate) retry worked
    clock.advance(DAY)
    assert flaky.calls == 3
    assert counts(dlq) == (0, 0, 0)
    assert broker._sns.dead_lettered == 0
    assert broker._sns.discarded == 0


def test_callable_that_recovers_during_pre_backoff(
    broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic
) -> None:
    flaky = Recorder(failures=5)
    dlq = broker.create_queue("dlq")
    topic.subscribe(flaky, dead_letter_queue=dlq)
    topic.publish("m")
    assert flaky.calls == 4
    clock.advance(1)
    assert flaky.calls == 5
    clock.advance(1)
    assert flaky.calls == 6  # the sixth call succeeded
    clock.advance(DAY)
    assert flaky.calls == 6
    assert counts(dlq) == (0, 0, 0)


def test_exhausted_copy_without_dlq_is_discarded(broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic) -> None:
    failing = Recorder(failures=None)
    topic.subscribe(failing)
    topic.publish("m")
    step_clock(clock, lambda: broker._sns.discarded > 0, 20, 30 * DAY)
    assert broker._sns.discarded == 1
    assert broker._sns.dead_lettered == 0
    assert failing.calls == 1 + MANAGED_RETRIES


def test_unsubscribing_stops_the_retries(broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic) -> None:
    failing = Recorder(failures=None)
    dlq = broker.create_queue("dlq")
    subscription = topic.subscribe(failing, dead_letter_queue=dlq)
    topic.publish("m")
    assert failing.calls == 4
    subscription.unsubscribe()
    clock.advance(30 * DAY)
    assert failing.calls == 4
    assert counts(dlq) == (0, 0, 0)


def test_deleted_queue_subscriber_goes_straight_to_dlq(
    broker: pymsg.Broker, clock: pymsg.ManualClock, topic: pymsg.Topic
) -> None:
    gone = broker.create_queue("gone")
    dlq = broker.create_queue("dlq")
    topic.subscribe(gone, dead_letter_queue=dlq)
    broker.delete_queue(gone)

    result = topic.publish("m")  # does not raise

    assert counts(dlq) == (1, 0, 0)
    assert broker._sns.dead_lettered == 1
    clock.advance(DAY)  # no retries follow (well within the DLQ's 4-day retention)
    assert counts(dlq) == (1, 0, 0)
    assert broker._sns.dead_lettered == 1
    [dead] = dlq.receive()
    assert json.loads(dead.body)["MessageId"] == result.message_id
    assert json.loads(dead.body)["Message"] == "m"


def test_deleted_raw_queue_subscriber_dead_letters_the_raw_message(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    gone = broker.create_queue("gone")
    dlq = broker.create_queue("dlq")
    topic.subscribe(gone, raw_message_delivery=True, dead_letter_queue=dlq)
    broker.delete_queue("gone")
    topic.publish("raw body")
    [dead] = dlq.receive()
    assert dead.body == "raw body"


def test_deleted_queue_subscriber_without_dlq_is_discarded(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    gone = broker.create_queue("gone")
    other = broker.create_queue("other")
    topic.subscribe(gone)
    topic.subscribe(other)
    broker.delete_queue(gone)
    topic.publish("m")
    assert broker._sns.discarded == 1
    assert broker._sns.dead_lettered == 0
    assert messages_in(other) == ["m"]


def test_fan_out_to_ten_queues(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    queues = [broker.create_queue(f"q{i}") for i in range(10)]
    subscriptions = [topic.subscribe(q) for q in queues]
    result = topic.publish("fan-out")
    for q, s in zip(queues, subscriptions):
        [m] = drain(q)
        envelope = json.loads(m.body)
        assert envelope["MessageId"] == result.message_id
        assert envelope["UnsubscribeURL"].endswith(s.arn)


def test_fan_out_to_queues_and_callables(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    queues = [broker.create_queue(f"q{i}") for i in range(3)]
    recorders = [Recorder() for _ in range(3)]
    for q in queues:
        topic.subscribe(q)
    for r in recorders:
        topic.subscribe(r)
    for i in range(5):
        topic.publish(f"m{i}")
    for q in queues:
        assert messages_in(q) == [f"m{i}" for i in range(5)]
    for r in recorders:
        assert [e["Records"][0]["Sns"]["Message"] for e in r.events] == [f"m{i}" for i in range(5)]


def test_publish_without_subscribers(topic: pymsg.Topic) -> None:
    result = topic.publish("into the void")
    assert re.fullmatch(UUID, result.message_id)


# --- PublishBatch ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5, 10])
def test_publish_batch_of_1_to_10(topic: pymsg.Topic, queue: pymsg.Queue, n: int) -> None:
    topic.subscribe(queue)
    entries = [{"id": f"e{i}", "message": f"m{i}"} for i in range(n)]
    result = topic.publish_batch(entries)
    assert result.failed == []
    assert [entry_id for entry_id, _ in result.successful] == [f"e{i}" for i in range(n)]
    for _, published in result.successful:
        assert isinstance(published, pymsg.PublishResult)
        assert re.fullmatch(UUID, published.message_id)
        assert published.sequence_number is None
    received = {json.loads(m.body)["MessageId"]: json.loads(m.body)["Message"] for m in drain(queue)}
    assert received == {p.message_id: f"m{i}" for i, (_, p) in enumerate(result.successful)}


def test_publish_batch_entries_take_publish_options(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    result = topic.publish_batch([
        {"id": "a", "message": "one", "subject": "subj", "message_attributes": {"k": S("v")}},
        {"id": "b", "message": json.dumps({"default": "d", "sqs": "two"}), "message_structure": "json"},
    ])
    assert result.failed == []
    envelopes = sorted((json.loads(m.body) for m in drain(queue)), key=lambda e: e["Message"])
    assert [e["Message"] for e in envelopes] == ["one", "two"]
    assert envelopes[0]["Subject"] == "subj"
    assert envelopes[0]["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}


def test_publish_batch_fails_entries_one_by_one(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    result = topic.publish_batch([
        {"id": "ok1", "message": "first"},
        {"id": "empty", "message": ""},
        {"id": "subject", "message": "x", "subject": "bad\nsubject"},
        {"id": "missing"},
        {"id": "unknown", "message": "x", "colour": "red"},
        {"id": "ok2", "message": "second"},
    ])
    assert [entry_id for entry_id, _ in result.successful] == ["ok1", "ok2"]
    failed = {f.id: f for f in result.failed}
    assert list(failed) == ["empty", "subject", "missing", "unknown"]
    assert failed["empty"].code == "InvalidParameter"
    assert "Empty message" in failed["empty"].message
    assert failed["subject"].code == "InvalidParameter"
    assert failed["missing"].code == "InvalidParameter"
    assert failed["unknown"].code == "InvalidParameter"
    assert all(f.sender_fault is True for f in result.failed)
    assert messages_in(queue) == ["first", "second"]


@pytest.mark.parametrize(("entry", "error", "message"), [
    ({"message_attributes": {"a": {"DataType": "Nope", "StringValue": "x"}}}, pymsg.ParameterValueInvalid,
     "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, "
     "Number, and String."),
    ({"message_structure": "json", "message": '{"sqs": "x"}'}, pymsg.InvalidParameter,
     "Invalid parameter: Message Structure - No default entry in JSON message body"),
])
def test_some_faults_of_one_entry_fail_the_whole_batch(topic: pymsg.Topic, queue: pymsg.Queue, entry: dict,
                                                        error: type, message: str) -> None:
    topic.subscribe(queue)
    with pytest.raises(error) as excinfo:
        topic.publish_batch([{"id": "ok", "message": "first"}, {"id": "bad", "message": "x", **entry}])
    assert str(excinfo.value) == message
    assert counts(queue) == (0, 0, 0)  # not even the good entry was published


def test_empty_batch_raises(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.EmptyBatchRequest, match="doesn't contain any entries"):
        topic.publish_batch([])
    assert counts(queue) == (0, 0, 0)


def test_batch_of_11_raises(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.TooManyEntriesInBatchRequest, match="more entries than permissible"):
        topic.publish_batch([{"id": f"e{i}", "message": "m"} for i in range(11)])
    assert counts(queue) == (0, 0, 0)


def test_batch_ids_not_distinct_raises(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.BatchEntryIdsNotDistinct, match="same Id"):
        topic.publish_batch([{"id": "a", "message": "1"}, {"id": "b", "message": "2"}, {"id": "a", "message": "3"}])
    assert counts(queue) == (0, 0, 0)


@pytest.mark.parametrize(("bad_id", "message"), [
    ("a b", "The Id of a batch entry in the batch request contains an impermissible character: a b"),
    ("dot.ted", "The Id of a batch entry in the batch request contains an impermissible character: dot.ted"),
    ("ünï", "The Id of a batch entry in the batch request contains an impermissible character: ünï"),
    ("x" * 81, "The Id of a batch entry in the batch request is too long: " + "x" * 81),
    ("", "The Id of a batch entry in a batch request doesn't abide by the specification."),
    (None, "The Id of a batch entry in a batch request doesn't abide by the specification."),
    (5, "The Id of a batch entry in a batch request doesn't abide by the specification."),
])
def test_invalid_batch_entry_id_raises(topic: pymsg.Topic, queue: pymsg.Queue, bad_id: Any, message: str) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.InvalidBatchEntryId) as excinfo:
        topic.publish_batch([{"id": "good", "message": "1"}, {"id": bad_id, "message": "2"}])
    assert str(excinfo.value) == message
    assert counts(queue) == (0, 0, 0)


def test_batch_entry_without_id_raises(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.InvalidBatchEntryId):
        topic.publish_batch([{"message": "1"}])
    assert counts(queue) == (0, 0, 0)


def test_batch_id_of_80_characters_is_valid(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue)
    entry_id = "A-z_0" * 16
    result = topic.publish_batch([{"id": entry_id, "message": "m"}])
    assert [i for i, _ in result.successful] == [entry_id]


@pytest.mark.parametrize("entries", ["not a list", None, {"id": "a", "message": "m"}])
def test_batch_that_is_not_a_list_raises_invalid_parameter(topic: pymsg.Topic, queue: pymsg.Queue, entries: Any) -> None:
    topic.subscribe(queue)
    with pytest.raises(pymsg.InvalidParameter, match="PublishBatchRequestEntries"):
        topic.publish_batch(entries)
    assert counts(queue) == (0, 0, 0)


def test_batch_over_256_kb_in_total_raises_batch_request_too_long(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    """AWS answers BatchRequestTooLong when the messages of a batch add up to more than 256 KB."""
    topic.subscribe(queue)
    entries = [{"id": f"e{i}", "message": "x" * 100_000} for i in range(3)]
    with pytest.raises(pymsg.BatchRequestTooLong):
        topic.publish_batch(entries)
    assert counts(queue) == (0, 0, 0)


def test_batch_of_exactly_256_kb_in_total_is_accepted(topic: pymsg.Topic, queue: pymsg.Queue) -> None:
    topic.subscribe(queue, raw_message_delivery=True)
    entries = [{"id": f"e{i}", "message": "x" * (LIMIT // 4)} for i in range(4)]
    result = topic.publish_batch(entries)
    assert result.failed == []
    assert counts(queue)[0] == 4


def test_queue_refusing_the_copy_sends_it_to_the_dlq(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    small = broker.create_queue("small", maximum_message_size=1024)
    dlq = broker.create_queue("dlq")
    topic.subscribe(small, raw_message_delivery=True, dead_letter_queue=dlq)
    topic.publish("x" * 2000)  # fits SNS's 256 KB, not the queue's 1 KiB
    assert counts(small) == (0, 0, 0)
    [dead] = dlq.receive()
    assert dead.body == "x" * 2000
    assert broker._sns.dead_lettered == 1
