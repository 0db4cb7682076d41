"""SNS FIFO topics: MessageGroupId and deduplication, the 5-minute window on the manual clock,
ordering into FIFO queues, sequence numbers and the FIFO envelope."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import pymsg
from conftest import counts

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def drain(queue: pymsg.Queue) -> list[pymsg.Message]:
    """Every message of the queue in delivery order (FIFO groups unblock as each is deleted)."""
    out: list[pymsg.Message] = []
    while True:
        batch = queue.receive(10)
        if not batch:
            return out
        for m in batch:
            out.append(m)
            m.delete()


def envelopes(queue: pymsg.Queue) -> list[dict[str, Any]]:
    return [json.loads(m.body) for m in drain(queue)]


@pytest.fixture
def topic(broker: pymsg.Broker) -> pymsg.Topic:
    return broker.create_topic("orders.fifo")


@pytest.fixture
def cbd_topic(broker: pymsg.Broker) -> pymsg.Topic:
    return broker.create_topic("cbd.fifo", content_based_deduplication=True)


@pytest.fixture
def fifo_queue(broker: pymsg.Broker) -> pymsg.Queue:
    return broker.create_queue("q.fifo")


# --- required ids ----------------------------------------------------------------------------


@pytest.mark.parametrize("group_id", [None, ""])
def test_group_id_is_required(topic: pymsg.Topic, fifo_queue: pymsg.Queue, group_id: Any) -> None:
    topic.subscribe(fifo_queue)
    with pytest.raises(pymsg.InvalidParameter, match="MessageGroupId parameter is required for FIFO topics"):
        topic.publish("m", group_id=group_id, deduplication_id="d")
    assert counts(fifo_queue) == (0, 0, 0)


def test_group_id_is_required_with_content_based_deduplication(cbd_topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    cbd_topic.subscribe(fifo_queue)
    with pytest.raises(pymsg.InvalidParameter, match="MessageGroupId"):
        cbd_topic.publish("m")
    assert counts(fifo_queue) == (0, 0, 0)


def test_deduplication_id_is_required_without_content_based_deduplication(
    topic: pymsg.Topic, fifo_queue: pymsg.Queue
) -> None:
    topic.subscribe(fifo_queue)
    with pytest.raises(pymsg.InvalidParameter, match="ContentBasedDeduplication enabled or MessageDeduplicationId"):
        topic.publish("m", group_id="g")
    assert counts(fifo_queue) == (0, 0, 0)
    # A refused publish does not occupy the dedup window either.
    topic.publish("m", group_id="g", deduplication_id="m")
    assert counts(fifo_queue) == (1, 0, 0)


def test_deduplication_id_is_optional_with_content_based_deduplication(
    cbd_topic: pymsg.Topic, fifo_queue: pymsg.Queue
) -> None:
    cbd_topic.subscribe(fifo_queue)
    result = cbd_topic.publish("m", group_id="g")
    assert re.fullmatch(UUID, result.message_id)
    assert counts(fifo_queue) == (1, 0, 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"group_id": "bad group", "deduplication_id": "d"}, pymsg.InvalidParameterValue, "parameter MessageGroupId"),
        ({"group_id": "g" * 129, "deduplication_id": "d"}, pymsg.InvalidParameterValue, "parameter MessageGroupId"),
        ({"group_id": "g", "deduplication_id": "d" * 129}, pymsg.InvalidParameterValue, "parameter MessageDeduplicationId"),
        ({"group_id": "g", "deduplication_id": "bad\ndedup"}, pymsg.InvalidParameterValue, "parameter MessageDeduplicationId"),
        ({"group_id": 5, "deduplication_id": "d"}, pymsg.InvalidParameter, "MessageGroupId must be a str"),
        ({"group_id": "g", "deduplication_id": 5}, pymsg.InvalidParameter, "MessageDeduplicationId must be a str"),
    ],
)
def test_malformed_fifo_ids_raise(
    topic: pymsg.Topic, fifo_queue: pymsg.Queue, kwargs: dict[str, Any], error: type, match: str
) -> None:
    topic.subscribe(fifo_queue)
    with pytest.raises(error, match=match) as caught:
        topic.publish("m", **kwargs)
    assert type(caught.value) is error
    assert counts(fifo_queue) == (0, 0, 0)


def test_fifo_ids_of_128_characters_are_accepted(topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    topic.subscribe(fifo_queue)
    topic.publish("m", group_id="g" * 128, deduplication_id="d" * 128)
    assert counts(fifo_queue) == (1, 0, 0)


def test_fifo_topic_refuses_non_sqs_subscriptions(topic: pymsg.Topic) -> None:
    with pytest.raises(pymsg.InvalidParameter, match="FIFO topics accept only sqs subscriptions"):
        topic.subscribe(lambda event: None)
    with pytest.raises(pymsg.InvalidParameter, match="FIFO topics accept only sqs subscriptions"):
        topic.subscribe("http://127.0.0.1:9/never")
    assert topic.subscriptions() == []


# --- deduplication -----------------------------------------------------------------------------


def test_duplicate_within_5_minutes_is_accepted_and_not_delivered(
    clock: pymsg.ManualClock, topic: pymsg.Topic, fifo_queue: pymsg.Queue
) -> None:
    topic.subscribe(fifo_queue)
    first = topic.publish("first", group_id="g", deduplication_id="d1")
    clock.advance(299)
    again = topic.publish("different body, same id", group_id="g", deduplication_id="d1")

    assert again.message_id == first.message_id
    assert again.sequence_number == first.sequence_number
    assert [e["Message"] for e in envelopes(fifo_queue)] == ["first"]


def test_duplicate_after_5_minutes_is_delivered_again(
    clock: pymsg.ManualClock, topic: pymsg.Topic, fifo_queue: pymsg.Queue
) -> None:
    topic.subscribe(fifo_queue)
    first = topic.publish("first", group_id="g", deduplication_id="d1")
    assert [e["Message"] for e in envelopes(fifo_queue)] == ["first"]
    clock.advance(301)
    later = topic.publish("second", group_id="g", deduplication_id="d1")

    assert later.message_id != first.message_id
    assert int(later.sequence_number) > int(first.sequence_number)
    assert [e["Message"] for e in envelopes(fifo_queue)] == ["second"]


def test_duplicates_do_not_extend_the_window(clock: pymsg.ManualClock, topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    topic.subscribe(fifo_queue)
    first = topic.publish("a", group_id="g", deduplication_id="d")
    clock.advance(200)
    assert topic.publish("b", group_id="g", deduplication_id="d").message_id == first.message_id
    clock.advance(101)  # 301 s after the first, 101 s after the duplicate
    assert topic.publish("c", group_id="g", deduplication_id="d").message_id != first.message_id
    assert [e["Message"] for e in envelopes(fifo_queue)] == ["a", "c"]


def test_content_based_deduplication(clock: pymsg.ManualClock, cbd_topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    cbd_topic.subscribe(fifo_queue)
    first = cbd_topic.publish("same body", group_id="g")
    dup = cbd_topic.publish("same body", group_id="other-group")
    other = cbd_topic.publish("other body", group_id="g")
    explicit = cbd_topic.publish("same body", group_id="g", deduplication_id="explicit")

    assert dup.message_id == first.message_id
    assert other.message_id != first.message_id
    assert explicit.message_id != first.message_id  # an explicit id overrides the body hash
    assert sorted(e["Message"] for e in envelopes(fifo_queue)) == ["other body", "same body", "same body"]

    clock.advance(301)
    assert cbd_topic.publish("same body", group_id="g").message_id != first.message_id
    assert [e["Message"] for e in envelopes(fifo_queue)] == ["same body"]


def test_duplicate_is_not_delivered_to_callables_or_standard_queues(
    broker: pymsg.Broker, topic: pymsg.Topic, fifo_queue: pymsg.Queue
) -> None:
    standard = broker.create_queue("standard")
    topic.subscribe(fifo_queue)
    topic.subscribe(standard)
    topic.publish("m", group_id="g", deduplication_id="d")
    topic.publish("m", group_id="g", deduplication_id="d")
    assert counts(fifo_queue) == (1, 0, 0)
    assert counts(standard) == (1, 0, 0)


def test_dedup_applies_within_and_across_batches(topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    topic.subscribe(fifo_queue)
    result = topic.publish_batch([
        {"id": "a", "message": "one", "group_id": "g", "deduplication_id": "d1"},
        {"id": "b", "message": "two", "group_id": "g", "deduplication_id": "d1"},
        {"id": "c", "message": "three", "group_id": "g", "deduplication_id": "d2"},
    ])
    assert result.failed == []
    ids = dict(result.successful)
    assert ids["a"].message_id == ids["b"].message_id
    assert ids["c"].message_id != ids["a"].message_id
    again = topic.publish_batch([{"id": "x", "message": "four", "group_id": "g", "deduplication_id": "d2"}])
    assert again.successful[0][1].message_id == ids["c"].message_id
    assert [e["Message"] for e in envelopes(fifo_queue)] == ["one", "three"]


def test_batch_entry_without_group_id_fails_the_whole_batch(topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    topic.subscribe(fifo_queue)
    with pytest.raises(pymsg.InvalidParameter) as excinfo:
        topic.publish_batch([
            {"id": "ok", "message": "one", "group_id": "g", "deduplication_id": "d1"},
            {"id": "nogroup", "message": "two", "deduplication_id": "d2"},
        ])
    assert str(excinfo.value) == "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
    assert envelopes(fifo_queue) == []  # AWS fails the request: not even the good entry went out


def test_batch_entry_without_deduplication_id_fails_the_whole_batch(topic: pymsg.Topic,
                                                                    fifo_queue: pymsg.Queue) -> None:
    topic.subscribe(fifo_queue)  # the topic has content-based deduplication off
    with pytest.raises(pymsg.InvalidParameter, match="should either have ContentBasedDeduplication enabled"):
        topic.publish_batch([{"id": "ok", "message": "one", "group_id": "g", "deduplication_id": "d1"},
                             {"id": "nodedup", "message": "two", "group_id": "g"}])
    assert envelopes(fifo_queue) == []


# --- ordering and sequence numbers -----------------------------------------------------------------


def test_order_is_preserved_per_group_into_a_fifo_queue(topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    topic.subscribe(fifo_queue)
    groups = ["alpha", "beta", "gamma", "delta"]
    published: dict[str, list[tuple[str, str | None]]] = {g: [] for g in groups}
    for i in range(200):
        group = groups[(i * 7 + i // 3) % len(groups)]
        body = f"{group}-{len(published[group])}"
        result = topic.publish(body, group_id=group, deduplication_id=f"d{i}")
        published[group].append((body, result.sequence_number))

    messages = drain(fifo_queue)
    assert len(messages) == 200
    seen: dict[str, list[tuple[str, str | None]]] = {g: [] for g in groups}
    for m in messages:
        envelope = json.loads(m.body)
        group = envelope["Message"].rsplit("-", 1)[0]
        assert m.attributes["MessageGroupId"] == group
        seen[group].append((envelope["Message"], envelope["SequenceNumber"]))
    assert seen == published


def test_order_is_preserved_through_raw_delivery(topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    topic.subscribe(fifo_queue, raw_message_delivery=True)
    for i in range(50):
        topic.publish(f"{i % 2}:{i}", group_id=f"g{i % 2}", deduplication_id=f"d{i}")
    bodies = [m.body for m in drain(fifo_queue)]
    for g in ("0", "1"):
        assert [b for b in bodies if b.startswith(g + ":")] == [f"{g}:{i}" for i in range(50) if i % 2 == int(g)]


def test_sequence_numbers_increase(topic: pymsg.Topic) -> None:
    numbers = [topic.publish("m", group_id=f"g{i % 3}", deduplication_id=f"d{i}").sequence_number for i in range(30)]
    assert all(isinstance(n, str) and n.isdigit() for n in numbers)
    values = [int(n) for n in numbers]
    assert values == sorted(values)
    assert len(set(values)) == 30


def test_fifo_queue_gets_topic_dedup_id_and_group(topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    topic.subscribe(fifo_queue)
    topic.publish("m", group_id="grp", deduplication_id="dedup-1")
    [m] = fifo_queue.receive()
    assert m.attributes["MessageGroupId"] == "grp"
    assert m.attributes["MessageDeduplicationId"] == "dedup-1"


# --- FIFO envelope and standard queues ------------------------------------------------------------


def test_fifo_envelope_has_sequence_number_after_message_id_and_no_signature(topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    subscription = topic.subscribe(fifo_queue)
    result = topic.publish("m", subject="s", group_id="g", deduplication_id="d")
    [m] = fifo_queue.receive()
    pairs = json.loads(m.body, object_pairs_hook=lambda p: p)
    assert [k for k, _ in pairs] == [
        "Type", "MessageId", "SequenceNumber", "TopicArn", "Subject", "Message", "Timestamp", "UnsubscribeURL",
    ]  # AWS does not sign a FIFO topic's notifications
    envelope = dict(pairs)
    assert envelope["SequenceNumber"] == result.sequence_number
    assert envelope["MessageId"] == result.message_id
    assert envelope["TopicArn"] == topic.arn
    assert envelope["UnsubscribeURL"].endswith("SubscriptionArn=" + subscription.arn)
    assert m.body.split("\n")[3] == f'  "SequenceNumber" : "{result.sequence_number}",'


def test_fifo_topic_to_a_standard_queue(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    standard = broker.create_queue("analytics")
    topic.subscribe(standard)
    results = [topic.publish(f"m{i}", group_id="g", deduplication_id=f"d{i}") for i in range(3)]
    got = {e["MessageId"]: e for e in envelopes(standard)}
    assert set(got) == {r.message_id for r in results}
    for r in results:
        assert got[r.message_id]["SequenceNumber"] == r.sequence_number


def test_fifo_topic_to_fifo_and_standard_queues_together(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    fifo = broker.create_queue("orders.fifo")
    standard = broker.create_queue("analytics")
    topic.subscribe(fifo)
    topic.subscribe(standard, raw_message_delivery=True)
    for i in range(5):
        topic.publish(f"m{i}", group_id="g", deduplication_id=f"d{i}")
    assert [json.loads(m.body)["Message"] for m in drain(fifo)] == [f"m{i}" for i in range(5)]
    assert sorted(m.body for m in drain(standard)) == [f"m{i}" for i in range(5)]


def test_fifo_topic_filter_policy(broker: pymsg.Broker, topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    topic.subscribe(fifo_queue, filter_policy={"kind": ["keep"]})
    for i, kind in enumerate(["keep", "drop", "keep"]):
        topic.publish(
            f"m{i}", group_id="g", deduplication_id=f"d{i}",
            message_attributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
    assert [e["Message"] for e in envelopes(fifo_queue)] == ["m0", "m2"]


def test_standard_topic_envelope_has_no_sequence_number(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("plain")
    queue = broker.create_queue("q")
    topic.subscribe(queue)
    assert topic.publish("m").sequence_number is None
    assert "SequenceNumber" not in json.loads(queue.receive()[0].body)


# --- dead-letter queues of FIFO subscriptions --------------------------------------------------------


def test_fifo_subscription_dead_letters_into_a_fifo_dlq(broker: pymsg.Broker, topic: pymsg.Topic) -> None:
    """A FIFO topic's subscription keeps its dead letters in a FIFO queue, group and all."""
    gone = broker.create_queue("gone.fifo")
    dlq = broker.create_queue("dlq.fifo")
    topic.subscribe(gone, dead_letter_queue=dlq)
    broker.delete_queue(gone)

    result = topic.publish("m", group_id="g", deduplication_id="d")

    assert counts(dlq) == (1, 0, 0)
    assert broker._sns.dead_lettered == 1
    assert broker._sns.discarded == 0
    [dead] = dlq.receive()
    assert json.loads(dead.body)["MessageId"] == result.message_id
    assert dead.attributes["MessageGroupId"] == "g"


def test_fifo_subscription_refuses_a_standard_dlq(broker: pymsg.Broker, topic: pymsg.Topic, fifo_queue: pymsg.Queue) -> None:
    """The dead-letter queue must be FIFO for FIFO topics."""
    standard = broker.create_queue("dlq")
    with pytest.raises(pymsg.InvalidParameter, match="RedrivePolicy"):
        topic.subscribe(fifo_queue, dead_letter_queue=standard)
    assert topic.subscriptions() == []
