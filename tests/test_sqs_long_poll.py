"""Long polling: ReceiveMessage with WaitTimeSeconds.

The waiters run in threads against the conftest's ManualClock, which only moves when a test calls
advance(): a waiter that returns without an advance can only have been woken by the queue. Before
acting on a waiter, a test checks that it is still blocked after a short real wait (the one place
real time is needed: the thread must have reached its wait). Threads are joined with a timeout and
the test asserts that they finished.
"""

from __future__ import annotations

import faulthandler
import sys
import threading
from typing import Any, Callable, Iterator

import pytest

import pymsg

JOIN_TIMEOUT = 10.0
SETTLE = 0.2  # real seconds a waiter gets to reach its wait


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """A waiter that kept the GIL would hang the run; faulthandler's C thread turns that into a
    traceback and an exit after 60 s instead."""
    faulthandler.dump_traceback_later(60, exit=True, file=sys.stderr)
    yield
    faulthandler.cancel_dump_traceback_later()


class Waiter:
    """Runs ``call`` in a thread and keeps its result or exception."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.returned = threading.Event()

        def run() -> None:
            try:
                self.result = call()
            except BaseException as e:  # noqa: BLE001 - handed to the test thread
                self.error = e
            finally:
                self.returned.set()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def assert_blocked(self) -> None:
        """The call has not returned after a short real wait: it is waiting."""
        self.thread.join(SETTLE)
        assert self.thread.is_alive(), f"returned early: {self.result!r} {self.error!r}"

    def finish(self) -> Any:
        self.thread.join(JOIN_TIMEOUT)
        assert not self.thread.is_alive(), "the waiter did not return"
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def queue(broker: pymsg.Broker) -> pymsg.Queue:
    return broker.create_queue("q")


def test_long_poll_returns_as_soon_as_another_thread_sends(queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    start = clock.now()
    waiter = Waiter(lambda: queue.receive(10, wait_time_seconds=20))
    waiter.assert_blocked()
    sent = queue.send("wake up")
    messages = waiter.finish()
    assert [m.message_id for m in messages] == [sent.message_id]
    assert messages[0].body == "wake up"
    assert clock.now() == start  # nobody advanced the clock: the send woke it


def test_long_poll_returns_empty_when_the_clock_passes_the_deadline(
    queue: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    waiter = Waiter(lambda: queue.receive(10, wait_time_seconds=20))
    waiter.assert_blocked()
    clock.advance(21)
    assert waiter.finish() == []


def test_long_poll_keeps_waiting_before_its_deadline(queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    waiter = Waiter(lambda: queue.receive(wait_time_seconds=20))
    waiter.assert_blocked()
    clock.advance(5)
    waiter.assert_blocked()
    clock.advance(14)
    waiter.assert_blocked()
    queue.send("late")
    assert [m.body for m in waiter.finish()] == ["late"]


def test_long_poll_returns_at_its_exact_deadline(queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    waiter = Waiter(lambda: queue.receive(wait_time_seconds=20))
    waiter.assert_blocked()
    clock.advance(20)
    assert waiter.finish() == []


def test_queue_receive_wait_time_applies_when_wait_time_is_none(
    broker: pymsg.Broker, clock: pymsg.ManualClock
) -> None:
    q = broker.create_queue("polling", receive_message_wait_time_seconds=10)
    waiter = Waiter(lambda: q.receive())
    waiter.assert_blocked()
    clock.advance(9)
    waiter.assert_blocked()
    clock.advance(1)
    assert waiter.finish() == []


def test_queue_receive_wait_time_waiter_gets_a_sent_message(broker: pymsg.Broker) -> None:
    q = broker.create_queue("polling", receive_message_wait_time_seconds=20)
    waiter = Waiter(lambda: q.receive(wait_time_seconds=None))
    waiter.assert_blocked()
    q.send("hello")
    assert [m.body for m in waiter.finish()] == ["hello"]


def test_wait_time_zero_never_blocks(broker: pymsg.Broker) -> None:
    q = broker.create_queue("polling", receive_message_wait_time_seconds=20)
    waiter = Waiter(lambda: q.receive(10, wait_time_seconds=0))
    assert waiter.finish() == []  # returned though the clock never moved


def test_default_queue_without_wait_time_never_blocks(queue: pymsg.Queue) -> None:
    waiter = Waiter(lambda: queue.receive(10))
    assert waiter.finish() == []


def test_wait_time_over_20_seconds_is_rejected_without_waiting(queue: pymsg.Queue) -> None:
    waiter = Waiter(lambda: queue.receive(wait_time_seconds=21))
    with pytest.raises(pymsg.InvalidParameterValue):
        waiter.finish()
    queue.send("still works")
    assert [m.body for m in queue.receive()] == ["still works"]


def test_long_poll_releases_the_gil(queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    stop = threading.Event()
    progress = [0]

    def count() -> None:
        while not stop.is_set():
            progress[0] += 1

    waiter = Waiter(lambda: queue.receive(wait_time_seconds=20))
    counter = threading.Thread(target=count, daemon=True)
    counter.start()
    waiter.assert_blocked()
    before = progress[0]
    waiter.assert_blocked()  # while the waiter waits, Python code keeps running
    after = progress[0]
    stop.set()
    counter.join(JOIN_TIMEOUT)
    assert not counter.is_alive()
    assert after > before
    clock.advance(21)
    assert waiter.finish() == []


def test_long_poll_wakes_when_a_visibility_timeout_lapses(queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    sent = queue.send("retry me")
    [first] = queue.receive(visibility_timeout=30)
    waiter = Waiter(lambda: queue.receive(wait_time_seconds=20))
    waiter.assert_blocked()
    clock.advance(15)
    waiter.assert_blocked()
    clock.advance(15)  # 30 s after the receive: visible again, 5 s before the waiter's deadline
    [again] = waiter.finish()
    assert again.message_id == sent.message_id == first.message_id
    assert again.receive_count == 2


def test_long_poll_wakes_when_a_delayed_message_becomes_visible(
    queue: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    sent = queue.send("later", delay_seconds=10)
    waiter = Waiter(lambda: queue.receive(wait_time_seconds=20))
    waiter.assert_blocked()
    clock.advance(9)
    waiter.assert_blocked()
    clock.advance(1)
    [m] = waiter.finish()
    assert m.message_id == sent.message_id


def test_long_poll_on_a_fifo_queue_wakes_when_its_group_unblocks(
    broker: pymsg.Broker,
) -> None:
    q = broker.create_queue("q.fifo", content_based_deduplication=True)
    q.send("a1", group_id="A")
    q.send("a2", group_id="A")
    [a1] = q.receive()
    waiter = Waiter(lambda: q.receive(10, wait_time_seconds=20))
    waiter.assert_blocked()  # a2 is visible but its group is blocked
    a1.delete()
    assert [m.body for m in waiter.finish()] == ["a2"]


def test_every_waiter_gets_a_distinct_message(queue: pymsg.Queue, clock: pymsg.ManualClock) -> None:
    waiters = [Waiter(lambda: queue.receive(wait_time_seconds=20)) for _ in range(3)]
    for w in waiters:
        w.assert_blocked()
    for i in range(3):
        queue.send(f"m{i}")
    got = []
    for w in waiters:
        got.extend(m.body for m in w.finish())
    assert sorted(got) == ["m0", "m1", "m2"]


def test_deleting_the_queue_wakes_the_waiter_with_an_empty_result(
    broker: pymsg.Broker, queue: pymsg.Queue, clock: pymsg.ManualClock
) -> None:
    start = clock.now()
    waiter = Waiter(lambda: queue.receive(10, wait_time_seconds=20))
    waiter.assert_blocked()
    broker.delete_queue(queue)
    # pymsg's behaviour: the waiter returns [] (it does not raise QueueDoesNotExist).
    assert waiter.finish() == []
    assert clock.now() == start
    with pytest.raises(pymsg.QueueDoesNotExist):
        queue.receive()


def test_long_poll_on_a_dlq_wakes_when_a_message_is_moved_there(broker: pymsg.Broker) -> None:
    dlq = broker.create_queue("dead")
    source = broker.create_queue("source", dead_letter_queue=dlq, max_receive_count=1)
    sent = source.send("poison")
    source.receive(visibility_timeout=0)
    waiter = Waiter(lambda: dlq.receive(wait_time_seconds=20))
    waiter.assert_blocked()
    assert source.receive() == []  # over the limit: moved, which wakes the DLQ's waiter
    [dead] = waiter.finish()
    assert dead.message_id == sent.message_id
