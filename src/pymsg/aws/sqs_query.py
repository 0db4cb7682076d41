"""SQS over the legacy query protocol: ``Action=SendMessage&Version=2012-11-05&...`` forms and
XML answers (namespace ``http://queue.amazonaws.com/doc/2012-11-05/``), which botocore sent
until 1.31.80 and older SDKs still send.

A form is turned into the members of the JSON protocol's request and served by
:mod:`pymsg.aws.sqs_json`; the JSON answer is rendered as the XML the query model describes.
The query names differ from the JSON ones in two ways, both tabled below: flattened lists and
maps are named by their element (``AttributeName.1``, ``MessageAttribute.1.Name``,
``SendMessageBatchRequestEntry.1.Id``; ``<Message>``, ``<Attribute><Name>``), and numbers
travel as text.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional
from xml.sax.saxutils import escape

from ..broker import Broker
from .. import messages
from ..errors import PymsgError
from ..messages import SQS
from . import sqs_json
from .forms import MALFORMED, form_action, form_tree, malformed
from .ids import request_id

NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"
VERSION = "2012-11-05"

# Flattened request lists: element name -> JSON member.
_LISTS_IN = {
    "AttributeName": "AttributeNames", "MessageAttributeName": "MessageAttributeNames",
    "MessageSystemAttributeName": "MessageSystemAttributeNames", "TagKey": "TagKeys",
    "AWSAccountId": "AWSAccountIds", "ActionName": "Actions", "StringListValue": "StringListValues",
    "BinaryListValue": "BinaryListValues", "SendMessageBatchRequestEntry": "Entries",
    "DeleteMessageBatchRequestEntry": "Entries", "ChangeMessageVisibilityBatchRequestEntry": "Entries",
}
# Flattened maps, both ways: element name -> (JSON member, key element, value element).
_MAPS_IN = {
    "Attribute": ("Attributes", "Name", "Value"), "MessageAttribute": ("MessageAttributes", "Name", "Value"),
    "MessageSystemAttribute": ("MessageSystemAttributes", "Name", "Value"), "Tag": ("Tags", "Key", "Value"),
}
_MAPS_OUT = {member: (element, key, value) for element, (member, key, value) in _MAPS_IN.items()}
# Flattened answer lists: JSON member -> element name ("Successful" is named by the operation).
_LISTS_OUT = {"QueueUrls": "QueueUrl", "queueUrls": "QueueUrl", "Messages": "Message",
              "Failed": "BatchResultErrorEntry", "Results": "ListMessageMoveTasksResultEntry",
              "StringListValues": "StringListValue", "BinaryListValues": "BinaryListValue"}
_INTEGERS = {"DelaySeconds", "MaxNumberOfMessages", "VisibilityTimeout", "WaitTimeSeconds", "MaxResults",
             "MaxNumberOfMessagesPerSecond"}


def _numbered(node: Any) -> list[Any]:
    if not isinstance(node, dict):
        raise messages.error(SQS, "query_numbered", node=repr(node))
    return [node[k] for k in sorted(k for k in node if isinstance(k, int))]


def _members(node: dict[str, Any]) -> dict[str, Any]:
    """One structure's query members renamed to its JSON members."""
    out: dict[str, Any] = {}
    for name, value in node.items():
        if name in _LISTS_IN:
            items = _numbered(value)
            out[_LISTS_IN[name]] = [_members(i) if isinstance(i, dict) else i for i in items]
        elif name in _MAPS_IN:
            member, key, val = _MAPS_IN[name]
            out[member] = {str(e.get(key)): _members(e[val]) if isinstance(e.get(val), dict) else e.get(val)
                           for e in _numbered(value) if isinstance(e, dict) and key in e}
        elif name in _INTEGERS and isinstance(value, str):
            try:
                out[name] = int(value)
            except ValueError:
                raise messages.error(SQS, "query_integer", value=value, name=name) from None
        else:
            out[name] = _members(value) if isinstance(value, dict) else value
    return out


def request(action: str, form: dict[str, Any], path: str = "/") -> dict[str, Any]:
    """The JSON request members of a query form (already split by parse)."""
    members = _members({k: v for k, v in form.items() if k not in ("Action", "Version")})
    if action == "CreateQueue" and "Tags" in members:
        members["tags"] = members.pop("Tags")  # CreateQueue alone names its tags in lower case
    if "QueueUrl" not in members and path.count("/") >= 2 and action not in ("CreateQueue", "GetQueueUrl", "ListQueues"):
        members["QueueUrl"] = path  # the oldest SDKs post to the queue's URL instead of naming it
    return members


def _xml(name: str, value: Any, action: str) -> str:
    """<name>value</name>, or the flattened elements a list or map member becomes."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        if name in _MAPS_OUT:
            element, key, val = _MAPS_OUT[name]
            return "".join(f"<{element}><{key}>{_text(k)}</{key}>{_xml(val, v, action)}</{element}>"
                           for k, v in value.items())
        return f"<{name}>{_fields(value, action)}</{name}>"
    if isinstance(value, (list, tuple)):
        element = f"{action}ResultEntry" if name == "Successful" else _LISTS_OUT.get(name, name)
        return "".join(_xml(element, item, action) for item in value)
    return f"<{name}>{_text(value)}</{name}>"


def _fields(obj: Mapping[str, Any], action: str) -> str:
    return "".join(_xml(k, v, action) for k, v in obj.items())


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # XML readers turn a bare CR into LF; SQS sends it as a character reference so bodies survive.
    return escape(str(value)).replace("\r", "&#xD;")


def response(action: str, answer: Mapping[str, Any]) -> bytes:
    result = _fields(answer, action)
    return (f'<{action}Response xmlns="{NAMESPACE}"><{action}Result>{result}</{action}Result>'
            f"<ResponseMetadata><RequestId>{request_id()}</RequestId></ResponseMetadata></{action}Response>").encode()


def error(status: int, code: str, message: str) -> bytes:
    kind = "Sender" if status < 500 else "Receiver"
    return (f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{kind}</Type><Code>{escape(code)}</Code>'
            f"<Message>{_text(message)}</Message><Detail/></Error><RequestId>{request_id()}</RequestId>"
            "</ErrorResponse>").encode()


def _query_message(exc: PymsgError) -> str:
    """The message the query protocol gives: SQS's XML API still words a missing queue as its
    2012 WSDL did, where the JSON protocol says only "The specified queue does not exist."."""
    message = str(exc)
    if exc.code == "QueueDoesNotExist" and message == SQS["queue_does_not_exist"].template:
        return SQS["queue_does_not_exist_query"].template
    return message


def handle(broker: Broker, body: bytes, path: str = "/", endpoint: Optional[str] = None
           ) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "text/xml"}
    try:
        form = parse(body)
    except ValueError as exc:  # not UTF-8
        return 400, headers, error(400, "MalformedQueryString", f"The request body is not a query string ({exc}).")
    action = form_action(form)
    if action not in sqs_json.OPERATIONS:
        return 400, headers, error(400, "AWS.SimpleQueueService.InvalidAction",
                                   f"The action {action or '(none)'} is not valid for this endpoint.")
    token = sqs_json.ENDPOINT.set(endpoint)
    try:
        answer = sqs_json.OPERATIONS[action](broker, request(action, form, path))
        return 200, headers, response(action, answer)
    except PymsgError as exc:
        return exc.http_status, headers, error(exc.http_status, exc.legacy_code or exc.code, _query_message(exc))
    except MALFORMED as exc:  # a member of the wrong type or shape, bad base64
        return 400, headers, error(400, "InvalidParameterValue", malformed(action, exc))
    finally:
        sqs_json.ENDPOINT.reset(token)


def parse(body: bytes) -> dict[Any, Any]:
    return form_tree(body)  # UnicodeDecodeError is a ValueError
