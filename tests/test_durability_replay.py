"""Replay is exact: a broker recovered from its data directory behaves as the one that wrote it.

Receipt handles name a message by its slot, sequence number and receive count, and the log
records a delete by its handle, so a replay that assigns one slot differently, or returns two
messages from flight in another order, deletes nothing from then on while the writer deleted
everything (in-flight messages then pile up on every restart). These tests drive a queue
through random traffic, "crash" it at random points (a checkpoint or not in between), recover a
copy, then run the same calls on both and require the same answers, handle for handle."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

import pymsg

START = 1_700_000_000.0


def _answers(queue: pymsg.Queue, rng: random.Random, clock: pymsg.ManualClock, held: list[str],
             steps: int, broker: pymsg.Broker | None = None) -> list[object]:
    """Random sends, receives (some of batches), deletes (some stale), visibility changes and time
    passing; what each call answered. ``broker`` also takes checkpoints along the way."""
    out: list[object] = []
    for step in range(steps):
        op = rng.random()
        if op < 0.35:
            body = f"m{step}-{rng.random():.6f}"
            if queue.fifo:  # a few groups, and now and then a duplicate of an earlier send
                queue.send(body, group_id=rng.choice("abc"), deduplication_id=str(rng.randrange(step + 1)))
            else:
                queue.send(body, delay_seconds=rng.choice([0, 0, 0, 1, 5]))
        elif op < 0.6:
            got = queue.receive(rng.choice([1, 2, 3, 10]), visibility_timeout=rng.choice([1, 2, 5, 30]))
            out.append([(m.body, m.receipt_handle, m.receive_count) for m in got])
            held.extend(m.receipt_handle for m in got)
        elif op < 0.8 and held:
            handle = held.pop(rng.randrange(len(held)))
            try:
                queue.delete(handle)
                out.append(("deleted", handle))
            except pymsg.errors.InvalidParameterValue:  # FIFO: the handle's visibility ran out
                out.append(("expired", handle))
        elif op < 0.85 and held:
            handle = held[rng.randrange(len(held))]
            try:
                queue.change_visibility(handle, rng.choice([0, 1, 3]))
                out.append(("changed", handle))
            except (pymsg.errors.MessageNotInflight, pymsg.errors.InvalidParameterValue) as exc:
                out.append((type(exc).__name__, handle))
        elif op < 0.87 and broker is not None:
            broker.checkpoint()
        else:
            clock.advance(rng.choice([0.5, 1, 2, 3]))
        out.append(queue.attributes()["ApproximateNumberOfMessagesNotVisible"])
    return out


def _make(broker: pymsg.Broker, kind: str) -> pymsg.Queue:
    if kind == "fifo":
        return broker.create_queue("q.fifo", visibility_timeout=2)
    if kind == "redrive":  # every third receive of a message moves it to the dead-letter queue
        dead = broker.create_queue("dead")
        return broker.create_queue("q", dead_letter_queue=dead, max_receive_count=3)
    return broker.create_queue("q")


@pytest.mark.parametrize("kind", ["standard", "fifo", "redrive"])
@pytest.mark.parametrize("seed", range(8))
def test_a_recovered_copy_answers_every_later_call_as_the_original(tmp_path: Path, seed: int, kind: str) -> None:
    rng = random.Random(seed)
    data, copy = tmp_path / "data", tmp_path / "copy"
    data.mkdir()
    clock = pymsg.ManualClock(START)
    broker = pymsg.Broker(clock=clock, data_dir=data, fsync="no", auto_checkpoint_bytes=0)
    queue = _make(broker, kind)
    held: list[str] = []
    _answers(queue, rng, clock, held, 400, broker)
    broker._durability.flush()
    shutil.copytree(data, copy)

    recovered_clock = pymsg.ManualClock(clock.now())
    recovered = pymsg.Broker(clock=recovered_clock, data_dir=copy, auto_checkpoint_bytes=0)
    later = rng.getstate()
    expected = _answers(queue, rng, clock, list(held), 400)
    rng.setstate(later)
    assert _answers(recovered.get_queue(queue.name), rng, recovered_clock, list(held), 400) == expected
    if kind == "redrive":
        assert recovered.get_queue("dead").attributes() == broker.get_queue("dead").attributes()
    broker.close()
    recovered.close()
