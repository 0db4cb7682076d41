"""The shapes of the per-message calls, which are C methods (sqs_hot.cpp) rather than Python ones:
argument binding, batch results and their lazily built `successful`, and messages passed back
to the queue that received them or to another one."""

from __future__ import annotations

import collections.abc
import inspect

import pytest

import pymsg
from conftest import counts, send

# --- arguments bind as the Python signatures say -------------------------------------------------


def test_keywords_bind_by_name(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    queue = broker.create_queue("q")
    queue.send(body="hello", delay_seconds=5)
    assert counts(queue) == (0, 0, 1)
    clock.advance(5)
    (message,) = queue.receive(max_messages=1, visibility_timeout=7, wait_time_seconds=0)
    queue.change_visibility(receipt_handle=message.receipt_handle, visibility_timeout=0)
    (again,) = queue.receive()
    queue.delete(receipt_handle=again.receipt_handle)
    assert counts(queue) == (0, 0, 0)


@pytest.mark.parametrize(
    "call, args, kwargs, message",
    [
        ("send", ("a",), {"delay": 1}, "unexpected keyword argument 'delay'"),
        ("send", ("a", 1), {}, "at most 1 positional"),
        ("send", (), {}, "missing required argument 'body'"),
        ("send", ("a",), {"body": "b"}, "multiple values for argument 'body'"),
        ("receive", (1, 2), {}, "at most 1 positional"),
        ("delete", (), {}, "missing required argument 'receipt_handle'"),
        ("change_visibility", ("h",), {}, "missing required argument 'visibility_timeout'"),
        ("send_batch", (), {}, "missing required argument 'entries'"),
    ],
)
def test_bad_arguments_raise_type_error_and_change_nothing(
    broker: pymsg.Broker, call: str, args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    queue = broker.create_queue("q")
    with pytest.raises(TypeError, match=message):
        getattr(queue, call)(*args, **kwargs)
    assert counts(queue) == (0, 0, 0)


def test_help_shows_the_signatures(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    params = inspect.signature(queue.send).parameters
    assert list(params) == ["body", "delay_seconds", "message_attributes", "group_id", "deduplication_id", "trace_header"]
    assert params["delay_seconds"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(queue.receive).parameters) == ["max_messages", "wait_time_seconds", "visibility_timeout"]


def test_an_unbound_queue_handle_raises_type_error() -> None:
    handle = pymsg._core.QueueHandle.__new__(pymsg._core.QueueHandle)
    with pytest.raises(TypeError, match="was not called"):
        handle.send("x")
    with pytest.raises(TypeError, match="needs a pymsg._core.Queue"):
        pymsg._core.QueueHandle("not a queue")


# --- batch results -----------------------------------------------------------------------------


def test_batch_results_are_the_named_tuples(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    result = queue.send_batch([{"id": "a", "body": "x"}, {"id": "b", "body": ""}])
    assert type(result) is pymsg.BatchResult
    successful, failed = result
    assert len(successful) == 1
    assert failed == [pymsg.BatchResultErrorEntry("b", "MissingParameter", failed[0].message, True)]
    assert type(failed[0]) is pymsg.BatchResultErrorEntry and failed[0].sender_fault is True


def test_send_batch_successful_is_a_lazy_sequence_of_send_results(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    result = queue.send_batch([{"id": str(i), "body": f"m{i}"} for i in range(4)])
    successful = result.successful
    assert isinstance(successful, collections.abc.Sequence)
    assert len(successful) == 4 and bool(successful)
    assert [r.id for r in successful] == ["0", "1", "2", "3"]
    assert successful[-1].id == "3" and [r.id for r in successful[1:3]] == ["1", "2"]
    assert successful[0] is successful[0]  # built once
    assert successful[0] in successful
    assert successful == list(successful) and successful == tuple(successful)
    assert list(successful) == successful  # the reflected comparison
    assert successful != [] and not (successful == "abc")
    assert repr(successful).startswith("[SendResult(")
    with pytest.raises(IndexError):
        successful[4]
    received = {m.message_id: m.body for m in queue.receive(10)}
    assert {r.message_id: f"m{r.id}" for r in successful} == received


def test_delete_batch_of_messages_successful_ids_are_the_message_ids(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    for i in range(3):
        queue.send(f"m{i}")
    messages = queue.receive(10)
    entries = list(messages)
    result = queue.delete_batch(entries)
    entries.clear()  # the result does not depend on the caller's list afterwards
    assert len(result.successful) == 3
    assert list(result.successful) == [m.message_id for m in messages]
    assert result.failed == []


def test_lazy_sequences_compare_with_each_other(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    first = queue.send_batch([{"id": "a", "body": "x"}]).successful
    second = queue.send_batch([{"id": "a", "body": "x"}]).successful
    assert first != second  # different message ids
    assert first == first


# --- messages handed back ----------------------------------------------------------------------


def test_receipt_handle_text_is_what_delete_accepts(any_queue: pymsg.Queue) -> None:
    send(any_queue, "a")
    (message,) = any_queue.receive()
    handle = message.receipt_handle
    assert isinstance(handle, str) and handle.startswith("AQEB") and len(handle) == 36
    assert message.receipt_handle is handle  # built once
    any_queue.delete(handle)
    assert counts(any_queue) == (0, 0, 0)


def test_messages_of_another_queue_fail_with_receipt_handle_is_invalid(broker: pymsg.Broker) -> None:
    ours = broker.create_queue("ours")
    theirs = broker.create_queue("theirs")
    ours.send("a")
    theirs.send("b")
    (mine,) = ours.receive()
    (foreign,) = theirs.receive()
    result = ours.delete_batch([mine, foreign])
    assert list(result.successful) == [mine.message_id]
    assert [(f.id, f.code) for f in result.failed] == [(foreign.message_id, "ReceiptHandleIsInvalid")]
    assert counts(ours) == (0, 0, 0)
    assert counts(theirs) == (0, 1, 0)  # untouched


def test_message_delete_after_its_queue_is_deleted_raises(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    queue.send("a")
    (message,) = queue.receive()
    broker.delete_queue("q")
    with pytest.raises(pymsg.QueueDoesNotExist):
        message.delete()
    with pytest.raises(pymsg.QueueDoesNotExist):
        queue.delete_batch([message])


@pytest.mark.parametrize("body", ["plain ascii", "caf\u00e9 \u2603 \U0001f600", b"\x00\xffbytes", b"ascii bytes"])
def test_bodies_come_back_as_sent(broker: pymsg.Broker, body: str | bytes) -> None:
    """ASCII str bodies are copied into their str, other str bodies decoded, bytes kept."""
    queue = broker.create_queue("q")
    queue.send(body)
    (message,) = queue.receive()
    assert type(message.body) is type(body) and message.body == body


# --- error order: queue, then timeout, then handle (AWS's) --------------------------------------


def test_change_visibility_checks_timeout_before_handle(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    with pytest.raises(pymsg.InvalidParameterValue, match="VisibilityTimeout"):
        queue.change_visibility("garbage", 50_000)
    with pytest.raises(pymsg.ReceiptHandleIsInvalid):
        queue.change_visibility("garbage", 10)


def test_a_deleted_queue_is_reported_before_a_bad_handle(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    broker.delete_queue("q")
    with pytest.raises(pymsg.QueueDoesNotExist):
        queue.delete("garbage")
    with pytest.raises(pymsg.QueueDoesNotExist):
        queue.change_visibility("garbage", 10)
    with pytest.raises(pymsg.QueueDoesNotExist):
        queue.delete_batch([{"id": "a", "receipt_handle": "garbage"}])


def test_send_batch_successful_skips_failed_entries_in_order(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    entries = [{"id": "a", "body": "1"}, {"id": "b", "body": ""}, {"id": "c", "body": "3"}, {"id": "d", "body": "\x00"}]
    result = queue.send_batch(entries)
    assert [r.id for r in result.successful] == ["a", "c"]
    assert [f.id for f in result.failed] == ["b", "d"]
    assert {m.body for m in queue.receive(10)} == {"1", "3"}
    none = queue.send_batch([{"id": "x", "body": ""}])
    assert len(none.successful) == 0 and list(none.successful) == [] and [f.id for f in none.failed] == ["x"]


def test_delete_batch_of_messages_reports_only_the_failures(broker: pymsg.Broker) -> None:
    ours, theirs = broker.create_queue("ours"), broker.create_queue("theirs")
    for q in (ours, ours, theirs):
        q.send("m")
    a, b = ours.receive(10)
    (foreign,) = theirs.receive()
    result = ours.delete_batch([a, foreign, b])
    assert list(result.successful) == [a.message_id, b.message_id]
    assert [f.id for f in result.failed] == [foreign.message_id]
