"""SQS over AWS JSON 1.0 (``X-Amz-Target: AmazonSQS.<Operation>``), as botocore speaks it today.

Each operation takes the request's JSON members and returns the response's, in the shapes of
botocore's SQS service model; errors are raised as pymsg exceptions and rendered by
:mod:`pymsg.aws.errors` (with ``x-amzn-query-error`` so legacy error codes survive).
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import json
from typing import Any, Callable, Optional

from ..broker import Broker
from ..errors import QueueDoesNotExist
from ..messages import SQS, error
from ..sqs import Queue

# AWS attribute names and the create_queue keyword each sets (with how to read the string).
_ATTRIBUTES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "VisibilityTimeout": ("visibility_timeout", float),
    "DelaySeconds": ("delay_seconds", float),
    "MessageRetentionPeriod": ("message_retention_period", float),
    "MaximumMessageSize": ("maximum_message_size", int),
    "ReceiveMessageWaitTimeSeconds": ("receive_message_wait_time_seconds", float),
    "ContentBasedDeduplication": ("content_based_deduplication", lambda v: v.lower() == "true"),
    "DeduplicationScope": ("deduplication_scope", str),
    "FifoThroughputLimit": ("fifo_throughput_limit", str),
}
_FIFO_ONLY_ATTRIBUTES = {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}
# Attributes pymsg keeps without acting on them (RedriveAllowPolicy is checked on redrive policies).
_KEPT_ATTRIBUTES = {"Policy": "policy", "RedriveAllowPolicy": "redrive_allow_policy",
                    "KmsMasterKeyId": "kms_master_key_id",
                    "KmsDataKeyReusePeriodSeconds": "kms_data_key_reuse_period_seconds",
                    "SqsManagedSseEnabled": "sqs_managed_sse_enabled"}
# QueueAttributeName (botocore's SQS model): what GetQueueAttributes may ask for.
_QUEUE_ATTRIBUTE_NAMES = {
    "All", "Policy", "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod", "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
    "ApproximateNumberOfMessagesDelayed", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "FifoQueue",
    "ContentBasedDeduplication", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "DeduplicationScope",
    "FifoThroughputLimit", "RedriveAllowPolicy", "SqsManagedSseEnabled"}


# The endpoint serving this request ("http://127.0.0.1:4566"), so queue URLs point at it; unset
# (in process) they are AWS's https://sqs.<region>.amazonaws.com/<account>/<name>.
ENDPOINT: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("pymsg_sqs_endpoint", default=None)


def _url(queue: Queue) -> str:
    endpoint = ENDPOINT.get()
    if endpoint is None:
        return queue.url
    return f"{endpoint}/{queue.url.rsplit('/', 2)[-2]}/{queue.name}"


def _required(request: dict[str, Any], name: str) -> Any:
    if request.get(name) is None:
        raise error(SQS, "missing_parameter", name=name)
    return request[name]


def _queue(broker: Broker, request: dict[str, Any]) -> Queue:
    """The queue a QueueUrl names: the path's last segment, in the account of the one before it
    (another account's queue is served, as AWS serves it to a caller the queue's policy lets in);
    a bare queue name is taken as AWS takes it."""
    url = _required(request, "QueueUrl")
    if not isinstance(url, str):
        raise error(SQS, "queue_does_not_exist")
    segments = url.rstrip("/").rsplit("/", 2)
    if len(segments) == 3 and len(segments[1]) == 12 and segments[1].isdigit():
        owner = broker.find_scope(segments[1])
        if owner is None:  # an account nothing was made in
            raise error(SQS, "queue_does_not_exist")
        broker = owner
    return broker.get_queue(segments[-1])  # any host: the path names it


def _redrive_policy(broker: Broker, value: str, fifo: bool) -> tuple[str, int]:
    """A RedrivePolicy's (deadLetterTargetArn, maxReceiveCount), checked in AWS's order and
    refused with AWS's messages, which echo the policy as the request gave it."""
    try:
        policy = json.loads(value)
    except ValueError:
        raise error(SQS, "redrive_not_a_map", policy=value) from None
    if not isinstance(policy, dict):
        raise error(SQS, "redrive_not_a_map", policy=value)
    for key in ("deadLetterTargetArn", "maxReceiveCount"):
        if key not in policy:
            raise error(SQS, "redrive_mandatory", policy=value, name=key)
    arn = policy["deadLetterTargetArn"]
    if not isinstance(arn, str) or len(arn.split(":")) != 6 or not arn.startswith("arn:"):
        raise error(SQS, "redrive_target_arn", policy=value)
    count = policy["maxReceiveCount"]
    try:
        number = int(count) if not isinstance(count, (bool, float)) else None
    except (TypeError, ValueError):  # null, a list or an object
        number = None
    if number is None or not 1 <= number <= 1000:
        raise error(SQS, "redrive_max_receive_count", policy=value, value=count)
    if arn.split(":")[2] != "sqs":
        raise error(SQS, "redrive_not_sqs", policy=value)
    try:
        target = broker.get_queue_by_arn(arn)
    except QueueDoesNotExist:
        raise error(SQS, "redrive_target_missing", policy=value) from None
    if target.name.endswith(".fifo") != fifo:
        raise error(SQS, "redrive_target_type", policy=value)
    return arn, number


def _settings(broker: Broker, attributes: dict[str, str], fifo: bool, creating: bool) -> dict[str, Any]:
    """create_queue / set_attributes keywords from AWS attribute strings, for a queue that is
    (or will be) FIFO or not; `creating` for CreateQueue, the only call that may name FifoQueue."""
    out: dict[str, Any] = {}
    for name, value in (attributes or {}).items():
        if name == "FifoQueue":
            if not creating and not fifo:
                raise error(SQS, "unknown_attribute", name="FifoQueue")
            if not creating and str(value).lower() != "true":
                raise error(SQS, "modify_queue_type")
            continue
        if name in _FIFO_ONLY_ATTRIBUTES and not fifo:
            raise error(SQS, "unknown_attribute", name=name)
        if name in _KEPT_ATTRIBUTES:
            out[_KEPT_ATTRIBUTES[name]] = str(value)
            continue
        if name == "RedrivePolicy":
            if value:
                out["dead_letter_queue"], out["max_receive_count"] = _redrive_policy(broker, str(value), fifo)
            else:
                out["dead_letter_queue"] = None
            continue
        if name not in _ATTRIBUTES:
            raise error(SQS, "unknown_attribute", name=name)
        keyword, convert = _ATTRIBUTES[name]
        try:
            out[keyword] = convert(str(value))
        except ValueError:
            raise error(SQS, "attribute_value", name=name) from None
    return out


def _attributes_in(shapes: Optional[dict[str, Any]]) -> Optional[dict[str, dict[str, Any]]]:
    """Request MessageAttributes (BinaryValue base64 on the wire) in pymsg's shape."""
    if not shapes:
        return None
    out = {}
    for name, shape in shapes.items():
        item = {k: v for k, v in shape.items() if k in ("DataType", "StringValue")}
        if "BinaryValue" in shape:
            item["BinaryValue"] = base64.b64decode(shape["BinaryValue"])
        out[name] = item
    return out


def _attributes_out(attributes: dict[str, dict[str, Any]], wanted: list[str]) -> dict[str, Any]:
    out = {}
    for name, shape in attributes.items():
        if "All" not in wanted and ".*" not in wanted and name not in wanted and not any(
            w.endswith(".*") and name.startswith(w[:-2]) for w in wanted
        ):
            continue
        item = {"DataType": shape["DataType"]}
        if "BinaryValue" in shape:
            item["BinaryValue"] = base64.b64encode(shape["BinaryValue"]).decode()
        else:
            item["StringValue"] = shape["StringValue"]
        out[name] = item
    return out


def attributes_md5(attributes: dict[str, dict[str, Any]]) -> str:
    """AWS's MD5 over message attributes in pymsg's shape (BinaryValue as bytes): for each name
    in order, its length-prefixed UTF-8 name and data type, then 1 and the string value or 2
    and the bytes, each length-prefixed (u32, big-endian)."""
    digest = hashlib.md5()

    def put(data: bytes) -> None:
        digest.update(len(data).to_bytes(4, "big") + data)

    for name in sorted(attributes):
        shape = attributes[name]
        put(name.encode())
        put(shape["DataType"].encode())
        if "BinaryValue" in shape:
            digest.update(b"\x02")
            put(bytes(shape["BinaryValue"]))
        else:
            digest.update(b"\x01")
            put(shape["StringValue"].encode())
    return digest.hexdigest()


def _send_kwargs(entry: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if entry.get("DelaySeconds") is not None:
        kwargs["delay_seconds"] = entry["DelaySeconds"]
    if entry.get("MessageAttributes"):
        kwargs["message_attributes"] = _attributes_in(entry["MessageAttributes"])
    if entry.get("MessageGroupId") is not None:
        kwargs["group_id"] = entry["MessageGroupId"]
    if entry.get("MessageDeduplicationId") is not None:
        kwargs["deduplication_id"] = entry["MessageDeduplicationId"]
    trace = (entry.get("MessageSystemAttributes") or {}).get("AWSTraceHeader")
    if trace:
        kwargs["trace_header"] = trace.get("StringValue")
    return kwargs


def _sent(result: Any, request: dict[str, Any]) -> dict[str, Any]:
    out = {"MessageId": result.message_id, "MD5OfMessageBody": result.md5_of_body}
    if result.md5_of_message_attributes:
        out["MD5OfMessageAttributes"] = result.md5_of_message_attributes
    trace = (request.get("MessageSystemAttributes") or {}).get("AWSTraceHeader")
    if isinstance(trace, dict) and trace.get("StringValue"):
        out["MD5OfMessageSystemAttributes"] = attributes_md5({"AWSTraceHeader": {
            "DataType": "String", "StringValue": trace["StringValue"]}})
    if result.sequence_number:
        out["SequenceNumber"] = result.sequence_number
    return out


def _failed(failures: Any) -> list[dict[str, Any]]:
    return [{"Id": f.id, "SenderFault": f.sender_fault, "Code": f.code, "Message": f.message} for f in failures]


# --- operations ------------------------------------------------------------------------------

def create_queue(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    name = _required(r, "QueueName")
    attributes = r.get("Attributes") or {}
    fifo = str(attributes.get("FifoQueue", "")).lower() == "true"
    # pymsg's API takes FIFO from the name; AWS wants the attribute and the suffix together.
    if fifo and not str(name).endswith(".fifo"):
        raise error(SQS, "fifo_queue_name")
    if not fifo and str(name).endswith(".fifo"):
        raise error(SQS, "queue_name")
    settings = _settings(broker, attributes, fifo, creating=True)  # bad names and values are refused first
    try:
        existing = broker.get_queue(name)
    except QueueDoesNotExist:
        return {"QueueUrl": _url(broker.create_queue(name, tags=r.get("tags"), **settings))}
    # CreateQueue of an existing queue compares only the attributes the request gives: a subset of
    # the original ones (or none) returns its URL, as AWS does; its tags are not compared.
    current = existing.attributes()
    for key, value in attributes.items():
        if not _same_attribute(str(value), current.get(key)):
            raise error(SQS, "queue_exists", name=key)
    return {"QueueUrl": _url(existing)}


def _same_attribute(given: str, current: str | None) -> bool:
    """Whether a CreateQueue attribute value matches the queue's: numbers by value ("5" is "5.0"),
    JSON documents by content (a RedrivePolicy's maxReceiveCount may be "3" or 3), flags
    without case."""
    if current is None:
        return given.lower() in ("", "false")  # an unset flag or policy
    try:
        return float(given) == float(current)
    except ValueError:
        pass
    try:
        left, right = json.loads(given), json.loads(current)
    except ValueError:
        return given.lower() == current.lower()
    if isinstance(left, dict) and isinstance(right, dict):
        return {k: str(v) for k, v in left.items()} == {k: str(v) for k, v in right.items()}
    return bool(left == right)


def get_queue_url(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return {"QueueUrl": _url(broker.get_queue(_required(r, "QueueName")))}


def list_queues(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    urls = [_url(q) for q in broker.list_queues(r.get("QueueNamePrefix") or "")]
    limit = r.get("MaxResults")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000):
        raise error(SQS, "list_queues_max_results", value=limit)
    start = int(r["NextToken"]) if r.get("NextToken") else 0
    out: dict[str, Any] = {}
    page = urls[start:start + limit] if limit else urls[:1000]  # without MaxResults AWS answers 1,000 at most
    if page:
        out["QueueUrls"] = page
    if limit and start + limit < len(urls):
        out["NextToken"] = str(start + limit)
    return out


def delete_queue(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    broker.delete_queue(_queue(broker, r))
    return {}


def get_queue_attributes(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    attributes = _queue(broker, r).attributes()
    wanted = r.get("AttributeNames") or []
    for name in wanted:  # every name is checked, beside All too
        if name not in _QUEUE_ATTRIBUTE_NAMES:
            raise error(SQS, "unknown_attribute", name=name)
    if "All" not in wanted:
        attributes = {k: v for k, v in attributes.items() if k in wanted}
    return {"Attributes": attributes} if attributes else {}


def set_queue_attributes(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    queue = _queue(broker, r)
    queue.set_attributes(**_settings(broker, _required(r, "Attributes"), queue.name.endswith(".fifo"), creating=False))
    return {}


def send_message(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    queue = _queue(broker, r)
    return _sent(queue.send(_required(r, "MessageBody"), **_send_kwargs(r)), r)


def send_message_batch(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    queue = _queue(broker, r)
    entries = [{"id": e.get("Id"), "body": e.get("MessageBody"), **_send_kwargs(e)} for e in r.get("Entries") or []]
    if queue.name.endswith(".fifo") and any(e.get("group_id") is None for e in entries):
        # AWS fails the whole request here, where other bad entries fail alone.
        raise error(SQS, "missing_parameter", name="MessageGroupId")
    result = queue.send_batch(entries)
    requests = {e.get("Id"): e for e in r.get("Entries") or [] if isinstance(e, dict)}
    return {"Successful": [{"Id": s.id, **_sent(s, requests.get(s.id, {}))} for s in result.successful],
            "Failed": _failed(result.failed)}


def receive_message(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    queue = _queue(broker, r)
    messages = queue.receive(
        1 if r.get("MaxNumberOfMessages") is None else r["MaxNumberOfMessages"],  # 0 is refused, as on AWS
        wait_time_seconds=r.get("WaitTimeSeconds"),
        visibility_timeout=r.get("VisibilityTimeout"),
    )
    system = set(r.get("AttributeNames") or []) | set(r.get("MessageSystemAttributeNames") or [])
    wanted_user = r.get("MessageAttributeNames") or []
    out = []
    for m in messages:
        item: dict[str, Any] = {"MessageId": m.message_id, "ReceiptHandle": m.receipt_handle,
                                "MD5OfBody": m.md5_of_body,
                                "Body": m.body if isinstance(m.body, str) else m.body.decode("utf-8", "replace")}
        if system:
            attrs = m.attributes
            item["Attributes"] = attrs if "All" in system else {k: v for k, v in attrs.items() if k in system}
        user = _attributes_out(m.message_attributes, wanted_user) if wanted_user else {}
        if user:
            item["MessageAttributes"] = user
            # The MD5 covers the attributes returned: the core's is over all of them.
            every = m.message_attributes
            item["MD5OfMessageAttributes"] = (m.md5_of_message_attributes if len(user) == len(every)
                                              else attributes_md5({k: every[k] for k in user}))
        out.append(item)
    return {"Messages": out} if out else {}


def delete_message(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _queue(broker, r).delete(_required(r, "ReceiptHandle"))
    return {}


def delete_message_batch(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    result = _queue(broker, r).delete_batch(
        [{"id": e.get("Id"), "receipt_handle": e.get("ReceiptHandle")} for e in r.get("Entries") or []]
    )
    return {"Successful": [{"Id": i} for i in result.successful], "Failed": _failed(result.failed)}


def change_message_visibility(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _queue(broker, r).change_visibility(_required(r, "ReceiptHandle"), _required(r, "VisibilityTimeout"))
    return {}


def change_message_visibility_batch(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    result = _queue(broker, r).change_visibility_batch([
        {"id": e.get("Id"), "receipt_handle": e.get("ReceiptHandle"), "visibility_timeout": e.get("VisibilityTimeout")}
        for e in r.get("Entries") or []
    ])
    return {"Successful": [{"Id": i} for i in result.successful], "Failed": _failed(result.failed)}


def purge_queue(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _queue(broker, r).purge()
    return {}


def tag_queue(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    queue = _queue(broker, r)
    if not r.get("Tags"):  # an empty map is as missing as no map
        raise error(SQS, "missing_parameter", name="Tags")
    queue.tag(r["Tags"])
    return {}


def untag_queue(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    queue = _queue(broker, r)
    if not r.get("TagKeys"):
        raise error(SQS, "missing_parameter", name="TagKeys")
    queue.untag(r["TagKeys"])
    return {}


def list_queue_tags(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    tags = _queue(broker, r).tags()
    return {"Tags": tags} if tags else {}


def list_dead_letter_source_queues(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return {"queueUrls": [_url(q) for q in _queue(broker, r).dead_letter_source_queues()]}


def add_permission(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _queue(broker, r).add_permission(_required(r, "Label"), _required(r, "AWSAccountIds"), _required(r, "Actions"))
    return {}


def remove_permission(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    _queue(broker, r).remove_permission(_required(r, "Label"))
    return {}


def start_message_move_task(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    handle = broker.start_message_move_task(_required(r, "SourceArn"), r.get("DestinationArn"),
                                            max_messages_per_second=r.get("MaxNumberOfMessagesPerSecond"))
    return {"TaskHandle": handle}


def list_message_move_tasks(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return {"Results": broker.list_message_move_tasks(_required(r, "SourceArn"), r.get("MaxResults", 1))}


def cancel_message_move_task(broker: Broker, r: dict[str, Any]) -> dict[str, Any]:
    return {"ApproximateNumberOfMessagesMoved": broker.cancel_message_move_task(_required(r, "TaskHandle"))}


OPERATIONS: dict[str, Callable[[Broker, dict[str, Any]], dict[str, Any]]] = {
    "CreateQueue": create_queue,
    "GetQueueUrl": get_queue_url,
    "ListQueues": list_queues,
    "DeleteQueue": delete_queue,
    "GetQueueAttributes": get_queue_attributes,
    "SetQueueAttributes": set_queue_attributes,
    "SendMessage": send_message,
    "SendMessageBatch": send_message_batch,
    "ReceiveMessage": receive_message,
    "DeleteMessage": delete_message,
    "DeleteMessageBatch": delete_message_batch,
    "ChangeMessageVisibility": change_message_visibility,
    "ChangeMessageVisibilityBatch": change_message_visibility_batch,
    "PurgeQueue": purge_queue,
    "TagQueue": tag_queue,
    "UntagQueue": untag_queue,
    "ListQueueTags": list_queue_tags,
    "ListDeadLetterSourceQueues": list_dead_letter_source_queues,
    "AddPermission": add_permission,
    "RemovePermission": remove_permission,
    "StartMessageMoveTask": start_message_move_task,
    "ListMessageMoveTasks": list_message_move_tasks,
    "CancelMessageMoveTask": cancel_message_move_task,
}
