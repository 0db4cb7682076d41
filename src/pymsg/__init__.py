"""pymsg: an in-process message broker with AWS semantics and a C++ core.

Quick use::

    import pymsg
    broker = pymsg.Broker()
    queue = broker.create_queue("jobs")
    queue.send("hello")
    for message in queue.receive(10):
        message.delete()
"""

from __future__ import annotations

from . import errors  # first: the native module looks its exception classes up here
from ._core import Clock, Message, SendResult, SystemClock
from ._core import __version__ as __version__
from .broker import Broker, default_account_id
from .clock import ManualClock
from .http_targets import HttpTargets
from .cache import Cache, MsgpackCache
from .errors import *  # noqa: F403
from .kinesis import (
    ChildShard,
    GetRecordsResult,
    HashKeyRange,
    PutRecordResult,
    PutRecordsResult,
    PutRecordsResultEntry,
    Record,
    SequenceNumberRange,
    Shard,
    Stream,
)
from .aws import mock_aws
from .sns import PublishResult, Subscription, Topic
from .sqs import BatchResult, BatchResultErrorEntry, Queue

__all__ = [
    "Broker",
    "default_account_id",
    "mock_aws",
    "Clock",
    "ManualClock",
    "HttpTargets",
    "SystemClock",
    "Queue",
    "Message",
    "SendResult",
    "BatchResult",
    "BatchResultErrorEntry",
    "Topic",
    "Subscription",
    "PublishResult",
    "Cache",
    "MsgpackCache",
    "Stream",
    "Record",
    "Shard",
    "HashKeyRange",
    "SequenceNumberRange",
    "ChildShard",
    "PutRecordResult",
    "PutRecordsResult",
    "PutRecordsResultEntry",
    "GetRecordsResult",
    "errors",
    *errors.__all__,
]
