"""pymsg's exceptions: one class per AWS error code, named exactly as AWS names it.

Every class derives from :class:`PymsgError` and from the builtin exception an idiomatic
``except`` expects (``LookupError`` for things that do not exist, ``ValueError`` for bad input),
and carries the AWS code in ``.code``. An invalid call raises one of these and changes nothing.
"""

from __future__ import annotations


class PymsgError(Exception):
    """Base class of every pymsg error; ``code`` is the AWS error code."""

    code: str = "InternalError"
    #: AWS's legacy query-protocol code, where it differs from ``code`` (sent by SQS in
    #: ``x-amzn-query-error``).
    legacy_code: str | None = None
    #: HTTP status AWS answers with.
    http_status: int = 400

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = cls.__name__


# --- not found -----------------------------------------------------------------------------


class QueueDoesNotExist(PymsgError, LookupError):
    """The queue (by name, URL or ARN) does not exist."""

    legacy_code = "AWS.SimpleQueueService.NonExistentQueue"


# --- invalid input -------------------------------------------------------------------------


class InvalidParameterValue(PymsgError, ValueError):
    """A parameter has a value AWS refuses (the generic SQS validation error)."""


class MissingParameter(PymsgError, ValueError):
    """A required parameter is missing."""


class InvalidAttributeName(PymsgError, ValueError):
    """An unknown queue attribute, or one that does not apply to this queue type."""


class InvalidAttributeValue(PymsgError, ValueError):
    """A queue attribute out of its range."""


class InvalidMessageContents(PymsgError, ValueError):
    """A body or attribute holds characters outside SQS's allowed set."""


class ReceiptHandleIsInvalid(PymsgError, ValueError):
    """A receipt handle this queue never issued, or a malformed one."""


class MessageNotInflight(PymsgError, ValueError):
    """The message of a receipt handle is not in flight (its visibility already lapsed)."""

    legacy_code = "AWS.SimpleQueueService.MessageNotInflight"


class TooManyEntriesInBatchRequest(PymsgError, ValueError):
    """A batch with more than 10 entries."""

    legacy_code = "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"


class EmptyBatchRequest(PymsgError, ValueError):
    """A batch with no entries."""

    legacy_code = "AWS.SimpleQueueService.EmptyBatchRequest"


class BatchEntryIdsNotDistinct(PymsgError, ValueError):
    """Two entries of a batch share an id."""

    legacy_code = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"


class InvalidBatchEntryId(PymsgError, ValueError):
    """A batch entry id that is not 1-80 characters of [A-Za-z0-9_-]."""

    legacy_code = "AWS.SimpleQueueService.InvalidBatchEntryId"


class BatchRequestTooLong(PymsgError, ValueError):
    """The entries of a batch add up to more than 1 MiB."""

    legacy_code = "AWS.SimpleQueueService.BatchRequestTooLong"


# --- conflicts and limits ------------------------------------------------------------------


class QueueNameExists(PymsgError, ValueError):
    """CreateQueue with the name of a queue that has different attributes."""

    legacy_code = "QueueAlreadyExists"


class QueueDeletedRecently(PymsgError, ValueError):
    """CreateQueue within 60 seconds of deleting a queue of the same name."""

    legacy_code = "AWS.SimpleQueueService.QueueDeletedRecently"


class PurgeQueueInProgress(PymsgError, RuntimeError):
    """A second PurgeQueue within 60 seconds."""

    legacy_code = "AWS.SimpleQueueService.PurgeQueueInProgress"
    http_status = 403


class UnsupportedOperation(PymsgError, RuntimeError):
    """An operation SQS does not allow now, such as a second message move task on a queue."""

    legacy_code = "AWS.SimpleQueueService.UnsupportedOperation"


class OverLimit(PymsgError, RuntimeError):
    """Too many messages in flight (standard queues: about 120,000)."""

    http_status = 403


# --- Kinesis (its shapes have no error trait: the code is the shape name) ----------------------


class ResourceNotFoundException(PymsgError, LookupError):
    """The stream or shard does not exist."""


class ResourceInUseException(PymsgError, RuntimeError):
    """The stream exists already, or the shard was already split or merged."""


class InvalidArgumentException(PymsgError, ValueError):
    """A parameter or a combination of them is invalid (Kinesis's generic validation error)."""


class ExpiredIteratorException(PymsgError, ValueError):
    """The shard iterator is more than 5 minutes old."""


class LimitExceededException(PymsgError, RuntimeError):
    """A shard or scaling limit was reached."""


class ProvisionedThroughputExceededException(PymsgError, RuntimeError):
    """A shard's read or write rate limit was exceeded."""


class ValidationException(PymsgError, ValueError):
    """A request failed a constraint of the service model, or a provisioned-only call met an
    ON_DEMAND stream."""


# --- cache (Redis's OOM; ElastiCache's cluster errors) ------------------------------------------


class OutOfMemoryError(PymsgError, RuntimeError):
    """A write would pass max_memory and the eviction policy may not make room (Redis's OOM)."""


class CacheClusterNotFound(PymsgError, LookupError):
    """The cache does not exist (or was deleted)."""


class CacheClusterAlreadyExists(PymsgError, ValueError):
    """create_cache with the name of an existing cache."""


# --- SNS ----------------------------------------------------------------------------------------


class InvalidParameter(PymsgError, ValueError):
    """A parameter is invalid (SNS's generic validation error, code InvalidParameter)."""


class ParameterValueInvalid(PymsgError, ValueError):
    """A message attribute SNS refuses (its code for them; botocore's InvalidParameterValueException)."""


class EndpointDisabled(PymsgError, ValueError):
    """Publish to a platform endpoint whose Enabled attribute is false (SNS)."""


class ValidationError(PymsgError, ValueError):
    """A request member outside the SNS model's constraints (SNS's name for ValidationException)."""


class NotFound(PymsgError, LookupError):
    """The topic or subscription does not exist (SNS, HTTP 404)."""

    http_status = 404


class ResourceNotFound(PymsgError, LookupError):
    """The resource a tag call names does not exist (SNS, HTTP 404)."""

    http_status = 404


class TagLimitExceeded(PymsgError, ValueError):
    """More than 50 tags on a topic (SNS)."""


class AuthorizationError(PymsgError, PermissionError):
    """The caller may not do this (SNS, HTTP 403)."""

    http_status = 403


class TopicLimitExceeded(PymsgError, RuntimeError):
    """CreateTopic past the account's topic quota (SNS, HTTP 403; Broker(quotas=...) sets it)."""

    http_status = 403


# --- authentication (pymsg serve --verify-signatures; AWS's common error codes) --------------


class MissingAuthenticationToken(PymsgError, PermissionError):
    """A request without a SigV4 Authorization header (or X-Amz-Date)."""

    http_status = 403


class IncompleteSignature(PymsgError, PermissionError):
    """An Authorization header that is not a complete AWS4-HMAC-SHA256 one."""


class InvalidClientTokenId(PymsgError, PermissionError):
    """An access key id the endpoint was not given."""

    http_status = 403


class SignatureDoesNotMatch(PymsgError, PermissionError):
    """A signature other than the one the secret key gives, or one made too long ago."""

    http_status = 403


__all__ = [
    "PymsgError",
    "QueueDoesNotExist",
    "InvalidParameterValue",
    "MissingParameter",
    "InvalidAttributeName",
    "InvalidAttributeValue",
    "InvalidMessageContents",
    "ReceiptHandleIsInvalid",
    "MessageNotInflight",
    "TooManyEntriesInBatchRequest",
    "EmptyBatchRequest",
    "BatchEntryIdsNotDistinct",
    "InvalidBatchEntryId",
    "BatchRequestTooLong",
    "QueueNameExists",
    "QueueDeletedRecently",
    "PurgeQueueInProgress",
    "OverLimit",
    "UnsupportedOperation",
    "ResourceNotFoundException",
    "ResourceInUseException",
    "InvalidArgumentException",
    "ExpiredIteratorException",
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
    "ValidationException",
    "OutOfMemoryError",
    "CacheClusterNotFound",
    "CacheClusterAlreadyExists",
    "InvalidParameter",
    "ParameterValueInvalid",
    "ValidationError",
    "EndpointDisabled",
    "NotFound",
    "ResourceNotFound",
    "TagLimitExceeded",
    "AuthorizationError",
    "TopicLimitExceeded",
    "MissingAuthenticationToken",
    "IncompleteSignature",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "CorruptLog",
    "DataDirectoryLocked",
]


# --- durability (pymsg's own: the write-ahead log of Broker(data_dir=...) and serve --data-dir) --
# A failed read or write of the log is the builtin OSError for its errno (FileNotFoundError,
# PermissionError, OSError with errno ENOSPC...), naming the file.


class CorruptLog(PymsgError, ValueError):
    """The write-ahead log is damaged before its end (a bad checksum, a missing segment): it is
    not loaded and nothing is overwritten. ``file`` and ``offset`` say where; ``python -m pymsg
    repair-log DIR`` cuts the log there, keeping everything before."""

    http_status = 500
    file: str = ""
    offset: int = 0


class DataDirectoryLocked(PymsgError, OSError):
    """Another broker (in this process or another) has the data directory open."""

    http_status = 500
