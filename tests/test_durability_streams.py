"""Kinesis streams in a data directory: every record, the shard lineage, sequence numbers and
the stream's settings come back after a crash, and a recovered copy answers later calls exactly
as the stream that wrote the log (the same shard ids, sequence numbers and iterators).

A "crash" closes the log without a checkpoint (what a killed process leaves after its last
sync); the real kills are in test_durability_crash.py."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from durability_copies import assert_answers_alike, open_writer, recover_copy

import pymsg
from pymsg import errors

START = 1_700_000_000.0


def open_broker(path: Path, now: float = START, **options: object) -> tuple[pymsg.Broker, pymsg.ManualClock]:
    clock = pymsg.ManualClock(now)
    return pymsg.Broker(clock=clock, data_dir=path, auto_checkpoint_bytes=0, **options), clock


def crash(broker: pymsg.Broker) -> None:
    broker._durability.log.close()


def everything(stream: pymsg.Stream) -> dict[str, object]:
    """What a reader can see of a stream: its summary, shards and every retained record."""
    records = {}
    for shard in stream.list_shards():
        iterator = stream.get_shard_iterator(shard.shard_id, "TRIM_HORIZON")
        got = stream.get_records(iterator, limit=10_000)
        records[shard.shard_id] = [(r.sequence_number, r.data, r.partition_key, r.approximate_arrival_timestamp)
                                   for r in got.records]
    summary = stream.describe_summary()
    summary.pop("OpenShardCount", None)
    return {"summary": summary, "shards": stream.list_shards(), "records": records, "tags": stream.list_tags(),
            "consumers": stream.list_stream_consumers()}


@pytest.mark.parametrize("checkpoint_midway", [False, True])
def test_records_reshards_and_settings_are_kept_through_the_log(tmp_path: Path, checkpoint_midway: bool) -> None:
    broker, clock = open_broker(tmp_path, fsync="always")
    stream = broker.create_stream("events", 2, tags={"team": "a"})
    for i in range(50):
        stream.put_record(f"first {i}".encode(), f"key{i}")
    clock.advance(2)
    if checkpoint_midway:
        broker.checkpoint()
    stream.put_records([(f"batch {i}".encode(), f"k{i}") for i in range(30)])
    shard0 = stream.list_shards()[0]
    stream.split_shard(shard0.shard_id, int(shard0.hash_key_range[0]) + 2**60)
    clock.advance(1)
    for i in range(20):
        stream.put_record(f"after split {i}".encode(), f"key{i}")
    open_shards = sorted((s for s in stream.list_shards() if s.sequence_number_range[1] is None),
                         key=lambda s: int(s.hash_key_range[0]))
    stream.merge_shards(open_shards[0].shard_id, open_shards[1].shard_id)
    clock.advance(1)
    stream.update_shard_count(4)
    stream.put_record(b"explicit", "p", explicit_hash_key=str(2**127))
    stream.increase_retention_period(48)
    stream.add_tags({"env": "test"})
    stream.remove_tags(["team"])
    stream.register_stream_consumer("fan")
    stream.start_encryption("KMS", "alias/aws/kinesis")
    stream.update_mode("ON_DEMAND")
    gone = broker.create_stream("gone")
    gone.put_record(b"x", "k")
    broker.delete_stream("gone")
    before = everything(stream)
    iterator = stream.get_shard_iterator(stream.list_shards()[-1].shard_id, "TRIM_HORIZON")
    crash(broker)

    broker, clock = open_broker(tmp_path, START + 4)
    assert [s.name for s in broker.list_streams()] == ["events"]
    stream = broker.get_stream("events")
    assert everything(stream) == before
    assert stream.retention_period_hours == 48 and stream.mode == "ON_DEMAND"
    assert stream.describe_summary()["EncryptionType"] == "KMS"
    assert stream.get_records(iterator).records is not None  # an iterator issued before the crash still reads
    broker.close()


def test_a_recreated_stream_is_the_new_one(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path)
    broker.create_stream("s", 1).put_record(b"old", "k")
    broker.delete_stream("s")
    broker.create_stream("s", 3).put_record(b"new", "k")
    crash(broker)
    broker, _ = open_broker(tmp_path)
    stream = broker.get_stream("s")
    assert len(stream.list_shards()) == 3
    assert sorted(data for shard in everything(stream)["records"].values() for _, data, _, _ in shard) == [b"new"]
    broker.close()


def test_retention_trims_the_same_records_after_a_restart(tmp_path: Path) -> None:
    broker, clock = open_broker(tmp_path)
    stream = broker.create_stream("s", 1)
    stream.put_record(b"old", "k")
    clock.advance(20 * 3600)
    stream.put_record(b"new", "k")
    crash(broker)
    broker, clock = open_broker(tmp_path, START + 25 * 3600)
    stream = broker.get_stream("s")
    assert [data for _, data, _, _ in everything(stream)["records"]["shardId-000000000000"]] == [b"new"]
    broker.close()


def _traffic(stream: pymsg.Stream, rng: random.Random, clock: pymsg.ManualClock, steps: int,
             broker: pymsg.Broker | None = None) -> list[object]:
    """Random puts (single and batched), reads, reshards and time passing; what each call answered."""
    out: list[object] = []
    for step in range(steps):
        op = rng.random()
        try:
            if op < 0.4:
                r = stream.put_record(f"r{step}".encode(), f"key{rng.randrange(50)}")
                out.append((r.shard_id, r.sequence_number))
            elif op < 0.55:
                got = stream.put_records([(f"b{step}-{i}".encode(), f"key{rng.randrange(50)}") for i in range(5)])
                out.append([(e.shard_id, e.sequence_number) for e in got.records])
            elif op < 0.7:
                shard = rng.choice(stream.list_shards()).shard_id
                it = stream.get_shard_iterator(shard, rng.choice(["TRIM_HORIZON", "LATEST"]))
                out.append([r.sequence_number for r in stream.get_records(it, limit=20).records])
            elif op < 0.75:
                shard = rng.choice([s for s in stream.list_shards() if s.sequence_number_range[1] is None])
                low, high = (int(x) for x in shard.hash_key_range)
                if high - low > 4:
                    stream.split_shard(shard.shard_id, low + (high - low) // 2)
                out.append(len(stream.list_shards()))
            elif op < 0.78:
                open_shards = sorted((s for s in stream.list_shards() if s.sequence_number_range[1] is None),
                                     key=lambda s: int(s.hash_key_range[0]))
                if len(open_shards) > 1:
                    stream.merge_shards(open_shards[0].shard_id, open_shards[1].shard_id)
                out.append(len(stream.list_shards()))
            elif op < 0.8 and broker is not None:
                broker.checkpoint()
            else:
                clock.advance(rng.choice([0.5, 1, 2]))
        except errors.PymsgError as exc:  # a throttle, say: the same on both
            out.append(type(exc).__name__)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_a_recovered_copy_answers_every_later_call_as_the_original(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    broker, clock, data, copy = open_writer(tmp_path)
    stream = broker.create_stream("s", rng.choice([1, 2, 3]), enforce_limits=False)
    _traffic(stream, rng, clock, 300, broker)
    recovered, recovered_clock = recover_copy(broker, clock, data, copy)
    assert everything(recovered.get_stream("s")) == everything(stream)
    assert_answers_alike(_traffic, stream, recovered.get_stream("s"), rng, clock, recovered_clock, 300)
    broker.close()
    recovered.close()


def test_a_stream_record_that_does_not_fit_refuses_to_start(tmp_path: Path) -> None:
    broker, _ = open_broker(tmp_path)
    stream = broker.create_stream("s", 1)
    stream.put_record(b"a", "k")
    # A put logged for a shard the stream does not have: a checksum that holds over wrong contents.
    journal_id = stream._core.journal_id
    payload = (journal_id.to_bytes(8, "little") + int(START * 1e6).to_bytes(8, "little") + (7).to_bytes(4, "little")
               + (1).to_bytes(8, "little") + (1).to_bytes(4, "little") + b"x" + (1).to_bytes(4, "little") + b"k")
    broker._durability.journal.append(22, payload)
    crash(broker)
    with pytest.raises(errors.CorruptLog, match="shard 7"):
        open_broker(tmp_path)


@pytest.mark.parametrize("checkpoint_midway", [False, True])
def test_kcl_leases_and_checkpoints_are_kept_and_a_new_worker_resumes_after_them(
        tmp_path: Path, checkpoint_midway: bool) -> None:
    broker, clock = open_broker(tmp_path, fsync="always")
    stream = broker.create_stream("events", 2)
    for i in range(40):
        stream.put_record(str(i).encode(), f"key{i}")
    seen: list[bytes] = []
    worker = stream.consumer("app", "w1", lambda records, context: seen.extend(r.data for r in records))
    worker.run_once()
    assert sorted(seen) == sorted(str(i).encode() for i in range(40))
    if checkpoint_midway:
        broker.checkpoint()
    for i in range(40, 50):
        stream.put_record(str(i).encode(), f"key{i}")
    worker.run_once()
    checkpoints = stream.checkpoints("app")
    assert all(checkpoints.values()) and len(checkpoints) == 2
    for i in range(50, 55):  # put, never processed
        stream.put_record(str(i).encode(), f"key{i}")
    crash(broker)

    broker, clock = open_broker(tmp_path, START + 100)  # w1's leases have expired meanwhile
    stream = broker.get_stream("events")
    assert stream.checkpoints("app") == checkpoints
    later: list[bytes] = []
    fresh = stream.consumer("app", "w2", lambda records, context: later.extend(r.data for r in records))
    fresh.run_once()
    assert sorted(later) == sorted(str(i).encode() for i in range(50, 55))  # nothing processed twice
    broker.close()
