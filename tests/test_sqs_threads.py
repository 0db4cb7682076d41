"""Many threads on one queue: every message is delivered and deleted exactly once, and FIFO groups
keep their order across concurrent producers and consumers.

These run on the system clock (pymsg.Broker()): consumers long-poll briefly while producers catch up.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter, defaultdict
from typing import Callable

import pymsg

JOIN_TIMEOUT = 60.0


def run_threads(targets: list[Callable[[], None]]) -> list[BaseException]:
    """Starts one thread per target (they begin together, at a barrier), joins them all, and
    returns the exceptions they raised."""
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(targets))

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait(JOIN_TIMEOUT)
                target()
            except BaseException as e:  # noqa: BLE001 - reported by the test thread
                with lock:
                    errors.append(e)

        return run

    threads = [threading.Thread(target=guarded(t), daemon=True) for t in targets]
    for t in threads:
        t.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "threads did not finish"
    return errors


def test_four_producers_four_consumers_deliver_every_message_exactly_once() -> None:
    producers, consumers, total = 4, 4, 200_000
    per_producer = total // producers
    broker = pymsg.Broker()
    queue = broker.create_queue("load", visibility_timeout=600)

    delivered: list[list[str]] = [[] for _ in range(consumers)]
    delete_failures: list[object] = []
    done = threading.Event()
    deleted = [0]
    deleted_lock = threading.Lock()

    def produce(p: int) -> Callable[[], None]:
        def run() -> None:
            for start in range(0, per_producer, 10):
                entries = [{"id": f"e{i}", "body": f"p{p}-{start + i}"} for i in range(10)]
                result = queue.send_batch(entries)
                assert not result.failed, result.failed

        return run

    def consume(c: int) -> Callable[[], None]:
        mine = delivered[c]

        def run() -> None:
            while not done.is_set():
                messages = queue.receive(10, wait_time_seconds=0.05)
                if not messages:
                    continue
                mine.extend(m.body for m in messages)
                result = queue.delete_batch(
                    [{"id": f"d{i}", "receipt_handle": m.receipt_handle} for i, m in enumerate(messages)]
                )
                if result.failed:
                    delete_failures.extend(result.failed)
                with deleted_lock:
                    deleted[0] += len(result.successful)
                    if deleted[0] >= total:
                        done.set()

        return run

    started = time.monotonic()
    errors = run_threads([produce(p) for p in range(producers)] + [consume(c) for c in range(consumers)])
    elapsed = time.monotonic() - started

    assert errors == []
    assert delete_failures == []
    sent = Counter(f"p{p}-{i}" for p in range(producers) for i in range(per_producer))
    received = Counter(body for bodies in delivered for body in bodies)
    assert sum(received.values()) == total
    assert received == sent
    attributes = queue.attributes()
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "0"
    assert queue.receive(10) == []
    print(f"\n200k messages, 4x4 threads: {elapsed:.2f} s")


def test_fifo_groups_keep_send_order_across_threads() -> None:
    producers, consumers, groups, per_producer = 4, 4, 20, 5_000
    broker = pymsg.Broker()
    queue = broker.create_queue("ordered.fifo", visibility_timeout=600)

    sent: list[tuple[str, int, str]] = []  # (group, sequence number, body)
    sent_lock = threading.Lock()
    received: dict[str, list[str]] = defaultdict(list)
    received_lock = threading.Lock()
    done = threading.Event()
    total = producers * per_producer
    deleted = [0]

    def produce(p: int) -> Callable[[], None]:
        def run() -> None:
            mine = []
            for i in range(per_producer):
                group = f"g{(i + p) % groups}"
                body = f"p{p}-{i}"
                result = queue.send(body, group_id=group, deduplication_id=body)
                mine.append((group, int(result.sequence_number), body))
            with sent_lock:
                sent.extend(mine)

        return run

    def consume() -> None:
        while not done.is_set():
            messages = queue.receive(10, wait_time_seconds=0.05)
            if not messages:
                continue
            # Recorded before the delete: nobody can receive the group's next message before then.
            with received_lock:
                for m in messages:
                    received[m.attributes["MessageGroupId"]].append(m.body)
            result = queue.delete_batch(
                [{"id": f"d{i}", "receipt_handle": m.receipt_handle} for i, m in enumerate(messages)]
            )
            assert not result.failed, result.failed
            with received_lock:
                deleted[0] += len(messages)
                if deleted[0] >= total:
                    done.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so sends to a group interleave finely
    try:
        errors = run_threads([produce(p) for p in range(producers)] + [consume] * consumers)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []

    expected: dict[str, list[str]] = defaultdict(list)
    for group, _, body in sorted(sent, key=lambda s: s[1]):
        expected[group].append(body)
    assert len(expected) == groups
    assert dict(received) == dict(expected)
    # Each producer's own sends to a group are in its program order, too.
    for group, bodies in received.items():
        for p in range(producers):
            own = [int(b.split("-")[1]) for b in bodies if b.startswith(f"p{p}-")]
            assert own == sorted(own)
    assert queue.attributes()["ApproximateNumberOfMessages"] == "0"
