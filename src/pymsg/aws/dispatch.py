"""One entry point for every AWS request: routes by ``X-Amz-Target`` (the JSON protocols, and
CBOR bodies for Kinesis) or, for query-protocol forms, by the form's Version (SQS's legacy
protocol, SNS, sts), and renders results and errors as AWS does."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Mapping, Union

from ..broker import Broker
from ..errors import PymsgError
from . import cbor, eventstream, kinesis_json, sns_query, sqs_json, sqs_query
from .forms import MALFORMED, malformed
from .ids import request_id

Response = tuple[int, dict[str, str], bytes]
# A JSON-protocol answer before json.dumps (or, for an event-stream operation, its bytes).
ObjectResponse = tuple[int, dict[str, str], Union[Mapping[str, Any], bytes]]

_JSON_SERVICES = {
    # target prefix -> (operations, error namespace, content type)
    "AmazonSQS": (sqs_json.OPERATIONS, "com.amazonaws.sqs", "application/x-amz-json-1.0"),
    # Kinesis names its errors without a namespace ("ResourceNotFoundException"), in JSON and CBOR.
    "Kinesis_20131202": (kinesis_json.OPERATIONS, "", "application/x-amz-json-1.1"),
}


def _json_response(status: int, body: Mapping[str, Any], content_type: str,
                   extra: Mapping[str, str] | None = None) -> ObjectResponse:
    headers = {"Content-Type": content_type, "x-amzn-RequestId": request_id(), **dict(extra or {})}
    return status, headers, body


# SQS over JSON names the two errors its model has no shape for as these types; the query
# code (what boto3 reports as the error's Code) still travels in x-amzn-query-error.
_SQS_JSON_TYPES = {"InvalidParameterValue": "InvalidParameterValueException",
                   "MissingParameter": "MissingRequiredParameterException"}


def _json_error(status: int, namespace: str, code: str, message: str, content_type: str,
                query_code: str | None = None) -> ObjectResponse:
    extra: dict[str, str] = {}
    json_type = code
    if namespace == "com.amazonaws.sqs":  # awsQueryCompatible: legacy codes survive in this header
        extra["x-amzn-query-error"] = f"{query_code or code};{'Sender' if status < 500 else 'Receiver'}"
        json_type = _SQS_JSON_TYPES.get(code, code)
    qualified = f"{namespace}#{json_type}" if namespace else json_type
    return _json_response(status, {"__type": qualified, "message": message}, content_type, extra)


def _caller_identity(broker: Broker) -> Response:
    account = broker.account_id
    body = (f'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            f"<Arn>arn:aws:iam::{account}:user/pymsg</Arn><UserId>AIDAPYMSG{account}</UserId><Account>{account}</Account>"
            f"</GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id()}</RequestId></ResponseMetadata>"
            f"</GetCallerIdentityResponse>")
    return 200, {"Content-Type": "text/xml"}, body.encode()


_SQS_VERSION = b"Version=" + sqs_query.VERSION.encode()  # what marks a query form's service
_SNS_VERSION = b"Version=" + sns_query.VERSION.encode()


def _protocol(lowered: Mapping[str, str], body: bytes, path: str) -> str:
    """Which protocol a request speaks: "json" (X-Amz-Target), or the query protocol's
    "sts", "sqs-query" (Version 2012-11-05, or posted to a queue URL) or "sns-query"."""
    if lowered.get("x-amz-target") or "x-www-form-urlencoded" not in lowered.get("content-type", ""):
        return "json"
    if b"Action=GetCallerIdentity" in body:
        return "sts"
    if _SQS_VERSION in body or (path.count("/") >= 2 and _SNS_VERSION not in body):
        return "sqs-query"
    return "sns-query"


def _lowered(headers: Mapping[str, Union[str, bytes]]) -> dict[str, str]:
    return {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in headers.items()}


_CREDENTIAL = re.compile(r"Credential=([^/,\s]*)/[^/]*/([^/,\s]+)/")


def account_for(access_key_id: str | None, default: str) -> str:
    """The account a request acts in: a 12-digit access key id names one (moto's convention);
    any other key acts in `default`."""
    return access_key_id if access_key_id and len(access_key_id) == 12 and access_key_id.isdigit() else default


def scoped(broker: Broker, lowered: Mapping[str, str], credential: str | None = None) -> Broker:
    """The broker of the request's (account, region): the region of its SigV4 credential scope
    and the account its access key names; `broker`'s own when it has no credentials. The scope
    is the Authorization header's, or `credential` (a presigned URL's X-Amz-Credential)."""
    found = _CREDENTIAL.search(f"Credential={credential}" if credential else lowered.get("authorization", ""))
    if found is None:
        return broker
    try:
        return broker.scope(account_for(found.group(1), broker.account_id), found.group(2))
    except PymsgError:
        return broker  # a scope that names no region: the default one answers


def handle(broker: Broker, headers: Mapping[str, Union[str, bytes]], body: bytes, endpoint: str | None = None,
           path: str = "/", credential: str | None = None) -> Response:
    """Serves one request against the scope of `broker` its credentials name (see scoped()):
    (status, headers, body). `endpoint` is the URL the request reached ("http://127.0.0.1:4566"),
    for queue URLs; None in process. `path` is the URL path it was sent to (old SQS SDKs post to
    the queue's URL). `credential`: a presigned URL's X-Amz-Credential."""
    lowered = _lowered(headers)
    broker = scoped(broker, lowered, credential)
    protocol = _protocol(lowered, body, path)
    if protocol == "sts":
        return _caller_identity(broker)  # what CI setups ask first
    if protocol == "sqs-query":
        return sqs_query.handle(broker, body, path, endpoint)
    if protocol == "sns-query":
        return sns_query.handle(broker, body)
    target = lowered.get("x-amz-target", "")
    if lowered.get("content-type", "").startswith(kinesis_json.CBOR_CONTENT_TYPE):
        return _handle_cbor(broker, target, body)
    status, out_headers, answer = handle_json(broker, target, body, endpoint)
    if isinstance(answer, bytes):  # an event stream (SubscribeToShard)
        out_headers["Content-Type"] = eventstream.CONTENT_TYPE
        return status, out_headers, answer
    return status, out_headers, json.dumps(answer).encode()


# The name each service signs with, by the X-Amz-Target prefix or query protocol that reaches it.
_SIGNING_NAMES = {"AmazonSQS": "sqs", "Kinesis_20131202": "kinesis", "sqs-query": "sqs", "sns-query": "sns",
                  "sts": "sts"}


def signing_name(headers: Mapping[str, Union[str, bytes]], body: bytes, path: str = "/") -> str | None:
    """The service name a request's SigV4 credential scope must carry ("sqs", "sns", "kinesis",
    "sts"); None for an X-Amz-Target pymsg does not serve (its own error answers it)."""
    lowered = _lowered(headers)
    protocol = _protocol(lowered, body, path)
    if protocol == "json":
        return _SIGNING_NAMES.get(lowered.get("x-amz-target", "").partition(".")[0])
    return _SIGNING_NAMES[protocol]


def _handle_cbor(broker: Broker, target: str, body: bytes) -> Response:
    """Kinesis in CBOR: the JSON protocol's operations, with the body translated both ways."""
    if not target.startswith("Kinesis_20131202."):
        status, out_headers, answer = _json_error(400, "com.amazonaws", "SerializationException",
                                                  "pymsg serves CBOR bodies for Kinesis only.",
                                                  "application/x-amz-json-1.0")
        return status, out_headers, json.dumps(answer).encode()
    status, out_headers, answer = _handle_json(broker, target, body,
                                               lambda raw: kinesis_json.from_cbor(cbor.loads(raw) if raw else {}))
    if isinstance(answer, bytes):  # an event stream, its events in JSON
        out_headers["Content-Type"] = eventstream.CONTENT_TYPE
        return status, out_headers, answer
    out_headers["Content-Type"] = kinesis_json.CBOR_CONTENT_TYPE
    return status, out_headers, cbor.dumps(kinesis_json.to_cbor(answer))


# Kinesis names the common authentication errors its own way, all with HTTP 400.
_KINESIS_CODES = {"MissingAuthenticationToken": "MissingAuthenticationTokenException",
                  "IncompleteSignature": "IncompleteSignatureException",
                  "InvalidClientTokenId": "UnrecognizedClientException",
                  "SignatureDoesNotMatch": "InvalidSignatureException"}


def reject(headers: Mapping[str, Union[str, bytes]], body: bytes, exc: PymsgError, path: str = "/") -> Response:
    """`exc`, raised before the request reached a service (authentication), as an answer in the
    request's own protocol."""
    lowered = _lowered(headers)
    protocol = _protocol(lowered, body, path)
    xml = {"Content-Type": "text/xml"}
    if protocol == "sqs-query":
        return exc.http_status, xml, sqs_query.error(exc.http_status, exc.legacy_code or exc.code, str(exc))
    if protocol != "json":
        return exc.http_status, xml, sns_query.error(exc.http_status, exc.code, str(exc))
    prefix = lowered.get("x-amz-target", "").partition(".")[0]
    _, namespace, content_type = _JSON_SERVICES.get(prefix, (None, "com.amazonaws", "application/x-amz-json-1.0"))
    code, status = exc.code, exc.http_status
    if prefix == "Kinesis_20131202":
        code, status = _KINESIS_CODES.get(code, code), 400
    status, out_headers, answer = _json_error(status, namespace, code, str(exc), content_type, exc.legacy_code)
    return status, out_headers, json.dumps(answer).encode()


def handle_json(broker: Broker, target: str, body: bytes, endpoint: str | None = None) -> ObjectResponse:
    """A JSON-protocol request (`target` is its X-Amz-Target) answered as an object, not yet
    serialized: mock_aws hands it to boto3 without a json.dumps/json.loads round."""
    token = sqs_json.ENDPOINT.set(endpoint)
    try:
        return _handle_json(broker, target, body)
    finally:
        sqs_json.ENDPOINT.reset(token)


def _handle_json(broker: Broker, target: str, body: bytes,
                 decode: Callable[[bytes], Any] = lambda raw: json.loads(raw or b"{}")) -> ObjectResponse:
    prefix, _, operation = target.partition(".")
    if prefix not in _JSON_SERVICES:
        return _json_error(400, "com.amazonaws", "UnknownOperationException",
                           f"pymsg does not serve {target or 'requests without X-Amz-Target'} yet.",
                           "application/x-amz-json-1.0")
    operations, namespace, content_type = _JSON_SERVICES[prefix]
    if operation not in operations:
        return _json_error(400, namespace, "InvalidAction", f"The action {operation} is not valid for this endpoint.",
                           content_type, "AWS.SimpleQueueService.InvalidAction" if prefix == "AmazonSQS" else None)
    try:
        request = decode(body)
        if not isinstance(request, dict):
            raise ValueError("not an object")
    except PymsgError as exc:  # first: pymsg's validation errors are ValueErrors too
        return _json_error(exc.http_status, namespace, exc.code, str(exc), content_type)
    except RecursionError:
        return _json_error(400, namespace, "SerializationException", "The request body is nested too deeply.",
                           content_type)
    except ValueError as exc:
        return _json_error(400, namespace, "SerializationException", f"The request body is not an object ({exc}).",
                           content_type)
    try:
        return _json_response(200, operations[operation](broker, request), content_type)
    except PymsgError as exc:
        return _json_error(exc.http_status, namespace, exc.code, str(exc), content_type, exc.legacy_code)
    except MALFORMED as exc:  # a member of the wrong type or shape, bad base64
        return _json_error(400, namespace, "InvalidParameterValue", malformed(operation, exc), content_type)
