"""Kinesis Data Streams: the Python face of pymsg's stream core.

Each method mirrors a Kinesis action and says which. A stream's shards split the 128-bit hash-key
space; a record goes to the open shard whose range holds the MD5 of its partition key (or its
explicit hash key) and gets a 56-digit sequence number that increases within the shard. The
per-record calls (put_record, put_records, get_records) are C methods inherited from
``_core.StreamHandle``; everything else is here.
"""

from __future__ import annotations

import datetime
import re
import threading
from typing import TYPE_CHECKING, Any, Iterable, Mapping, NamedTuple, Optional, Sequence

from . import _core
from .kinesis_consumer import Consumer, LeaseTable, Processor, lease_table_state, restore_lease_table
from .messages import KINESIS, check_unicode, error
from .sqs import MAX_TAGS, check_tags

if TYPE_CHECKING:
    from .broker import Broker

Record = _core.Record

ITERATOR_TYPES = ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
SHARD_LEVEL_METRICS = ("IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
                       "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
                       "IteratorAgeMilliseconds")
MAX_STREAM_CONSUMERS = 20  # enhanced fan-out consumers a stream may have
CONSUMER_NAME = re.compile(r"[a-zA-Z0-9_.-]+")


def _kms(encryption_type: Any, key_id: Any) -> str:
    """The EncryptionType Start/StopStreamEncryption take: KMS, with a KeyId."""
    if encryption_type != "KMS":
        raise error(KINESIS, "encryption_type")
    if not isinstance(key_id, str):
        raise error(KINESIS, "wrong_type", at="keyId", kind="a str", type=type(key_id).__name__)
    if not 1 <= len(key_id) <= 2048:
        raise error(KINESIS, "length_least" if not key_id else "length_most", value=key_id, at="keyId", least=1,
                    most=2048)
    return "KMS"


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
        raise error(KINESIS, "timestamp_type", type=type(timestamp).__name__)
    return float(timestamp)


def _int_argument(value: Any, name: str, low: int, high: int) -> int:
    """An int parameter in [low, high] for the core (range errors beyond it are the core's)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(KINESIS, "wrong_type", at=name, kind="an int", type=type(value).__name__)
    return min(max(value, low), high)


class Stream(_core.StreamHandle):
    """A Kinesis data stream. Get one from :meth:`pymsg.Broker.create_stream` or
    :meth:`pymsg.Broker.get_stream`. Every method is thread-safe.

    Inherited from C: ``put_record(data, partition_key, *, explicit_hash_key=None,
    sequence_number_for_ordering=None)``, ``put_records(records)`` and
    ``get_records(shard_iterator, *, limit=10000)``.
    """

    __slots__ = ("_core", "_broker", "_lock", "_tags", "_lease_tables", "_metrics", "_encryption", "_policies",
                 "_fan_out", "__weakref__")

    def __init__(self, broker: Broker, core: _core.Stream, tags: Mapping[str, str] | None = None) -> None:
        super().__init__(core)
        self._core = core
        self._broker = broker
        self._lock = threading.Lock()
        self._tags: dict[str, str] = dict(tags or {})
        self._lease_tables: dict[str, LeaseTable] = {}  # KCL-style applications, by name
        self._metrics: set[str] = set()  # enhanced monitoring's shard-level metrics (kept, not measured)
        self._encryption: tuple[str, Optional[str]] = ("NONE", None)  # EncryptionType, KeyId (kept, not applied)
        self._policies: dict[str, str] = {}  # resource policies of the stream and its consumers, by ARN
        self._fan_out: dict[str, dict[str, Any]] = {}  # enhanced fan-out consumers, by name

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
        for value, what in ((shard_id, "shardId"), (iterator_type, "shardIteratorType")):
            if not isinstance(value, str):
                raise error(KINESIS, "wrong_type", at=what, kind="a str", type=type(value).__name__)
        if starting_sequence_number is not None and not isinstance(starting_sequence_number, str):
            raise error(KINESIS, "sequence_number_type")
        check_unicode(KINESIS, shardId=shard_id, shardIteratorType=iterator_type,
                      startingSequenceNumber=starting_sequence_number)
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
        """UpdateShardCount with UNIFORM_SCALING, as AWS scales: to scale up every open shard
        splits in two, then adjacent pairs merge, lowest hash keys first, until
        ``target_shard_count`` shards are open (10 to 13 leaves 37 shards in all). The target is
        between half and double the current count; at most 10 scalings a rolling day."""
        if scaling_type != "UNIFORM_SCALING":
            raise error(KINESIS, "enum", value=scaling_type, at="scalingType", values="UNIFORM_SCALING")
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
            raise error(KINESIS, "stream_missing", name=self.name, account=self._broker.account_id)

    def add_tags(self, tags: Mapping[str, str]) -> None:
        """AddTagsToStream: adds or overwrites tags (at most 50 per stream)."""
        self._check_alive()
        if not tags:
            raise error(KINESIS, "length_least", value="{}", at="tags", least=1)
        with self._lock:
            self._tags = check_tags(tags, self._tags, KINESIS, name=self.name, account=self._broker.account_id)
        self._journal()

    def remove_tags(self, keys: Iterable[str]) -> None:
        """RemoveTagsFromStream: 1-50 keys; keys the stream does not have are ignored."""
        self._check_alive()
        if isinstance(keys, str):  # a str is an iterable of one-character keys: surely not meant
            raise error(KINESIS, "wrong_type", at="tagKeys", kind="a list", type="str")
        if not isinstance(keys, Iterable):
            raise error(KINESIS, "wrong_type", at="tagKeys", kind="a list", type=type(keys).__name__)
        keys = list(keys)
        for key in keys:
            if not isinstance(key, str):
                raise error(KINESIS, "wrong_type", at="tagKeys.member", kind="a str", type=type(key).__name__)
        if not 1 <= len(keys) <= MAX_TAGS:
            raise error(KINESIS, "length_least" if not keys else "length_most", value=f"[{', '.join(keys)}]",
                        at="tagKeys", least=1, most=MAX_TAGS)
        with self._lock:
            for key in keys:
                self._tags.pop(key, None)
        self._journal()

    def list_tags(self) -> dict[str, str]:
        """ListTagsForStream."""
        self._check_alive()
        with self._lock:
            return dict(self._tags)

    # --- mode, monitoring, encryption, policies ----------------------------------------------

    def update_mode(self, mode: str) -> None:
        """UpdateStreamMode: PROVISIONED or ON_DEMAND; the shards stay as they are."""
        self._check_alive()
        if not isinstance(mode, str):
            raise error(KINESIS, "wrong_type", at="streamModeDetails.streamMode", kind="a str",
                        type=type(mode).__name__)
        check_unicode(KINESIS, **{"streamModeDetails.streamMode": mode})
        self._core.set_mode(mode)

    def enable_enhanced_monitoring(self, metrics: Sequence[str]) -> tuple[list[str], list[str]]:
        """EnableEnhancedMonitoring: adds shard-level metrics ("ALL" is every one); returns the
        (current, desired) metric lists AWS answers with. pymsg keeps them and measures nothing."""
        return self._set_metrics(metrics, enable=True)

    def disable_enhanced_monitoring(self, metrics: Sequence[str]) -> tuple[list[str], list[str]]:
        """DisableEnhancedMonitoring: removes shard-level metrics; (current, desired) as above."""
        return self._set_metrics(metrics, enable=False)

    def _set_metrics(self, metrics: Sequence[str], *, enable: bool) -> tuple[list[str], list[str]]:
        self._check_alive()
        if not isinstance(metrics, (list, tuple)):
            raise error(KINESIS, "wrong_type", at="shardLevelMetrics", kind="a list", type=type(metrics).__name__)
        if not metrics:
            raise error(KINESIS, "length_least", value="[]", at="shardLevelMetrics", least=1)
        for metric in metrics:
            if metric not in SHARD_LEVEL_METRICS and metric != "ALL":
                raise error(KINESIS, "metrics_enum", value=", ".join(map(str, metrics)),
                            values=", ".join(SHARD_LEVEL_METRICS + ("ALL",)))
        named = set(SHARD_LEVEL_METRICS) if "ALL" in metrics else set(metrics)
        with self._lock:
            current = sorted(self._metrics)
            self._metrics = self._metrics | named if enable else self._metrics - named
            desired = sorted(self._metrics)
        self._journal()
        return current, desired

    def start_encryption(self, encryption_type: str, key_id: str) -> None:
        """StartStreamEncryption: KMS with `key_id` (kept and reported, not applied)."""
        self._check_alive()
        kind = _kms(encryption_type, key_id)
        with self._lock:
            self._encryption = (kind, key_id)
        self._journal()

    def stop_encryption(self, encryption_type: str, key_id: str) -> None:
        """StopStreamEncryption."""
        self._check_alive()
        _kms(encryption_type, key_id)
        with self._lock:
            self._encryption = ("NONE", None)
        self._journal()

    def put_resource_policy(self, resource_arn: str, policy: str) -> None:
        """PutResourcePolicy for the stream or one of its consumers (kept, not enforced)."""
        self._check_alive()
        self._policy_owner(resource_arn)
        if not isinstance(policy, str):
            raise error(KINESIS, "wrong_type", at="policy", kind="a str", type=type(policy).__name__)
        with self._lock:
            self._policies[resource_arn] = policy
        self._journal()

    def get_resource_policy(self, resource_arn: str) -> str:
        """GetResourcePolicy: the policy, or "{}" when none is attached."""
        self._policy_owner(resource_arn)
        with self._lock:
            return self._policies.get(resource_arn, "{}")

    def delete_resource_policy(self, resource_arn: str) -> None:
        """DeleteResourcePolicy."""
        self._policy_owner(resource_arn)
        with self._lock:
            self._policies.pop(resource_arn, None)
        self._journal()

    def _policy_owner(self, resource_arn: str) -> None:
        if resource_arn != self.arn:
            self.describe_stream_consumer(consumer_arn=resource_arn)  # raises for an unknown consumer

    # --- enhanced fan-out consumers -----------------------------------------------------------

    def register_stream_consumer(self, consumer_name: str) -> dict[str, Any]:
        """RegisterStreamConsumer: a named consumer (at most 20 a stream), ACTIVE at once; its
        description (ConsumerName, ConsumerARN, ConsumerStatus, ConsumerCreationTimestamp)."""
        self._check_alive()
        if not isinstance(consumer_name, str):
            raise error(KINESIS, "wrong_type", at="consumerName", kind="a str", type=type(consumer_name).__name__)
        if not CONSUMER_NAME.fullmatch(consumer_name):
            raise error(KINESIS, "pattern", value=consumer_name, at="consumerName", pattern="[a-zA-Z0-9_.-]+")
        if len(consumer_name) > 128:
            raise error(KINESIS, "length_most", value=consumer_name, at="consumerName", most=128)
        now = self._broker.clock.now()
        with self._lock:
            if consumer_name in self._fan_out:
                raise error(KINESIS, "consumer_exists", name=consumer_name, stream=self.name,
                            account=self._broker.account_id)
            if len(self._fan_out) >= MAX_STREAM_CONSUMERS:
                raise error(KINESIS, "consumer_limit", most=MAX_STREAM_CONSUMERS, name=self.name,
                            account=self._broker.account_id)
            consumer = {"ConsumerName": consumer_name, "ConsumerARN": f"{self.arn}/consumer/{consumer_name}:{int(now)}",
                        "ConsumerStatus": "ACTIVE", "ConsumerCreationTimestamp": now}
            self._fan_out[consumer_name] = consumer
        self._journal()
        return dict(consumer)

    def describe_stream_consumer(self, consumer_name: str | None = None,
                                 consumer_arn: str | None = None) -> dict[str, Any]:
        """DescribeStreamConsumer by name or ARN: the consumer's description and StreamARN."""
        self._check_alive()
        with self._lock:
            found = self._fan_out.get(consumer_name) if consumer_name else next(
                (c for c in self._fan_out.values() if c["ConsumerARN"] == consumer_arn), None)
        if found is None:
            raise error(KINESIS, "consumer_missing", name=consumer_name or consumer_arn, account=self._broker.account_id)
        return {**found, "StreamARN": self.arn}

    def list_stream_consumers(self) -> list[dict[str, Any]]:
        """ListStreamConsumers, in registration order."""
        self._check_alive()
        with self._lock:
            return [dict(c) for c in self._fan_out.values()]

    def deregister_stream_consumer(self, consumer_name: str | None = None, consumer_arn: str | None = None) -> None:
        """DeregisterStreamConsumer by name or ARN."""
        consumer = self.describe_stream_consumer(consumer_name, consumer_arn)
        with self._lock:
            self._fan_out.pop(consumer["ConsumerName"], None)
            self._policies.pop(consumer["ConsumerARN"], None)
        self._journal()

    # --- durability ---------------------------------------------------------------------------

    def _meta(self) -> dict[str, Any]:
        """What the Python layer keeps of the stream (tags, metrics, encryption, resource policies,
        fan-out consumers), for snapshots and the log."""
        with self._lock:
            meta = {"tags": dict(self._tags), "metrics": sorted(self._metrics), "encryption": list(self._encryption),
                    "policies": dict(self._policies), "fan_out": [dict(c) for c in self._fan_out.values()]}
            tables = dict(self._lease_tables)
        meta["lease_tables"] = {name: lease_table_state(table) for name, table in tables.items()}
        return meta

    def _restore_meta(self, meta: dict[str, Any]) -> None:
        with self._lock:
            self._tags = dict(meta["tags"])
            self._metrics = set(meta.get("metrics", ()))
            kind, key_id = meta.get("encryption", ("NONE", None))
            self._encryption = (kind, key_id)
            self._policies = dict(meta.get("policies", {}))
            self._fan_out = {c["ConsumerName"]: dict(c) for c in meta.get("fan_out", ())}
        for name, leases in meta.get("lease_tables", {}).items():
            self._restore_leases(name, leases)

    def _restore_leases(self, application_name: str, leases: list[dict[str, Any]]) -> None:
        """Puts back an application's leases and checkpoints (lease_table_state's)."""
        with self._lock:
            table = self._lease_tables.setdefault(application_name, LeaseTable())
        restore_lease_table(table, leases)

    def _journal_leases(self, application_name: str, table: LeaseTable) -> None:
        """With a data directory: logs an application's leases after a change to them."""
        durability = self._broker._durability
        if durability is not None:
            durability.log_leases(self._broker, self, application_name, table)

    def _journal(self) -> None:
        """With a data directory: logs _meta() after a change to it (called without self._lock)."""
        durability = self._broker._durability
        if durability is not None:
            durability.log_stream_meta(self._broker, self)

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
            raise error(KINESIS, "application_name")
        if not callable(processor):  # else it would fail at the first batch, far from here
            raise error(KINESIS, "processor", type=type(processor).__name__)
        with self._lock:
            made = application_name not in self._lease_tables
            table = self._lease_tables.setdefault(application_name, LeaseTable())
        try:
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
        except Exception:
            if made:  # refused settings leave no lease table behind
                with self._lock:
                    if self._lease_tables.get(application_name) is table and not table.leases:
                        del self._lease_tables[application_name]
            raise

    def checkpoints(self, application_name: str) -> dict[str, Optional[str]]:
        """The application's checkpoint per shard: a sequence number, ``"SHARD_END"``, or None."""
        if not isinstance(application_name, str):
            raise error(KINESIS, "wrong_type", at="applicationName", kind="a str", type=type(application_name).__name__)
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
            **self._monitoring_and_encryption(),
        }

    def _monitoring_and_encryption(self) -> dict[str, Any]:
        with self._lock:
            encryption, key_id = self._encryption
            out: dict[str, Any] = {"EnhancedMonitoring": [{"ShardLevelMetrics": sorted(self._metrics)}],
                                   "EncryptionType": encryption}
        if key_id is not None:
            out["KeyId"] = key_id
        return out

    def describe_summary(self) -> dict[str, Any]:
        """DescribeStreamSummary's StreamDescriptionSummary."""
        return {
            "StreamName": self.name,
            "StreamARN": self.arn,
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": self.mode},
            "RetentionPeriodHours": self.retention_period_hours,
            "StreamCreationTimestamp": self._core.created_timestamp,
            **self._monitoring_and_encryption(),
            "OpenShardCount": self._core.open_shard_count(),
            "ConsumerCount": len(self._fan_out),
            "MaxRecordSizeInKiB": self._core.max_record_size_kib,
        }

    @staticmethod
    def _shard_id(value: Any) -> str:
        if not isinstance(value, str):
            raise error(KINESIS, "wrong_type", at="shardId", kind="a str", type=type(value).__name__)
        check_unicode(KINESIS, shardId=value)
        return value


def _hash_key_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise error(KINESIS, "hash_key_type", type=type(value).__name__)
    check_unicode(KINESIS, newStartingHashKey=value)
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
