"""Kinesis Data Streams: the Python face of pymsg's stream core.

Each method mirrors a Kinesis action and says which. A stream's shards split the 128-bit hash-key
space; a record goes to the open shard whose range holds the MD5 of its partition key (or its
explicit hash key) and gets a 56-digit sequence number that increases within the shard. The
per-record calls (put_record, put_records, get_records) are C methods inherited from
``_core.StreamHandle``; everything else is here.
"""

from __future__ import annotations

import datetime
import threading
from typing import TYPE_CHECKING, Any, Iterable, Mapping, NamedTuple, Optional, Sequence

from . import _core
from .errors import InvalidArgumentException, ValidationException
from .kinesis_consumer import Consumer, LeaseTable, Processor
from .sqs import MAX_TAGS, check_tags

if TYPE_CHECKING:
    from .broker import Broker

Record = _core.Record

ITERATOR_TYPES = ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")


class PutRecordResult(NamedTuple):
    """The result of PutRecord."""

    shard_id: str
    sequence_number: str


class PutRecordsResultEntry(NamedTuple):
    """One record of a PutRecords: shard_id and sequence_number, or error_code and error_message."""

    shard_id: Optional[str]
    sequence_number: Optional[str]
    error_code: Optional[str]
    error_message: Optional[str]


class PutRecordsResult(NamedTuple):
    """The result of PutRecords: one entry per record, in request order (HTTP 200 either way).
    ``records`` is a read-only sequence whose entries are built on first access."""

    failed_record_count: int
    records: Sequence[PutRecordsResultEntry]


class HashKeyRange(NamedTuple):
    """A shard's inclusive hash-key range, as decimal strings (as AWS sends them)."""

    starting_hash_key: str
    ending_hash_key: str


class SequenceNumberRange(NamedTuple):
    """A shard's sequence numbers: the ending one is None while the shard is open."""

    starting_sequence_number: str
    ending_sequence_number: Optional[str]


class Shard(NamedTuple):
    """A ListShards entry."""

    shard_id: str
    parent_shard_id: Optional[str]
    adjacent_parent_shard_id: Optional[str]
    hash_key_range: HashKeyRange
    sequence_number_range: SequenceNumberRange


class ChildShard(NamedTuple):
    """A child of a closed shard, named by GetRecords at the end of its parent."""

    shard_id: str
    parent_shards: list[str]
    hash_key_range: HashKeyRange


class GetRecordsResult(NamedTuple):
    """The result of GetRecords. ``next_shard_iterator`` is None at the end of a closed shard,
    where ``child_shards`` lists its children; ``millis_behind_latest`` is 0 when caught up."""

    records: list[Any]
    next_shard_iterator: Optional[str]
    millis_behind_latest: int
    child_shards: list[ChildShard]


_core._set_result_types(  # the C calls build these
    PutRecordResult=PutRecordResult,
    PutRecordsResult=PutRecordsResult,
    PutRecordsResultEntry=PutRecordsResultEntry,
    GetRecordsResult=GetRecordsResult,
    ChildShard=ChildShard,
    HashKeyRange=HashKeyRange,
)


def _epoch_seconds(timestamp: Any) -> float:
    if isinstance(timestamp, datetime.datetime):
        return timestamp.timestamp()
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        raise InvalidArgumentException(
            f"Timestamp must be epoch seconds or a datetime, not {type(timestamp).__name__}."
        )
    return float(timestamp)


def _int_argument(value: Any, name: str, low: int, high: int) -> int:
    """An int parameter in [low, high] for the core (range errors beyond it are the core's)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationException(f"1 validation error detected: Value at '{name}' must be an int, not {type(value).__name__}.")
    return min(max(value, low), high)


class Stream(_core.StreamHandle):
    """A Kinesis data stream. Get one from :meth:`pymsg.Broker.create_stream` or
    :meth:`pymsg.Broker.get_stream`. Every method is thread-safe.

    Inherited from C: ``put_record(data, partition_key, *, explicit_hash_key=None,
    sequence_number_for_ordering=None)``, ``put_records(records)`` and
    ``get_records(shard_iterator, *, limit=10000)``.
    """

    __slots__ = ("_core", "_broker", "_lock", "_tags", "_lease_tables", "__weakref__")

    def __init__(self, broker: Broker, core: _core.Stream, tags: Mapping[str, str] | None = None) -> None:
        super().__init__(core)
        self._core = core
        self._broker = broker
        self._lock = threading.Lock()
        self._tags: dict[str, str] = dict(tags or {})
        self._lease_tables: dict[str, LeaseTable] = {}  # KCL-style applications, by name

    # --- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """StreamName."""
        return self._core.name

    @property
    def arn(self) -> str:
        """StreamARN: ``arn:aws:kinesis:<region>:<account>:stream/<name>``."""
        return self._core.arn

    @property
    def mode(self) -> str:
        """StreamMode: PROVISIONED or ON_DEMAND."""
        return self._core.mode

    @property
    def retention_period_hours(self) -> int:
        """RetentionPeriodHours."""
        return self._core.retention_period_hours

    def __repr__(self) -> str:
        return f"Stream({self.name!r})"

    # --- reading --------------------------------------------------------------------------

    def get_shard_iterator(
        self,
        shard_id: str,
        iterator_type: str,
        *,
        starting_sequence_number: str | None = None,
        timestamp: float | datetime.datetime | None = None,
    ) -> str:
        """GetShardIterator: where a get_records starts. ``iterator_type`` is AT_SEQUENCE_NUMBER or
        AFTER_SEQUENCE_NUMBER (with ``starting_sequence_number``), TRIM_HORIZON (the oldest
        retained record), LATEST (after the newest) or AT_TIMESTAMP (with ``timestamp``, epoch
        seconds or a datetime). The iterator expires 5 minutes after it is issued."""
        for value, what in ((shard_id, "ShardId"), (iterator_type, "ShardIteratorType")):
            if not isinstance(value, str):
                raise ValidationException(f"1 validation error detected: {what} must be a str, not {type(value).__name__}.")
        if starting_sequence_number is not None and not isinstance(starting_sequence_number, str):
            raise InvalidArgumentException("StartingSequenceNumber must be a str of decimal digits.")
        seconds = None if timestamp is None else _epoch_seconds(timestamp)
        return self._core.get_shard_iterator(shard_id, iterator_type, starting_sequence_number, seconds)

    def list_shards(self) -> list[Shard]:
        """ListShards: every shard not yet expired (a closed shard expires once the retention
        period has passed since it closed), in shard-id order."""
        return [
            Shard(sid, parent, adjacent, HashKeyRange(start, end), SequenceNumberRange(first, last))
            for sid, parent, adjacent, start, end, first, last in self._core.list_shards()
        ]

    # --- resharding -----------------------------------------------------------------------

    def split_shard(self, shard_id: str, new_starting_hash_key: str | int) -> None:
        """SplitShard: closes the shard and opens two children, [start, key-1] and [key, end].
        The key must be above start+1 and below end."""
        self._core.split_shard(self._shard_id(shard_id), _hash_key_text(new_starting_hash_key))

    def merge_shards(self, shard_id: str, adjacent_shard_id: str) -> None:
        """MergeShards: closes two adjacent open shards and opens one child over both ranges,
        with parent ``shard_id`` and adjacent parent ``adjacent_shard_id``."""
        self._core.merge_shards(self._shard_id(shard_id), self._shard_id(adjacent_shard_id))

    def update_shard_count(self, target_shard_count: int, *, scaling_type: str = "UNIFORM_SCALING") -> dict[str, Any]:
        """UpdateShardCount with UNIFORM_SCALING: splits and merges until ``target_shard_count``
        open shards cover equal ranges. The target is between half and double the current
        count; at most 10 scalings a rolling day."""
        if scaling_type != "UNIFORM_SCALING":
            raise ValidationException(
                "1 validation error detected: Value at 'scalingType' failed to satisfy constraint: "
                "Member must satisfy enum value set: [UNIFORM_SCALING]"
            )
        current = self._core.open_shard_count()
        self._core.update_shard_count(_int_argument(target_shard_count, "targetShardCount", 0, 2**32 - 1))
        return {
            "StreamName": self.name,
            "StreamARN": self.arn,
            "CurrentShardCount": current,
            "TargetShardCount": target_shard_count,
        }

    # --- retention ------------------------------------------------------------------------

    def increase_retention_period(self, hours: int) -> None:
        """IncreaseStreamRetentionPeriod: to more than now, at most 8,760 hours."""
        self._core.increase_retention_period(_int_argument(hours, "retentionPeriodHours", -(2**62), 2**62))

    def decrease_retention_period(self, hours: int) -> None:
        """DecreaseStreamRetentionPeriod: to less than now, at least 24 hours."""
        self._core.decrease_retention_period(_int_argument(hours, "retentionPeriodHours", -(2**62), 2**62))

    # --- tags ---------------------------------------------------------------------------------

    def _check_alive(self) -> None:
        if self._core.deleted:
            from .errors import ResourceNotFoundException

            raise ResourceNotFoundException(f"Stream {self.name} under account {self._broker.account_id} not found.")

    def add_tags(self, tags: Mapping[str, str]) -> None:
        """AddTagsToStream: adds or overwrites tags (at most 50 per stream)."""
        self._check_alive()
        if not tags:
            raise InvalidArgumentException("AddTagsToStream needs at least one tag.")
        with self._lock:
            self._tags = check_tags(tags, self._tags, InvalidArgumentException)

    def remove_tags(self, keys: Iterable[str]) -> None:
        """RemoveTagsFromStream: 1-50 keys; keys the stream does not have are ignored."""
        self._check_alive()
        keys = list(keys)
        if not 1 <= len(keys) <= MAX_TAGS or not all(isinstance(k, str) for k in keys):
            raise InvalidArgumentException(f"RemoveTagsFromStream takes 1 to {MAX_TAGS} tag keys (str).")
        with self._lock:
            for key in keys:
                self._tags.pop(key, None)

    def list_tags(self) -> dict[str, str]:
        """ListTagsForStream."""
        self._check_alive()
        with self._lock:
            return dict(self._tags)

    # --- KCL-style consumers ---------------------------------------------------------------

    def consumer(
        self,
        application_name: str,
        worker_id: str,
        processor: Processor,
        *,
        initial_position: str = "TRIM_HORIZON",
        lease_duration: float = 10.0,
        batch_size: int = 10_000,
        auto_checkpoint: bool = True,
    ) -> Consumer:
        """A worker of the KCL-style application ``application_name`` (see
        :mod:`pymsg.kinesis_consumer`): it leases shards, shares them with the application's other
        workers, calls ``processor(records, context)`` with each batch of a shard it holds (in
        order; ``context.checkpoint()`` records progress, done for you when ``auto_checkpoint``),
        resumes from checkpoints, and follows resharding (parents before children)."""
        if not isinstance(application_name, str) or not application_name:
            raise InvalidArgumentException("application_name must be a non-empty str.")
        with self._lock:
            table = self._lease_tables.setdefault(application_name, LeaseTable())
        return Consumer(
            self,
            table,
            application_name,
            worker_id,
            processor,
            initial_position=initial_position,
            lease_duration=lease_duration,
            batch_size=batch_size,
            auto_checkpoint=auto_checkpoint,
        )

    def checkpoints(self, application_name: str) -> dict[str, Optional[str]]:
        """The application's checkpoint per shard: a sequence number, ``"SHARD_END"``, or None."""
        with self._lock:
            table = self._lease_tables.get(application_name)
        if table is None:
            return {}
        with table.lock:
            return {shard_id: lease.checkpoint for shard_id, lease in sorted(table.leases.items())}

    # --- description ----------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """DescribeStream's StreamDescription, with every shard (no paging in process)."""
        shards = self.list_shards()
        return {
            "StreamName": self.name,
            "StreamARN": self.arn,
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": self.mode},
            "Shards": [_shard_dict(s) for s in shards],
            "HasMoreShards": False,
            "RetentionPeriodHours": self.retention_period_hours,
            "StreamCreationTimestamp": self._core.created_timestamp,
            "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
            "EncryptionType": "NONE",
        }

    def describe_summary(self) -> dict[str, Any]:
        """DescribeStreamSummary's StreamDescriptionSummary."""
        return {
            "StreamName": self.name,
            "StreamARN": self.arn,
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": self.mode},
            "RetentionPeriodHours": self.retention_period_hours,
            "StreamCreationTimestamp": self._core.created_timestamp,
            "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
            "EncryptionType": "NONE",
            "OpenShardCount": self._core.open_shard_count(),
            "ConsumerCount": 0,
            "MaxRecordSizeInKiB": self._core.max_record_size_kib,
        }

    @staticmethod
    def _shard_id(value: Any) -> str:
        if not isinstance(value, str):
            raise ValidationException(f"1 validation error detected: ShardId must be a str, not {type(value).__name__}.")
        return value


def _hash_key_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidArgumentException(f"A hash key must be a decimal str or an int, not {type(value).__name__}.")
    return str(value)


def _shard_dict(s: Shard) -> dict[str, Any]:
    out: dict[str, Any] = {"ShardId": s.shard_id}
    if s.parent_shard_id is not None:
        out["ParentShardId"] = s.parent_shard_id
    if s.adjacent_parent_shard_id is not None:
        out["AdjacentParentShardId"] = s.adjacent_parent_shard_id
    out["HashKeyRange"] = {
        "StartingHashKey": s.hash_key_range.starting_hash_key,
        "EndingHashKey": s.hash_key_range.ending_hash_key,
    }
    seq: dict[str, str] = {"StartingSequenceNumber": s.sequence_number_range.starting_sequence_number}
    if s.sequence_number_range.ending_sequence_number is not None:
        seq["EndingSequenceNumber"] = s.sequence_number_range.ending_sequence_number
    out["SequenceNumberRange"] = seq
    return out
