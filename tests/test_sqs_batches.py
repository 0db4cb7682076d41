"""SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch."""

from __future__ import annotations

import hashlib
from typing import Any, Callable

import pytest

import pymsg
from conftest import counts, send

KIB = 1024



def entry(queue: pymsg.Queue, id: str, body: str | bytes, **kwargs: Any) -> dict[str, Any]:
    """A send_batch entry; FIFO entries get group "g" unless one is given."""
    if queue.fifo:
        kwargs.setdefault("group_id", "g")
    return {"id": id, "body": body, **kwargs}


def in_flight(queue: pymsg.Queue, n: int) -> list[pymsg.Message]:
    """Sends n messages and receives them all."""
    for i in range(n):
        send(queue, f"m{i}")
    messages = queue.receive(n)
    assert len(messages) == n
    return messages


# --- success shapes ----------------------------------------------------------------------------


def test_send_batch_successful_entries(any_queue: pymsg.Queue) -> None:
    result = any_queue.send_batch([entry(any_queue, "a", "hello"), entry(any_queue, "b", b"world")])
    assert isinstance(result, pymsg.BatchResult)
    assert result.failed == []
    assert [r.id for r in result.successful] == ["a", "b"]
    assert result.successful[0].md5_of_body == "5d41402abc4b2a76b9719d911017c592"
    assert result.successful[1].md5_of_body == hashlib.md5(b"world").hexdigest()
    received = {m.message_id: m.body for m in any_queue.receive(10)}
    assert received == {result.successful[0].message_id: "hello", result.successful[1].message_id: b"world"}


def test_send_batch_entry_with_attributes_reports_their_md5(any_queue: pymsg.Queue) -> None:
    attributes = {"attribName1": {"DataType": "String", "StringValue": "attribValue 1"}}
    result = any_queue.send_batch([entry(any_queue, "a", "x", message_attributes=attributes)])
    assert result.successful[0].md5_of_message_attributes == "19e27d4e946b072f3f58da80d94fd778"


def test_send_batch_per_entry_delay(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    queue = broker.create_queue("q")
    queue.send_batch([{"id": "now", "body": "a"}, {"id": "later", "body": "b", "delay_seconds": 10}])
    assert counts(queue) == (1, 0, 1)
    clock.advance(10)
    assert counts(queue) == (2, 0, 0)


def test_delete_batch_successful_are_the_entry_ids(any_queue: pymsg.Queue) -> None:
    first, second = in_flight(any_queue, 2)
    result = any_queue.delete_batch(
        [{"id": "x", "receipt_handle": first.receipt_handle}, {"id": "y", "receipt_handle": second.receipt_handle}]
    )
    assert result == pymsg.BatchResult(["x", "y"], [])
    assert counts(any_queue) == (0, 0, 0)


def test_change_visibility_batch_successful_are_the_entry_ids(any_queue: pymsg.Queue) -> None:
    first, second = in_flight(any_queue, 2)
    result = any_queue.change_visibility_batch(
        [
            {"id": "x", "receipt_handle": first.receipt_handle, "visibility_timeout": 0},
            {"id": "y", "receipt_handle": second.receipt_handle, "visibility_timeout": 100},
        ]
    )
    assert result == pymsg.BatchResult(["x", "y"], [])
    assert counts(any_queue) == (1, 1, 0)


# --- batch-level errors ------------------------------------------------------------------------

BatchCall = Callable[[pymsg.Queue, list], Any]

CALLS: dict[str, BatchCall] = {
    "send": lambda q, entries: q.send_batch(entries),
    "delete": lambda q, entries: q.delete_batch(entries),
    "change_visibility": lambda q, entries: q.change_visibility_batch(entries),
}


def make_entries(queue: pymsg.Queue, call: str, ids: list[str], messages: list[pymsg.Message]) -> list[dict[str, Any]]:
    """Valid entries of `call` with the given ids, using the handles of `messages` in turn."""
    out = []
    for i, id in enumerate(ids):
        if call == "send":
            out.append(entry(queue, id, f"new{i}"))
        else:
            e = {"id": id, "receipt_handle": messages[i % len(messages)].receipt_handle}
            if call == "change_visibility":
                e["visibility_timeout"] = 0
            out.append(e)
    return out


@pytest.fixture(params=list(CALLS))
def call(request: pytest.FixtureRequest) -> str:
    return request.param


def test_empty_batch_raises_empty_batch_request(any_queue: pymsg.Queue, call: str) -> None:
    in_flight(any_queue, 1)
    entry = {"send": "SendMessageBatchRequestEntry", "delete": "DeleteMessageBatchRequestEntry",
             "change_visibility": "ChangeMessageVisibilityBatchRequestEntry"}[call]
    with pytest.raises(pymsg.EmptyBatchRequest) as raised:
        CALLS[call](any_queue, [])
    assert str(raised.value) == f"There should be at least one {entry} in the request."
    assert counts(any_queue) == (0, 1, 0)


def test_eleven_entries_raise_too_many_entries(any_queue: pymsg.Queue, call: str) -> None:
    messages = in_flight(any_queue, 1)
    entries = make_entries(any_queue, call, [f"e{i}" for i in range(11)], messages)
    with pytest.raises(pymsg.TooManyEntriesInBatchRequest, match="11"):
        CALLS[call](any_queue, entries)
    assert counts(any_queue) == (0, 1, 0)


def test_ten_entries_are_allowed(any_queue: pymsg.Queue, call: str) -> None:
    messages = in_flight(any_queue, 10)
    result = CALLS[call](any_queue, make_entries(any_queue, call, [f"e{i}" for i in range(10)], messages))
    assert len(result.successful) == 10
    assert result.failed == []


def test_eleven_entries_are_allowed_with_relaxed_limits(clock: pymsg.ManualClock) -> None:
    queue = pymsg.Broker(clock, strict_limits=False).create_queue("q")
    result = queue.send_batch([{"id": f"e{i}", "body": "x"} for i in range(11)])
    assert len(result.successful) == 11
    assert counts(queue) == (11, 0, 0)


def test_duplicate_ids_raise_batch_entry_ids_not_distinct(any_queue: pymsg.Queue, call: str) -> None:
    messages = in_flight(any_queue, 2)
    with pytest.raises(pymsg.BatchEntryIdsNotDistinct, match="'a'"):
        CALLS[call](any_queue, make_entries(any_queue, call, ["a", "b", "a"], messages))
    assert counts(any_queue) == (0, 2, 0)


@pytest.mark.parametrize("bad_id", ["a b", "a" * 81, "", "a.b", "é"], ids=["space", "81-chars", "empty", "dot", "non-ascii"])
def test_bad_id_raises_invalid_batch_entry_id(any_queue: pymsg.Queue, call: str, bad_id: str) -> None:
    messages = in_flight(any_queue, 2)
    with pytest.raises(pymsg.InvalidBatchEntryId, match="alphanumeric"):
        CALLS[call](any_queue, make_entries(any_queue, call, ["ok", bad_id], messages))
    assert counts(any_queue) == (0, 2, 0)


def test_80_character_id_is_allowed(any_queue: pymsg.Queue, call: str) -> None:
    messages = in_flight(any_queue, 1)
    result = CALLS[call](any_queue, make_entries(any_queue, call, ["A-z_9" * 16], messages))
    assert len(result.successful) == 1


def test_batch_over_1_mib_raises_batch_request_too_long(any_queue: pymsg.Queue) -> None:
    entries = [entry(any_queue, "a", "a" * (600 * KIB)), entry(any_queue, "b", "b" * (600 * KIB))]
    with pytest.raises(pymsg.BatchRequestTooLong, match="1048576"):
        any_queue.send_batch(entries)
    assert counts(any_queue) == (0, 0, 0)


def test_batch_of_exactly_1_mib_is_accepted(any_queue: pymsg.Queue) -> None:
    entries = [entry(any_queue, "a", "a" * (512 * KIB)), entry(any_queue, "b", "b" * (512 * KIB))]
    assert len(any_queue.send_batch(entries).successful) == 2


def test_attributes_count_toward_the_batch_size(any_queue: pymsg.Queue) -> None:
    attributes = {"a": {"DataType": "String", "StringValue": "v"}}
    entries = [entry(any_queue, "a", "a" * (512 * KIB)), entry(any_queue, "b", "b" * (512 * KIB), message_attributes=attributes)]
    with pytest.raises(pymsg.BatchRequestTooLong):
        any_queue.send_batch(entries)
    assert counts(any_queue) == (0, 0, 0)


@pytest.mark.parametrize("entries", [None, "ab", {"id": "a"}, [["a", "b"]]], ids=["none", "str", "dict", "list-of-lists"])
def test_malformed_entries_raise_invalid_parameter_value(any_queue: pymsg.Queue, entries: Any) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="(?i)entr"):
        any_queue.send_batch(entries)
    assert counts(any_queue) == (0, 0, 0)


def test_entry_with_unknown_key_raises_and_sends_nothing(any_queue: pymsg.Queue) -> None:
    entries = [entry(any_queue, "a", "x"), {**entry(any_queue, "b", "y"), "colour": "blue"}]
    with pytest.raises(pymsg.InvalidParameterValue, match="colour"):
        any_queue.send_batch(entries)
    assert counts(any_queue) == (0, 0, 0)


def test_entry_without_id_raises_missing_parameter(any_queue: pymsg.Queue) -> None:
    with pytest.raises(pymsg.MissingParameter, match="id"):
        any_queue.send_batch([{"body": "x"}])
    assert counts(any_queue) == (0, 0, 0)


# --- per-entry failures ------------------------------------------------------------------------


def test_one_empty_body_fails_alone(any_queue: pymsg.Queue) -> None:
    result = any_queue.send_batch(
        [entry(any_queue, "a", "first"), entry(any_queue, "bad", ""), entry(any_queue, "c", "third")]
    )
    assert [r.id for r in result.successful] == ["a", "c"]
    [failure] = result.failed
    assert isinstance(failure, pymsg.BatchResultErrorEntry)
    assert failure.id == "bad"
    assert failure.code == "MissingParameter"
    assert failure.sender_fault is True
    assert "MessageBody" in failure.message
    assert sorted(m.body for m in any_queue.receive(10)) == ["first", "third"]


def test_invalid_characters_fail_one_entry(any_queue: pymsg.Queue) -> None:
    result = any_queue.send_batch([entry(any_queue, "a", "ok"), entry(any_queue, "bad", "\x00")])
    assert [r.id for r in result.successful] == ["a"]
    assert [(f.id, f.code) for f in result.failed] == [("bad", "InvalidMessageContents")]
    assert counts(any_queue) == (1, 0, 0)


def test_per_message_delay_fails_one_fifo_entry(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q.fifo", content_based_deduplication=True)
    result = queue.send_batch([entry(queue, "a", "ok"), entry(queue, "bad", "x", delay_seconds=5)])
    assert [(f.id, f.code) for f in result.failed] == [("bad", "InvalidParameterValue")]
    assert counts(queue) == (1, 0, 0)


def test_every_entry_failing_still_returns_a_result(any_queue: pymsg.Queue) -> None:
    result = any_queue.send_batch([entry(any_queue, "a", ""), entry(any_queue, "b", "")])
    assert result.successful == []
    assert [f.id for f in result.failed] == ["a", "b"]
    assert counts(any_queue) == (0, 0, 0)


def test_delete_batch_with_garbage_handle_fails_that_entry(any_queue: pymsg.Queue) -> None:
    [message] = in_flight(any_queue, 1)
    result = any_queue.delete_batch(
        [{"id": "good", "receipt_handle": message.receipt_handle}, {"id": "bad", "receipt_handle": "garbage"}]
    )
    assert result.successful == ["good"]
    [failure] = result.failed
    assert (failure.id, failure.code, failure.sender_fault) == ("bad", "ReceiptHandleIsInvalid", True)
    assert "garbage" in failure.message
    assert counts(any_queue) == (0, 0, 0)


def test_change_visibility_batch_with_garbage_handle_fails_that_entry(any_queue: pymsg.Queue) -> None:
    [message] = in_flight(any_queue, 1)
    result = any_queue.change_visibility_batch(
        [
            {"id": "good", "receipt_handle": message.receipt_handle, "visibility_timeout": 0},
            {"id": "bad", "receipt_handle": "garbage", "visibility_timeout": 0},
        ]
    )
    assert result.successful == ["good"]
    assert [(f.id, f.code) for f in result.failed] == [("bad", "ReceiptHandleIsInvalid")]
    assert counts(any_queue) == (1, 0, 0)


def test_change_visibility_batch_out_of_range_fails_that_entry(any_queue: pymsg.Queue) -> None:
    first, second = in_flight(any_queue, 2)
    result = any_queue.change_visibility_batch(
        [
            {"id": "good", "receipt_handle": first.receipt_handle, "visibility_timeout": 0},
            {"id": "bad", "receipt_handle": second.receipt_handle, "visibility_timeout": 43201},
        ]
    )
    assert result.successful == ["good"]
    assert [(f.id, f.code) for f in result.failed] == [("bad", "InvalidParameterValue")]
    assert counts(any_queue) == (1, 1, 0)


# --- ordering ------------------------------------------------------------------------------------


def test_fifo_batch_keeps_order_within_a_group(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q.fifo", content_based_deduplication=True)
    bodies = [f"m{i}" for i in range(10)]
    result = queue.send_batch([{"id": f"e{i}", "body": b, "group_id": "g"} for i, b in enumerate(bodies)])
    assert [r.id for r in result.successful] == [f"e{i}" for i in range(10)]
    sequence_numbers = [int(r.sequence_number) for r in result.successful]
    assert sequence_numbers == sorted(sequence_numbers)
    assert [m.body for m in queue.receive(10)] == bodies


def test_fifo_batches_keep_order_across_groups(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q.fifo", content_based_deduplication=True)
    queue.send_batch([{"id": f"e{i}", "body": f"{g}{i}", "group_id": g} for i, g in enumerate("abab")])
    received = [m.body for m in queue.receive(10)]
    assert [b for b in received if b[0] == "a"] == ["a0", "a2"]
    assert [b for b in received if b[0] == "b"] == ["b1", "b3"]


def test_delete_batch_takes_received_messages(any_queue: pymsg.Queue) -> None:
    for i in range(3):
        send(any_queue, f"m{i}", **({"deduplication_id": str(i)} if any_queue.fifo else {}))
    messages = any_queue.receive(10)
    assert len(messages) == 3
    result = any_queue.delete_batch(messages)
    assert result.successful == [m.message_id for m in messages]
    assert result.failed == []
    assert counts(any_queue) == (0, 0, 0)


def test_delete_batch_mixing_messages_and_dicts_raises_and_deletes_nothing(any_queue: pymsg.Queue) -> None:
    send(any_queue, "a", **({"deduplication_id": "a"} if any_queue.fifo else {}))
    send(any_queue, "b", **({"deduplication_id": "b"} if any_queue.fifo else {}))
    first, second = any_queue.receive(10)
    with pytest.raises(pymsg.InvalidParameterValue, match="all dicts or all Message"):
        any_queue.delete_batch([first, {"id": "x", "receipt_handle": second.receipt_handle}])
    assert counts(any_queue) == (0, 2, 0)


def test_delete_batch_of_eleven_messages_is_too_many(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("many")
    for i in range(11):
        queue.send(f"m{i}")
    messages = queue.receive(10) + queue.receive(10)
    assert len(messages) == 11
    with pytest.raises(pymsg.TooManyEntriesInBatchRequest):
        queue.delete_batch(messages)
    assert counts(queue) == (0, 11, 0)
