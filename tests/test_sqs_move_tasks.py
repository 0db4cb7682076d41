"""SQS message move tasks (dead-letter queue redrive), on the manual clock."""

from __future__ import annotations

import pytest

import pymsg


def poisoned(broker: pymsg.Broker, source: pymsg.Queue, body: str, **send: object) -> None:
    """Sends `body` to `source` and receives it until its redrive policy moves it on."""
    source.send(body, **send)  # type: ignore[arg-type]
    while source.receive(1, visibility_timeout=0):
        pass


@pytest.fixture
def dlq(broker: pymsg.Broker) -> pymsg.Queue:
    return broker.create_queue("dlq")


def test_without_a_rate_every_message_goes_home_at_once_as_a_new_message(broker: pymsg.Broker,
                                                                         dlq: pymsg.Queue) -> None:
    a = broker.create_queue("a", dead_letter_queue=dlq, max_receive_count=1)
    b = broker.create_queue("b", dead_letter_queue=dlq, max_receive_count=1)
    attributes = {"kind": {"DataType": "String", "StringValue": "x"}}
    poisoned(broker, a, "to a", message_attributes=attributes)
    poisoned(broker, b, "to b")
    old_ids = {m.message_id for m in dlq.receive(10, visibility_timeout=0)}
    broker.start_message_move_task(dlq)
    (back_a,) = a.receive(1)
    (back_b,) = b.receive(1)
    assert (back_a.body, back_a.message_attributes, back_b.body) == ("to a", attributes, "to b")
    assert {back_a.message_id, back_b.message_id}.isdisjoint(old_ids) and back_a.receive_count == 1
    (done,) = broker.list_message_move_tasks(dlq)
    assert done["Status"] == "COMPLETED" and "TaskHandle" not in done and "DestinationArn" not in done
    assert (done["ApproximateNumberOfMessagesMoved"], done["ApproximateNumberOfMessagesToMove"]) == (2, 2)
    assert dlq.attributes()["ApproximateNumberOfMessages"] == "0"


def test_a_rate_spreads_the_move_over_clock_time_and_cancel_stops_it(broker: pymsg.Broker, dlq: pymsg.Queue,
                                                                     clock: pymsg.ManualClock) -> None:
    src = broker.create_queue("src", dead_letter_queue=dlq, max_receive_count=1)
    for i in range(10):
        poisoned(broker, src, f"m{i}")
    target = broker.create_queue("elsewhere")
    handle = broker.start_message_move_task(dlq, target, max_messages_per_second=3)
    assert target.attributes()["ApproximateNumberOfMessages"] == "0"
    clock.advance(1)
    assert target.attributes()["ApproximateNumberOfMessages"] == "3"
    with pytest.raises(pymsg.InvalidParameterValue, match="^There is already a task running"):
        broker.start_message_move_task(dlq)
    other_dlq = broker.create_queue("other-dlq")
    broker.create_queue("feeder", dead_letter_queue=other_dlq)
    with pytest.raises(pymsg.InvalidParameterValue):  # the destination is busy too
        broker.start_message_move_task(other_dlq, target)
    clock.advance(1)
    assert broker.cancel_message_move_task(handle) == 6
    clock.advance(10)
    (cancelled,) = broker.list_message_move_tasks(dlq)
    assert cancelled["Status"] == "CANCELLED" and cancelled["ApproximateNumberOfMessagesMoved"] == 6
    assert cancelled["DestinationArn"] == target.arn and cancelled["MaxNumberOfMessagesPerSecond"] == 3
    assert sorted(m.body for m in target.receive(10)) == [f"m{i}" for i in range(6)]  # oldest first
    assert dlq.attributes()["ApproximateNumberOfMessages"] == "4"
    with pytest.raises(pymsg.ResourceNotFoundException, match="^Task does not exist.$"):
        broker.cancel_message_move_task(handle)
    broker.start_message_move_task(dlq, target)  # done with the first, a second may start
    assert [t["Status"] for t in broker.list_message_move_tasks(dlq, max_results=10)] == ["COMPLETED", "CANCELLED"]


def test_fifo_redrive_keeps_group_order(broker: pymsg.Broker) -> None:
    dlq = broker.create_queue("dlq.fifo")
    src = broker.create_queue("src.fifo", dead_letter_queue=dlq, max_receive_count=1, content_based_deduplication=True)
    for body in ("g1", "g2", "g3"):
        poisoned(broker, src, body, group_id="g")
    broker.start_message_move_task(dlq)
    order = []
    while batch := src.receive(10):
        order += [m.body for m in batch]
        for m in batch:
            m.delete()
    assert order == ["g1", "g2", "g3"]
    with pytest.raises(pymsg.InvalidParameterValue, match="same type"):
        broker.start_message_move_task(dlq, broker.create_queue("standard"))


@pytest.mark.parametrize("call, error, message", [
    (lambda b, d: b.start_message_move_task(b.create_queue("lonely")), pymsg.InvalidParameterValue,
     "^Source queue must be configured as a Dead Letter Queue.$"),
    (lambda b, d: b.start_message_move_task("arn:aws:sqs:us-east-1:123456789012:nope"),
     pymsg.ResourceNotFoundException, "^The resource that you specified for the SourceArn parameter doesn't exist.$"),
    (lambda b, d: b.start_message_move_task(d, "arn:aws:sqs:us-east-1:123456789012:nope"),
     pymsg.ResourceNotFoundException,
     "^The resource that you specified for the DestinationArn parameter doesn't exist.$"),
    (lambda b, d: b.start_message_move_task(d, max_messages_per_second=0), pymsg.InvalidParameterValue, "1 to 500"),
    (lambda b, d: b.start_message_move_task(d, max_messages_per_second=501), pymsg.InvalidParameterValue, "1 to 500"),
    (lambda b, d: b.list_message_move_tasks(d, max_results=11), pymsg.InvalidParameterValue, "between 1 and 10"),
    (lambda b, d: b.cancel_message_move_task("bogus"), pymsg.InvalidParameterValue,
     "^Value for parameter TaskHandle is invalid.$"),
    (lambda b, d: b.cancel_message_move_task("eyJ0YXNrSWQiOiAieCIsICJzb3VyY2VBcm4iOiAiYXJuOmF3czpzcXM6dXMtZWFzdC0xOj"
                                             "AwMDAwMDAwMDAwMDpub3BlIn0="),  # {"taskId": "x", "sourceArn": ...:nope}
     pymsg.ResourceNotFoundException, "^The resource that you specified for the SourceArn parameter doesn't exist."),
])
def test_bad_calls_raise_and_start_nothing(broker: pymsg.Broker, dlq: pymsg.Queue, call: object,
                                           error: type, message: str) -> None:
    src = broker.create_queue("src", dead_letter_queue=dlq, max_receive_count=1)
    poisoned(broker, src, "stays")
    with pytest.raises(error, match=message):
        call(broker, dlq)  # type: ignore[operator]
    assert broker.list_message_move_tasks(dlq) == []
    assert dlq.attributes()["ApproximateNumberOfMessages"] == "1"


def test_a_home_deleted_mid_task_fails_it_and_keeps_the_message(broker: pymsg.Broker, dlq: pymsg.Queue,
                                                                 clock: pymsg.ManualClock) -> None:
    src = broker.create_queue("src", dead_letter_queue=dlq, max_receive_count=1)
    poisoned(broker, src, "orphan")
    broker.start_message_move_task(dlq, max_messages_per_second=1)
    broker.delete_queue(src)
    clock.advance(1)
    (failed,) = broker.list_message_move_tasks(dlq)
    assert failed["Status"] == "FAILED" and "NonExistentQueue" in failed["FailureReason"]
    assert [m.body for m in dlq.receive(10)] == ["orphan"]


def test_on_the_system_clock_an_unlimited_task_moves_before_start_returns() -> None:
    broker = pymsg.Broker()
    dlq = broker.create_queue("dlq")
    src = broker.create_queue("src", dead_letter_queue=dlq, max_receive_count=1)
    poisoned(broker, src, "now")
    broker.start_message_move_task(dlq)
    assert [m.body for m in src.receive(1)] == ["now"]


def test_a_long_polling_dead_letter_queue_is_not_waited_on(broker: pymsg.Broker, clock: pymsg.ManualClock) -> None:
    # The move runs inside clock.advance(); a long poll there would wait for an advance that cannot come.
    dlq = broker.create_queue("slow-dlq", receive_message_wait_time_seconds=20)
    src = broker.create_queue("src", dead_letter_queue=dlq, max_receive_count=1)
    poisoned(broker, src, "m")
    broker.start_message_move_task(dlq, max_messages_per_second=1)
    (taken,) = dlq.receive(1, visibility_timeout=60)  # a consumer of the DLQ holds the only message
    clock.advance(5)
    (done,) = broker.list_message_move_tasks(dlq)
    assert (done["Status"], done["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 0)
    assert dlq.attributes()["ApproximateNumberOfMessagesNotVisible"] == "1"
