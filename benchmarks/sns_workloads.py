"""SNS fan-out workloads: one publish to N queue subscribers, with and without a filter policy.

Each factory returns (fn, check): ``fn()`` publishes once and drains the subscriber queues
(untimed work is excluded by the runner through ``drain``), and ``check()`` asserts every
subscriber got every copy it should.
"""

from __future__ import annotations

from typing import Callable, Tuple

import pymsg

Workload = Tuple[Callable[[], object], Callable[[], None], Callable[[], None]]
MESSAGE = "x" * 100
ATTRIBUTES = {"kind": {"DataType": "String", "StringValue": "order"}, "amount": {"DataType": "Number", "StringValue": "42"}}
POLICY = {"kind": ["order"], "amount": [{"numeric": [">", 10]}]}


def fan_out(broker: pymsg.Broker, subscribers: int, filtered: bool) -> Workload:
    """(publish, drain, check): publish once to `subscribers` queues (each with POLICY when
    `filtered`; every copy matches); drain deletes what they received (run outside the timing)."""
    topic = broker.create_topic(f"fan-{subscribers}-{int(filtered)}")
    queues = [broker.create_queue(f"fan-{subscribers}-{int(filtered)}-{i}") for i in range(subscribers)]
    for q in queues:
        topic.subscribe(q, filter_policy=POLICY if filtered else None)
    published = [0]
    received = [0]

    def publish() -> None:
        topic.publish(MESSAGE, message_attributes=ATTRIBUTES)
        published[0] += 1

    def drain() -> None:
        for q in queues:
            while True:
                batch = q.receive(10)
                if not batch:
                    break
                received[0] += len(batch)
                q.delete_batch(batch)

    def check() -> None:
        drain()
        assert received[0] == published[0] * subscribers, (received[0], published[0], subscribers)

    return publish, drain, check
