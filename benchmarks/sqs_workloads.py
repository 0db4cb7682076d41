"""SQS workloads and their peers, shared by the pytest-benchmark file and the comparison runner.

Each factory returns (fn, check): ``fn()`` runs one cycle and ``check()`` asserts that the
cycles so far did what they claim (every message received and deleted), so a benchmark can
never pass by doing nothing.
"""

from __future__ import annotations

import os
import queue as stdlib_queue
from typing import Callable, Tuple

import pymsg

Workload = Tuple[Callable[[], object], Callable[[], None]]
BODY = "x" * 100


def queue_queue_cycle() -> Workload:
    """The peer: queue.Queue put + get of the same 100-byte body."""
    q: stdlib_queue.Queue[str] = stdlib_queue.Queue()
    got: list[str] = []

    def fn() -> None:
        q.put(BODY)
        got.append(q.get())
        if len(got) > 1000:
            got.clear()

    def check() -> None:
        assert q.qsize() == 0 and all(b == BODY for b in got)

    return fn, check


def _empty_at_end(queue: pymsg.Queue) -> Callable[[], None]:
    def check() -> None:
        attrs = queue.attributes()
        assert attrs["ApproximateNumberOfMessages"] == "0", attrs
        assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0", attrs

    return check


def sqs_cycle(broker: pymsg.Broker) -> Workload:
    """(a) One message: send + receive + delete."""
    q = broker.create_queue("bench-one")

    def fn() -> None:
        q.send(BODY)
        (m,) = q.receive()
        q.delete(m.receipt_handle)

    return fn, _empty_at_end(q)


def sqs_batch_cycle(broker: pymsg.Broker) -> Workload:
    """(b) Ten messages: send_batch + receive(10) + delete_batch (per cycle of 10)."""
    q = broker.create_queue("bench-batch")
    entries = [{"id": str(i), "body": BODY} for i in range(10)]

    def fn() -> None:
        q.send_batch(entries)
        messages = q.receive(10)
        assert len(messages) == 10
        q.delete_batch(messages)

    return fn, _empty_at_end(q)


def sqs_fifo_cycle(broker: pymsg.Broker, groups: int = 100) -> Workload:
    """(c) FIFO over 100 groups: send (rotating group) + receive + delete."""
    q = broker.create_queue("bench.fifo", content_based_deduplication=False)
    state = {"n": 0}

    def fn() -> None:
        n = state["n"] = state["n"] + 1
        q.send(BODY, group_id=f"g{n % groups}", deduplication_id=str(n))
        (m,) = q.receive()
        q.delete(m.receipt_handle)

    return fn, _empty_at_end(q)


def sqs_receive_with_backlog(broker: pymsg.Broker, backlog: int) -> Tuple[Callable[[], object], Callable[[], None], Callable[[], None]]:
    """(d) receive + delete of the oldest message with `backlog` messages queued.

    Returns (fn, refill, check): refill (untimed) sends one message so the backlog stays put.
    """
    q = broker.create_queue(f"bench-backlog-{backlog}")
    entries = [{"id": str(i), "body": BODY} for i in range(10)]
    for _ in range(backlog // 10):
        q.send_batch(entries)

    def fn() -> None:
        (m,) = q.receive()
        m.delete()

    def refill() -> None:
        q.send(BODY)

    def check() -> None:
        assert int(q.attributes()["ApproximateNumberOfMessages"]) == backlog - backlog % 10

    return fn, refill, check


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc)."""
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bytes_per_message(count: int = 1_000_000, body_size: int = 100) -> float:
    """(e) Resident bytes per queued message beyond its body, measured over `count` messages."""
    broker = pymsg.Broker(strict_limits=False)
    q = broker.create_queue("bench-memory")
    entries = [{"id": str(i), "body": "y" * body_size} for i in range(1000)]
    before = rss_bytes()
    for _ in range(count // 1000):
        q.send_batch(entries)
    after = rss_bytes()
    assert q.attributes()["ApproximateNumberOfMessages"] == str(count)
    broker.delete_queue(q)
    return (after - before) / count - body_size
