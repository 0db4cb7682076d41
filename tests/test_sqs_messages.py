"""Messages: send, receive, visibility, delete, delay, retention, limits, validation and purge."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

import pymsg
from conftest import START, counts, send

MIB = 1_048_576



def receive_one(queue: pymsg.Queue, **kwargs: Any) -> pymsg.Message:
    messages = queue.receive(**kwargs)
    assert len(messages) == 1, messages
    return messages[0]


def other_queue(broker: pymsg.Broker, queue: pymsg.Queue) -> pymsg.Queue:
    """A second queue of the same type as `queue`."""
    if queue.fifo:
        return broker.create_queue("other.fifo", content_based_deduplication=True)
    return broker.create_queue("other")


# --- round trip and MD5s -----------------------------------------------------------------------


@pytest.mark.parametrize("body", ["hello", "héllo wörld ☃", b"hello", b"\x00\x01\xff"], ids=["str", "unicode", "bytes", "raw-bytes"])
def test_body_round_trips_with_its_type(any_queue: pymsg.Queue, body: str | bytes) -> None:
    send(any_queue, body)
    message = receive_one(any_queue)
    assert message.body == body
    assert type(message.body) is type(body)


def test_md5_of_hello_matches_the_aws_vector(any_queue: pymsg.Queue) -> None:
    result = send(any_queue, "hello")
    assert result.md5_of_body == "5d41402abc4b2a76b9719d911017c592"
    assert receive_one(any_queue).md5_of_body == "5d41402abc4b2a76b9719d911017c592"


@pytest.mark.parametrize("body", ["héllo ☃ 😀", b"\x00\xffbytes"])
def test_md5_of_body_is_md5_of_the_utf8_bytes(any_queue: pymsg.Queue, body: str | bytes) -> None:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    expected = hashlib.md5(raw).hexdigest()
    assert send(any_queue, body).md5_of_body == expected
    assert receive_one(any_queue).md5_of_body == expected


def test_message_id_is_a_uuid4_equal_to_the_send_results(any_queue: pymsg.Queue) -> None:
    result = send(any_queue, "hello")
    message = receive_one(any_queue)
    assert message.message_id == result.message_id
    parsed = uuid.UUID(result.message_id)
    assert parsed.version == 4
    assert str(parsed) == result.message_id  # canonical lower-case, hyphenated


def test_message_ids_are_distinct(any_queue: pymsg.Queue) -> None:
    ids = {send(any_queue, f"m{i}").message_id for i in range(100)}
    assert len(ids) == 100


MD5_VECTORS = [
    ({"attribName1": {"DataType": "String", "StringValue": "attribValue 1"}}, "19e27d4e946b072f3f58da80d94fd778"),
    (
        {"customNumberTypeAttrib": {"DataType": "Number.float", "StringValue": "4563442423554324324264524243.32543234"}},
        "9fe1b90bbd9965bdf77bac517c7d2495",
    ),
    ({"binaryAttribute": {"DataType": "Binary", "BinaryValue": b"Hello binary world!"}}, "31a92b15d92f8db860eda32aceb656c3"),
    (
        {
            "attribName1": {"DataType": "String", "StringValue": "attribValue 1"},
            "customNumberTypeAttrib": {"DataType": "Number.float", "StringValue": "4563442423554324324264524243.32543234"},
            "binaryAttribute": {"DataType": "Binary", "BinaryValue": b"Hello binary world!"},
        },
        "c932db14a896c663f83c260297d594ff",
    ),
]


@pytest.mark.parametrize(("attributes", "expected"), MD5_VECTORS, ids=["string", "number-float", "binary", "all-three"])
def test_md5_of_message_attributes_matches_aws_vectors(
    any_queue: pymsg.Queue, attributes: dict[str, Any], expected: str
) -> None:
    assert send(any_queue, "body", message_attributes=attributes).md5_of_message_attributes == expected
    assert receive_one(any_queue).md5_of_message_attributes == expected


def test_md5_of_message_attributes_is_none_without_attributes(any_queue: pymsg.Queue) -> None:
    assert send(any_queue, "body").md5_of_message_attributes is None
    message = receive_one(any_queue)
    assert message.md5_of_message_attributes is None
    assert message.message_attributes == {}


def test_message_attributes_round_trip(any_queue: pymsg.Queue) -> None:
    attributes = {
        "text": {"DataType": "String", "StringValue": "hi ☃"},
        "count": {"DataType": "Number", "StringValue": "-12.5e3"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        "custom": {"DataType": "String.json", "StringValue": "{}"},
    }
    send(any_queue, "body", message_attributes=attributes)
    assert receive_one(any_queue).message_attributes == attributes


# --- system attributes ---------------------------------------------------------------------------


def test_sent_timestamp_is_the_clock_in_milliseconds(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    clock.advance(0.123)
    send(any_queue, "x")
    clock.advance(5)
    assert receive_one(any_queue).attributes["SentTimestamp"] == str(int(START * 1000) + 123)


def test_first_receive_sets_receive_count_and_first_receive_timestamp(
    any_queue: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    send(any_queue, "x")
    clock.advance(2)
    message = receive_one(any_queue)
    assert message.receive_count == 1
    assert message.attributes["ApproximateReceiveCount"] == "1"
    assert message.attributes["ApproximateFirstReceiveTimestamp"] == str(int((START + 2) * 1000))


def test_first_receive_timestamp_is_set_once(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    send(any_queue, "x")
    clock.advance(2)
    receive_one(any_queue)
    clock.advance(30)
    again = receive_one(any_queue)
    assert again.attributes["ApproximateReceiveCount"] == "2"
    assert again.attributes["ApproximateFirstReceiveTimestamp"] == str(int((START + 2) * 1000))


def test_sender_id_is_the_account(any_queue: pymsg.Queue) -> None:
    send(any_queue, "x")
    assert receive_one(any_queue).attributes["SenderId"] == "123456789012"


# --- visibility timeout ---------------------------------------------------------------------------


def test_received_message_is_invisible(any_queue: pymsg.Queue) -> None:
    send(any_queue, "x")
    receive_one(any_queue)
    assert any_queue.receive() == []
    assert counts(any_queue) == (0, 1, 0)


def test_message_reappears_after_visibility_timeout_with_new_handle(
    any_queue: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    send(any_queue, "x")
    first = receive_one(any_queue)
    clock.advance(29.9)
    assert any_queue.receive() == []
    clock.advance(0.1)
    second = receive_one(any_queue)
    assert second.message_id == first.message_id
    assert second.receive_count == 2
    assert second.receipt_handle != first.receipt_handle


def test_messages_whose_visibility_ran_out_do_not_count_towards_the_in_flight_limit(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    queue = broker.create_queue("busy")
    for _ in range(12_001):
        queue.send_batch([{"id": str(i), "body": "x"} for i in range(10)])
    for _ in range(12_000):
        queue.receive(10, visibility_timeout=5)
    with pytest.raises(pymsg.OverLimit, match="the queue has 120000 messages in flight"):
        queue.receive(10)
    assert counts(queue) == (10, 120_000, 0)  # the refusal took nothing
    clock.advance(5)  # every one of them is visible again, so none is in flight
    assert len(queue.receive(10)) == 10


def test_receive_visibility_timeout_overrides_the_queue_default(
    any_queue: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    send(any_queue, "x")
    receive_one(any_queue, visibility_timeout=5)
    clock.advance(4)
    assert any_queue.receive() == []
    clock.advance(1)
    assert receive_one(any_queue).receive_count == 2


def test_override_is_not_remembered(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    send(any_queue, "x")
    receive_one(any_queue, visibility_timeout=5)
    clock.advance(5)
    receive_one(any_queue)  # queue default (30 s) again
    clock.advance(29)
    assert any_queue.receive() == []


def test_change_visibility_zero_makes_it_visible_at_once(any_queue: pymsg.Queue) -> None:
    send(any_queue, "x")
    message = receive_one(any_queue)
    any_queue.change_visibility(message.receipt_handle, 0)
    assert counts(any_queue) == (1, 0, 0)
    assert receive_one(any_queue).receive_count == 2


def test_change_visibility_extends_from_the_call(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    send(any_queue, "x")
    message = receive_one(any_queue)
    clock.advance(20)
    any_queue.change_visibility(message.receipt_handle, 60)
    clock.advance(59)  # 79 s after the receive: past the original 30 s
    assert any_queue.receive() == []
    clock.advance(1)
    assert receive_one(any_queue).receive_count == 2


def test_change_visibility_to_12_hours_right_after_receive_is_allowed(
    any_queue: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    send(any_queue, "x")
    message = receive_one(any_queue)
    any_queue.change_visibility(message.receipt_handle, 43200)
    clock.advance(43199)
    assert any_queue.receive() == []


def test_change_visibility_past_12_hours_from_receive_raises(
    any_queue: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    send(any_queue, "x")
    message = receive_one(any_queue, visibility_timeout=1000)
    clock.advance(100)
    with pytest.raises(pymsg.InvalidParameterValue, match="43200"):
        any_queue.change_visibility(message.receipt_handle, 43200)
    assert counts(any_queue) == (0, 1, 0)
    clock.advance(900)  # the original timeout still applies
    assert receive_one(any_queue).receive_count == 2


def test_change_visibility_up_to_the_12_hour_cap_is_allowed(
    any_queue: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    send(any_queue, "x")
    message = receive_one(any_queue, visibility_timeout=1000)
    clock.advance(100)
    any_queue.change_visibility(message.receipt_handle, 43100)
    clock.advance(43099)
    assert any_queue.receive() == []


@pytest.mark.parametrize("seconds", [43201, -1])
def test_change_visibility_out_of_range_raises(any_queue: pymsg.Queue, seconds: int) -> None:
    send(any_queue, "x")
    message = receive_one(any_queue)
    with pytest.raises(pymsg.InvalidParameterValue, match="VisibilityTimeout"):
        any_queue.change_visibility(message.receipt_handle, seconds)
    assert counts(any_queue) == (0, 1, 0)


def test_change_visibility_after_it_lapsed_hides_it_again_on_a_standard_queue(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    # AWS-recorded runs: until another receive, the lapsed message's handles still change it.
    queue = broker.create_queue("q")
    queue.send("x")
    queue.send("y")
    first = receive_one(queue)
    clock.advance(30)
    first.change_visibility(10)
    assert counts(queue) == (1, 1, 0)
    assert [m.body for m in queue.receive(max_messages=10)] == ["y"]
    clock.advance(10)
    again = receive_one(queue)
    assert (again.body, again.receive_count) == ("x", 2)
    first.delete()  # the first handle still names the message
    assert counts(queue) == (0, 1, 0)


def test_change_visibility_after_it_lapsed_keeps_the_12_hour_cap(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    queue = broker.create_queue("q")
    queue.send("x")
    message = receive_one(queue)
    clock.advance(43_000)
    with pytest.raises(pymsg.InvalidParameterValue, match="43200 seconds"):
        message.change_visibility(300)
    assert counts(queue) == (1, 0, 0)


def test_change_visibility_after_it_lapsed_raises_message_not_inflight_on_fifo(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    queue = broker.create_queue("q.fifo", content_based_deduplication=True)
    queue.send("x", group_id="g")
    message = receive_one(queue)
    clock.advance(30)
    with pytest.raises(pymsg.MessageNotInflight, match="not in flight"):
        message.change_visibility(10)
    assert counts(queue) == (1, 0, 0)


def test_change_visibility_with_superseded_handle_raises_on_fifo(broker: pymsg.Broker,
                                                                 clock: pymsg.ManualClock) -> None:
    queue = broker.create_queue("q.fifo", content_based_deduplication=True)
    queue.send("x", group_id="g")
    old = receive_one(queue)
    clock.advance(30)
    receive_one(queue)
    with pytest.raises(pymsg.InvalidParameterValue, match="ReceiptHandle"):
        queue.change_visibility(old.receipt_handle, 0)
    assert counts(queue) == (0, 1, 0)  # still invisible under the new receive


def test_change_visibility_of_a_deleted_message_raises(any_queue: pymsg.Queue) -> None:
    send(any_queue, "x")
    message = receive_one(any_queue)
    message.delete()
    with pytest.raises(pymsg.InvalidParameterValue, match="ReceiptHandle"):
        any_queue.change_visibility(message.receipt_handle, 0)
    assert counts(any_queue) == (0, 0, 0)


# --- delete and receipt handles --------------------------------------------------------------------


def test_delete_with_the_latest_handle_deletes(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    send(any_queue, "x")
    any_queue.delete(receive_one(any_queue).receipt_handle)
    assert counts(any_queue) == (0, 0, 0)
    clock.advance(60)
    assert any_queue.receive() == []


def test_deleting_twice_is_fine(any_queue: pymsg.Queue) -> None:
    send(any_queue, "x")
    handle = receive_one(any_queue).receipt_handle
    any_queue.delete(handle)
    any_queue.delete(handle)
    assert counts(any_queue) == (0, 0, 0)


def test_delete_deletes_only_its_message(any_queue: pymsg.Queue) -> None:
    send(any_queue, "a")
    send(any_queue, "b")
    [first, second] = any_queue.receive(2)
    any_queue.delete(first.receipt_handle)
    assert counts(any_queue) == (0, 1, 0)
    any_queue.change_visibility(second.receipt_handle, 0)
    assert receive_one(any_queue).body == second.body


def test_old_handle_on_standard_queue_deletes_the_message(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    queue = broker.create_queue("q")
    queue.send("x")
    old = receive_one(queue)
    clock.advance(30)
    new = receive_one(queue)
    queue.delete(old.receipt_handle)  # AWS deletes with any handle the message was received with
    assert counts(queue) == (0, 0, 0)
    queue.delete(new.receipt_handle)  # and deleting again with the latest one succeeds
    queue.delete(old.receipt_handle)
    assert counts(queue) == (0, 0, 0)


def test_old_handle_of_a_message_in_flight_changes_its_visibility(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    queue = broker.create_queue("q")
    queue.send("x")
    old = receive_one(queue)
    clock.advance(30)
    receive_one(queue)
    queue.change_visibility(old.receipt_handle, 100)
    clock.advance(99)
    assert queue.receive() == []
    clock.advance(1)
    assert receive_one(queue).body == "x"


def test_old_handle_on_fifo_queue_raises_expired(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    queue = broker.create_queue("q.fifo", content_based_deduplication=True)
    queue.send("x", group_id="g")
    old = receive_one(queue)
    clock.advance(30)
    receive_one(queue)
    with pytest.raises(pymsg.InvalidParameterValue, match="expired"):
        queue.delete(old.receipt_handle)
    assert counts(queue) == (0, 1, 0)


@pytest.mark.parametrize("handle", ["garbage", "", "AQEB" + "A" * 32, "AQEB" + "!" * 32])
def test_never_issued_handle_raises_receipt_handle_is_invalid(any_queue: pymsg.Queue, handle: str) -> None:
    send(any_queue, "x")
    receive_one(any_queue)
    with pytest.raises(pymsg.ReceiptHandleIsInvalid, match="not a valid receipt handle"):
        any_queue.delete(handle)
    with pytest.raises(pymsg.ReceiptHandleIsInvalid, match="not a valid receipt handle"):
        any_queue.change_visibility(handle, 0)
    assert counts(any_queue) == (0, 1, 0)


def test_handle_from_another_queue_raises_receipt_handle_is_invalid(
    broker: pymsg.Broker, any_queue: pymsg.Queue
) -> None:
    other = other_queue(broker, any_queue)
    send(other, "theirs")
    foreign = receive_one(other).receipt_handle
    send(any_queue, "mine")
    receive_one(any_queue)
    with pytest.raises(pymsg.ReceiptHandleIsInvalid):
        any_queue.delete(foreign)
    with pytest.raises(pymsg.ReceiptHandleIsInvalid):
        any_queue.change_visibility(foreign, 0)
    assert counts(any_queue) == (0, 1, 0)
    assert counts(other) == (0, 1, 0)


def test_non_str_handle_raises_invalid_parameter_value(any_queue: pymsg.Queue) -> None:
    send(any_queue, "x")
    with pytest.raises(pymsg.InvalidParameterValue, match="ReceiptHandle"):
        any_queue.delete(b"AQEB")  # type: ignore[arg-type]
    assert counts(any_queue) == (1, 0, 0)


def test_message_delete_shortcut(any_queue: pymsg.Queue) -> None:
    send(any_queue, "x")
    receive_one(any_queue).delete()
    assert counts(any_queue) == (0, 0, 0)


def test_message_change_visibility_shortcut(any_queue: pymsg.Queue) -> None:
    send(any_queue, "x")
    receive_one(any_queue).change_visibility(0)
    assert counts(any_queue) == (1, 0, 0)


# --- delay -----------------------------------------------------------------------------------------


def test_queue_delay_holds_messages_back(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    any_queue.set_attributes(delay_seconds=10)
    send(any_queue, "x")
    assert counts(any_queue) == (0, 0, 1)
    clock.advance(9)
    assert any_queue.receive() == []
    clock.advance(1)
    assert counts(any_queue) == (1, 0, 0)
    assert receive_one(any_queue).body == "x"


def test_per_message_delay_on_standard_queue(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    queue = broker.create_queue("q")
    queue.send("later", delay_seconds=5)
    queue.send("now")
    assert counts(queue) == (1, 0, 1)
    assert receive_one(queue).body == "now"
    clock.advance(5)
    assert receive_one(queue).body == "later"


def test_per_message_delay_overrides_queue_delay(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    queue = broker.create_queue("q", delay_seconds=60)
    queue.send("x", delay_seconds=0)
    assert receive_one(queue).body == "x"


@pytest.mark.parametrize("delay", [901, -1])
def test_per_message_delay_out_of_range_raises(broker: pymsg.Broker, delay: int) -> None:
    queue = broker.create_queue("q")
    with pytest.raises(pymsg.InvalidParameterValue, match="DelaySeconds"):
        queue.send("x", delay_seconds=delay)
    assert counts(queue) == (0, 0, 0)


def test_per_message_delay_on_fifo_queue_raises(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q.fifo", content_based_deduplication=True)
    with pytest.raises(pymsg.InvalidParameterValue, match="DelaySeconds"):
        queue.send("x", group_id="g", delay_seconds=5)
    assert counts(queue) == (0, 0, 0)
    queue.send("x", group_id="g")  # not remembered for deduplication either
    assert counts(queue) == (1, 0, 0)


def test_per_message_delay_zero_on_fifo_keeps_the_queue_delay(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    # AWS rejects only a non-zero per-message delay on FIFO queues; the queue's delay still applies.
    queue = broker.create_queue("q.fifo", content_based_deduplication=True, delay_seconds=10)
    queue.send("x", group_id="g", delay_seconds=0)
    assert counts(queue) == (0, 0, 1)
    clock.advance(10)
    assert counts(queue) == (1, 0, 0)


# --- retention -------------------------------------------------------------------------------------


def test_message_within_retention_is_delivered(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    any_queue.set_attributes(message_retention_period=60)
    send(any_queue, "x")
    clock.advance(59)
    assert receive_one(any_queue).body == "x"


def test_message_past_retention_is_never_delivered(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    any_queue.set_attributes(message_retention_period=60)
    send(any_queue, "x")
    clock.advance(60)
    assert any_queue.receive() == []


def test_message_past_retention_is_not_counted(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    any_queue.set_attributes(message_retention_period=60)
    send(any_queue, "x")
    clock.advance(60)
    assert counts(any_queue) == (0, 0, 0)


def test_in_flight_message_that_expires_does_not_come_back(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    any_queue.set_attributes(message_retention_period=60)
    send(any_queue, "x")
    receive_one(any_queue, visibility_timeout=120)
    clock.advance(120)
    assert any_queue.receive() == []
    assert counts(any_queue) == (0, 0, 0)


# --- size limits -------------------------------------------------------------------------------------


def test_body_of_exactly_1_mib_is_accepted(any_queue: pymsg.Queue) -> None:
    send(any_queue, "a" * MIB)
    assert len(receive_one(any_queue).body) == MIB


def test_body_over_1_mib_raises(any_queue: pymsg.Queue) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="shorter than 1048576 bytes"):
        send(any_queue, "a" * (MIB + 1))
    assert counts(any_queue) == (0, 0, 0)


def test_size_counts_utf8_bytes_not_characters(any_queue: pymsg.Queue) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="shorter than"):
        send(any_queue, "é" * (MIB // 2 + 1))
    assert counts(any_queue) == (0, 0, 0)


@pytest.mark.parametrize(("value", "fits"), [("bbb", True), ("bbbb", False)])
def test_attributes_count_toward_the_size(any_queue: pymsg.Queue, value: str, fits: bool) -> None:
    body = "a" * (MIB - 10)  # leaves 10 bytes: name "a" (1) + "String" (6) + value
    attributes = {"a": {"DataType": "String", "StringValue": value}}
    if fits:
        send(any_queue, body, message_attributes=attributes)
        assert counts(any_queue) == (1, 0, 0)
    else:
        with pytest.raises(pymsg.InvalidParameterValue, match="shorter than"):
            send(any_queue, body, message_attributes=attributes)
        assert counts(any_queue) == (0, 0, 0)


def test_lower_maximum_message_size_lowers_the_limit(any_queue: pymsg.Queue) -> None:
    any_queue.set_attributes(maximum_message_size=1024)
    send(any_queue, "a" * 1024)
    with pytest.raises(pymsg.InvalidParameterValue, match="shorter than 1024 bytes"):
        send(any_queue, "b" * 1025)
    assert counts(any_queue) == (1, 0, 0)


def test_relaxed_limits_accept_2_mib(clock: pymsg.ManualClock) -> None:
    queue = pymsg.Broker(clock, strict_limits=False).create_queue("q")
    queue.send(b"a" * (2 * MIB))
    assert len(receive_one(queue).body) == 2 * MIB


# --- body contents ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", b""], ids=["str", "bytes"])
def test_empty_body_raises_missing_parameter(any_queue: pymsg.Queue, body: str | bytes) -> None:
    with pytest.raises(pymsg.MissingParameter, match="MessageBody"):
        send(any_queue, body)
    assert counts(any_queue) == (0, 0, 0)


@pytest.mark.parametrize("body", [None, 42, ["x"]])
def test_non_str_body_raises_invalid_parameter_value(any_queue: pymsg.Queue, body: Any) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="MessageBody"):
        send(any_queue, body)
    assert counts(any_queue) == (0, 0, 0)


@pytest.mark.parametrize("body", ["a\x00b", "\x1f", "\x08", "\ufffe", "\uffff"], ids=["nul", "us", "bs", "fffe", "ffff"])
def test_invalid_characters_raise_invalid_message_contents(any_queue: pymsg.Queue, body: str) -> None:
    with pytest.raises(pymsg.InvalidMessageContents, match="Invalid characters"):
        send(any_queue, body)
    assert counts(any_queue) == (0, 0, 0)


@pytest.mark.parametrize("body", ["\t\n\r", "😀", "\ud7ff\ue000\ufffd", "\U0010ffff", " "])
def test_allowed_characters_are_accepted(any_queue: pymsg.Queue, body: str) -> None:
    send(any_queue, body)
    assert receive_one(any_queue).body == body


def test_lone_surrogate_raises_invalid_message_contents(any_queue: pymsg.Queue) -> None:
    with pytest.raises(pymsg.InvalidMessageContents, match="surrogate"):
        send(any_queue, "a\ud800b")
    assert counts(any_queue) == (0, 0, 0)


# --- message attribute validation --------------------------------------------------------------------

BAD_ATTRIBUTES = {
    "eleven": {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
    "aws-prefix": {"AWS.x": {"DataType": "String", "StringValue": "v"}},
    "amazon-prefix": {"amazon.x": {"DataType": "String", "StringValue": "v"}},
    "double-dot": {"a..b": {"DataType": "String", "StringValue": "v"}},
    "leading-dot": {".a": {"DataType": "String", "StringValue": "v"}},
    "trailing-dot": {"a.": {"DataType": "String", "StringValue": "v"}},
    "bad-char": {"a b": {"DataType": "String", "StringValue": "v"}},
    "empty-name": {"": {"DataType": "String", "StringValue": "v"}},
    "long-name": {"a" * 257: {"DataType": "String", "StringValue": "v"}},
    "datatype-str": {"a": {"DataType": "Str", "StringValue": "v"}},
    "empty-label": {"a": {"DataType": "String.", "StringValue": "v"}},
    "no-datatype": {"a": {"StringValue": "v"}},
    "no-value": {"a": {"DataType": "String"}},
    "empty-value": {"a": {"DataType": "String", "StringValue": ""}},
    "number-abc": {"a": {"DataType": "Number", "StringValue": "abc"}},
    "number-39-digits": {"a": {"DataType": "Number", "StringValue": "1" * 39}},
    "binary-str-value": {"a": {"DataType": "Binary", "BinaryValue": "abc"}},
    "binary-string-value": {"a": {"DataType": "Binary", "StringValue": "abc"}},
    "string-binary-value": {"a": {"DataType": "String", "BinaryValue": b"abc"}},
    "list-values": {"a": {"DataType": "String", "StringListValues": ["x"]}},
    "not-a-dict": {"a": "v"},
}


@pytest.mark.parametrize("attributes", list(BAD_ATTRIBUTES.values()), ids=list(BAD_ATTRIBUTES))
def test_invalid_message_attributes_raise_invalid_parameter_value(
    any_queue: pymsg.Queue, attributes: dict[str, Any]
) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="(?i)attribute"):
        send(any_queue, "body", message_attributes=attributes)
    assert counts(any_queue) == (0, 0, 0)


def test_ten_message_attributes_are_allowed(any_queue: pymsg.Queue) -> None:
    attributes = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(10)}
    send(any_queue, "body", message_attributes=attributes)
    assert len(receive_one(any_queue).message_attributes) == 10


def test_invalid_characters_in_attribute_value_raise_invalid_message_contents(any_queue: pymsg.Queue) -> None:
    with pytest.raises(pymsg.InvalidMessageContents, match="'a'"):
        send(any_queue, "body", message_attributes={"a": {"DataType": "String", "StringValue": "\x00"}})
    assert counts(any_queue) == (0, 0, 0)


# --- purge ------------------------------------------------------------------------------------------


def test_purge_removes_visible_in_flight_and_delayed(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    send(any_queue, "a")
    send(any_queue, "b")
    receive_one(any_queue)
    any_queue.set_attributes(delay_seconds=10)
    send(any_queue, "c")
    assert counts(any_queue) == (1, 1, 1)
    any_queue.purge()
    assert counts(any_queue) == (0, 0, 0)
    clock.advance(60)
    assert any_queue.receive(10) == []


def test_second_purge_within_60_seconds_raises(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    any_queue.purge()
    send(any_queue, "survivor")
    clock.advance(59)
    with pytest.raises(pymsg.PurgeQueueInProgress, match="60 seconds"):
        any_queue.purge()
    assert receive_one(any_queue).body == "survivor"


def test_purge_works_again_after_60_seconds(any_queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    any_queue.purge()
    send(any_queue, "x")
    clock.advance(60)
    any_queue.purge()
    assert counts(any_queue) == (0, 0, 0)


def test_purge_twice_at_once_works_without_strict_timing(clock: pymsg.ManualClock) -> None:
    queue = pymsg.Broker(clock, strict_timing=False).create_queue("q")
    queue.purge()
    queue.send("x")
    queue.purge()
    assert counts(queue) == (0, 0, 0)


# --- receive parameters and counts -------------------------------------------------------------------


def test_receive_on_empty_queue_returns_empty_list(any_queue: pymsg.Queue) -> None:
    assert any_queue.receive() == []
    assert any_queue.receive(10) == []


def test_receive_returns_at_most_max_messages(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    for i in range(12):
        queue.send(f"m{i}")
    assert len(queue.receive(10)) == 10
    assert len(queue.receive(10)) == 2


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"max_messages": 0}, "MaxNumberOfMessages"),
        ({"max_messages": 11}, "MaxNumberOfMessages"),
        ({"max_messages": -1}, "MaxNumberOfMessages"),
        ({"wait_time_seconds": 21}, "WaitTimeSeconds"),
        ({"wait_time_seconds": -1}, "WaitTimeSeconds"),
        ({"visibility_timeout": 43201}, "VisibilityTimeout"),
        ({"visibility_timeout": -1}, "VisibilityTimeout"),
    ],
    ids=["max-0", "max-11", "max-neg", "wait-21", "wait-neg", "vis-43201", "vis-neg"],
)
def test_receive_with_invalid_parameter_raises_and_receives_nothing(
    any_queue: pymsg.Queue, kwargs: dict[str, Any], parameter: str
) -> None:
    send(any_queue, "x")
    with pytest.raises(pymsg.InvalidParameterValue, match=parameter):
        any_queue.receive(**kwargs)
    assert counts(any_queue) == (1, 0, 0)


def test_attributes_count_visible_in_flight_and_delayed(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    for body in ("a", "b", "c"):
        queue.send(body)
    queue.send("d", delay_seconds=30)
    queue.send("e", delay_seconds=30)
    queue.receive(1)
    assert counts(queue) == (2, 1, 2)


def test_a_message_whose_visibility_lapsed_comes_back_before_newer_ones(broker: pymsg.Broker,
                                                                          clock: pymsg.ManualClock) -> None:
    queue = broker.create_queue("q")
    for body in "abcd":
        queue.send(body)
    assert [m.body for m in queue.receive(2, visibility_timeout=5)] == ["a", "b"]
    clock.advance(5)
    received = queue.receive(10, visibility_timeout=5)
    assert [m.body for m in received] == ["a", "b", "c", "d"]  # the two that lapsed first, oldest first
    received[2].change_visibility(0)  # c: visible again now, ahead of what was sent after it
    queue.send("e")
    assert [m.body for m in queue.receive(10)] == ["c", "e"]
