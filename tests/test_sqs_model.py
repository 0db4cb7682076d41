"""A stateful property test: a standard queue against a small pure-Python model.

Hypothesis drives random sequences of send, receive, delete (with the latest or an older receipt
handle), change_visibility and clock advances on a ManualClock, and after every step checks that
the queue's counters match the model and that no receive returned a message the model has in flight.

The model follows pymsg's documented rules for standard queues:
  - a message is DELAYED until its delay ends, then VISIBLE; a receive makes it IN-FLIGHT until
    ``now + visibility``; it is visible again once the clock reaches that deadline;
  - a receive returns min(n, number of visible messages) messages (pymsg is deterministic);
  - delete with any handle the message was received with deletes it in any state (AWS deletes
    with an older handle too); a handle of a deleted message succeeds and changes nothing;
  - change_visibility takes any handle of a message that still exists (else
    InvalidParameterValue), in flight or visible again after its timeout lapsed (AWS allows the
    change until the next receive): either way it is in flight until ``now + seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import pymsg

START = 1_700_000_000.0


@dataclass
class ModelMessage:
    body: str
    visible_at: float  # delayed or in flight while now < visible_at
    received: bool = False  # visible_at is a visibility deadline (else a delay)
    receive_count: int = 0
    handles: list[str] = field(default_factory=list)  # every receipt handle issued, oldest first
    deleted: bool = False


class StandardQueueModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = pymsg.ManualClock(START)
        self.broker = pymsg.Broker(self.clock)
        self.queue = self.broker.create_queue("model", visibility_timeout=30)
        self.now = START
        self.messages: dict[str, ModelMessage] = {}  # by message id, in send order
        self.sent = 0

    # --- model state ----------------------------------------------------------------------

    def state(self, m: ModelMessage) -> str:
        if m.deleted:
            return "deleted"
        if self.now < m.visible_at:
            return "in_flight" if m.received else "delayed"
        return "visible"

    def ids_in(self, state: str) -> set[str]:
        return {i for i, m in self.messages.items() if self.state(m) == state}

    def received_messages(self) -> list[str]:
        # In send order (message ids are random per queue; Hypothesis needs reproducible draws).
        return [i for i, m in self.messages.items() if m.handles]

    # --- rules ----------------------------------------------------------------------------

    @rule(delay=st.sampled_from([0, 0, 0, 5, 30]))
    def send(self, delay: int) -> None:
        body = f"m{self.sent}"
        self.sent += 1
        result = self.queue.send(body, delay_seconds=delay)
        assert result.message_id not in self.messages
        self.messages[result.message_id] = ModelMessage(body=body, visible_at=self.now + delay)

    @rule(n=st.integers(min_value=1, max_value=10), visibility=st.sampled_from([None, 0, 1, 10, 30, 60]))
    def receive(self, n: int, visibility: int | None) -> None:
        visible = self.ids_in("visible")
        got = self.queue.receive(n, visibility_timeout=visibility)
        ids = [m.message_id for m in got]
        assert len(ids) == len(set(ids)), "a receive returned a message twice"
        for i in ids:
            assert i in visible, f"{i} is {self.state(self.messages[i])} in the model, not visible"
        assert len(got) == min(n, len(visible))
        for message in got:
            m = self.messages[message.message_id]
            assert message.body == m.body
            assert message.receive_count == m.receive_count + 1
            m.receive_count += 1
            m.received = True
            m.visible_at = self.now + (30 if visibility is None else visibility)
            m.handles.append(message.receipt_handle)

    @precondition(lambda self: self.received_messages())
    @rule(data=st.data())
    def delete_with_latest_handle(self, data: st.DataObject) -> None:
        message_id = data.draw(st.sampled_from(self.received_messages()))
        m = self.messages[message_id]
        self.queue.delete(m.handles[-1])
        m.deleted = True

    @precondition(lambda self: any(len(self.messages[i].handles) > 1 for i in self.received_messages()))
    @rule(data=st.data())
    def delete_with_old_handle(self, data: st.DataObject) -> None:
        candidates = [i for i in self.received_messages() if len(self.messages[i].handles) > 1]
        message_id = data.draw(st.sampled_from(candidates))
        m = self.messages[message_id]
        handle = data.draw(st.sampled_from(m.handles[:-1]))
        self.queue.delete(handle)  # an older handle deletes the message too
        m.deleted = True

    @precondition(lambda self: self.received_messages())
    @rule(data=st.data(), seconds=st.sampled_from([0, 1, 10, 45]))
    def change_visibility(self, data: st.DataObject, seconds: int) -> None:
        message_id = data.draw(st.sampled_from(self.received_messages()))
        m = self.messages[message_id]
        latest = data.draw(st.booleans()) or len(m.handles) == 1
        handle = m.handles[-1] if latest else data.draw(st.sampled_from(m.handles[:-1]))
        if m.deleted:
            with pytest.raises(pymsg.InvalidParameterValue):
                self.queue.change_visibility(handle, seconds)
        else:
            self.queue.change_visibility(handle, seconds)
            m.visible_at = self.now + seconds

    @rule(seconds=st.sampled_from([0, 1, 5, 9, 29, 30, 31, 100]))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.now += seconds

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def clocks_agree(self) -> None:
        assert self.clock.now() == self.now

    @invariant()
    def counts_match_the_model(self) -> None:
        attributes = self.queue.attributes()
        assert int(attributes["ApproximateNumberOfMessages"]) == len(self.ids_in("visible"))
        assert int(attributes["ApproximateNumberOfMessagesNotVisible"]) == len(self.ids_in("in_flight"))
        assert int(attributes["ApproximateNumberOfMessagesDelayed"]) == len(self.ids_in("delayed"))


StandardQueueModel.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStandardQueueModel = StandardQueueModel.TestCase
