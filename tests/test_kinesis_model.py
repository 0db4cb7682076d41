"""A stateful property test: a Kinesis stream against a small pure-Python model.

Hypothesis drives random sequences of put_record (by partition key or explicit hash key),
put_records, split_shard, merge_shards and reads from every kind of iterator on a ManualClock.
The model keeps each shard's hash-key range, its parents and its records, and checks:
  - a record goes to the one open shard whose range holds the MD5 of its partition key (or its
    explicit hash key), with a sequence number above every earlier one of that shard;
  - a split closes the shard and opens [start, key-1] and [key, end] with it as parent; a merge
    closes two adjacent shards and opens their union with both as parents;
  - TRIM_HORIZON reads a shard's records in order; AT_ and AFTER_SEQUENCE_NUMBER start at or
    after a given record; LATEST reads only what is put after it; the end of a closed shard
    has no next iterator and names its children;
  - the open shards' ranges always cover the whole key space, without overlap.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import pymsg

START = 1_700_000_000.0
TOP = 2 ** 128 - 1
KEYS = [f"key-{i}" for i in range(12)]


@dataclass
class ModelShard:
    start: int
    end: int
    parents: list[str]
    records: list[tuple[int, bytes, str]] = field(default_factory=list)  # (sequence number, data, key)
    open: bool = True
    children: list[str] = field(default_factory=list)


class KinesisModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = pymsg.ManualClock(START)
        self.stream = pymsg.Broker(self.clock).create_stream("model", 2, enforce_limits=False)
        self.shards: dict[str, ModelShard] = {}
        for shard in self.stream.list_shards():
            self.shards[shard.shard_id] = ModelShard(int(shard.hash_key_range.starting_hash_key),
                                                     int(shard.hash_key_range.ending_hash_key), [])
        self.puts = 0

    def open_ids(self) -> list[str]:
        return sorted(i for i, s in self.shards.items() if s.open)

    def owner(self, hash_key: int) -> str:
        [owner] = [i for i in self.open_ids() if self.shards[i].start <= hash_key <= self.shards[i].end]
        return owner

    def record(self, shard_id: str, sequence: str, data: bytes, key: str, hash_key: int) -> None:
        assert shard_id == self.owner(hash_key), f"{key} ({hash_key}) went to {shard_id}"
        records = self.shards[shard_id].records
        assert not records or int(sequence) > records[-1][0], "sequence numbers rise within a shard"
        records.append((int(sequence), data, key))

    def new_shards(self, known: set[str]) -> list[pymsg.Shard]:
        return sorted((s for s in self.stream.list_shards() if s.shard_id not in known), key=lambda s: s.shard_id)

    # --- rules ----------------------------------------------------------------------------

    @rule(key=st.sampled_from(KEYS), explicit=st.one_of(st.none(), st.integers(0, TOP)))
    def put_record(self, key: str, explicit: Optional[int]) -> None:
        data = f"r{self.puts}".encode()
        self.puts += 1
        result = self.stream.put_record(data, key, explicit_hash_key=None if explicit is None else str(explicit))
        hash_key = int(hashlib.md5(key.encode()).hexdigest(), 16) if explicit is None else explicit
        self.record(result.shard_id, result.sequence_number, data, key, hash_key)

    @rule(keys=st.lists(st.sampled_from(KEYS), min_size=1, max_size=8))
    def put_records(self, keys: list[str]) -> None:
        entries = []
        for key in keys:
            entries.append({"data": f"r{self.puts}".encode(), "partition_key": key})
            self.puts += 1
        result = self.stream.put_records(entries)
        assert result.failed_record_count == 0
        for entry, answer in zip(entries, result.records):
            hash_key = int(hashlib.md5(entry["partition_key"].encode()).hexdigest(), 16)
            self.record(answer.shard_id, answer.sequence_number, entry["data"], entry["partition_key"], hash_key)

    @precondition(lambda self: len(self.open_ids()) < 6)
    @rule(data=st.data(), fraction=st.floats(0.01, 0.99))
    def split(self, data: st.DataObject, fraction: float) -> None:
        candidates = [i for i in self.open_ids() if self.shards[i].end - self.shards[i].start > 4]
        shard_id = data.draw(st.sampled_from(candidates))
        parent = self.shards[shard_id]
        key = parent.start + 2 + int((parent.end - parent.start - 3) * fraction)
        self.stream.split_shard(shard_id, str(key))
        low, high = self.new_shards(set(self.shards))
        assert (low.parent_shard_id, high.parent_shard_id) == (shard_id, shard_id)
        assert (int(low.hash_key_range.starting_hash_key), int(low.hash_key_range.ending_hash_key)) == \
               (parent.start, key - 1)
        assert (int(high.hash_key_range.starting_hash_key), int(high.hash_key_range.ending_hash_key)) == \
               (key, parent.end)
        parent.open = False
        parent.children = [low.shard_id, high.shard_id]
        self.shards[low.shard_id] = ModelShard(parent.start, key - 1, [shard_id])
        self.shards[high.shard_id] = ModelShard(key, parent.end, [shard_id])

    @precondition(lambda self: len(self.open_ids()) > 1)
    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        ordered = sorted(self.open_ids(), key=lambda i: self.shards[i].start)
        at = data.draw(st.integers(0, len(ordered) - 2))
        first, second = ordered[at], ordered[at + 1]
        self.stream.merge_shards(first, second)
        [child] = self.new_shards(set(self.shards))
        assert (child.parent_shard_id, child.adjacent_parent_shard_id) == (first, second)
        start, end = self.shards[first].start, self.shards[second].end
        assert (int(child.hash_key_range.starting_hash_key), int(child.hash_key_range.ending_hash_key)) == (start, end)
        for parent in (first, second):
            self.shards[parent].open = False
            self.shards[parent].children = [child.shard_id]
        self.shards[child.shard_id] = ModelShard(start, end, [first, second])

    def read_all(self, iterator: str) -> tuple[list[tuple[int, bytes, str]], pymsg.GetRecordsResult]:
        out: list[tuple[int, bytes, str]] = []
        while True:
            result = self.stream.get_records(iterator, limit=7)
            out.extend((int(r.sequence_number), r.data, r.partition_key) for r in result.records)
            if result.next_shard_iterator is None or not result.records:
                return out, result
            iterator = result.next_shard_iterator

    @rule(data=st.data(), kind=st.sampled_from(["TRIM_HORIZON", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"]))
    def read(self, data: st.DataObject, kind: str) -> None:
        shard_id = data.draw(st.sampled_from(sorted(self.shards)))
        shard = self.shards[shard_id]
        start = 0
        sequence = None
        if kind != "TRIM_HORIZON":
            if not shard.records:
                return
            start = data.draw(st.integers(0, len(shard.records) - 1))
            sequence = str(shard.records[start][0])
            start += kind == "AFTER_SEQUENCE_NUMBER"
        iterator = self.stream.get_shard_iterator(shard_id, kind, starting_sequence_number=sequence)
        got, last = self.read_all(iterator)
        assert got == shard.records[start:]
        if not shard.open:
            # The end of a closed shard: reading on from it gives nothing and names the children.
            _, end = self.read_all(last.next_shard_iterator) if last.next_shard_iterator else (None, last)
            assert end.next_shard_iterator is None
            assert sorted(c.shard_id for c in end.child_shards) == sorted(shard.children)

    @rule(data=st.data(), key=st.sampled_from(KEYS))
    def read_latest(self, data: st.DataObject, key: str) -> None:
        shard_id = data.draw(st.sampled_from(self.open_ids()))
        iterator = self.stream.get_shard_iterator(shard_id, "LATEST")
        before = len(self.shards[shard_id].records)
        self.put_record(key, self.shards[shard_id].start)  # lands in this shard
        got, _ = self.read_all(iterator)
        assert got == self.shards[shard_id].records[before:]

    @rule(seconds=st.sampled_from([0, 1, 60]))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds)

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def open_shards_cover_the_key_space(self) -> None:
        listed = {s.shard_id: s for s in self.stream.list_shards()}
        assert set(listed) == set(self.shards)
        ranges = sorted((self.shards[i].start, self.shards[i].end) for i in self.open_ids())
        assert ranges[0][0] == 0 and ranges[-1][1] == TOP
        assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:]))
        closed = [i for i in self.shards if not self.shards[i].open]
        assert all(listed[i].sequence_number_range.ending_sequence_number is not None for i in closed)
        assert all(listed[i].sequence_number_range.ending_sequence_number is None for i in self.open_ids())


KinesisModel.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestKinesisModel = KinesisModel.TestCase
