"""Caches in a data directory: every entry with its TTL comes back after a crash (as Redis's AOF
keeps them), evictions included, and a recovered copy answers later calls as the original.

A "crash" closes the log without a checkpoint (what a killed process leaves after its last
sync); the real kills are in test_durability_crash.py."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from durability_copies import assert_answers_alike, open_writer, recover_copy

import pymsg
from pymsg import errors, state

START = 1_700_000_000.0
KEYS = [f"k{i}" for i in range(60)]


def open_broker(path: Path, now: float = START, **options: object) -> tuple[pymsg.Broker, pymsg.ManualClock]:
    clock = pymsg.ManualClock(now)
    return pymsg.Broker(clock=clock, data_dir=path, auto_checkpoint_bytes=0, **options), clock


def crash(broker: pymsg.Broker) -> None:
    broker._durability.log.close()


def contents(cache: pymsg.Cache, keys: list[str] = KEYS) -> dict[str, object]:
    """Each key's value and TTL (read without touching recency or stats), and the count. Not
    used_memory: its table part follows the table's capacity, which a restored cache sizes for
    what it holds rather than for the most it once held."""
    out: dict[str, object] = {key: (cache._core.peek(key.encode()), _ttl(cache, key)) for key in keys}
    out["size"] = len(cache)
    return out


def _ttl(cache: pymsg.Cache, key: str) -> object:
    try:
        return cache.ttl(key)
    except KeyError:
        return "missing"


@pytest.mark.parametrize("checkpoint_midway", [False, True])
def test_entries_ttls_and_every_kind_of_write_are_kept(tmp_path: Path, checkpoint_midway: bool) -> None:
    broker, clock = open_broker(tmp_path, fsync="always")
    cache = broker.create_cache("sessions", default_ttl=300)
    for i in range(40):
        cache.set(KEYS[i], f"value {i}".encode(), ttl=None if i % 3 else 60)
    if checkpoint_midway:
        broker.checkpoint()
    cache.delete(KEYS[0])
    cache.expire(KEYS[1], 5)
    cache.expire(KEYS[2], 0)  # a non-positive time deletes, as Redis's EXPIRE
    cache.persist(KEYS[4])
    cache.set(KEYS[5], b"only if absent", nx=True)  # refused: nothing to log
    cache.set(KEYS[50], b"only if present", xx=True)  # refused too
    cache.incr(KEYS[51], 7)
    cache.incr(KEYS[51], -2)
    cache.set(KEYS[52], b"41")
    cache.expire(KEYS[52], 100)
    cache.incr(KEYS[52])  # INCR keeps the TTL
    cache.mset({KEYS[53]: b"a", KEYS[54]: b"b"}, ttl=30)
    clock.advance(3)
    before = contents(cache)
    crash(broker)

    broker, clock = open_broker(tmp_path, START + 3)
    cache = broker.get_cache("sessions")
    assert contents(cache) == before
    assert cache.get(KEYS[51]) == b"5" and cache.get(KEYS[52]) == b"42"
    clock.advance(3)  # past KEYS[1]'s new 5 s TTL
    assert cache.get(KEYS[1]) is None and cache.get(KEYS[4]) is not None
    broker.close()


def test_a_flush_an_eviction_and_a_deleted_cache_are_kept(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path)
    flushed = broker.create_cache("flushed", shards=4)
    flushed.mset({key: b"x" for key in KEYS[:20]})
    flushed.clear()
    flushed.set("after", b"y")
    small = broker.create_cache("small", max_items=5, eviction_policy="allkeys-lru")
    for key in KEYS[:12]:
        small.set(key, key.encode())
    small.get(KEYS[7])  # a use: KEYS[8] goes before it
    small.set("late", b"z")
    broker.create_cache("gone").set("k", b"v")
    broker.delete_cache("gone")
    expected_small = contents(small, KEYS + ["late"])
    expected_flushed = contents(flushed, KEYS + ["after"])
    crash(broker)

    broker, _ = open_broker(tmp_path)
    assert sorted(broker._core.list_caches()) == ["flushed", "small"]
    assert contents(broker.get_cache("flushed"), KEYS + ["after"]) == expected_flushed
    assert broker.get_cache("flushed").get("after") == b"y" and len(broker.get_cache("flushed")) == 1
    assert contents(broker.get_cache("small"), KEYS + ["late"]) == expected_small
    assert len(broker.get_cache("small")) == 5
    broker.close()


def test_a_msgpack_cache_comes_back_as_one(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path)
    broker.create_cache("objects", codec="msgpack").set("k", {"a": [1, 2]})
    crash(broker)
    broker, _ = open_broker(tmp_path)
    assert broker.get_cache("objects").get("k") == {"a": [1, 2]}
    broker.checkpoint()  # and through a snapshot
    crash(broker)
    broker, _ = open_broker(tmp_path)
    assert broker.get_cache("objects").codec == "msgpack" and broker.get_cache("objects").get("k") == {"a": [1, 2]}
    broker.close()


def test_a_cache_restored_from_a_state_file_keeps_its_entries(tmp_path: Path) -> None:
    clock = pymsg.ManualClock(START)
    broker = pymsg.Broker(clock=clock)
    cache = broker.create_cache("c", max_memory=1 << 20, eviction_policy="volatile-ttl", shards=2)
    cache.set("a", b"1", ttl=10)
    cache.set("b", b"2")
    path = tmp_path / "state.pymsg"
    state.save(broker, str(path))
    again = pymsg.Broker(clock=clock)
    state.load(again, str(path))
    restored = again.get_cache("c")
    assert contents(restored, ["a", "b"]) == contents(cache, ["a", "b"])
    assert restored.eviction_policy == "volatile-ttl" and restored._core.max_memory == 1 << 20


def _traffic(cache: pymsg.Cache, rng: random.Random, clock: pymsg.ManualClock, steps: int,
             broker: pymsg.Broker | None = None) -> list[object]:
    """Random writes, reads, TTL changes, flushes and time passing; what each call answered."""
    out: list[object] = []
    for step in range(steps):
        key = rng.choice(KEYS[:30])
        op = rng.random()
        try:
            if op < 0.3:
                out.append(cache.set(key, f"v{step}".encode(), ttl=rng.choice([None, 1, 5, 30]),
                                     nx=rng.random() < 0.2))
            elif op < 0.5:
                out.append(cache.get(key))
            elif op < 0.58:
                out.append(cache.delete(key))
            elif op < 0.66:
                out.append(cache.incr(key, rng.randrange(-3, 4)))
            elif op < 0.72:
                out.append(cache.expire(key, rng.choice([-1, 1, 4, 20])))
            elif op < 0.76:
                out.append(cache.persist(key))
            elif op < 0.8:
                cache.mset({k: f"m{step}".encode() for k in rng.sample(KEYS[:30], 3)}, ttl=rng.choice([None, 3]))
            elif op < 0.81:
                cache.clear()
            elif op < 0.83 and broker is not None:
                broker.checkpoint()
            else:
                clock.advance(rng.choice([0.5, 1, 2]))
            out.append(_ttl(cache, key))
        except errors.PymsgError as exc:  # INCR of a value that is not a number, say: the same on both
            out.append(type(exc).__name__)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_a_recovered_copy_answers_every_later_call_as_the_original(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    broker, clock, data, copy = open_writer(tmp_path)
    cache = broker.create_cache("c", shards=rng.choice([1, 4, 16]))
    _traffic(cache, rng, clock, 400, broker)
    recovered, recovered_clock = recover_copy(broker, clock, data, copy)
    assert contents(recovered.get_cache("c")) == contents(cache)
    assert_answers_alike(_traffic, cache, recovered.get_cache("c"), rng, clock, recovered_clock, 400)
    broker.close()
    recovered.close()


def test_a_damaged_cache_record_refuses_to_start(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path)
    cache = broker.create_cache("c")
    cache.set("k", b"v")
    journal_id = cache._core.journal_id
    # A flush of shard 99 of a 16-shard cache: a checksum that holds over contents that do not.
    payload = journal_id.to_bytes(8, "little") + int(START * 1e6).to_bytes(8, "little") + (99).to_bytes(4, "little")
    broker._durability.journal.append(35, payload)
    crash(broker)
    with pytest.raises(errors.CorruptLog, match="shard 99"):
        open_broker(tmp_path)
