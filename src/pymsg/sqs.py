"""SQS: standard and FIFO queues.

:class:`Queue` is shaped like boto3's SQS resource with Python names; each method's docstring names
the AWS action it mirrors. The work happens in the C++ core (``pymsg._core``): these methods only
map keyword arguments onto it, so a send, a receive and a delete are one native call each.
"""

from __future__ import annotations

import collections.abc
import json
import math
import threading
from typing import TYPE_CHECKING, Any, Iterable, Mapping, NamedTuple, Sequence, Union

from . import _core
from .errors import QueueDoesNotExist
from .messages import SQS, error
from .messages import Message as TableEntry
from .policy import add_statement, remove_statement

if TYPE_CHECKING:
    from .broker import Broker

Message = _core.Message
SendResult = _core.SendResult

Body = Union[str, bytes]
MessageAttributes = Mapping[str, Mapping[str, Any]]

MAX_TAGS = 50


class BatchResultErrorEntry(NamedTuple):
    """A failed entry of a batch call (AWS's BatchResultErrorEntry)."""

    id: str
    code: str
    message: str
    sender_fault: bool


class BatchResult(NamedTuple):
    """The result of a batch call: per-entry successes and failures (HTTP 200 either way).

    ``successful`` holds :class:`SendResult` objects (with ``.id``) for ``send_batch``, and the
    entry ids for ``delete_batch`` and ``change_visibility_batch`` (AWS returns only the Id).
    For ``send_batch`` and ``delete_batch`` of Message objects it is a read-only sequence whose
    items are built on first access (most callers read only ``failed``); it compares equal to
    the list of its items, and ``list(successful)`` gives that list.
    """

    successful: Sequence[Any]
    failed: list[BatchResultErrorEntry]


_core._set_result_types(BatchResult=BatchResult, BatchResultErrorEntry=BatchResultErrorEntry)  # built in C
collections.abc.Sequence.register(_core.LazyResults)


def flag(value: Any, attribute: str) -> bool:
    """A boolean attribute: a bool, or AWS's own strings "true" and "false" (any case). Anything
    else is InvalidAttributeValue; bool("false") would have been True."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise error(SQS, "attribute_value", name=attribute)


def _seconds(value: Any, attribute: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise error(SQS, "seconds_type", name=attribute, value=repr(value))
    return float(value)


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


# The keywords of create_queue/set_attributes and the AWS attribute each one sets.
_ATTRIBUTE_NAMES = {
    "visibility_timeout": "VisibilityTimeout",
    "delay_seconds": "DelaySeconds",
    "message_retention_period": "MessageRetentionPeriod",
    "maximum_message_size": "MaximumMessageSize",
    "receive_message_wait_time_seconds": "ReceiveMessageWaitTimeSeconds",
    "dead_letter_queue": "RedrivePolicy",
    "max_receive_count": "RedrivePolicy",
    "content_based_deduplication": "ContentBasedDeduplication",
    "deduplication_scope": "DeduplicationScope",
    "fifo_throughput_limit": "FifoThroughputLimit",
}


# Attributes the core does not use, kept on the Python queue by AWS name: the keyword of each.
_SETTING_NAMES = {
    "policy": "Policy",
    "redrive_allow_policy": "RedriveAllowPolicy",
    "kms_master_key_id": "KmsMasterKeyId",
    "kms_data_key_reuse_period_seconds": "KmsDataKeyReusePeriodSeconds",
    "sqs_managed_sse_enabled": "SqsManagedSseEnabled",
}
MAX_PERMISSION_ACTIONS = 7


def check_settings(settings: Mapping[str, Any]) -> dict[str, str]:
    """The keywords of `_SETTING_NAMES` as AWS attribute strings; InvalidAttributeValue for a
    value AWS refuses. An empty string or None clears the attribute."""
    out: dict[str, str] = {}
    for keyword, value in settings.items():
        name = _SETTING_NAMES[keyword]
        if value is None or value == "":
            out[name] = ""
            continue
        if name in ("Policy", "RedriveAllowPolicy"):
            try:
                text = value if isinstance(value, str) else json.dumps(value)
                parsed = json.loads(text)
            except (TypeError, ValueError):  # not JSON, or a value json cannot write (bytes, object())
                parsed = None
            if not isinstance(parsed, dict):
                raise error(SQS, "attribute_value" if name == "Policy" else "redrive_allow_policy", name=name)
            if name == "RedriveAllowPolicy":
                permission = parsed.get("redrivePermission")
                sources = parsed.get("sourceQueueArns", [])
                if permission not in ("allowAll", "denyAll", "byQueue") or not isinstance(sources, list):
                    raise error(SQS, "redrive_allow_policy")
                if permission == "byQueue" and not sources:
                    raise error(SQS, "redrive_allow_by_queue", policy=text)
                if permission == "byQueue" and len(sources) > 10:
                    raise error(SQS, "redrive_allow_too_many", policy=text)
            out[name] = text
        elif name == "KmsDataKeyReusePeriodSeconds":
            if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() or not (
                    60 <= int(value) <= 86400):
                raise error(SQS, "attribute_value", name=name)
            out[name] = str(int(value))
        elif name == "SqsManagedSseEnabled":
            if not isinstance(value, bool) and str(value).lower() not in ("true", "false"):
                raise error(SQS, "attribute_value", name=name)
            out[name] = "true" if value is True or str(value).lower() == "true" else "false"
        else:
            if not isinstance(value, str):
                raise error(SQS, "setting_type", name=name)
            out[name] = value
    if out.get("KmsMasterKeyId") and out.get("SqsManagedSseEnabled") == "true":
        raise error(SQS, "sse_conflict")
    return out


def _invalid_label(label: str, reason: str) -> Exception:
    return error(SQS, "label", label=label, reason=reason)


def redrive_allowed(target: Queue, source_arn: str) -> None:
    """InvalidParameterValue if `target`'s RedriveAllowPolicy refuses `source_arn` as a source."""
    with target._lock:
        text = target._settings.get("RedriveAllowPolicy")
    if not text:
        return
    policy = json.loads(text)
    permission = policy.get("redrivePermission")
    if permission == "denyAll" or (permission == "byQueue" and source_arn not in policy.get("sourceQueueArns", [])):
        raise error(SQS, "redrive_not_allowed", arn=target.arn, source=source_arn)


def config_arguments(
    *,
    visibility_timeout: float,
    delay_seconds: float,
    message_retention_period: float,
    maximum_message_size: int,
    receive_message_wait_time_seconds: float,
    dead_letter_queue: Queue | str | None,
    max_receive_count: int | None,
    content_based_deduplication: bool,
    deduplication_scope: str,
    fifo_throughput_limit: str,
) -> dict[str, Any]:
    """Checks the Python types of queue attributes and maps them onto the core's arguments."""
    if isinstance(dead_letter_queue, Queue):
        target_arn = dead_letter_queue.arn
    elif isinstance(dead_letter_queue, str) or dead_letter_queue is None:
        target_arn = dead_letter_queue or ""
    else:
        raise error(SQS, "dead_letter_queue_type", type=type(dead_letter_queue).__name__)
    if max_receive_count is not None and (
        isinstance(max_receive_count, bool) or not isinstance(max_receive_count, int)
    ):
        raise error(SQS, "max_receive_count_type")
    if target_arn and max_receive_count is None:
        max_receive_count = 10  # AWS's documented default
    if not target_arn and max_receive_count is not None:
        raise error(SQS, "max_receive_count_alone")
    if (
        isinstance(maximum_message_size, bool)
        or not isinstance(maximum_message_size, int)
        or maximum_message_size < 0
    ):
        raise error(SQS, "maximum_message_size_type")
    maximum_message_size = min(maximum_message_size, 2**63 - 1)  # the core's range check names the limit
    for name, value in (("DeduplicationScope", deduplication_scope), ("FifoThroughputLimit", fifo_throughput_limit)):
        if not isinstance(value, str):
            raise error(SQS, "setting_type", name=name)
    return dict(
        visibility_timeout=_seconds(visibility_timeout, "VisibilityTimeout"),
        delay_seconds=_seconds(delay_seconds, "DelaySeconds"),
        message_retention_period=_seconds(message_retention_period, "MessageRetentionPeriod"),
        maximum_message_size=maximum_message_size,
        receive_message_wait_time_seconds=_seconds(
            receive_message_wait_time_seconds, "ReceiveMessageWaitTimeSeconds"
        ),
        dead_letter_target_arn=target_arn,
        # Saturated into uint32: the core's 1-1000 check then names what was wrong.
        max_receive_count=min(max(max_receive_count or 0, 0), 0xFFFFFFFF),
        content_based_deduplication=flag(content_based_deduplication, "ContentBasedDeduplication"),
        deduplication_scope=deduplication_scope,
        fifo_throughput_limit=fifo_throughput_limit,
    )


def check_tags(
    tags: Mapping[str, str] | None,
    existing: Mapping[str, str] | None = None,
    table: dict[str, TableEntry] = SQS,
    limit: int | None = MAX_TAGS,
    **resource: str,
) -> dict[str, str]:
    """Validates tags (keys 1-128, values 0-256 characters, at most `limit` per resource, None
    for the caller to check) and returns `existing` updated with them. Raises the service's
    entries of `table` (tags_type, tag_key, tag_value, tags_limit; `resource` fills in the
    names the limit's message gives)."""
    if tags is not None and not isinstance(tags, Mapping):
        raise error(table, "tags_type", type=type(tags).__name__)
    merged = dict(existing or {})
    for key, value in (tags or {}).items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise error(table, "tag_key", key=repr(key))
        if not isinstance(value, str) or len(value) > 256:
            raise error(table, "tag_value", key=repr(key))
        merged[key] = value
    if limit is not None and len(merged) > limit:
        raise error(table, "tags_limit", limit=limit, **resource)
    return merged


class Queue(_core.QueueHandle):
    """An SQS queue, standard or FIFO (FIFO when the name ends in ``.fifo``).

    Get one from :meth:`pymsg.Broker.create_queue` or :meth:`pymsg.Broker.get_queue`.
    Every method is thread-safe.
    """

    __slots__ = ("_core", "_broker", "_tags", "_settings", "_lock", "__weakref__")

    def __init__(self, broker: Broker, core: _core.Queue, tags: Mapping[str, str] | None = None) -> None:
        super().__init__(core)
        self._core = core
        self._broker = broker
        self._tags: dict[str, str] = dict(tags or {})
        self._settings: dict[str, str] = {}  # Policy, RedriveAllowPolicy, the SSE ones: by AWS name
        self._lock = threading.Lock()

    # --- identity ---------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """QueueName."""
        return self._core.name

    @property
    def url(self) -> str:
        """QueueUrl: ``https://sqs.<region>.amazonaws.com/<account>/<name>``."""
        return self._core.url

    @property
    def arn(self) -> str:
        """QueueArn: ``arn:aws:sqs:<region>:<account>:<name>``."""
        return self._core.arn

    @property
    def fifo(self) -> bool:
        """Whether this is a FIFO queue."""
        return self._core.fifo

    def __repr__(self) -> str:
        return f"Queue({self.name!r})"

    # --- messages ---------------------------------------------------------------------------
    # send, send_batch, receive, delete, delete_batch, change_visibility and
    # change_visibility_batch are inherited from _core.QueueHandle (C, src/cpp/bindings/sqs_hot.cpp)
    # so that a call runs no Python frame; their signatures are in _core.pyi and help().

    def purge(self) -> None:
        """PurgeQueue: delete every message, in flight or not (once per 60 s with strict timing)."""
        self._core.purge()
        _core.commit_pending()

    # --- attributes -------------------------------------------------------------------------

    def attributes(self) -> dict[str, str]:
        """GetQueueAttributes(All): AWS attribute names, values as strings as AWS sends them."""
        config = self._core.config()
        visible, in_flight, delayed = self._core.counts()
        out = {
            "QueueArn": self.arn,
            "ApproximateNumberOfMessages": str(visible),
            "ApproximateNumberOfMessagesNotVisible": str(in_flight),
            "ApproximateNumberOfMessagesDelayed": str(delayed),
            "CreatedTimestamp": str(int(self._core.created_timestamp)),
            "LastModifiedTimestamp": str(int(self._core.last_modified_timestamp)),
            "VisibilityTimeout": _format_number(config.visibility_timeout),
            "MaximumMessageSize": str(config.maximum_message_size),
            "MessageRetentionPeriod": _format_number(config.message_retention_period),
            "DelaySeconds": _format_number(config.delay_seconds),
            "ReceiveMessageWaitTimeSeconds": _format_number(config.receive_message_wait_time_seconds),
        }
        if config.dead_letter_target_arn:
            out["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": config.dead_letter_target_arn, "maxReceiveCount": config.max_receive_count}
            )
        if self.fifo:
            out["FifoQueue"] = "true"
            out["ContentBasedDeduplication"] = "true" if config.content_based_deduplication else "false"
            out["DeduplicationScope"] = config.deduplication_scope
            out["FifoThroughputLimit"] = config.fifo_throughput_limit
        with self._lock:
            settings = dict(self._settings)
        # SQS-managed encryption is on for new queues unless a KMS key is chosen (AWS's default since 2022).
        out["SqsManagedSseEnabled"] = settings.pop("SqsManagedSseEnabled", "false" if "KmsMasterKeyId" in settings
                                                   else "true")
        out.update(settings)
        return out

    def set_attributes(self, **attributes: Any) -> None:
        """SetQueueAttributes with the keywords of :meth:`pymsg.Broker.create_queue` (except
        ``tags``); unnamed attributes keep their values. Validates all before changing any."""
        unknown = sorted(set(attributes) - set(_ATTRIBUTE_NAMES) - set(_SETTING_NAMES))
        if unknown:
            raise error(SQS, "unknown_attribute", name=unknown[0])
        settings = check_settings({k: attributes.pop(k) for k in list(attributes) if k in _SETTING_NAMES})
        target = attributes.get("dead_letter_queue")
        if target:
            try:
                redrive_allowed(target if isinstance(target, Queue) else self._broker.get_queue_by_arn(target), self.arn)
            except QueueDoesNotExist:
                pass  # the core names the missing target
        if attributes:
            self._set_config(attributes)
        self._apply_settings(settings)

    def _apply_settings(self, settings: Mapping[str, str]) -> None:
        with self._lock:
            for name, value in settings.items():
                if value:
                    self._settings[name] = value
                else:
                    self._settings.pop(name, None)
            self._journal_meta()

    def add_permission(self, label: str, account_ids: Sequence[str], actions: Sequence[str]) -> None:
        """AddPermission: a statement named `label` in the queue's Policy letting `account_ids`
        call `actions` (SQS action names such as "SendMessage", or "*"; at most 7, OverLimit)."""
        self._check_alive()
        if isinstance(actions, Sequence) and len(actions) > MAX_PERMISSION_ACTIONS:
            raise error(SQS, "permission_actions", count=len(actions), most=MAX_PERMISSION_ACTIONS)
        with self._lock:
            current = self._settings.get("Policy") or json.dumps(
                {"Version": "2012-10-17", "Id": f"{self.arn}/SQSDefaultPolicy", "Statement": []})
            self._settings["Policy"] = add_statement(current, label, account_ids, actions, "SQS", self.arn,
                                                     _invalid_label)
            self._journal_meta()

    def remove_permission(self, label: str) -> None:
        """RemovePermission: drops the Policy statement named `label` (InvalidParameterValue if none)."""
        self._check_alive()
        with self._lock:
            self._settings["Policy"] = remove_statement(self._settings.get("Policy") or "{}", label, _invalid_label)
            self._journal_meta()

    def _set_config(self, attributes: Mapping[str, Any]) -> None:
        current = self._core.config()
        settings: dict[str, Any] = {
            "visibility_timeout": current.visibility_timeout,
            "delay_seconds": current.delay_seconds,
            "message_retention_period": current.message_retention_period,
            "maximum_message_size": current.maximum_message_size,
            "receive_message_wait_time_seconds": current.receive_message_wait_time_seconds,
            "dead_letter_queue": current.dead_letter_target_arn or None,
            "max_receive_count": current.max_receive_count or None,
            "content_based_deduplication": current.content_based_deduplication,
            "deduplication_scope": current.deduplication_scope,
            "fifo_throughput_limit": current.fifo_throughput_limit,
        }
        if "dead_letter_queue" in attributes and not attributes["dead_letter_queue"]:
            settings["max_receive_count"] = None  # clearing the redrive policy clears both
        settings.update(attributes)
        self._broker._core.set_queue_config(self._core, **config_arguments(**settings))
        _core.commit_pending()

    def dead_letter_source_queues(self) -> list[Queue]:
        """ListDeadLetterSourceQueues: the queues whose redrive policy targets this one."""
        return [self._broker._wrap(q) for q in self._broker._core.dead_letter_source_queues(self._core)]

    # --- tags -------------------------------------------------------------------------------

    def _journal_meta(self) -> None:
        """With a data directory: logs the tags and settings (whole, so the last record wins).
        Called holding self._lock, so the records come in the order of the changes."""
        durability = self._broker._durability
        if durability is not None:
            durability.log_queue_meta(self._broker, self.name, self._tags, self._settings)

    def _check_alive(self) -> None:
        if self._core.deleted:
            raise error(SQS, "queue_does_not_exist")

    def tags(self) -> dict[str, str]:
        """ListQueueTags."""
        self._check_alive()
        with self._lock:
            return dict(self._tags)

    def tag(self, tags: Mapping[str, str]) -> None:
        """TagQueue: add or overwrite tags."""
        self._check_alive()
        with self._lock:
            self._tags = check_tags(tags, self._tags, name=self.name)
            self._journal_meta()

    def untag(self, keys: Iterable[str]) -> None:
        """UntagQueue: remove tags by key."""
        self._check_alive()
        if isinstance(keys, str):  # a str is an iterable of one-character keys: surely not meant
            raise error(SQS, "tag_keys_str")
        keys = list(keys) if isinstance(keys, Iterable) else []
        if not keys:
            raise error(SQS, "missing_parameter", name="TagKeys")
        with self._lock:
            for key in keys:
                self._tags.pop(key, None)
            self._journal_meta()
