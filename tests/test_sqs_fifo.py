"""FIFO queues: group ids, deduplication, ordering and group blocking.

Time-dependent behaviour runs on the conftest's ManualClock; nothing here sleeps.
"""

from __future__ import annotations

import hashlib

import pytest

import pymsg
from conftest import counts



def bodies(messages: list[pymsg.Message]) -> list[object]:
    return [m.body for m in messages]


@pytest.fixture
def fifo(broker: pymsg.Broker) -> pymsg.Queue:
    """A FIFO queue with content-based deduplication, so sends need only a group id."""
    return broker.create_queue("jobs.fifo", content_based_deduplication=True)


@pytest.fixture
def explicit(broker: pymsg.Broker) -> pymsg.Queue:
    """A FIFO queue without content-based deduplication: every send names its dedup id."""
    return broker.create_queue("explicit.fifo")


# --- required and invalid parameters --------------------------------------------------------


def test_group_id_is_required(fifo: pymsg.Queue) -> None:
    with pytest.raises(pymsg.MissingParameter) as excinfo:
        fifo.send("no group")
    assert excinfo.value.code == "MissingParameter"
    assert counts(fifo) == (0, 0, 0)
    # The failed send recorded no dedup entry: the same body is accepted once a group is given.
    fifo.send("no group", group_id="g")
    assert counts(fifo) == (1, 0, 0)


def test_dedup_id_is_required_without_content_based_deduplication(explicit: pymsg.Queue) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match="ContentBasedDeduplication"):
        explicit.send("body", group_id="g")
    assert counts(explicit) == (0, 0, 0)
    assert explicit.receive(10) == []


@pytest.mark.parametrize("bad", ["x" * 129, "has space", "", "tab\there", "caf\u00e9"])
@pytest.mark.parametrize("parameter", ["group_id", "deduplication_id"])
def test_invalid_group_or_dedup_id_is_rejected(explicit: pymsg.Queue, parameter: str, bad: str) -> None:
    kwargs = {"group_id": "g", "deduplication_id": "d", parameter: bad}
    with pytest.raises(pymsg.InvalidParameterValue) as excinfo:
        explicit.send("body", **kwargs)
    assert excinfo.value.code == "InvalidParameterValue"
    assert counts(explicit) == (0, 0, 0)
    # Nothing was recorded in the dedup window either: a valid send with the same ids enqueues.
    explicit.send("body", group_id="g", deduplication_id="d")
    assert counts(explicit) == (1, 0, 0)


def test_ids_of_128_characters_of_punctuation_and_alphanumerics_are_accepted(explicit: pymsg.Queue) -> None:
    punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    group = (punctuation + "AZaz09" * 20)[:128]
    dedup = ("d" * 127) + "~"
    explicit.send("body", group_id=group, deduplication_id=dedup)
    [m] = explicit.receive()
    assert m.attributes["MessageGroupId"] == group
    assert m.attributes["MessageDeduplicationId"] == dedup


# --- ordering and group blocking ------------------------------------------------------------


def test_strict_order_within_a_group(fifo: pymsg.Queue) -> None:
    sent = [f"m{i:02d}" for i in range(25)]
    for body in sent:
        fifo.send(body, group_id="g")
    received = []
    while True:
        batch = fifo.receive(1)
        if not batch:
            break
        received.append(batch[0].body)
        batch[0].delete()
    assert received == sent


def test_receive_returns_as_many_messages_of_one_group_as_possible(fifo: pymsg.Queue) -> None:
    for body, group in [("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B")]:
        fifo.send(body, group_id=group)
    assert bodies(fifo.receive(10)) == ["a1", "a2", "a3", "b1"]


def test_receive_groups_messages_even_when_sends_interleave(fifo: pymsg.Queue) -> None:
    for body, group in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B"), ("a3", "A")]:
        fifo.send(body, group_id=group)
    assert bodies(fifo.receive(10)) == ["a1", "a2", "a3", "b1", "b2"]


def test_receive_stops_at_max_messages_inside_a_group(fifo: pymsg.Queue) -> None:
    for body in ["a1", "a2", "a3"]:
        fifo.send(body, group_id="A")
    fifo.send("b1", group_id="B")
    assert bodies(fifo.receive(2)) == ["a1", "a2"]
    # A is blocked by its in-flight messages, so a3 waits; B is free.
    assert bodies(fifo.receive(10)) == ["b1"]


def test_in_flight_message_blocks_its_group_but_not_others(fifo: pymsg.Queue) -> None:
    fifo.send("a1", group_id="A")
    fifo.send("a2", group_id="A")
    fifo.send("b1", group_id="B")
    assert bodies(fifo.receive(1)) == ["a1"]
    assert bodies(fifo.receive(10)) == ["b1"]
    assert fifo.receive(10) == []
    assert counts(fifo) == (1, 2, 0)  # a2 is visible, yet not receivable


def test_group_unblocks_when_the_in_flight_message_is_deleted(fifo: pymsg.Queue) -> None:
    fifo.send("a1", group_id="A")
    fifo.send("a2", group_id="A")
    [a1] = fifo.receive(1)
    assert fifo.receive(10) == []
    a1.delete()
    assert bodies(fifo.receive(10)) == ["a2"]


def test_group_unblocks_when_visibility_lapses_and_the_same_message_comes_back_first(
    fifo: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    fifo.send("a1", group_id="A")
    fifo.send("a2", group_id="A")
    [first] = fifo.receive(1, visibility_timeout=30)
    clock.advance(29)
    assert fifo.receive(10) == []
    clock.advance(2)
    again = fifo.receive(10)
    assert bodies(again) == ["a1", "a2"]
    assert again[0].message_id == first.message_id
    assert again[0].receive_count == 2
    assert again[0].attributes["ApproximateReceiveCount"] == "2"
    assert again[1].receive_count == 1


def test_change_visibility_to_zero_unblocks_the_group(fifo: pymsg.Queue) -> None:
    fifo.send("a1", group_id="A")
    fifo.send("a2", group_id="A")
    [a1] = fifo.receive(1)
    a1.change_visibility(0)
    again = fifo.receive(10)
    assert bodies(again) == ["a1", "a2"]
    assert again[0].receive_count == 2


# --- deduplication ----------------------------------------------------------------------------


def test_duplicate_within_the_window_returns_the_original_and_enqueues_nothing(explicit: pymsg.Queue) -> None:
    original = explicit.send("first", group_id="g", deduplication_id="d")
    duplicate = explicit.send("second", group_id="g", deduplication_id="d")
    assert duplicate.message_id == original.message_id
    assert duplicate.sequence_number == original.sequence_number
    assert counts(explicit) == (1, 0, 0)
    [m] = explicit.receive(10)
    assert m.body == "first"
    assert m.message_id == original.message_id


def test_duplicate_of_a_deleted_message_is_still_deduplicated(explicit: pymsg.Queue) -> None:
    original = explicit.send("first", group_id="g", deduplication_id="d")
    [m] = explicit.receive()
    m.delete()
    duplicate = explicit.send("first", group_id="g", deduplication_id="d")
    assert duplicate.message_id == original.message_id
    assert counts(explicit) == (0, 0, 0)
    assert explicit.receive(10) == []


def test_dedup_id_is_accepted_again_after_five_minutes(explicit: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    original = explicit.send("first", group_id="g", deduplication_id="d")
    [m] = explicit.receive()
    m.delete()
    clock.advance(299)
    assert explicit.send("again", group_id="g", deduplication_id="d").message_id == original.message_id
    assert counts(explicit) == (0, 0, 0)
    clock.advance(1)
    fresh = explicit.send("again", group_id="g", deduplication_id="d")
    assert fresh.message_id != original.message_id
    assert int(fresh.sequence_number) > int(original.sequence_number)
    assert bodies(explicit.receive(10)) == ["again"]


def test_dedup_window_counts_from_the_first_send_not_from_duplicates(
    explicit: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    original = explicit.send("first", group_id="g", deduplication_id="d")
    clock.advance(200)
    assert explicit.send("dup", group_id="g", deduplication_id="d").message_id == original.message_id
    clock.advance(100)  # 300 s after the first send, 100 s after the duplicate
    assert explicit.send("later", group_id="g", deduplication_id="d").message_id != original.message_id
    assert counts(explicit) == (2, 0, 0)


def test_content_based_dedup_uses_sha256_of_the_body_only(fifo: pymsg.Queue) -> None:
    first = fifo.send(
        "same body", group_id="g", message_attributes={"k": {"DataType": "String", "StringValue": "1"}}
    )
    duplicate = fifo.send(
        "same body", group_id="g", message_attributes={"k": {"DataType": "String", "StringValue": "2"}}
    )
    assert duplicate.message_id == first.message_id
    other = fifo.send("other body", group_id="g")
    assert other.message_id != first.message_id
    assert counts(fifo) == (2, 0, 0)
    received = fifo.receive(10)
    assert bodies(received) == ["same body", "other body"]
    assert received[0].attributes["MessageDeduplicationId"] == hashlib.sha256(b"same body").hexdigest()
    assert received[1].attributes["MessageDeduplicationId"] == hashlib.sha256(b"other body").hexdigest()


def test_content_based_dedup_of_bytes_bodies(fifo: pymsg.Queue) -> None:
    body = b"\x00\x01binary\xff"
    first = fifo.send(body, group_id="g")
    assert fifo.send(body, group_id="g").message_id == first.message_id
    [m] = fifo.receive(10)
    assert m.body == body
    assert m.attributes["MessageDeduplicationId"] == hashlib.sha256(body).hexdigest()


def test_explicit_dedup_id_overrides_content_based_dedup(fifo: pymsg.Queue) -> None:
    fifo.send("same", group_id="g", deduplication_id="one")
    fifo.send("same", group_id="g", deduplication_id="two")
    received = fifo.receive(10)
    assert bodies(received) == ["same", "same"]
    assert [m.attributes["MessageDeduplicationId"] for m in received] == ["one", "two"]


def test_queue_scope_dedups_the_same_id_across_groups(explicit: pymsg.Queue) -> None:
    first = explicit.send("x", group_id="g1", deduplication_id="d")
    assert explicit.send("y", group_id="g2", deduplication_id="d").message_id == first.message_id
    assert counts(explicit) == (1, 0, 0)


def test_message_group_scope_keys_dedup_by_group_and_id(broker: pymsg.Broker) -> None:
    q = broker.create_queue("scoped.fifo", deduplication_scope="messageGroup")
    in_g1 = q.send("x", group_id="g1", deduplication_id="d")
    in_g2 = q.send("y", group_id="g2", deduplication_id="d")
    assert in_g2.message_id != in_g1.message_id
    assert q.send("z", group_id="g1", deduplication_id="d").message_id == in_g1.message_id
    assert counts(q) == (2, 0, 0)
    assert sorted(bodies(q.receive(10))) == ["x", "y"]


def test_message_group_scope_applies_to_content_based_dedup(broker: pymsg.Broker) -> None:
    q = broker.create_queue("scoped.fifo", content_based_deduplication=True, deduplication_scope="messageGroup")
    first = q.send("same", group_id="g1")
    assert q.send("same", group_id="g2").message_id != first.message_id
    assert q.send("same", group_id="g1").message_id == first.message_id
    assert counts(q) == (2, 0, 0)


def test_per_message_group_throughput_requires_message_group_scope(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.InvalidAttributeValue):
        broker.create_queue("ht.fifo", fifo_throughput_limit="perMessageGroupId")
    with pytest.raises(pymsg.QueueDoesNotExist):
        broker.get_queue("ht.fifo")

    q = broker.create_queue("ht.fifo", deduplication_scope="messageGroup", fifo_throughput_limit="perMessageGroupId")
    attributes = q.attributes()
    assert attributes["DeduplicationScope"] == "messageGroup"
    assert attributes["FifoThroughputLimit"] == "perMessageGroupId"


def test_set_attributes_rejects_per_message_group_throughput_with_queue_scope(fifo: pymsg.Queue) -> None:
    before = fifo.attributes()
    with pytest.raises(pymsg.InvalidAttributeValue):
        fifo.set_attributes(fifo_throughput_limit="perMessageGroupId")
    assert fifo.attributes() == before
    assert before["FifoThroughputLimit"] == "perQueue"


# --- sequence numbers and system attributes -------------------------------------------------


def test_sequence_numbers_are_increasing_numeric_strings_of_about_20_digits(fifo: pymsg.Queue) -> None:
    results = [fifo.send(f"m{i}", group_id=f"g{i % 3}") for i in range(30)]
    numbers = [r.sequence_number for r in results]
    for n in numbers:
        assert isinstance(n, str)
        assert n.isdigit()
        assert 19 <= len(n) <= 20
    values = [int(n) for n in numbers]
    assert all(a < b for a, b in zip(values, values[1:]))
    assert len(set(r.message_id for r in results)) == 30


def test_system_attributes_carry_group_dedup_id_and_sequence_number(explicit: pymsg.Queue) -> None:
    sent = explicit.send("body", group_id="orders-42", deduplication_id="dedup-1")
    [m] = explicit.receive()
    assert m.attributes["MessageGroupId"] == "orders-42"
    assert m.attributes["MessageDeduplicationId"] == "dedup-1"
    assert m.attributes["SequenceNumber"] == sent.sequence_number
    assert m.message_id == sent.message_id


# --- delays -----------------------------------------------------------------------------------


def test_delayed_message_does_not_block_visible_messages_of_its_group(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    q = broker.create_queue("delayed.fifo", content_based_deduplication=True, delay_seconds=10)
    q.send("a1 (delayed)", group_id="A")
    q.set_attributes(delay_seconds=0)
    q.send("a2", group_id="A")
    assert counts(q) == (1, 0, 1)
    # pymsg: a FIFO message enters its group only when its delay ends, so a2 is deliverable now.
    [a2] = q.receive(10)
    assert a2.body == "a2"
    clock.advance(10)
    assert counts(q) == (1, 1, 0)
    # a1 comes before a2, the group's first message in flight, so it is served (as a message
    # whose timeout lapsed ahead of one still in flight is; see the group-order tests below).
    assert bodies(q.receive(10)) == ["a1 (delayed)"]


def test_delayed_messages_of_one_group_do_not_block_another_group(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    q = broker.create_queue("delayed2.fifo", content_based_deduplication=True, delay_seconds=10)
    q.send("a1", group_id="A")
    q.set_attributes(delay_seconds=0)
    q.send("b1", group_id="B")
    assert bodies(q.receive(10)) == ["b1"]
    clock.advance(10)
    assert bodies(q.receive(10)) == ["a1"]


# --- receipt handles --------------------------------------------------------------------------


def test_delete_with_a_lapsed_handle_is_rejected_as_expired(fifo: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    fifo.send("a1", group_id="A")
    [m] = fifo.receive(visibility_timeout=30)
    clock.advance(31)
    with pytest.raises(pymsg.InvalidParameterValue, match="expired"):
        fifo.delete(m.receipt_handle)
    assert counts(fifo) == (1, 0, 0)  # still there, visible again
    [again] = fifo.receive()
    assert again.message_id == m.message_id
    assert again.receive_count == 2


def test_delete_with_an_older_handle_after_a_new_receive_is_rejected(
    fifo: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    fifo.send("a1", group_id="A")
    [first] = fifo.receive(visibility_timeout=30)
    clock.advance(31)
    [second] = fifo.receive(visibility_timeout=30)
    with pytest.raises(pymsg.InvalidParameterValue, match="expired"):
        fifo.delete(first.receipt_handle)
    assert counts(fifo) == (0, 1, 0)
    second.delete()
    assert counts(fifo) == (0, 0, 0)


# --- standard queues with group ids (fair queues) ---------------------------------------------


def test_standard_queue_accepts_group_id_and_returns_it(broker: pymsg.Broker) -> None:
    q = broker.create_queue("fair")
    sent = q.send("tenant message", group_id="tenant-1")
    assert sent.sequence_number is None
    [m] = q.receive()
    assert m.attributes["MessageGroupId"] == "tenant-1"
    assert "SequenceNumber" not in m.attributes
    assert "MessageDeduplicationId" not in m.attributes


def test_standard_queue_does_not_block_a_group_while_one_of_its_messages_is_in_flight(broker: pymsg.Broker) -> None:
    q = broker.create_queue("fair")
    q.send("t1", group_id="tenant")
    q.send("t2", group_id="tenant")
    assert bodies(q.receive(1)) == ["t1"]
    assert bodies(q.receive(1)) == ["t2"]


def test_standard_queue_rejects_deduplication_id(broker: pymsg.Broker) -> None:
    q = broker.create_queue("plain")
    with pytest.raises(pymsg.InvalidParameterValue, match="MessageDeduplicationId"):
        q.send("body", deduplication_id="d")
    with pytest.raises(pymsg.InvalidParameterValue):
        q.send("body", group_id="g", deduplication_id="d")
    assert counts(q) == (0, 0, 0)
    assert q.receive(10) == []


def test_fifo_attributes_report_deduplication_settings(broker: pymsg.Broker) -> None:
    q = broker.create_queue("settings.fifo", content_based_deduplication=True)
    attributes = q.attributes()
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"
    assert attributes["DeduplicationScope"] == "queue"
    assert all(isinstance(v, str) for v in attributes.values())


def test_purge_forgets_the_deduplication_ids(clock: pymsg.ManualClock) -> None:
    broker = pymsg.Broker(clock, strict_timing=False)
    queue = broker.create_queue("q.fifo")
    first = queue.send("a", group_id="g", deduplication_id="d")
    assert queue.send("a", group_id="g", deduplication_id="d").message_id == first.message_id  # a duplicate
    queue.purge()
    again = queue.send("a", group_id="g", deduplication_id="d")
    assert again.message_id != first.message_id
    assert [m.body for m in queue.receive()] == ["a"]


# --- which group is served next (the orders below are AWS's, from recorded runs) ------------


def send_all(queue: pymsg.Queue, *pairs: tuple[str, str]) -> None:
    for group, body in pairs:
        queue.send(body, group_id=group)


def test_groups_served_with_a_zero_timeout_queue_behind_the_groups_not_served(fifo: pymsg.Queue) -> None:
    send_all(fifo, ("g1", "g1-m1"), ("g2", "g2-m1"), ("g2", "g2-m2"), ("g3", "g3-m1"), ("g1", "g1-m2"))
    assert bodies(fifo.receive(3, visibility_timeout=0)) == ["g1-m1", "g1-m2", "g2-m1"]
    assert bodies(fifo.receive(10, visibility_timeout=0)) == ["g3-m1", "g1-m1", "g1-m2", "g2-m1", "g2-m2"]


def test_groups_whose_timeout_lapsed_queue_in_the_order_they_lapsed(broker: pymsg.Broker,
                                                                     clock: pymsg.ManualClock) -> None:
    q = broker.create_queue("lapse.fifo", content_based_deduplication=True, visibility_timeout=1)
    send_all(q, *[("g1", f"g1-m{i}") for i in range(1, 5)], ("g2", "g2-m1"), ("g3", "g3-m1"))
    assert bodies(q.receive(2)) == ["g1-m1", "g1-m2"]
    assert bodies(q.receive(1)) == ["g2-m1"]  # the rest of g1 waits behind its messages in flight
    clock.advance(2)
    assert bodies(q.receive(10, visibility_timeout=0)) == ["g3-m1", "g1-m1", "g1-m2", "g1-m3", "g1-m4", "g2-m1"]


def test_a_group_serves_what_comes_before_its_first_message_in_flight(broker: pymsg.Broker) -> None:
    q = broker.create_queue("head.fifo", content_based_deduplication=True, visibility_timeout=30)
    send_all(q, ("g1", "g1-m1"), ("g1", "g1-m2"), ("g2", "g2-m1"))
    first, _ = q.receive(2)
    first.change_visibility(0)  # g1-m2 stays in flight
    assert bodies(q.receive(3)) == ["g2-m1", "g1-m1"]


@pytest.mark.parametrize(("extended", "expected"), [(0, []), (1, ["foo"]), (2, ["foo", "bar"])])
def test_a_longer_timeout_hides_the_messages_after_it_in_its_group(broker: pymsg.Broker, clock: pymsg.ManualClock,
                                                                   extended: int, expected: list[str]) -> None:
    q = broker.create_queue("ext.fifo", content_based_deduplication=True, visibility_timeout=1)
    send_all(q, ("1", "foo"), ("1", "bar"), ("1", "baz"))
    received = q.receive(5)
    received[extended].change_visibility(4)
    clock.advance(2.5)
    assert bodies(q.receive(5)) == expected


def test_a_group_emptied_by_deletes_keeps_its_place(fifo: pymsg.Queue) -> None:
    send_all(fifo, ("g1", "g1-m1"), ("g2", "g2-m1"), ("g1", "g1-m2"), ("g2", "g2-m2"), ("g1", "g1-m3"),
             ("g1", "g1-m4"), ("g3", "g3-m1"))
    for message in fifo.receive(2):
        message.delete()
    assert bodies(fifo.receive(10)) == ["g2-m1", "g2-m2", "g1-m3", "g1-m4", "g3-m1"]


def test_a_partly_deleted_group_stays_blocked_by_the_rest(fifo: pymsg.Queue) -> None:
    send_all(fifo, ("g1", "g1-m1"), ("g2", "g2-m1"), ("g1", "g1-m2"), ("g2", "g2-m2"), ("g3", "g3-m1"))
    fifo.receive(2)[0].delete()
    assert bodies(fifo.receive(10)) == ["g2-m1", "g2-m2", "g3-m1"]


# --- DeduplicationScope changed after creation ------------------------------------------------


def test_a_queue_keeps_deduplicating_across_groups_after_switching_to_message_group_scope(
        explicit: pymsg.Queue) -> None:
    # AWS-recorded runs: the attribute reads back the new value, deduplication goes on as created.
    explicit.send("Test1", group_id="group1", deduplication_id="same")
    explicit.set_attributes(deduplication_scope="messageGroup", fifo_throughput_limit="perMessageGroupId")
    assert explicit.attributes()["DeduplicationScope"] == "messageGroup"
    explicit.send("Test2", group_id="group2", deduplication_id="same")
    assert bodies(explicit.receive(10)) == ["Test1"]


def test_a_queue_keeps_deduplicating_per_group_after_switching_to_queue_scope(broker: pymsg.Broker) -> None:
    q = broker.create_queue("ht.fifo", deduplication_scope="messageGroup", fifo_throughput_limit="perMessageGroupId")
    q.send("Test1", group_id="group1", deduplication_id="same")
    q.set_attributes(deduplication_scope="queue", fifo_throughput_limit="perQueue")
    assert q.attributes()["DeduplicationScope"] == "queue"
    q.send("Test2", group_id="group2", deduplication_id="same")
    assert sorted(bodies(q.receive(10))) == ["Test1", "Test2"]
