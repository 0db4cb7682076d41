"""``pymsg.mock_aws()``: boto3 and botocore calls to SQS, SNS and Kinesis answered by an in-process broker,
without sockets, for clients created before or inside it (moto's mock_aws, switched by one
import). Calls to services pymsg does not emulate fail loudly instead of reaching AWS.

While any mock is active (thread-safe: the active brokers are a stack under a lock) it replaces
botocore's ``BaseClient._make_request`` (the step after validation, serialization and the
before-call hooks) to answer served calls without signing or an HTTP round, and
``Endpoint._send`` to block the rest; it sets fake credentials and a region when none are set.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from typing import Any, Callable, Optional, TypeVar
from urllib.parse import urlencode

from ..broker import Broker
from ..errors import PymsgError
from . import dispatch as _dispatch

# botocore's response pieces, imported by the first start() so that `import pymsg` stays light.
AWSResponse: Any = None
convert_to_response_dict: Any = None

F = TypeVar("F", bound=Callable[..., Any])
SERVED = {"sqs", "sns", "kinesis", "sts"}  # sts: GetCallerIdentity, which names the account a key acts in

_lock = threading.Lock()
_active: list["mock_aws"] = []
_original_send: Optional[Callable[..., Any]] = None
_original_make_request: Optional[Callable[..., Any]] = None
# PYMSG_MOCK_VERIFY=1 (the test suite sets it; read by start()) checks every fast-path answer
# against botocore's parser.
_VERIFY = False
_FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


class _Raw:
    """What botocore reads a response body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


class _LazyJson(_Raw):
    """A JSON answer serialized only if a hook reads the raw response."""

    def __init__(self, answer: Any) -> None:
        self._answer = answer

    def stream(self, **_: Any) -> Any:
        yield json.dumps(self._answer).encode()


def _current() -> Optional["mock_aws"]:
    """The innermost active mock, or None."""
    with _lock:
        return _active[-1] if _active else None


def _send(endpoint: Any, request: Any) -> Any:
    mock = _current()
    if mock is None:
        assert _original_send is not None
        return _original_send(endpoint, request)
    service = getattr(endpoint, "_endpoint_prefix", "")
    if service not in SERVED:
        raise RuntimeError(f"pymsg.mock_aws: {service or request.url} is not emulated; calls to it are blocked "
                           f"(pymsg serves {', '.join(sorted(SERVED))}).")
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    status, headers, payload = _dispatch.handle(mock.broker, dict(request.headers.items()), body)
    return AWSResponse(request.url, status, headers, _Raw(payload))


def _client_scope(broker: Broker, client: Any) -> Broker:
    """The broker of the client's (account, region), as a signed request would name them: its
    region, and the account its access key id names (12 digits; else the mock's account)."""
    try:
        credentials = client._request_signer._credentials
        key = credentials.access_key if credentials is not None else None
        return broker.scope(_dispatch.account_for(key, broker.account_id), client.meta.region_name)
    except (AttributeError, PymsgError):
        return broker


def _make_request(client: Any, operation_model: Any, request_dict: dict, request_context: dict) -> Any:
    """The fast path: after botocore validated and serialized the call (and ran its before-call
    hooks), answer it here, skipping what a socket would need (signing, the HTTP request, the
    retry loop). A JSON-protocol success with no blob or timestamp in it is handed over as the
    object botocore's parser would build; everything else goes through that parser."""
    mock = _current()
    service_model = operation_model.service_model
    if mock is None or service_model.endpoint_prefix not in SERVED:
        assert _original_make_request is not None
        return _original_make_request(client, operation_model, request_dict, request_context)
    body = request_dict.get("body") or b""
    if isinstance(body, dict):  # the query protocol hands its form members over unencoded
        body = urlencode(body, doseq=True)
    if isinstance(body, str):
        body = body.encode()
    headers = request_dict.get("headers") or {}
    target = headers.get("X-Amz-Target")
    broker = _client_scope(mock.broker, client)
    if target is None:
        status, out_headers, payload = _dispatch.handle(broker, headers, body)
        return _parsed(client, operation_model, status, out_headers, payload, request_dict)
    status, out_headers, answer = _dispatch.handle_json(broker, target, body)
    if isinstance(answer, bytes):  # an event stream: botocore's parser reads it as it would a socket
        out_headers["Content-Type"] = "application/vnd.amazon.eventstream"
        return _parsed(client, operation_model, status, out_headers, answer, request_dict)
    output = operation_model.output_shape
    try:
        if status != 200:
            raise _NotPlain
        parsed = _walk(output, answer) if output is not None else {}
    except _NotPlain:
        return _parsed(client, operation_model, status, out_headers, json.dumps(answer).encode(), request_dict)
    http = AWSResponse(request_dict.get("url", ""), status, out_headers, _LazyJson(answer))
    parsed["ResponseMetadata"] = {"RequestId": out_headers["x-amzn-RequestId"], "HTTPStatusCode": status,
                                  "HTTPHeaders": {k.lower(): v for k, v in out_headers.items()},
                                  "RetryAttempts": 0}
    if _VERIFY:
        expected = _parsed(client, operation_model, status, out_headers, json.dumps(answer).encode(), request_dict)[1]
        assert parsed == expected, f"mock_aws fast path differs from botocore's parser: {parsed!r} != {expected!r}"
    return http, parsed


def _parsed(client: Any, operation_model: Any, status: int, headers: dict, payload: bytes, request_dict: dict) -> Any:
    """(http, parsed) the way botocore's endpoint builds them from a wire answer."""
    http = AWSResponse(request_dict.get("url", ""), status, headers, _Raw(payload))
    response_dict = convert_to_response_dict(http, operation_model)
    endpoint = client._endpoint
    parser = _parser(endpoint._response_parser_factory, operation_model.service_model.resolved_protocol)
    parsed = parser.parse(response_dict, operation_model.output_shape)
    if status >= 300:
        endpoint._add_modeled_error_fields(response_dict, parsed, operation_model, parser)
    parsed.setdefault("ResponseMetadata", {})["RetryAttempts"] = 0
    return http, parsed


class _NotPlain(Exception):
    """The answer holds a value botocore's JSON parser converts (a blob, a timestamp)."""


def _walk(shape: Any, value: Any) -> Any:
    """What botocore's JSON parser makes of `value`: modeled members only, and every value as it
    came; raises _NotPlain at a value that parser would convert."""
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type or shape.is_tagged_union or shape.serialization.get("eventstream"):
            raise _NotPlain
        if value is None:
            return None
        out = {}
        for name, member in shape.members.items():
            raw = value.get(member.serialization.get("name", name))
            if raw is not None:
                out[name] = _walk(member, raw)
        return out
    if kind == "list":
        return [None if item is None else _walk(shape.member, item) for item in value]
    if kind == "map":
        return {_walk(shape.key, k): _walk(shape.value, v) for k, v in value.items()}
    if kind in ("blob", "timestamp"):
        raise _NotPlain
    return value


@functools.lru_cache(maxsize=None)
def _parser(factory: Any, protocol: str) -> Any:
    """botocore's parsers keep no per-response state, so one per (factory, protocol) serves every call."""
    return factory.create_parser(protocol)


class mock_aws:
    """A context manager and decorator: inside it, botocore's SQS, SNS and Kinesis calls go to ``broker`` (a
    new one per mock unless given; pass one with a ManualClock to drive time)."""

    def __init__(self, broker: Optional[Broker] = None) -> None:
        self.broker = broker if broker is not None else Broker(account_id="123456789012")
        self._saved_env: dict[str, Optional[str]] = {}

    def start(self) -> "mock_aws":
        global _original_send, _original_make_request, AWSResponse, convert_to_response_dict, _VERIFY
        import botocore.awsrequest
        import botocore.client
        import botocore.endpoint

        with _lock:
            AWSResponse = botocore.awsrequest.AWSResponse
            convert_to_response_dict = botocore.endpoint.convert_to_response_dict
            _VERIFY = os.environ.get("PYMSG_MOCK_VERIFY") == "1"
            if _original_send is None:
                _original_send = botocore.endpoint.Endpoint._send
                botocore.endpoint.Endpoint._send = _send  # type: ignore[method-assign]
                _original_make_request = botocore.client.BaseClient._make_request
                botocore.client.BaseClient._make_request = _make_request  # type: ignore[method-assign]
            _active.append(self)
        for key, value in _FAKE_ENV.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ.setdefault(key, value)
        return self

    def stop(self) -> None:
        global _original_send, _original_make_request
        import botocore.client
        import botocore.endpoint

        with _lock:
            if self in _active:
                _active.remove(self)
            if not _active and _original_send is not None:
                botocore.endpoint.Endpoint._send = _original_send  # type: ignore[method-assign]
                botocore.client.BaseClient._make_request = _original_make_request  # type: ignore[method-assign]
                _original_send = None
                _original_make_request = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
        self._saved_env.clear()

    def __enter__(self) -> "mock_aws":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mock_aws(self.broker):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
