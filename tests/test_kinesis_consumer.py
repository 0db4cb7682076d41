"""The KCL-style consumer (pymsg.kinesis_consumer): leases, balancing, checkpoints, failover and
resharding. Rounds are driven with run_once() under the manual clock; one test runs threads."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest

import pymsg
from pymsg.kinesis_consumer import SHARD_END


def put(stream: pymsg.Stream, n: int, *, start: int = 0, keys: int = 10) -> None:
    """Records "0", "1", ... with partition keys k0..k{keys-1} (so every shard gets some)."""
    stream.put_records([(str(i).encode(), f"k{i % keys}") for i in range(start, start + n)])


class Collector:
    """A processor that records (worker, shard, data) in processing order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()

    def processor(self, worker: str):
        def process(records: list, context) -> None:
            with self.lock:
                self.seen.extend((worker, context.shard_id, int(r.data)) for r in records)

        return process

    def values(self) -> list[int]:
        return sorted(v for _, _, v in self.seen)


def rounds(clock: pymsg.ManualClock, *workers, n: int = 3, step: float = 1.0) -> None:
    for _ in range(n):
        for w in workers:
            w.run_once()
        clock.advance(step)


@pytest.fixture
def stream(broker: pymsg.Broker) -> pymsg.Stream:
    return broker.create_stream("events", 4, enforce_limits=False)


def test_one_worker_reads_every_record_once_in_shard_order(clock, stream) -> None:
    put(stream, 200)
    c = Collector()
    worker = stream.consumer("app", "w1", c.processor("w1"))
    rounds(clock, worker)
    assert c.values() == list(range(200))
    per_shard = defaultdict(list)
    for _, shard, value in c.seen:
        per_shard[shard].append(value)
    assert all(v == sorted(v) for v in per_shard.values())  # put order is shard order here
    checkpoints = stream.checkpoints("app")
    assert len(checkpoints) == 4 and all(cp is not None for cp in checkpoints.values())


def test_checkpoint_is_the_last_processed_sequence_number(clock, broker) -> None:
    stream = broker.create_stream("one", 1, enforce_limits=False)
    put(stream, 5)
    worker = stream.consumer("app", "w1", lambda records, ctx: None)
    worker.run_once()
    page = stream.get_records(stream.get_shard_iterator("shardId-000000000000", "TRIM_HORIZON"))
    assert stream.checkpoints("app") == {"shardId-000000000000": page.records[-1].sequence_number}


def test_two_workers_share_the_shards(clock, stream) -> None:
    c = Collector()
    w1 = stream.consumer("app", "w1", c.processor("w1"))
    w2 = stream.consumer("app", "w2", c.processor("w2"))
    rounds(clock, w1, w2)
    assert len(w1.owned_shards()) == 2 and len(w2.owned_shards()) == 2
    assert set(w1.owned_shards()).isdisjoint(w2.owned_shards())
    put(stream, 400)
    rounds(clock, w1, w2)
    assert c.values() == list(range(400))
    assert {w for w, _, _ in c.seen} == {"w1", "w2"}


def test_a_joining_worker_takes_its_share_from_a_busy_one(clock, stream) -> None:
    w1 = stream.consumer("app", "w1", lambda r, c: None)
    rounds(clock, w1, n=1)
    assert len(w1.owned_shards()) == 4
    w2 = stream.consumer("app", "w2", lambda r, c: None)
    rounds(clock, w2, w1, n=3)  # one steal per round until balanced
    assert len(w1.owned_shards()) == 2 and len(w2.owned_shards()) == 2


def test_applications_are_independent(clock, stream) -> None:
    put(stream, 50)
    a, b = Collector(), Collector()
    rounds(clock, stream.consumer("app-a", "w", a.processor("w")), stream.consumer("app-b", "w", b.processor("w")))
    assert a.values() == b.values() == list(range(50))


def test_a_restarted_worker_resumes_after_its_checkpoint(clock, stream) -> None:
    c = Collector()
    w1 = stream.consumer("app", "w1", c.processor("w1"))
    put(stream, 100)
    rounds(clock, w1)
    w1.stop()  # hands every lease back
    assert w1.owned_shards() == []
    put(stream, 50, start=100)
    w1b = stream.consumer("app", "w1", c.processor("w1b"))
    rounds(clock, w1b)
    assert c.values() == list(range(150))  # nothing twice
    assert sorted(v for w, _, v in c.seen if w == "w1b") == list(range(100, 150))


def test_a_dead_workers_leases_move_after_they_expire(clock, stream) -> None:
    c = Collector()
    w1 = stream.consumer("app", "w1", c.processor("w1"), lease_duration=10)
    w2 = stream.consumer("app", "w2", c.processor("w2"), lease_duration=10)
    put(stream, 100)
    rounds(clock, w1, w2, n=2)
    dead = w1.owned_shards()
    assert len(dead) == 2
    put(stream, 100, start=100)  # w1 dies: it never runs again, nor stops
    w2.run_once()
    assert not set(dead) & set(w2.owned_shards())  # its leases are still valid
    clock.advance(11)
    rounds(clock, w2, n=3)
    assert set(w2.owned_shards()) == {s.shard_id for s in stream.list_shards()}
    assert c.values() == list(range(200))


def test_without_checkpoints_a_new_owner_processes_again(clock, broker) -> None:
    stream = broker.create_stream("one", 1, enforce_limits=False)
    c = Collector()
    w1 = stream.consumer("app", "w1", c.processor("w1"), auto_checkpoint=False, lease_duration=5)
    put(stream, 10)
    w1.run_once()
    assert stream.checkpoints("app") == {"shardId-000000000000": None}
    clock.advance(6)  # w1 dies before checkpointing
    w2 = stream.consumer("app", "w2", c.processor("w2"))
    w2.run_once()
    assert [v for w, _, v in c.seen if w == "w2"] == list(range(10))  # at least once, as the KCL


def test_a_processor_checkpoints_where_it_wants(clock, broker) -> None:
    stream = broker.create_stream("one", 1, enforce_limits=False)
    put(stream, 10)

    def process(records, context) -> None:
        assert context.checkpoint(records[4].sequence_number)

    worker = stream.consumer("app", "w1", process, auto_checkpoint=False)
    worker.run_once()
    page = stream.get_records(stream.get_shard_iterator("shardId-000000000000", "TRIM_HORIZON"))
    assert stream.checkpoints("app")["shardId-000000000000"] == page.records[4].sequence_number


def test_a_failing_processor_is_retried_from_the_checkpoint(clock, broker) -> None:
    stream = broker.create_stream("one", 1, enforce_limits=False)
    put(stream, 5)
    calls = []

    def process(records, context) -> None:
        calls.append([int(r.data) for r in records])
        if len(calls) == 1:
            raise RuntimeError("database down")

    worker = stream.consumer("app", "w1", process)
    worker.run_once()
    assert stream.checkpoints("app") == {"shardId-000000000000": None}
    assert [(shard, str(e)) for shard, e in worker.errors] == [("shardId-000000000000", "database down")]
    worker.run_once()
    assert calls == [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]
    assert stream.checkpoints("app")["shardId-000000000000"] is not None


def test_a_worker_that_lost_its_lease_cannot_checkpoint(clock, broker) -> None:
    stream = broker.create_stream("one", 1, enforce_limits=False)
    put(stream, 3)
    contexts = []
    w1 = stream.consumer("app", "w1", lambda records, ctx: contexts.append(ctx), auto_checkpoint=False,
                         lease_duration=5)
    w1.run_once()
    clock.advance(6)
    w2 = stream.consumer("app", "w2", lambda records, ctx: None)
    w2.run_once()  # takes the expired lease and checkpoints
    theirs = stream.checkpoints("app")["shardId-000000000000"]
    assert contexts[0].checkpoint() is False
    assert stream.checkpoints("app")["shardId-000000000000"] == theirs


def test_after_a_split_parents_finish_before_children(clock, broker) -> None:
    stream = broker.create_stream("one", 1, enforce_limits=False)
    order: list[int] = []
    worker = stream.consumer("app", "w1", lambda records, ctx: order.extend(int(r.data) for r in records),
                             batch_size=7)
    stream.put_records([(str(i).encode(), "same-key") for i in range(20)])
    worker.run_once()  # 7 of the parent's 20
    stream.split_shard("shardId-000000000000", str(2**127))
    stream.put_records([(str(i).encode(), "same-key") for i in range(20, 40)])
    rounds(clock, worker, n=8)
    assert order == list(range(40))  # one key, one order, across the reshard
    checkpoints = stream.checkpoints("app")
    assert checkpoints["shardId-000000000000"] == SHARD_END
    assert set(checkpoints) == {"shardId-000000000000", "shardId-000000000001", "shardId-000000000002"}


def test_after_a_merge_the_child_waits_for_both_parents(clock, broker) -> None:
    stream = broker.create_stream("two", 2, enforce_limits=False)
    c = Collector()
    w1 = stream.consumer("app", "w1", c.processor("w1"), batch_size=5)
    put(stream, 40)
    stream.merge_shards("shardId-000000000000", "shardId-000000000001")
    put(stream, 40, start=40)
    rounds(clock, w1, n=12)
    assert c.values() == list(range(80))
    shards = [shard for _, shard, _ in c.seen]
    last_parent = max(i for i, shard in enumerate(shards) if shard != "shardId-000000000002")
    first_child = shards.index("shardId-000000000002")
    assert first_child > last_parent  # both parents drained first
    checkpoints = stream.checkpoints("app")
    assert checkpoints["shardId-000000000000"] == checkpoints["shardId-000000000001"] == SHARD_END


def test_latest_skips_what_was_there(clock, stream) -> None:
    put(stream, 30)
    c = Collector()
    worker = stream.consumer("app", "w1", c.processor("w1"), initial_position="LATEST")
    worker.run_once()
    put(stream, 10, start=30)
    rounds(clock, worker)
    assert c.values() == list(range(30, 40))


def test_throttled_reads_wait_for_the_next_round(clock, broker) -> None:
    stream = broker.create_stream("limited", 1)  # 5 reads a second per shard
    put(stream, 10)
    c = Collector()
    workers = [stream.consumer(f"app{i}", "w", c.processor(f"w{i}")) for i in range(7)]
    for w in workers:
        w.run_once()
    assert len({w for w, _, _ in c.seen}) == 5  # the 6th and 7th were throttled, without raising
    clock.advance(1)
    for w in workers[5:]:
        w.run_once()
    assert len({w for w, _, _ in c.seen}) == 7


def test_bad_settings_raise_invalid_argument(stream) -> None:
    with pytest.raises(pymsg.InvalidArgumentException, match="initial_position"):
        stream.consumer("app", "w", lambda r, c: None, initial_position="AT_TIMESTAMP")
    with pytest.raises(pymsg.InvalidArgumentException, match="lease_duration"):
        stream.consumer("app", "w", lambda r, c: None, lease_duration=0)
    with pytest.raises(pymsg.InvalidArgumentException, match="application_name"):
        stream.consumer("", "w", lambda r, c: None)
    assert stream.checkpoints("app") == {}


def test_threaded_workers_process_everything_once() -> None:
    """Real threads and the system clock: two started workers drain four shards."""
    broker = pymsg.Broker()
    stream = broker.create_stream("live", 4, enforce_limits=False)
    c = Collector()
    done = threading.Event()

    def processor(worker):
        inner = c.processor(worker)

        def process(records, context) -> None:
            inner(records, context)
            if len(c.seen) >= 500:
                done.set()

        return process

    workers = [stream.consumer("app", f"w{i}", processor(f"w{i}"), lease_duration=30).start(poll_interval=0.01)
               for i in range(2)]
    try:
        put(stream, 500)
        assert done.wait(timeout=30)
    finally:
        for w in workers:
            w.stop()
    assert c.values() == list(range(500))
