"""A stateful property test: a FIFO queue against a small pure-Python model.

Hypothesis drives random sequences of send (with a deduplication id, sometimes one used
before), receive, delete, change_visibility and clock advances on a ManualClock. The model
follows pymsg's documented rules for FIFO queues:
  - a send whose deduplication id was first seen less than five minutes ago enqueues nothing and
    answers with the first message's id;
  - a group serves, in send order, its visible messages ahead of its first one in flight; a
    receive of n returns a prefix of what each group serves, min(n, all they serve) in all;
  - a received message is in flight until ``now + visibility``; delete (with the latest handle)
    removes it; change_visibility sets a new deadline from now.
After every step the queue's counters must match the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import pymsg

START = 1_700_000_000.0
GROUPS = ["a", "b", "c"]
DEDUP_WINDOW = 300.0


@dataclass
class ModelMessage:
    body: str
    group: str
    visible_at: float = 0.0  # in flight while now < visible_at
    receive_count: int = 0
    handles: list[str] = field(default_factory=list)
    deleted: bool = False


class FifoQueueModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = pymsg.ManualClock(START)
        self.queue = pymsg.Broker(self.clock).create_queue("model.fifo", visibility_timeout=30)
        self.now = START
        self.messages: dict[str, ModelMessage] = {}  # by message id, in send order
        self.dedup: dict[str, tuple[float, str]] = {}  # deduplication id -> (first seen, message id)
        self.sent = 0

    def in_flight(self, m: ModelMessage) -> bool:
        return not m.deleted and self.now < m.visible_at

    def served(self, group: str) -> list[str]:
        """The ids a group serves now: its visible messages ahead of its first one in flight."""
        out = []
        for i, m in self.messages.items():
            if m.group != group or m.deleted:
                continue
            if self.in_flight(m):
                break
            out.append(i)
        return out

    def received(self) -> list[str]:
        return [i for i, m in self.messages.items() if m.handles and not m.deleted]

    @rule(group=st.sampled_from(GROUPS), reuse=st.booleans(), data=st.data())
    def send(self, group: str, reuse: bool, data: st.DataObject) -> None:
        body = f"m{self.sent}"
        self.sent += 1
        dedup_id = data.draw(st.sampled_from(sorted(self.dedup))) if reuse and self.dedup else f"d{self.sent}"
        result = self.queue.send(body, group_id=group, deduplication_id=dedup_id)
        seen = self.dedup.get(dedup_id)
        if seen is not None and self.now - seen[0] < DEDUP_WINDOW:
            assert result.message_id == seen[1], "a duplicate within the window answers with the first id"
            return
        assert result.message_id not in self.messages
        self.messages[result.message_id] = ModelMessage(body=body, group=group)
        self.dedup[dedup_id] = (self.now, result.message_id)

    @rule(n=st.integers(min_value=1, max_value=10), visibility=st.sampled_from([None, 0, 1, 10, 30]))
    def receive(self, n: int, visibility: int | None) -> None:
        serving = {g: self.served(g) for g in GROUPS}
        got = self.queue.receive(n, visibility_timeout=visibility)
        assert len(got) == min(n, sum(len(ids) for ids in serving.values()))
        for g in GROUPS:
            ids = [m.message_id for m in got if self.messages[m.message_id].group == g]
            assert ids == serving[g][:len(ids)], f"group {g} answered {ids}, not a prefix of {serving[g]}"
        for message in got:
            m = self.messages[message.message_id]
            assert message.body == m.body
            assert message.receive_count == m.receive_count + 1
            m.receive_count += 1
            m.visible_at = self.now + (30 if visibility is None else visibility)
            m.handles.append(message.receipt_handle)

    @precondition(lambda self: any(self.in_flight(self.messages[i]) for i in self.received()))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        message_id = data.draw(st.sampled_from([i for i in self.received() if self.in_flight(self.messages[i])]))
        m = self.messages[message_id]
        self.queue.delete(m.handles[-1])
        m.deleted = True

    @precondition(lambda self: any(self.in_flight(self.messages[i]) for i in self.received()))
    @rule(data=st.data(), seconds=st.sampled_from([0, 1, 10, 45]))
    def change_visibility(self, data: st.DataObject, seconds: int) -> None:
        message_id = data.draw(st.sampled_from([i for i in self.received() if self.in_flight(self.messages[i])]))
        m = self.messages[message_id]
        self.queue.change_visibility(m.handles[-1], seconds)
        m.visible_at = self.now + seconds

    @rule(seconds=st.sampled_from([0, 1, 9, 29, 30, 31, 100, 299]))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.now += seconds

    @invariant()
    def counts_match_the_model(self) -> None:
        attributes = self.queue.attributes()
        live = [m for m in self.messages.values() if not m.deleted]
        assert int(attributes["ApproximateNumberOfMessages"]) == sum(not self.in_flight(m) for m in live)
        assert int(attributes["ApproximateNumberOfMessagesNotVisible"]) == sum(self.in_flight(m) for m in live)


FifoQueueModel.TestCase.settings = settings(max_examples=100, stateful_step_count=40, deadline=None,
                                            suppress_health_check=[HealthCheck.too_slow])
TestFifoQueueModel = FifoQueueModel.TestCase
