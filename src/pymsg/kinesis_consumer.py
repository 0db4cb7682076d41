"""A KCL-style consumer: shard leases, checkpoints and resharding, in process.

The Kinesis Client Library's model, kept small:

- **Leases.** One lease per shard per application, held in a lease table in the broker. A worker
  owns a lease until it expires (``lease_duration`` seconds of broker time without renewal) or it
  hands it over on ``stop()``. Each round a worker renews its leases, takes unowned or expired
  ones, and steals one from the busiest worker when it holds fewer than its fair share
  (ceil(leases / live workers)); a worker whose lease was stolen notices at its next renewal
  and stops processing that shard.
- **Checkpoints.** The sequence number of the last record processed, stored in the lease;
  a worker that takes a lease resumes after it (AFTER_SEQUENCE_NUMBER), or at the
  application's initial position when the shard was never checkpointed. A checkpoint is
  written only while the worker still holds the lease.
- **Resharding.** A shard closed by a split or merge ends with SHARD_END; its children get
  leases, and a child is processed only once all of its parents have reached SHARD_END, so
  records of one partition key are processed in order across a reshard.

Everything is driven by :meth:`Consumer.run_once` (deterministic under a manual clock);
:meth:`Consumer.start` runs rounds on a thread until :meth:`Consumer.stop`.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from .errors import ExpiredIteratorException, ProvisionedThroughputExceededException, ResourceNotFoundException
from .messages import KINESIS, error

if TYPE_CHECKING:
    from .kinesis import Stream

SHARD_END = "SHARD_END"  # the checkpoint of a shard processed to its end


@dataclass
class Lease:
    """A shard's lease: who holds it, until when, and how far its records were processed."""

    shard_id: str
    parent_shard_ids: tuple[str, ...]
    owner: Optional[str] = None
    counter: int = 0  # bumped on every change of owner, so an old owner can tell it lost the lease
    expires_at: float = 0.0  # broker-clock time
    checkpoint: Optional[str] = None  # sequence number, SHARD_END, or None (never checkpointed)


@dataclass
class LeaseTable:
    """The leases and live workers of one application on one stream (lives in the broker)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    leases: dict[str, Lease] = field(default_factory=dict)
    heartbeats: dict[str, float] = field(default_factory=dict)  # worker id -> last round


def lease_table_state(table: LeaseTable) -> list[dict[str, Any]]:
    """A lease table's leases as plain data (for snapshots and the log); live workers' heartbeats
    are left out: after a restart the workers are new."""
    with table.lock:
        return [{"shard_id": x.shard_id, "parents": list(x.parent_shard_ids), "owner": x.owner, "counter": x.counter,
                 "expires_at": x.expires_at, "checkpoint": x.checkpoint} for x in table.leases.values()]


def restore_lease_table(table: LeaseTable, leases: list[dict[str, Any]]) -> None:
    """Puts back what lease_table_state() returned."""
    restored = {x["shard_id"]: Lease(x["shard_id"], tuple(x["parents"]), x["owner"], int(x["counter"]),
                                     float(x["expires_at"]), x["checkpoint"]) for x in leases}
    with table.lock:
        table.leases = restored


class ShardContext:
    """What a processor gets beside the records: the shard and a way to checkpoint."""

    __slots__ = ("shard_id", "ended", "_consumer", "_last", "_checkpointed")

    def __init__(self, consumer: Consumer, shard_id: str, last: Optional[str], ended: bool) -> None:
        self.shard_id = shard_id
        self.ended = ended  # these are the shard's last records (it was closed by a reshard)
        self._consumer = consumer
        self._last = last
        self._checkpointed: Optional[str] = None

    def checkpoint(self, sequence_number: Optional[str] = None) -> bool:
        """Records progress up to ``sequence_number`` (default: the last record of this batch).
        False when this worker no longer holds the lease (nothing written)."""
        seq = sequence_number if sequence_number is not None else self._last
        if seq is None:
            return True
        ok = self._consumer._write_checkpoint(self.shard_id, seq)
        if ok:
            self._checkpointed = seq
        return ok


Processor = Callable[[list[Any], ShardContext], None]


class Consumer:
    """One worker of a KCL-style application. Create with :meth:`pymsg.Stream.consumer`."""

    def __init__(
        self,
        stream: Stream,
        table: LeaseTable,
        application_name: str,
        worker_id: str,
        processor: Processor,
        *,
        initial_position: str = "TRIM_HORIZON",
        lease_duration: float = 10.0,
        batch_size: int = 10_000,
        auto_checkpoint: bool = True,
    ) -> None:
        if initial_position not in ("TRIM_HORIZON", "LATEST"):
            raise error(KINESIS, "initial_position")
        if not (isinstance(lease_duration, (int, float)) and lease_duration > 0):
            raise error(KINESIS, "lease_duration")
        self.stream = stream
        self.application_name = application_name
        self.worker_id = worker_id
        self.processor = processor
        self.initial_position = initial_position
        self.lease_duration = float(lease_duration)
        self.batch_size = batch_size
        self.auto_checkpoint = auto_checkpoint
        self.errors: list[tuple[str, BaseException]] = []  # (shard id, what a processor raised)
        self._table = table
        self._clock = stream._broker.clock
        self._held: dict[str, int] = {}  # shard id -> lease counter when taken
        self._iterators: dict[str, str] = {}  # shard id -> next iterator
        self._thread: Optional[threading.Thread] = None
        self._stopping = threading.Event()

    # --- rounds ---------------------------------------------------------------------------

    def run_once(self) -> int:
        """One round: sync leases with the shards, renew, take and steal leases, then process
        one batch from every shard this worker holds. Returns the records processed."""
        self._sync_and_balance()
        processed = 0
        for shard_id in sorted(self._held):
            processed += self._process(shard_id)
        return processed

    def owned_shards(self) -> list[str]:
        """The shards whose leases this worker holds now."""
        with self._table.lock:
            return sorted(s for s, lease in self._table.leases.items() if lease.owner == self.worker_id)

    def start(self, poll_interval: float = 0.2) -> Consumer:
        """Runs rounds on a daemon thread, ``poll_interval`` real seconds apart, until stop()."""
        if self._thread is not None:
            raise RuntimeError("This consumer is already running.")
        self._stopping.clear()

        def loop() -> None:
            while not self._stopping.is_set():
                self.run_once()
                self._stopping.wait(poll_interval)

        self._thread = threading.Thread(target=loop, name=f"pymsg-consumer-{self.worker_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops the thread (if started) and hands every lease back (checkpoints stay), so other
        workers take them over at their next round."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._table.lock:
            for shard_id, counter in self._held.items():
                lease = self._table.leases.get(shard_id)
                if lease is not None and lease.owner == self.worker_id and lease.counter == counter:
                    lease.owner = None
                    lease.counter += 1
            self._table.heartbeats.pop(self.worker_id, None)
        handed_back = bool(self._held)
        self._held.clear()
        self._iterators.clear()
        if handed_back:
            self._journal()

    def __enter__(self) -> Consumer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- leases ---------------------------------------------------------------------------

    def _sync_and_balance(self) -> None:
        shards = self.stream.list_shards()
        now = self._clock.now()
        t = self._table
        with t.lock:
            before = {shard_id: (lease.owner, lease.counter) for shard_id, lease in t.leases.items()}
            self._balance_locked(shards, now)
            changed = before != {shard_id: (lease.owner, lease.counter) for shard_id, lease in t.leases.items()}
        if changed:
            self._journal()

    def _balance_locked(self, shards: list[Any], now: float) -> None:
        """_sync_and_balance's work, under the table's lock."""
        t = self._table
        listed = {s.shard_id for s in shards}
        for s in shards:
            if s.shard_id not in t.leases:
                parents = tuple(p for p in (s.parent_shard_id, s.adjacent_parent_shard_id) if p is not None)
                t.leases[s.shard_id] = Lease(s.shard_id, parents)
        for shard_id in [s for s in t.leases if s not in listed]:  # expired with the retention
            del t.leases[shard_id]
        t.heartbeats[self.worker_id] = now
        live = [w for w, beat in t.heartbeats.items() if now - beat <= self.lease_duration]
        # Renew what we still hold; forget what was stolen or expired meanwhile.
        for shard_id, counter in list(self._held.items()):
            lease = t.leases.get(shard_id)
            if lease is None or lease.owner != self.worker_id or lease.counter != counter:
                del self._held[shard_id]
                self._iterators.pop(shard_id, None)
            else:
                lease.expires_at = now + self.lease_duration
        active = [lease for lease in t.leases.values() if lease.checkpoint != SHARD_END]
        target = math.ceil(len(active) / max(1, len(live)))
        free = [lease for lease in active if lease.owner is None or lease.expires_at < now]
        for lease in sorted(free, key=lambda x: x.shard_id):
            if len(self._held) >= target:
                break
            self._take(lease, now)
        if len(self._held) < target:  # steal one from the busiest worker above its share
            counts: dict[str, list[Lease]] = {}
            for lease in active:
                if lease.owner is not None and lease.owner != self.worker_id and lease.expires_at >= now:
                    counts.setdefault(lease.owner, []).append(lease)
            if counts:
                busiest = max(counts.values(), key=len)
                if len(busiest) > target:
                    self._take(sorted(busiest, key=lambda x: x.shard_id)[-1], now)

    def _journal(self) -> None:
        """With a data directory: the lease table, after a change to its leases' owners or
        checkpoints (renewals are not logged: after a restart a lease shows expired sooner, and
        its worker is gone anyway)."""
        self.stream._journal_leases(self.application_name, self._table)

    def _take(self, lease: Lease, now: float) -> None:
        lease.owner = self.worker_id
        lease.counter += 1
        lease.expires_at = now + self.lease_duration
        self._held[lease.shard_id] = lease.counter
        self._iterators.pop(lease.shard_id, None)

    def _write_checkpoint(self, shard_id: str, sequence_number: str, *, journal: bool = True) -> bool:
        with self._table.lock:
            lease = self._table.leases.get(shard_id)
            if lease is None or lease.owner != self.worker_id or lease.counter != self._held.get(shard_id):
                return False
            lease.checkpoint = sequence_number
        if journal:
            self._journal()
        return True

    def _finish(self, shard_id: str) -> None:
        """Checkpoints SHARD_END and lets the lease go: nobody needs to hold a finished shard."""
        if self._write_checkpoint(shard_id, SHARD_END, journal=False):
            with self._table.lock:
                lease = self._table.leases[shard_id]
                lease.owner = None
                lease.counter += 1
            self._journal()
        self._held.pop(shard_id, None)
        self._iterators.pop(shard_id, None)

    def _lease_state(self, shard_id: str) -> tuple[Optional[str], bool]:
        """(checkpoint, whether every parent is done), or raises KeyError when not ours."""
        with self._table.lock:
            lease = self._table.leases[shard_id]
            parents_done = all(
                p not in self._table.leases or self._table.leases[p].checkpoint == SHARD_END
                for p in lease.parent_shard_ids
            )
            return lease.checkpoint, parents_done

    # --- processing -----------------------------------------------------------------------

    def _process(self, shard_id: str) -> int:
        try:
            checkpoint, parents_done = self._lease_state(shard_id)
        except KeyError:
            return 0
        if checkpoint == SHARD_END or not parents_done:
            return 0
        iterator = self._iterators.get(shard_id)
        try:
            if iterator is None:
                if checkpoint is None:
                    iterator = self.stream.get_shard_iterator(shard_id, self.initial_position)
                else:
                    iterator = self.stream.get_shard_iterator(
                        shard_id, "AFTER_SEQUENCE_NUMBER", starting_sequence_number=checkpoint
                    )
            page = self.stream.get_records(iterator, limit=self.batch_size)
        except ExpiredIteratorException:
            self._iterators.pop(shard_id, None)  # resume from the checkpoint next round
            return 0
        except (ResourceNotFoundException, ProvisionedThroughputExceededException):
            return 0  # gone with the retention, or over the shard's read rate: next round
        ended = page.next_shard_iterator is None
        last = page.records[-1].sequence_number if page.records else None
        if page.records or ended:
            context = ShardContext(self, shard_id, last, ended)
            try:
                self.processor(page.records, context)
            except Exception as exc:  # retried from the checkpoint next round, as the KCL does
                self.errors.append((shard_id, exc))
                self._iterators.pop(shard_id, None)
                return 0
            if self.auto_checkpoint and last is not None and context._checkpointed != last:
                if not context.checkpoint(last):
                    return 0
            caught_up = last is None or context._checkpointed == last
            if ended and caught_up:
                self._finish(shard_id)
                return len(page.records)
        if not ended:
            self._iterators[shard_id] = page.next_shard_iterator  # type: ignore[assignment]
        return len(page.records)
