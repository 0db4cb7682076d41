"""Dead-letter queues: redrive policies and moving messages over maxReceiveCount."""

from __future__ import annotations

import json

import pytest

import pymsg
from conftest import counts



def redrive_policy(queue: pymsg.Queue) -> dict[str, object] | None:
    raw = queue.attributes().get("RedrivePolicy")
    return None if raw is None else json.loads(raw)


@pytest.fixture
def dlq(broker: pymsg.Broker) -> pymsg.Queue:
    return broker.create_queue("dead")


@pytest.fixture
def fifo_dlq(broker: pymsg.Broker) -> pymsg.Queue:
    return broker.create_queue("dead.fifo")


@pytest.mark.parametrize("by", ["queue", "arn"])
def test_message_moves_to_the_dlq_on_the_receive_after_max_receive_count(
    broker: pymsg.Broker, clock: pymsg.ManualClock, dlq: pymsg.Queue, by: str
) -> None:
    source = broker.create_queue(
        "source", dead_letter_queue=dlq if by == "queue" else dlq.arn, max_receive_count=2
    )
    sent = source.send("payload", message_attributes={"k": {"DataType": "String", "StringValue": "v"}})

    [first] = source.receive(visibility_timeout=30)
    assert first.receive_count == 1
    clock.advance(31)
    [second] = source.receive(visibility_timeout=30)
    assert second.receive_count == 2
    clock.advance(31)

    assert source.receive(10) == []  # the third attempt moves it instead of delivering it
    assert counts(source) == (0, 0, 0)
    assert counts(dlq) == (1, 0, 0)

    [dead] = dlq.receive()
    assert dead.message_id == sent.message_id
    assert dead.body == "payload"
    assert dead.md5_of_body == sent.md5_of_body
    assert dead.message_attributes == {"k": {"DataType": "String", "StringValue": "v"}}
    assert dead.attributes["DeadLetterQueueSourceArn"] == source.arn


def test_only_the_message_over_the_limit_moves(broker: pymsg.Broker, dlq: pymsg.Queue) -> None:
    source = broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=1)
    source.send("old")
    [old] = source.receive(visibility_timeout=0)  # visible again at once, receive count 1
    assert old.body == "old"
    source.send("new")
    assert [m.body for m in source.receive(10)] == ["new"]
    assert [m.body for m in dlq.receive(10)] == ["old"]


def test_default_max_receive_count_is_10(broker: pymsg.Broker, dlq: pymsg.Queue) -> None:
    source = broker.create_queue("source", dead_letter_queue=dlq)
    assert redrive_policy(source) == {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 10}
    source.send("payload")
    for expected_count in range(1, 11):
        [m] = source.receive(visibility_timeout=0)
        assert m.receive_count == expected_count
    assert source.receive() == []
    assert [m.body for m in dlq.receive()] == ["payload"]


def test_redrive_policy_attribute_is_json(broker: pymsg.Broker, dlq: pymsg.Queue) -> None:
    source = broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=7)
    raw = source.attributes()["RedrivePolicy"]
    assert json.loads(raw) == {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 7}
    assert "RedrivePolicy" not in dlq.attributes()


def test_dead_letter_source_queues_lists_the_sources(broker: pymsg.Broker, dlq: pymsg.Queue) -> None:
    assert dlq.dead_letter_source_queues() == []
    a = broker.create_queue("source-a", dead_letter_queue=dlq)
    b = broker.create_queue("source-b", dead_letter_queue=dlq.arn, max_receive_count=3)
    broker.create_queue("unrelated")
    assert sorted(q.name for q in dlq.dead_letter_source_queues()) == ["source-a", "source-b"]
    assert {q.arn for q in dlq.dead_letter_source_queues()} == {a.arn, b.arn}
    assert a.dead_letter_source_queues() == []


@pytest.mark.parametrize(
    ("source_name", "dlq_name"), [("source.fifo", "dead"), ("source", "dead.fifo")]
)
def test_dlq_type_must_match_the_source_type(broker: pymsg.Broker, source_name: str, dlq_name: str) -> None:
    target = broker.create_queue(dlq_name)
    with pytest.raises(pymsg.InvalidParameterValue) as excinfo:
        broker.create_queue(source_name, dead_letter_queue=target)
    assert excinfo.value.code == "InvalidParameterValue"
    with pytest.raises(pymsg.QueueDoesNotExist):
        broker.get_queue(source_name)
    assert target.dead_letter_source_queues() == []


@pytest.mark.parametrize(
    ("source_name", "dlq_name"), [("source.fifo", "dead"), ("source", "dead.fifo")]
)
def test_set_attributes_rejects_a_dlq_of_the_other_type(
    broker: pymsg.Broker, source_name: str, dlq_name: str
) -> None:
    target = broker.create_queue(dlq_name)
    source = broker.create_queue(source_name)
    before = source.attributes()
    with pytest.raises(pymsg.InvalidParameterValue):
        source.set_attributes(dead_letter_queue=target, max_receive_count=3)
    assert source.attributes() == before
    assert "RedrivePolicy" not in before


def test_unknown_dlq_arn_is_rejected(broker: pymsg.Broker) -> None:
    missing = "arn:aws:sqs:us-east-1:123456789012:nowhere"
    with pytest.raises(pymsg.InvalidParameterValue):
        broker.create_queue("source", dead_letter_queue=missing)
    with pytest.raises(pymsg.QueueDoesNotExist):
        broker.get_queue("source")

    source = broker.create_queue("source")
    before = source.attributes()
    with pytest.raises(pymsg.InvalidParameterValue):
        source.set_attributes(dead_letter_queue=missing)
    with pytest.raises(pymsg.InvalidParameterValue):
        source.set_attributes(dead_letter_queue="arn:aws:sqs:eu-west-1:111111111111:dead")
    assert source.attributes() == before


def test_set_attributes_without_a_dlq_clears_the_redrive_policy(
    broker: pymsg.Broker, dlq: pymsg.Queue
) -> None:
    source = broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=1)
    source.set_attributes(dead_letter_queue=None)
    assert "RedrivePolicy" not in source.attributes()
    assert dlq.dead_letter_source_queues() == []
    source.send("payload")
    for expected_count in (1, 2, 3):
        [m] = source.receive(visibility_timeout=0)
        assert m.receive_count == expected_count
    assert counts(dlq) == (0, 0, 0)


def test_set_attributes_adds_a_redrive_policy(broker: pymsg.Broker, dlq: pymsg.Queue) -> None:
    source = broker.create_queue("source")
    source.set_attributes(dead_letter_queue=dlq.arn, max_receive_count=1)
    assert redrive_policy(source) == {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 1}
    source.send("payload")
    source.receive(visibility_timeout=0)
    assert source.receive() == []
    assert [m.body for m in dlq.receive()] == ["payload"]


@pytest.mark.parametrize("bad", [0, 1001, -1])
def test_max_receive_count_out_of_range_is_rejected(broker: pymsg.Broker, dlq: pymsg.Queue, bad: int) -> None:
    with pytest.raises(pymsg.InvalidAttributeValue) as excinfo:
        broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=bad)
    assert excinfo.value.code == "InvalidAttributeValue"
    with pytest.raises(pymsg.QueueDoesNotExist):
        broker.get_queue("source")

    source = broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=5)
    before = source.attributes()
    with pytest.raises(pymsg.InvalidAttributeValue):
        source.set_attributes(visibility_timeout=60, max_receive_count=bad)
    assert source.attributes() == before  # nothing changed, not even the valid attribute


@pytest.mark.parametrize("good", [1, 1000])
def test_max_receive_count_bounds_are_accepted(broker: pymsg.Broker, dlq: pymsg.Queue, good: int) -> None:
    source = broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=good)
    assert redrive_policy(source) == {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": good}


def test_max_receive_count_without_a_dlq_is_rejected(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.InvalidAttributeValue):
        broker.create_queue("source", max_receive_count=3)
    with pytest.raises(pymsg.QueueDoesNotExist):
        broker.get_queue("source")


def test_fifo_dlq_keeps_group_order(broker: pymsg.Broker, clock: pymsg.ManualClock, fifo_dlq: pymsg.Queue) -> None:
    source = broker.create_queue(
        "source.fifo", content_based_deduplication=True, dead_letter_queue=fifo_dlq, max_receive_count=1
    )
    sent = [("a1", "A"), ("a2", "A"), ("b1", "B"), ("a3", "A"), ("b2", "B")]
    ids = {body: source.send(body, group_id=group).message_id for body, group in sent}
    assert [m.body for m in source.receive(10, visibility_timeout=30)] == ["a1", "a2", "a3", "b1", "b2"]
    clock.advance(31)
    assert source.receive(10) == []
    assert counts(source) == (0, 0, 0)

    dead = fifo_dlq.receive(10)
    assert [m.body for m in dead] == ["a1", "a2", "a3", "b1", "b2"]
    assert [m.attributes["MessageGroupId"] for m in dead] == ["A", "A", "A", "B", "B"]
    assert all(m.message_id == ids[m.body] for m in dead)
    assert all(m.attributes["DeadLetterQueueSourceArn"] == source.arn for m in dead)


def test_fifo_dlq_blocks_groups_like_any_fifo_queue(
    broker: pymsg.Broker, clock: pymsg.ManualClock, fifo_dlq: pymsg.Queue
) -> None:
    source = broker.create_queue(
        "source.fifo", content_based_deduplication=True, dead_letter_queue=fifo_dlq, max_receive_count=1
    )
    for body in ["a1", "a2"]:
        source.send(body, group_id="A")
    source.receive(10, visibility_timeout=0)
    assert source.receive(10) == []
    assert [m.body for m in fifo_dlq.receive(1)] == ["a1"]
    assert fifo_dlq.receive(10) == []  # a2 waits while a1 is in flight in the DLQ


def test_messages_stay_in_the_source_after_the_dlq_is_deleted(
    broker: pymsg.Broker, clock: pymsg.ManualClock, dlq: pymsg.Queue
) -> None:
    source = broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=1)
    sent = source.send("payload")
    [first] = source.receive(visibility_timeout=30)
    assert first.receive_count == 1
    broker.delete_queue(dlq)
    clock.advance(31)
    [again] = source.receive(visibility_timeout=30)
    assert again.message_id == sent.message_id
    assert again.receive_count == 2
    assert "DeadLetterQueueSourceArn" not in again.attributes
    again.delete()
    assert counts(source) == (0, 0, 0)


def test_other_attributes_can_still_be_set_after_the_dlq_is_deleted(
    broker: pymsg.Broker, dlq: pymsg.Queue
) -> None:
    # SetQueueAttributes without a RedrivePolicy leaves the policy alone (AWS re-checks the dead
    # letter target only when a RedrivePolicy is passed).
    source = broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=3)
    broker.delete_queue(dlq)
    source.set_attributes(visibility_timeout=60)
    attributes = source.attributes()
    assert attributes["VisibilityTimeout"] == "60"
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 3


def test_a_recreated_dlq_receives_the_messages_of_its_sources(
    broker: pymsg.Broker, clock: pymsg.ManualClock, dlq: pymsg.Queue
) -> None:
    # The redrive policy names the dead-letter queue by ARN: a queue re-created under that ARN is
    # the target again, as dead_letter_source_queues() of the new queue already reports.
    source = broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=1)
    broker.delete_queue(dlq)
    clock.advance(61)  # past QueueDeletedRecently
    recreated = broker.create_queue("dead")
    assert [q.name for q in recreated.dead_letter_source_queues()] == ["source"]
    sent = source.send("payload")
    [m] = source.receive(visibility_timeout=0)
    assert m.receive_count == 1
    assert source.receive() == []
    [dead] = recreated.receive()
    assert dead.message_id == sent.message_id
    assert dead.attributes["DeadLetterQueueSourceArn"] == source.arn
