"""The broker: one in-process home for queues, with its clock, region, account and limits."""

from __future__ import annotations

import os
import re
import threading
from typing import Any, Mapping, Optional

from . import _core
from .cache import Cache, MsgpackCache
from .clock import ManualClock, _Hook
from .durability import DataDirectory
from .sns import Deliveries, Topic
from .http_targets import HttpTargets
from .errors import (
    PymsgError,
    QueueDoesNotExist,
    ResourceNotFoundException,
)
from .kinesis import Stream
from .messages import BROKER, CACHE, KINESIS, SNS, SQS, check_unicode, error, lone_surrogate
from .sns_mobile import Mobile
from .sqs import Queue, check_settings, check_tags, config_arguments, redrive_allowed
from .sqs_move import MoveTasks

_ACCOUNT = re.compile(r"\d{12}")
REGION_NAME = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")  # us-east-1, ap-southeast-5, us-gov-west-1
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's, so that tests written for moto find the ARNs they expect


def default_account_id() -> str:
    """The account a broker acts in when none is given: ``PYMSG_ACCOUNT_ID``, else moto's
    ``MOTO_ACCOUNT_ID``, else 123456789012. Read each time, so a test can set it."""
    return os.environ.get("PYMSG_ACCOUNT_ID") or os.environ.get("MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID


class Broker:
    """An in-process broker with AWS semantics.

    ``clock`` drives every timer (visibility, delay, retention, deduplication, long polls);
    give a :class:`pymsg.ManualClock` to test time-dependent behaviour without sleeping.
    ``strict_limits=False`` lifts AWS's count and size limits (10 per batch, 1 MiB messages)
    for in-process speed work. ``strict_timing=False`` turns off the 60-second
    PurgeQueueInProgress and QueueDeletedRecently windows, as moto does. ``quotas`` overrides
    the account quotas (see :attr:`quotas`), which bound what a runaway client can create.
    ``account_id`` defaults to :func:`default_account_id` (123456789012 unless the environment
    names another).

    ``data_dir`` (an existing directory) makes the broker durable: it recovers what the
    directory holds, then logs every change before the call returns, synced as ``fsync`` says
    ("always": on the disk before the call returns, concurrent calls sharing one sync;
    "everysec": a crash loses at most about the last second; "no": the OS decides). The log is
    cut in ``segment_bytes`` files and compacted by a checkpoint once it outgrows
    ``auto_checkpoint_bytes`` (0: only :meth:`checkpoint` and :meth:`close`). Close the broker
    (or use it as a context manager) to release the directory. See :mod:`pymsg.durability` for
    what is kept. ``http_targets`` says where HTTP(S) subscriptions may deliver (by default not
    to link-local or instance-metadata addresses; see :class:`pymsg.HttpTargets`). Thread-safe.
    """

    def __init__(
        self,
        clock: _core.Clock | None = None,
        *,
        region: str = "us-east-1",
        account_id: str | None = None,
        strict_limits: bool = True,
        strict_timing: bool = True,
        quotas: Mapping[str, int] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        fsync: str = "everysec",
        segment_bytes: int = 64 << 20,
        auto_checkpoint_bytes: int = 64 << 20,
        http_targets: HttpTargets | None = None,
    ) -> None:
        self._clock = clock if clock is not None else _core.SystemClock()
        if account_id is None:
            account_id = default_account_id()
        if not isinstance(account_id, str) or not _ACCOUNT.fullmatch(account_id):
            raise error(BROKER, "account_id", value=repr(account_id))
        self._core = _core.Broker(self._clock, region, account_id, bool(strict_limits), bool(strict_timing),
                                  _check_quotas(quotas))
        if http_targets is None:
            http_targets = HttpTargets()
        elif not isinstance(http_targets, HttpTargets):
            raise error(BROKER, "http_targets_type", type=type(http_targets).__name__)
        self._http_targets = http_targets
        self._options = {"strict_limits": strict_limits, "strict_timing": strict_timing, "quotas": quotas,
                         "http_targets": http_targets}
        # Every (account, region) this broker's family serves, this one included (see scope()).
        self._family: dict[tuple[str, str], Broker] = {(account_id, region): self}
        self._family_lock = threading.Lock()
        self._queues: dict[str, Queue] = {}  # one wrapper per live queue, by name
        self._streams: dict[str, Stream] = {}  # one wrapper per live stream, by name
        self._caches: dict[str, Cache] = {}  # one wrapper per cache, by name
        self._topics: dict[str, Topic] = {}  # one wrapper per live topic, by name
        self._moves = MoveTasks(self)
        self._sns = Deliveries(self)
        self._mobile = Mobile(self)  # SMS, email and push: recorded, not sent
        self._sns_hook = _Hook(self._sns.run_due)  # retries run when a manual clock moves
        if isinstance(self._clock, ManualClock):
            self._clock._add_hook(self._sns_hook)
        self._lock = threading.Lock()
        self._durability: DataDirectory | None = None
        if data_dir is not None:
            self._open_data_dir(data_dir, fsync, segment_bytes, auto_checkpoint_bytes)

    def _open_data_dir(self, data_dir: Any, fsync: str, segment_bytes: Any, auto_checkpoint_bytes: Any) -> None:
        if not isinstance(data_dir, (str, os.PathLike)):
            raise error(BROKER, "data_dir_type", type=type(data_dir).__name__)
        if isinstance(segment_bytes, bool) or not isinstance(segment_bytes, int) or not 4096 <= segment_bytes <= 1 << 40:
            raise error(BROKER, "segment_bytes", value=repr(segment_bytes))
        if isinstance(auto_checkpoint_bytes, bool) or not isinstance(auto_checkpoint_bytes, int) \
                or auto_checkpoint_bytes < 0:
            raise error(BROKER, "auto_checkpoint_bytes", value=repr(auto_checkpoint_bytes))
        durability = DataDirectory(self, os.fspath(data_dir), fsync, segment_bytes, auto_checkpoint_bytes)
        for broker in self.scopes():  # the snapshot's and the log's scopes are made by now
            durability.attach(broker)
            broker._durability = durability

    @property
    def data_dir(self) -> str | None:
        """The data directory (Broker(data_dir=...)), or None: an in-memory broker."""
        return self._durability.path if self._durability is not None else None

    def checkpoint(self) -> None:
        """With a data directory: a snapshot, then the log segments it covers deleted (the log
        then holds only what came after). Other threads go on meanwhile. A no-op without one."""
        if self._durability is not None:
            self._durability.checkpoint()

    def close(self) -> None:
        """With a data directory: a checkpoint, then the log closed and the directory released
        (later changes raise). Idempotent; a no-op without one."""
        durability = self._durability
        if durability is not None:
            for broker in self.scopes():
                broker._durability = None
            durability.close()

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def clock(self) -> _core.Clock:
        return self._clock

    @property
    def region(self) -> str:
        return self._core.region

    @property
    def account_id(self) -> str:
        return self._core.account_id

    def scope(self, account_id: str | None = None, region: str | None = None) -> Broker:
        """The broker of another account or region. AWS keeps every resource in one (account,
        region): a queue made in us-west-2 is not listed in eu-west-1. Each scope is one broker,
        made on first use with this one's clock, limits and quotas and shared by the whole family
        (``a.scope(x).scope(y)`` is ``a.scope(y)``); ``pymsg serve`` and ``mock_aws`` pick it from
        each request's credentials."""
        key = (account_id or self.account_id, region or self.region)
        if key == (self.account_id, self.region):
            return self
        if not (isinstance(key[0], str) and isinstance(key[1], str) and _ACCOUNT.fullmatch(key[0])
                and REGION_NAME.fullmatch(key[1])):
            raise error(BROKER, "no_such_scope", account=repr(key[0]), region=repr(key[1]))
        with self._family_lock:
            broker = self._family.get(key)
            if broker is None:
                broker = Broker(self._clock, region=key[1], account_id=key[0], **self._options)
                broker._family, broker._family_lock = self._family, self._family_lock
                if self._durability is not None:
                    self._durability.attach(broker)
                    broker._durability = self._durability
                self._family[key] = broker
            return broker

    def find_scope(self, account_id: str | None = None, region: str | None = None) -> Broker | None:
        """The broker of a scope made before (see scope()), or None: for lookups by a URL or ARN,
        which must not make a broker for any account a request names."""
        key = (account_id or self.account_id, region or self.region)
        with self._family_lock:
            return self._family.get(key)

    def scopes(self) -> list[Broker]:
        """Every broker of the family made so far (this one among them), by (account, region)."""
        with self._family_lock:
            return [self._family[k] for k in sorted(self._family)]

    def wake_long_polls(self) -> None:
        """Ends every long poll waiting on a queue of the family now: each returns what it has,
        usually nothing, as a receive does when its queue is deleted. For shutting a server down."""
        for broker in self.scopes():
            for queue in broker.list_queues():
                queue._core.wake_long_polls()

    def find_queue_by_arn(self, arn: str) -> Queue:
        """The queue an ARN names in any account and region of the family (get_queue_by_arn looks
        in this broker's only); raises QueueDoesNotExist."""
        parts = arn.split(":") if isinstance(arn, str) else []
        if len(parts) == 6 and parts[2] == "sqs" and (parts[4], parts[3]) != (self.account_id, self.region):
            owner = self.find_scope(parts[4], parts[3])
            if owner is None:
                raise error(SQS, "queue_does_not_exist")
            return owner.get_queue_by_arn(arn)
        return self.get_queue_by_arn(arn)

    @property
    def strict_limits(self) -> bool:
        return self._core.strict_limits

    @property
    def quotas(self) -> dict[str, int]:
        """The account quotas in force. AWS's defaults where AWS has one: 100,000 standard and 1,000
        FIFO topics (TopicLimitExceeded past them), 50 ON_DEMAND streams and 20,000 open shards in
        us-east-1, us-west-2 and eu-west-1, 1,000 elsewhere (LimitExceededException). AWS sets no
        queue quota; pymsg allows 100,000 queues (OverLimit past them)."""
        return dict(self._core.quotas)

    def describe_kinesis_limits(self) -> dict[str, int]:
        """Kinesis DescribeLimits: the shard and ON_DEMAND stream quotas and their use."""
        open_shards, on_demand = self._core.kinesis_usage()
        quotas = self._core.quotas
        return {"ShardLimit": quotas["shards"], "OpenShardCount": open_shards,
                "OnDemandStreamCount": on_demand, "OnDemandStreamCountLimit": quotas["on_demand_streams"]}

    def _wrap(self, core: _core.Queue, tags: Mapping[str, str] | None = None) -> Queue:
        with self._lock:
            queue = self._queues.get(core.name)
            if queue is None or queue._core is not core:
                queue = self._queues[core.name] = Queue(self, core, tags)
            return queue

    # --- SQS ------------------------------------------------------------------------------

    def create_queue(
        self,
        name: str,
        *,
        visibility_timeout: float = 30,
        delay_seconds: float = 0,
        message_retention_period: float = 345600,
        maximum_message_size: int = 1048576,
        receive_message_wait_time_seconds: float = 0,
        dead_letter_queue: Queue | str | None = None,
        max_receive_count: int | None = None,
        content_based_deduplication: bool = False,
        deduplication_scope: str = "queue",
        fifo_throughput_limit: str = "perQueue",
        tags: Mapping[str, str] | None = None,
        policy: str | Mapping[str, Any] | None = None,
        redrive_allow_policy: str | Mapping[str, Any] | None = None,
        kms_master_key_id: str | None = None,
        kms_data_key_reuse_period_seconds: int | None = None,
        sqs_managed_sse_enabled: bool | None = None,
    ) -> Queue:
        """CreateQueue. A name ending in ``.fifo`` makes a FIFO queue. Creating an existing queue
        with the same attributes returns it; with different ones raises QueueNameExists.
        ``dead_letter_queue`` (a Queue or its ARN) and ``max_receive_count`` (default 10) form
        the RedrivePolicy, which the target's ``redrive_allow_policy`` may refuse. ``policy``
        and the SSE settings are kept and returned by ``attributes()``, not enforced."""
        if not isinstance(name, str):
            raise error(SQS, "str_type", name="QueueName", type=type(name).__name__)
        check_unicode(SQS, QueueName=name, RedrivePolicy=dead_letter_queue, DeduplicationScope=deduplication_scope,
                      FifoThroughputLimit=fifo_throughput_limit)
        checked_tags = check_tags(tags, name=name)
        settings = check_settings({k: v for k, v in (
            ("policy", policy), ("redrive_allow_policy", redrive_allow_policy), ("kms_master_key_id", kms_master_key_id),
            ("kms_data_key_reuse_period_seconds", kms_data_key_reuse_period_seconds),
            ("sqs_managed_sse_enabled", sqs_managed_sse_enabled)) if v is not None})
        if dead_letter_queue:
            try:
                target = dead_letter_queue if isinstance(dead_letter_queue, Queue) else self.get_queue_by_arn(
                    dead_letter_queue)
            except QueueDoesNotExist:
                pass  # the core names the missing target
            else:
                redrive_allowed(target, f"arn:aws:sqs:{self.region}:{self.account_id}:{name}")
        with self._lock:
            prior = self._queues.get(name)
        core = self._core.create_queue(
            name,
            **config_arguments(
                visibility_timeout=visibility_timeout,
                delay_seconds=delay_seconds,
                message_retention_period=message_retention_period,
                maximum_message_size=maximum_message_size,
                receive_message_wait_time_seconds=receive_message_wait_time_seconds,
                dead_letter_queue=dead_letter_queue,
                max_receive_count=max_receive_count,
                content_based_deduplication=content_based_deduplication,
                deduplication_scope=deduplication_scope,
                fifo_throughput_limit=fifo_throughput_limit,
            ),
        )
        queue = self._wrap(core, checked_tags)
        if prior is not None and prior._core is core:  # it existed: the settings must match too
            with queue._lock:
                differs = [k for k, v in settings.items() if queue._settings.get(k, "") != v]
            if differs:
                raise error(SQS, "queue_exists", name=differs[0])  # check_settings keys by AWS name
        else:
            with queue._lock:
                queue._journal_meta()  # the tags given at creation (_apply_settings logs the settings)
            queue._apply_settings(settings)
        _core.commit_pending()
        return queue

    def get_queue(self, name: str) -> Queue:
        """GetQueueUrl by name; raises QueueDoesNotExist."""
        return self._wrap(self._core.get_queue(self._name(name)))

    def get_queue_by_url(self, url: str) -> Queue:
        """The queue a URL names (``.../<account>/<name>``, any host); raises QueueDoesNotExist."""
        return self._wrap(self._core.get_queue_by_url(self._name(url)))

    def get_queue_by_arn(self, arn: str) -> Queue:
        """The queue an ARN names; raises QueueDoesNotExist."""
        return self._wrap(self._core.get_queue_by_arn(self._name(arn)))

    def list_queues(self, prefix: str = "") -> list[Queue]:
        """ListQueues: queues whose name starts with ``prefix``, in name order."""
        return [self._wrap(q) for q in self._core.list_queues(self._name(prefix))]

    def start_message_move_task(self, source: Queue | str, destination: Queue | str | None = None, *,
                                max_messages_per_second: int | None = None) -> str:
        """StartMessageMoveTask: redrive a dead-letter queue (a Queue or its ARN) to
        ``destination``, or each message back to the queue it came from; at most
        ``max_messages_per_second`` (1-500) of broker-clock time, all at once without one.
        Returns the TaskHandle. One running task per queue (InvalidParameterValue)."""
        return self._moves.start(_arn(source), None if destination is None else _arn(destination),
                                 max_messages_per_second)

    def list_message_move_tasks(self, source: Queue | str, max_results: int = 1) -> list[dict[str, Any]]:
        """ListMessageMoveTasks: the latest ``max_results`` (1-10) tasks of a source queue,
        newest first, as AWS's result entries (Status, ApproximateNumberOfMessagesMoved, ...)."""
        return self._moves.list(_arn(source), max_results)

    def cancel_message_move_task(self, task_handle: str) -> int:
        """CancelMessageMoveTask: stops a running task; returns how many messages it moved."""
        return self._moves.cancel(task_handle)

    def delete_queue(self, queue: Queue | str) -> None:
        """DeleteQueue by name (or Queue). Its messages are gone and later calls on it raise
        QueueDoesNotExist; the name can be reused after 60 seconds (strict timing)."""
        name = queue.name if isinstance(queue, Queue) else self._name(queue)
        self._core.delete_queue(name)
        _core.commit_pending()
        with self._lock:
            self._queues.pop(name, None)

    @staticmethod
    def _name(value: Any) -> str:
        if not isinstance(value, str):
            raise error(SQS, "queue_name_type", value=repr(value))
        if lone_surrogate(value) >= 0:
            raise error(SQS, "queue_does_not_exist")  # a lone surrogate: no queue has such a name
        return value

    # --- Kinesis --------------------------------------------------------------------------

    def _wrap_stream(self, core: _core.Stream, tags: Mapping[str, str] | None = None) -> Stream:
        with self._lock:
            stream = self._streams.get(core.name)
            if stream is None or stream._core is not core:
                stream = self._streams[core.name] = Stream(self, core, tags)
            return stream

    def create_stream(
        self,
        name: str,
        shard_count: int = 1,
        *,
        mode: str = "PROVISIONED",
        retention_period_hours: int = 24,
        enforce_limits: bool = True,
        max_record_size_kib: int = 1024,
        tags: Mapping[str, str] | None = None,
    ) -> Stream:
        """CreateStream: ``shard_count`` shards over equal hash-key ranges (an ON_DEMAND stream
        starts with 4, as AWS's). ``enforce_limits`` models the per-shard throughput limits
        (1 MiB/s and 1,000 records/s written, 5 reads and 2 MiB/s read) on the broker clock;
        ON_DEMAND streams scale on AWS, so they are never throttled here. Raises
        ResourceInUseException when the name exists. The stream is ACTIVE at once."""
        for value, what in ((name, "streamName"), (mode, "streamModeDetails.streamMode")):
            if not isinstance(value, str):
                raise error(KINESIS, "wrong_type", at=what, kind="a str", type=type(value).__name__)
        check_unicode(KINESIS, streamName=name, **{"streamModeDetails.streamMode": mode})
        checked_tags = check_tags(tags, None, KINESIS, name=name, account=self.account_id)
        core = self._core.create_stream(
            name,
            _count(shard_count, "shardCount"),
            mode,
            _count(retention_period_hours, "retentionPeriodHours"),
            bool(enforce_limits),
            _count(max_record_size_kib, "maxRecordSizeInKiB"),
        )
        stream = self._wrap_stream(core, checked_tags)
        if checked_tags:
            stream._journal()
        return stream

    def get_stream(self, name_or_arn: str) -> Stream:
        """The stream a name or ARN names; raises ResourceNotFoundException."""
        return self._wrap_stream(self._core.get_stream(self._stream_name(name_or_arn)))

    def list_streams(self) -> list[Stream]:
        """ListStreams: every stream, in name order."""
        out = []
        for name in self._core.list_streams():
            try:
                out.append(self.get_stream(name))
            except ResourceNotFoundException:  # deleted meanwhile
                continue
        return out

    def delete_stream(self, stream: Stream | str) -> None:
        """DeleteStream by name, ARN or Stream: its records are gone and later calls on it raise
        ResourceNotFoundException; the name can be reused at once."""
        name = stream.name if isinstance(stream, Stream) else self._stream_name(stream)
        self._core.delete_stream(name)
        with self._lock:
            self._streams.pop(name.rsplit("/", 1)[-1] if name.startswith("arn:") else name, None)

    # --- SNS ------------------------------------------------------------------------------

    def _wrap_topic(self, core: _core.Topic) -> Topic:
        with self._lock:
            topic = self._topics.get(core.name)
            if topic is None or topic._core is not core:
                topic = self._topics[core.name] = Topic(self, core)
            return topic

    def create_topic(
        self, name: str, *, content_based_deduplication: bool = False, attributes: Optional[Mapping[str, str]] = None
    ) -> Topic:
        """CreateTopic (FIFO when the name ends in ``.fifo``). Idempotent: the same name returns
        the same topic; with other settings it raises InvalidParameter. ``attributes`` takes
        AWS names (DisplayName, FifoTopic, ContentBasedDeduplication)."""
        if not isinstance(name, str):
            raise error(SNS, "topic_name_type", type=type(name).__name__)
        check_unicode(SNS, Name=name)
        if attributes is not None and not isinstance(attributes, Mapping):
            raise error(SNS, "attributes_mapping", type=type(attributes).__name__)
        attrs = dict(attributes or {})
        display_name = attrs.pop("DisplayName", "")
        if "ContentBasedDeduplication" in attrs:
            content_based_deduplication = attrs.pop("ContentBasedDeduplication")
        if not isinstance(content_based_deduplication, bool):  # bool("false") would have been True
            text = str(content_based_deduplication).lower()
            if text not in ("true", "false"):
                raise error(SNS, "content_based_deduplication")
            content_based_deduplication = text == "true"
        fifo = attrs.pop("FifoTopic", None)
        if fifo is not None and (str(fifo).lower() == "true") != name.endswith(".fifo"):
            raise error(SNS, "topic_name")  # as CreateTopic answers either mismatch
        if attrs:
            raise error(SNS, "topic_attribute_unknown", name=sorted(attrs)[0])
        core = self._core.create_topic(name, bool(content_based_deduplication), str(display_name))
        topic = self._wrap_topic(core)
        topic._journal()
        return topic

    def sent_sms(self, *, clear: bool = False) -> list[dict[str, Any]]:
        """The SMS messages SNS sent (to sms subscriptions, or by Publish with a PhoneNumber),
        oldest first: dicts with PhoneNumber, Message, MessageId and, from a topic, TopicArn and
        SubscriptionArn. pymsg records them instead of sending; ``clear`` empties the record."""
        return self._mobile.sent("sms", clear)

    def sent_emails(self, *, clear: bool = False) -> list[dict[str, Any]]:
        """The emails SNS sent to email and email-json subscriptions (the confirmation requests
        among them, with their Token): dicts with Endpoint, Body, Type, TopicArn and
        SubscriptionArn, oldest first."""
        return self._mobile.sent("email", clear)

    def push_messages(self, *, clear: bool = False) -> list[dict[str, Any]]:
        """The mobile push messages SNS sent to platform endpoints: dicts with TargetArn, Message
        and MessageId, oldest first."""
        return self._mobile.sent("push", clear)

    def opt_out_phone_number(self, phone_number: str) -> None:
        """Marks a phone number opted out of SMS, as a recipient replying STOP does on AWS
        (CheckIfPhoneNumberIsOptedOut and ListPhoneNumbersOptedOut then name it)."""
        self._mobile.opt_out(phone_number)

    def get_topic(self, name_or_arn: str) -> Topic:
        """The topic a name or ARN names; raises NotFound."""
        if not isinstance(name_or_arn, str):
            raise error(SNS, "topic_missing")
        check_unicode(SNS, TopicArn=name_or_arn)
        return self._wrap_topic(self._core.get_topic(name_or_arn))

    def list_topics(self) -> list[Topic]:
        """ListTopics, in name order."""
        return [self._wrap_topic(t) for t in self._core.list_topics()]

    def delete_topic(self, topic: Topic | str) -> None:
        """DeleteTopic with its subscriptions; deleting a missing topic is not an error."""
        name = topic.arn if isinstance(topic, Topic) else topic
        if not isinstance(name, str):
            return
        check_unicode(SNS, TopicArn=name)
        try:
            deleted: Topic | None = self.get_topic(name)
        except PymsgError:  # missing (no error) or malformed (the core's delete says so)
            deleted = None
        self._core.delete_topic(name)
        with self._lock:
            for key in [k for k, t in self._topics.items() if t._core.deleted]:
                del self._topics[key]
        if deleted is not None:
            deleted._journal()  # the topic is gone: the record says so

    # --- cache ----------------------------------------------------------------------------

    def create_cache(
        self,
        name: str = "default",
        *,
        max_memory: Optional[int] = None,
        max_items: Optional[int] = None,
        default_ttl: Optional[float] = None,
        eviction_policy: str = "allkeys-lru",
        codec: Optional[str] = None,
        shards: int = 16,
    ) -> Cache:
        """An ElastiCache-style cache. ``max_memory`` bounds its used_memory in bytes (keys, values
        and per-entry overhead, as the allocator rounds them) and ``max_items`` its entries; a
        write evicts per ``eviction_policy`` (Redis's names; ``allkeys-lru`` here, while
        ElastiCache's default parameter group uses ``volatile-lru``) or, with ``noeviction``,
        raises OutOfMemoryError. ``default_ttl`` (seconds) applies to sets without a ttl.
        ``codec="msgpack"`` stores any msgpack-serialisable value. Raises
        CacheClusterAlreadyExists when the name is taken."""
        if not isinstance(name, str):
            raise error(CACHE, "cache_name_type", type=type(name).__name__)
        if codec not in (None, "msgpack"):
            raise error(CACHE, "codec", codec=repr(codec))
        if default_ttl is not None and (
            isinstance(default_ttl, bool) or not isinstance(default_ttl, (int, float)) or not default_ttl > 0
        ):
            raise error(CACHE, "default_ttl", ttl=repr(default_ttl))
        if not isinstance(eviction_policy, str):
            raise error(CACHE, "eviction_policy_type", type=type(eviction_policy).__name__)
        check_unicode(CACHE, name=name, eviction_policy=eviction_policy)
        core = self._core.create_cache(
            name,
            _cache_count(max_memory, "max_memory"),
            _cache_count(max_items, "max_items"),
            float(default_ttl or 0),
            eviction_policy,
            min(_cache_count(shards, "shards"), 1 << 16),  # the core uses at most 1,024
        )
        cache = self._wrap_cache(core, codec)
        if codec is not None and self._durability is not None:
            self._durability.log_cache_codec(self, name, codec)
        return cache

    def _wrap_cache(self, core: _core.Cache, codec: Optional[str]) -> Cache:
        cache = (MsgpackCache if codec == "msgpack" else Cache)(self, core)
        with self._lock:
            self._caches[core.name] = cache
        return cache

    def _cache_codec(self, name: str) -> Optional[str]:
        """The codec the cache of that name was made with (None: bytes)."""
        with self._lock:
            cache = self._caches.get(name)
        return cache.codec if cache is not None else None

    def get_cache(self, name: str = "default") -> Cache:
        """The cache of that name; raises CacheClusterNotFound."""
        with self._lock:
            cache = self._caches.get(name) if isinstance(name, str) else None
        if cache is None or cache._core is not self._core.get_cache(name):
            raise error(CACHE, "cache_not_found", name=name)
        return cache

    def delete_cache(self, cache: Cache | str = "default") -> None:
        """Deletes a cache and frees its entries; later calls on it raise CacheClusterNotFound."""
        name = cache.name if isinstance(cache, Cache) else cache
        if not isinstance(name, str):
            raise error(CACHE, "cache_not_found", name=name)
        check_unicode(CACHE, name=name)
        self._core.delete_cache(name)
        with self._lock:
            self._caches.pop(name, None)

    @staticmethod
    def _stream_name(value: Any) -> str:
        if not isinstance(value, str):
            raise error(KINESIS, "stream_name_type", name=repr(value))
        check_unicode(KINESIS, streamName=value)
        return value


def _arn(queue: Queue | str) -> str:
    return queue.arn if isinstance(queue, Queue) else queue


def _cache_count(value: Any, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise error(CACHE, "cache_limit", name=name, value=repr(value))
    return min(value, 2**63)


def _count(value: Any, name: str) -> int:
    """An int parameter clamped into the core's unsigned range (its own checks name the limits)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(KINESIS, "wrong_type", at=name, kind="an int", type=type(value).__name__)
    return min(max(value, 0), 2**31 - 1)


def _check_quotas(quotas: Mapping[str, int] | None) -> dict[str, int]:
    if quotas is None:
        return {}
    if not isinstance(quotas, Mapping):
        raise error(BROKER, "quotas_type", type=type(quotas).__name__)
    for name, value in quotas.items():
        if not isinstance(name, str):
            raise error(BROKER, "quota_name_type", name=repr(name))
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
            raise error(BROKER, "quota_value", name=repr(name), value=repr(value))
    return dict(quotas)
