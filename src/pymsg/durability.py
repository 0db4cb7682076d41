"""A broker's data directory: ``Broker(data_dir=DIR, fsync="everysec")``, ``pymsg serve --data-dir``.

The directory holds a snapshot (``snapshot.pymsg``, the framed format of :mod:`pymsg.state`)
and the write-ahead log after it (``wal-<first LSN>.log`` segments, see the C++ core's
durability/wal.hpp). Every change to a queue is appended to the log by the core, under the
queue's lock, before the call returns; with ``fsync="always"`` the call returns only once its
record is on the disk (concurrent callers share one sync), with ``"everysec"`` the log is
written every few milliseconds and synced once a second, with ``"no"`` the operating system
decides when. Recovery loads the snapshot, then replays the log's records that came after it.

The snapshot is a consistent cut per object, not a stop of the world: each queue (stream) is
dumped under its own lock together with the log position the dump covers, and replay skips
that object's records up to there. A checkpoint (``Broker.checkpoint()``, and ``close()``) starts a
new segment, writes the snapshot, then deletes the segments it made redundant, so the disk holds
the live data plus the log since the last checkpoint. A background thread takes one whenever
the log has grown past ``auto_checkpoint_bytes`` and past the last snapshot's size (as Redis
rewrites its AOF once it doubled, from 64 MiB), which bounds both the disk and recovery time.

Kept through the log: SQS queues (creation, attributes, tags, policies, deletion) and every
message change (send, receive with its receipt handle and deadline, change of visibility,
delete, purge, moves to and from a dead-letter queue, FIFO deduplication windows and sequence
numbers); SNS topics, their settings, tags and subscriptions (a topic's whole state is logged
after each change to it, so replay puts back the last one); Kinesis streams: every record (the
core logs it under its shard's lock, with its record index), reshards, retention and mode, and
the Python layer's part (tags, metrics, encryption, resource policies, fan-out consumers) as a
whole after each change. A stream is dumped with its topology held alone, so its cut holds no
put half-way. Caches: each write's effect (value and absolute deadline, a key gone, evictions
included, a new deadline, a flushed shard) under the key's shard lock; a cache is dumped shard
by shard, each with its own cut, and its codec is a Python record. A FIFO topic logs each
accepted publish (its deduplication entry and sequence number) in the core, keyed by its ARN;
its window is dumped with its own cut. Message move tasks and KCL-style applications' leases and
checkpoints are logged whole (per scope, per application) after each change; a running move
task resumes once the directory is open. The README's Durability section lists, in one place,
what is deliberately not kept. A topic's record is its whole state, so a change to a topic with
n subscriptions writes O(n) bytes; checkpoints bound the total.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any

import msgpack

from . import _core, state
from .kinesis_consumer import lease_table_state
from .messages import BROKER, error

if TYPE_CHECKING:
    from .broker import Broker
    from .kinesis import Stream
    from .kinesis_consumer import LeaseTable
    from .sqs_move import MoveTasks
    from .sns import Topic

log = logging.getLogger("pymsg.durability")

SNAPSHOT = "snapshot.pymsg"
FSYNC_POLICIES = ("always", "everysec", "no")
AUTO_CHECKPOINT_BYTES = 64 << 20
_QUEUE_CREATE = 1  # durability/journal.hpp's Record values the Python layer handles
_STREAM_CREATE = 20
_CACHE_CREATE = 30
_TOPIC_PUBLISH = 40
_PYTHON = 100


class DataDirectory:
    """One broker family's data directory, open: the log, the journal queues append to, and
    checkpoints. Made by Broker(data_dir=...)."""

    def __init__(self, broker: Broker, path: str, fsync: str, segment_bytes: int,
                 auto_checkpoint_bytes: int = AUTO_CHECKPOINT_BYTES) -> None:
        if fsync not in FSYNC_POLICIES:
            raise error(BROKER, "fsync_policy", value=repr(fsync))
        self.path = os.fspath(path)
        self.fsync = fsync
        self._broker = broker
        self._lock = threading.Lock()  # one checkpoint at a time
        self._meta_lock = threading.Lock()  # a topic's (stream's) state is read and appended in one step
        self._adopted: list[tuple[Any, int]] = []  # (queue core, journal id) to attach once open
        self._topic_cuts: dict[str, int] = {}  # recovery: FIFO topic ARN -> the LSN its dumped window covers
        self._replayer = _core.Replayer()
        self._replayer.cold = self._replay_python
        self._log = _core.open_journal(self.path, fsync, segment_bytes, 2, self._replayer, self._load_snapshot)
        self.journal = _core.Journal(self._log)
        self.journal.taken_id(self._replayer.max_id)
        for core, journal_id in self._adopted:
            if not core.deleted:
                core.attach_journal(self.journal, journal_id)
        self._adopted.clear()
        for scope in broker.scopes():  # move tasks running at the crash go on, now that changes are logged
            scope._moves.resume()
        recovery = self._log.recovery
        if recovery["torn_bytes"]:
            log.warning("data directory %s: cut off a torn last record (%d bytes at offset %d of %s), "
                        "a write the process did not finish", self.path, recovery["torn_bytes"],
                        recovery["torn_offset"], recovery["torn_file"])
        log.info("data directory %s: replayed %d log records (%d already in the snapshot), fsync=%s",
                 self.path, self._replayer.replayed, self._replayer.skipped, fsync)
        self.auto_checkpoint_bytes = auto_checkpoint_bytes
        self._snapshot_bytes = _size(os.path.join(self.path, SNAPSHOT))
        self._closed = threading.Event()
        if auto_checkpoint_bytes > 0:
            threading.Thread(target=self._checkpoint_when_grown, name="pymsg-checkpoint", daemon=True).start()

    # --- recovery -----------------------------------------------------------------------------

    def _load_snapshot(self) -> None:
        """Before replay, with the directory locked: the snapshot, if there is one."""
        path = os.path.join(self.path, SNAPSHOT)
        try:
            with open(path, "rb") as source:
                data = source.read()
        except FileNotFoundError:
            return
        snapshot = state.restore(self._broker, data, source=f"snapshot ({path})", adopt=self._adopt)
        self._replayer.cold_cut = int(snapshot.get("cold_cut", 0))
        for scope in [snapshot] + snapshot.get("scopes", []):  # FIFO topics' windows: their publishes up to here
            for t in scope["topics"]:
                arn = f"arn:aws:sns:{scope['region']}:{scope['account_id']}:{t['name']}"
                self._topic_cuts[arn] = int(t.get("fifo_cut", 0))

    def _adopt(self, owner: Broker, core: Any, entry: dict[str, Any]) -> None:
        """A queue or stream of the snapshot: its records after its cut are replayed into it."""
        journal_id = int(entry.get("journal_id", 0))
        if not journal_id:
            return
        if isinstance(core, _core.Cache):  # its dump has a cut per shard, which it keeps itself
            self._replayer.add_cache(journal_id, owner._core, core)
        else:
            add = self._replayer.add_stream if isinstance(core, _core.Stream) else self._replayer.add_queue
            add(journal_id, owner._core, core, int(entry.get("cut", 0)))
        self._adopted.append((core, journal_id))

    def _replay_python(self, lsn: int, kind: int, payload: bytes) -> None:
        """The records the C++ replayer hands back: queue creations (the scope is Python's) and
        the Python layer's own."""
        if kind in (_QUEUE_CREATE, _STREAM_CREATE, _CACHE_CREATE):
            journal_id, account_id, region, _name = _core.object_create_head(payload)
            if self._replayer.has_object(journal_id):
                return  # made after the snapshot's cut but before its queues (streams) were listed: in it
            owner = self._broker.scope(account_id, region)
            if kind == _QUEUE_CREATE:
                core = owner._core.replay_create_queue(payload)
                owner._wrap(core)
                self._replayer.add_queue(journal_id, owner._core, core, 0)
            elif kind == _STREAM_CREATE:
                core = owner._core.replay_create_stream(payload)
                owner._wrap_stream(core)
                self._replayer.add_stream(journal_id, owner._core, core, 0)
            else:
                core = owner._core.replay_create_cache(payload)
                owner._wrap_cache(core, None)  # a "cache_codec" record follows if it has one
                self._replayer.add_cache(journal_id, owner._core, core)
            self._adopted.append((core, journal_id))
            return
        if kind == _TOPIC_PUBLISH:  # a FIFO topic's publish: its deduplication window entry
            arn = _core.topic_publish_arn(payload)
            if lsn <= self._topic_cuts.get(arn, 0):
                return  # in the snapshot's dump of the window
            _, _, _, region, account_id, name = arn.split(":", 5)
            owner = self._broker.find_scope(account_id, region)
            topic = owner._topics.get(name) if owner is not None else None
            if topic is not None and not topic._core.deleted:
                topic._core.replay_publish(payload)
            return
        record = msgpack.unpackb(payload, raw=False)
        if record.get("op") == "topic":  # the whole topic after a change, or None: it was deleted
            owner = self._broker.scope(record["account_id"], record["region"])
            name = record["arn"].rsplit(":", 1)[-1]
            old = owner._topics.get(name)
            window = old._core.dump_fifo()[0] if old is not None and old._core.fifo and not old._core.deleted else None
            owner.delete_topic(record["arn"])
            if record["state"] is not None:  # the same topic, changed: its window (not in the record) stays
                state.restore_topic(owner, record["state"])
                if window is not None:
                    owner._topics[name]._core.restore_fifo(window)
            return
        if record.get("op") == "cache_codec":
            owner = self._broker.find_scope(record["account_id"], record["region"])
            if owner is not None and record["name"] in owner._core.list_caches():
                owner._wrap_cache(owner._core.get_cache(record["name"]), record["codec"])
            return
        if record.get("op") == "move_tasks":
            self._broker.scope(record["account_id"], record["region"])._moves.restore(record["tasks"])
            return
        if record.get("op") == "leases":
            owner = self._broker.find_scope(record["account_id"], record["region"])
            stream = owner._streams.get(record["stream"]) if owner is not None else None
            if stream is not None and not stream._core.deleted:
                stream._restore_leases(record["application"], record["leases"])
            return
        if record.get("op") == "stream_meta":
            owner = self._broker.find_scope(record["account_id"], record["region"])
            stream = owner._streams.get(record["name"]) if owner is not None else None
            if stream is not None and not stream._core.deleted:
                stream._restore_meta(record["meta"])
            return
        if record.get("op") == "queue_meta":
            owner = self._broker.find_scope(record["account_id"], record["region"])
            queue = owner._queues.get(record["name"]) if owner is not None else None
            if queue is not None and not queue._core.deleted:
                with queue._lock:
                    queue._tags = dict(record["tags"])
                    queue._settings = dict(record["settings"])

    # --- while open ---------------------------------------------------------------------------

    def attach(self, broker: Broker) -> None:
        """A scope of the family: its queues log to the journal from now on."""
        broker._core.set_journal(self.journal)

    def log_queue_meta(self, owner: Broker, name: str, tags: dict[str, str], settings: dict[str, str]) -> None:
        self.journal.append(_PYTHON, msgpack.packb(
            {"op": "queue_meta", "account_id": owner.account_id, "region": owner.region, "name": name,
             "tags": tags, "settings": settings}, use_bin_type=True))
        _core.commit_pending()

    def log_topic(self, owner: Broker, topic: Topic) -> None:
        """A topic's whole state after a change to it (options, settings, tags, subscriptions),
        or its deletion; replay puts the last one back. Reading the state and appending it is one
        step under a lock, so a record never holds an older state than one before it."""
        with self._meta_lock:
            entry = state.topic_entry(topic)
            self.journal.append(_PYTHON, msgpack.packb(
                {"op": "topic", "account_id": owner.account_id, "region": owner.region, "arn": topic.arn,
                 "state": entry}, use_bin_type=True))
        _core.commit_pending()

    def log_stream_meta(self, owner: Broker, stream: Stream) -> None:
        """What the Python layer keeps of a stream (Stream._meta), after a change to it."""
        with self._meta_lock:
            meta = stream._meta()
            self.journal.append(_PYTHON, msgpack.packb(
                {"op": "stream_meta", "account_id": owner.account_id, "region": owner.region, "name": stream.name,
                 "meta": meta}, use_bin_type=True))
        _core.commit_pending()

    def log_cache_codec(self, owner: Broker, name: str, codec: str) -> None:
        """A cache's codec (Python's: the core stores bytes), after its creation record."""
        self.journal.append(_PYTHON, msgpack.packb(
            {"op": "cache_codec", "account_id": owner.account_id, "region": owner.region, "name": name,
             "codec": codec}, use_bin_type=True))
        _core.commit_pending()

    def log_leases(self, owner: Broker, stream: Stream, application_name: str, table: LeaseTable) -> None:
        """A KCL-style application's leases and checkpoints, after a change to them."""
        with self._meta_lock:
            leases = lease_table_state(table)
            self.journal.append(_PYTHON, msgpack.packb(
                {"op": "leases", "account_id": owner.account_id, "region": owner.region, "stream": stream.name,
                 "application": application_name, "leases": leases}, use_bin_type=True))
        _core.commit_pending()

    def log_move_tasks(self, owner: Broker, tasks: MoveTasks) -> None:
        """A scope's message move tasks, after a change to them."""
        with self._meta_lock:
            state_now = tasks.state()
            self.journal.append(_PYTHON, msgpack.packb(
                {"op": "move_tasks", "account_id": owner.account_id, "region": owner.region, "tasks": state_now},
                use_bin_type=True))
        _core.commit_pending()

    def log_bytes(self) -> int:
        """The log's size on disk (every segment)."""
        return sum(_size(os.path.join(self.path, name)) for name in os.listdir(self.path) if _is_segment(name))

    def checkpoint_due(self) -> bool:
        """Whether the log has outgrown both auto_checkpoint_bytes and the last snapshot."""
        return self.auto_checkpoint_bytes > 0 and self.log_bytes() > max(self.auto_checkpoint_bytes,
                                                                          self._snapshot_bytes)

    def _checkpoint_when_grown(self) -> None:
        while not self._closed.wait(1.0):
            try:
                if self.checkpoint_due():
                    self.checkpoint()
            except Exception as exc:  # a full disk, say: the log goes on; say so and try again later
                if self._closed.is_set():
                    return
                log.error("data directory %s: checkpoint failed, the log keeps growing: %r", self.path, exc)

    def checkpoint(self) -> None:
        """A snapshot, then the log segments it made redundant deleted. Other threads go on
        working meanwhile (each queue waits only while its own dump is taken)."""
        with self._lock:
            first = self._log.rotate()
            data = state.snapshot(self._broker, cold_cut=self._log.appended_lsn)
            state.write_atomically(os.path.join(self.path, SNAPSHOT), data)
            self._snapshot_bytes = len(data)
            dropped = self._log.drop_before(first)
        log.info("data directory %s: checkpoint of %d bytes, %d log segment(s) deleted", self.path, len(data), dropped)

    def flush(self) -> None:
        """Everything appended so far, on the disk, whatever the policy."""
        self._log.flush()

    def close(self) -> None:
        self._closed.set()
        self.checkpoint()
        self._log.close()

    @property
    def log(self) -> Any:
        return self._log


def wipe_data_dir(path: str) -> None:
    """Deletes a closed data directory's snapshot and log (what serve's reset starts over from)."""
    for name in os.listdir(path):
        if name == SNAPSHOT or _is_segment(name):
            os.remove(os.path.join(path, name))


def _is_segment(name: str) -> bool:
    return name.startswith("wal-") and name.endswith(".log")


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0

