"""``pymsg.mock_aws()``: boto3 and botocore calls to SQS, SNS and Kinesis answered by an in-process broker,
without sockets, for clients created before or inside it (moto's mock_aws, switched by one
import). Calls to services pymsg does not emulate fail loudly instead of reaching AWS.

While any mock is active (thread-safe: the active mocks are a stack under a lock) it replaces
botocore's ``BaseClient._make_request`` (the step after validation, serialization and the
before-call hooks) to answer served calls without signing or an HTTP round: the fast path.
Clients that override that method (aiobotocore's) reach the transport instead, and two nets
catch them there: botocore's public ``before-send`` event, registered for every session made
after the first mock started, and ``Endpoint._send`` (``AioEndpoint._send`` where aiobotocore is
imported), replaced while a mock is active. Both serve SQS, SNS and Kinesis from the broker and
refuse every other service, so no request leaves the process. Inside a mock the credentials are
moto's fake ones, and a region is set when none is.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import os
import sys
import threading
from typing import Any, Callable, Mapping, Optional, TypeVar
from urllib.parse import urlencode

from ..broker import Broker
from ..errors import PymsgError
from . import dispatch as _dispatch

# botocore's response pieces, imported by the first start() so that `import pymsg` stays light.
AWSResponse: Any = None
convert_to_response_dict: Any = None

T = TypeVar("T")
_log = logging.getLogger("pymsg.mock")
SERVED = {"sqs", "sns", "kinesis", "sts"}  # sts: GetCallerIdentity, which names the account a key acts in

_lock = threading.Lock()
_active: list["MockAWS"] = []  # innermost last
_original_send: Optional[Callable[..., Any]] = None
_original_make_request: Optional[Callable[..., Any]] = None
_original_aio_send: Optional[Callable[..., Any]] = None
_net_registered = False
_answered = threading.local()  # the request the net answered last on this thread (moto then passes)
# PYMSG_MOCK_VERIFY=1 (the test suite sets it; read by start()) checks every fast-path answer
# against botocore's parser.
_VERIFY = False
# moto's fake credentials, set inside every mock (and the old values put back after it).
_FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "FOOBARKEY", "AWS_SECRET_ACCESS_KEY": "FOOBARSECRET"}


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


def _current() -> Optional["MockAWS"]:
    """The innermost active mock, or None."""
    with _lock:
        return _active[-1] if _active else None


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


def _answer(url: str, status: int, headers: dict, payload: bytes) -> Any:
    """A wire answer as botocore reads it, and as aiobotocore awaits it."""
    return _Answer(url, status, headers, _Raw(payload))


def _served_by_neither(what: str) -> RuntimeError:
    return RuntimeError(f"pymsg.mock_aws: {what} is served neither by pymsg nor by moto; calls to it are blocked.")


def _serve_or_block(service: str, url: str, headers: Mapping[str, Any], body: Any, net: bool = False) -> Any:
    """The answer to a request that reached the transport (or, with `net`, botocore's
    before-send event) while a mock is active. Another service is moto's to answer when moto
    runs beside the mock (None lets moto's before-send handler answer it), else refused."""
    mock = _current()
    assert mock is not None
    if service not in SERVED:
        if _moto_running():
            if net:
                return None
            raise _served_by_neither(service or url)
        hint = ("install moto (pip install moto) and mock_aws hands it every other service" if _find_moto() is None
                else "mock_aws(other_services=\"moto\") hands every other service to moto")
        raise RuntimeError(f"pymsg.mock_aws: {service or url} is not emulated; calls to it are blocked "
                           f"(pymsg serves {', '.join(sorted(SERVED))}; {hint}).")
    if not isinstance(body, bytes):
        body = (body or "").encode() if isinstance(body, str) else b"".join(body or [])
    status, out_headers, payload = _dispatch.handle(mock.broker, dict(headers.items()), body)
    return _answer(url, status, out_headers, payload)


def _send(endpoint: Any, request: Any) -> Any:
    """botocore's transport while a mock is active: serve or block, never send."""
    if _current() is None:
        assert _original_send is not None
        return _original_send(endpoint, request)
    return _serve_or_block(getattr(endpoint, "_endpoint_prefix", ""), request.url, request.headers, request.body)


async def _aio_send(endpoint: Any, request: Any) -> Any:
    """aiobotocore's transport, the same way (for its sessions made before the first mock)."""
    if _current() is None:
        assert _original_aio_send is not None
        return await _original_aio_send(endpoint, request)
    return _serve_or_block(getattr(endpoint, "_endpoint_prefix", ""), request.url, request.headers, request.body)


def _before_send(request: Any, event_name: str = "", **_: Any) -> Any:
    """The net under every botocore-based client made after the first mock started (aiobotocore's
    included, which override the methods the fast path replaces): botocore's public
    ``before-send`` event, where an answer returned is used instead of sending the request."""
    if _current() is None:
        return None
    service = event_name.split(".")[1] if event_name.count(".") >= 2 else ""
    if service not in SERVED and _moto_running() and sys._getframe(1).f_globals.get("__name__", "").startswith(
            "aiobotocore"):
        answer = _from_moto(event_name, request, **_)  # moto answers aiobotocore with what it cannot await
    else:
        answer = _serve_or_block(service, request.url, request.headers, request.body, net=True)
    _answered.request = request if answer is not None else None  # moto's handler comes after this one
    return answer


def _from_moto(event_name: str, request: Any, **kwargs: Any) -> Any:
    """moto's answer to an aiobotocore request, made awaitable (moto hands back botocore's
    synchronous response); refused when moto does not serve the call either."""
    from moto.core.models import botocore_stubber

    answer = botocore_stubber(event_name=event_name, request=request, **kwargs)
    if answer is None:
        raise _served_by_neither(request.url)
    return _answer(request.url, answer.status_code, dict(answer.headers.items()), answer.content)


class _AwaitableBytes(bytes):
    """A body botocore reads as bytes and aiobotocore awaits (``await response.content``)."""

    def __await__(self) -> Any:
        return self._value().__await__()

    async def _value(self) -> bytes:
        return bytes(self)


_Answer: Any = None  # an AWSResponse whose content is _AwaitableBytes, made by the first start()


def _install() -> None:
    """Puts the mock's hooks into botocore (and aiobotocore, where imported); under _lock."""
    global _original_send, _original_make_request, _original_aio_send, AWSResponse, convert_to_response_dict
    global _Answer, _VERIFY, _net_registered
    import botocore.awsrequest
    import botocore.client
    import botocore.endpoint
    import botocore.handlers

    AWSResponse = botocore.awsrequest.AWSResponse
    convert_to_response_dict = botocore.endpoint.convert_to_response_dict
    _VERIFY = os.environ.get("PYMSG_MOCK_VERIFY") == "1"
    if _Answer is None:
        class Answer(botocore.awsrequest.AWSResponse):
            @property
            def content(self) -> bytes:
                return _AwaitableBytes(super().content)

        _Answer = Answer
    if not _net_registered:  # for every session made from now on; it stays, idle without a mock
        # First, ahead of moto's own before-send handler, so pymsg answers SQS, SNS and Kinesis.
        botocore.handlers.BUILTIN_HANDLERS.insert(0, ("before-send", _before_send))
        _net_registered = True
    # The originals are kept once taken (never cleared), so a call already inside a replacement
    # when the last mock stops still finds them.
    if botocore.endpoint.Endpoint._send is not _send:
        _original_send = botocore.endpoint.Endpoint._send
        botocore.endpoint.Endpoint._send = _send  # type: ignore[method-assign]
        _original_make_request = botocore.client.BaseClient._make_request
        botocore.client.BaseClient._make_request = _make_request  # type: ignore[method-assign]
    aio = sys.modules.get("aiobotocore.endpoint")
    if aio is not None and aio.AioEndpoint._send is not _aio_send:
        _original_aio_send = aio.AioEndpoint._send
        aio.AioEndpoint._send = _aio_send


def _uninstall() -> None:
    """Takes the hooks out again (the before-send net stays: it does nothing without a mock)."""
    import botocore.client
    import botocore.endpoint

    if botocore.endpoint.Endpoint._send is _send:
        botocore.endpoint.Endpoint._send = _original_send  # type: ignore[method-assign]
        botocore.client.BaseClient._make_request = _original_make_request  # type: ignore[method-assign]
    aio = sys.modules.get("aiobotocore.endpoint")
    if aio is not None and aio.AioEndpoint._send is _aio_send:
        aio.AioEndpoint._send = _original_aio_send


def _default_others() -> str:
    """What other_services=None means: PYMSG_OTHER_SERVICES (moto or block, as for serve), else
    moto when it is installed."""
    chosen = os.environ.get("PYMSG_OTHER_SERVICES", "").strip().lower()
    if chosen in ("moto", "block"):
        return chosen
    if chosen:
        raise ValueError(f"PYMSG_OTHER_SERVICES is 'moto' or 'block', not {chosen!r}")
    return "moto" if _find_moto() else "block"


class MockAWS:
    """One activation of :func:`mock_aws`: a context manager (``start()``/``stop()`` too) and a
    decorator. Each start serves a broker of its own: the one given, else the enclosing mock's
    when nested, else a new one (in the default account, see :func:`pymsg.default_account_id`)."""

    def __init__(self, broker: Optional[Broker] = None, other_services: Optional[str] = None, *,
                 fresh_moto: bool = True) -> None:
        if other_services not in (None, "moto", "block"):
            raise ValueError(f"other_services is 'moto', 'block' or None (moto when installed), not {other_services!r}")
        self._given = broker
        self._broker = broker
        self._ran = False  # started once: a later start serves a fresh broker
        self._others = other_services if other_services is not None else _default_others()
        self._moto: Any = None  # moto's mock, when this activation started one
        self._fresh_moto = fresh_moto  # whether moto's state starts empty (not for a test's later methods)
        self._saved_env: list[dict[str, Optional[str]]] = []

    @property
    def broker(self) -> Broker:
        """The broker this mock serves (made on first use when the mock has not started)."""
        if self._broker is None:
            self._broker = Broker()
        return self._broker

    @property
    def clock(self) -> Any:
        """The broker's clock: ``mock.clock.advance(30)`` when it is a ManualClock."""
        return self.broker.clock

    def start(self) -> "MockAWS":
        with _lock:
            if self._given is None:
                if _active:
                    self._broker = _active[-1].broker  # nested: the outer mock's state
                elif self._broker is None or self._ran:
                    self._broker = Broker()  # a fresh broker for each activation
            self._ran = True
            if not _active:
                _install()
            _active.append(self)
        saved = {key: os.environ.get(key) for key in (*_FAKE_CREDENTIALS, "AWS_DEFAULT_REGION")}
        self._saved_env.append(saved)
        os.environ.update(_FAKE_CREDENTIALS)  # no test acts on a real account's credentials
        if not os.environ.get("AWS_DEFAULT_REGION") and not os.environ.get("AWS_REGION"):
            os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
        if self._others == "moto" and not _moto_running():
            try:  # the outermost activation: moto's state lives as long as it
                self._moto = _start_moto(self._fresh_moto)
            except BaseException:
                self.stop()  # a mock that failed to start leaves nothing patched behind
                raise
        return self

    def stop(self) -> None:
        try:
            if self._moto is not None:
                moto_mock, self._moto = self._moto, None
                moto_mock.stop()
        finally:
            self._deactivate()

    def _deactivate(self) -> None:
        with _lock:
            for i in range(len(_active) - 1, -1, -1):  # the innermost activation of this mock
                if _active[i] is self:
                    del _active[i]
                    break
            if not _active:
                _uninstall()
        if self._saved_env:
            for key, value in self._saved_env.pop().items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def __enter__(self) -> "MockAWS":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __call__(self, target: T) -> T:
        """Decorates a function (sync, async, generator), a method or a test class."""
        if inspect.isclass(target):
            return _decorate_class(target, self._given, self._others)  # type: ignore[return-value]
        return _wrap(target, lambda _args: MockAWS(self._given, self._others))


def mock_aws(target: Any = None, /, *, broker: Optional[Broker] = None, other_services: Optional[str] = None) -> Any:
    """boto3 and botocore calls to SQS, SNS and Kinesis answered in process, as moto's
    ``mock_aws`` answers them: ``with mock_aws():``, ``mock_aws().start()``, and ``@mock_aws`` or
    ``@mock_aws()`` on test functions (sync or async), methods, fixtures (generators), plain test
    classes and ``unittest.TestCase`` subclasses. Each decorated call starts from a fresh broker;
    a mock inside another serves the outer one's. ``mock_aws(broker)`` serves a broker of yours
    (one with a ManualClock, to drive time). Inside, the credentials are fake (moto's FOOBARKEY).
    Every other AWS service (S3, DynamoDB, Lambda, ...) goes to moto's mock, started in the same
    context with the same account, when moto is installed (``other_services="moto"``, the
    default then); with ``"block"`` (the default without moto) those calls raise. Either way no
    request leaves the process. ``PYMSG_OTHER_SERVICES=block`` (or ``moto``) in the environment
    sets the default: block spares each mock the few milliseconds moto's mock takes to start."""
    if target is None or isinstance(target, Broker):
        return MockAWS(target if target is not None else broker, other_services)
    if callable(target):
        return MockAWS(broker, other_services)(target)
    raise TypeError(f"mock_aws takes a Broker, a function or a class, not {type(target).__name__}")


def _wrap(func: Callable[..., Any], make: Callable[[tuple], MockAWS]) -> Any:
    """`func` run inside a mock that `make(args)` gives for each call (for the whole of a
    coroutine or generator, so a fixture's mock lasts until its teardown)."""
    if inspect.iscoroutinefunction(func):
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with make(args):
                return await func(*args, **kwargs)

        return functools.wraps(func)(run_async)
    if inspect.isasyncgenfunction(func):
        async def run_async_generator(*args: Any, **kwargs: Any) -> Any:
            with make(args):
                async for item in func(*args, **kwargs):
                    yield item

        return functools.wraps(func)(run_async_generator)
    if inspect.isgeneratorfunction(func):
        def run_generator(*args: Any, **kwargs: Any) -> Any:
            with make(args):
                return (yield from func(*args, **kwargs))

        return functools.wraps(func)(run_generator)

    def run(*args: Any, **kwargs: Any) -> Any:
        with make(args):
            return func(*args, **kwargs)

    return functools.wraps(func)(run)


_BROKER_ATTRIBUTE = "_pymsg_mock_broker"  # on a test instance: the broker its setUp, test and tearDown share


def _decorate_class(cls: type, given: Optional[Broker], others: Optional[str] = None) -> type:
    """Every test method, setUp/tearDown and helper method of `cls` (and of its own base
    classes) runs inside the mock, as moto decorates a class. A test starts from a fresh broker
    (at its setUp, or at the test when the class has none) that its setUp, the test and its
    tearDown share; class and static methods and pytest fixtures are left as they are."""
    user_classes = [c for c in cls.__mro__ if c.__module__ not in ("unittest.case", "unittest.async_case", "builtins")]
    names = {name for c in user_classes for name in vars(c) if not name.startswith("_")}
    for name in sorted(names):
        raw = next(vars(c)[name] for c in user_classes if name in vars(c))
        if inspect.isclass(raw) and raw.__name__.startswith("Test"):
            setattr(cls, name, _decorate_class(raw, given, others))
            continue
        if not inspect.isfunction(raw) or hasattr(raw, "_pytestfixturefunction"):
            continue  # classmethod, staticmethod, property, pytest fixture, attribute
        setattr(cls, name, _wrap(raw, functools.partial(_instance_mock, given=given, others=others)))
    return cls


def _instance_mock(args: tuple, *, given: Optional[Broker], others: Optional[str] = None) -> MockAWS:
    """The mock of one method call on a test instance. unittest and pytest make an instance for
    each test, so the first of its methods to run (setUp, asyncSetUp, setup_method or the test
    itself) starts the test's broker (and moto's state, fresh), and the rest share them."""
    instance = args[0] if args else None
    state = vars(instance) if instance is not None and hasattr(instance, "__dict__") else {}
    broker = given if given is not None else state.get(_BROKER_ATTRIBUTE)
    first = broker is None
    if broker is None:
        with _lock:
            broker = _active[-1].broker if _active else Broker()
        state[_BROKER_ATTRIBUTE] = broker
    return MockAWS(broker, others, fresh_moto=first or given is not None)


# --- moto for the rest of AWS ------------------------------------------------------------------

_moto_lock = threading.Lock()
_moto_mocks: list[Any] = []  # moto mocks pymsg started, innermost last
_bridged = False


@functools.lru_cache(maxsize=None)
def _find_moto() -> Optional[Any]:
    """moto's module spec when moto is installed (looked up, not imported)."""
    import importlib.util

    return importlib.util.find_spec("moto")


def _moto_running() -> bool:
    with _moto_lock:
        return bool(_moto_mocks)


class _MotoMock:
    """moto's mock_aws, started beside pymsg's. Its state is reset at a fresh start, not at stop,
    so that a test's setUp, the test and its tearDown (each its own activation) share it."""

    def __init__(self, fresh: bool) -> None:
        import moto

        self._mock = moto.mock_aws()
        self._mock.start(reset=fresh)
        with _moto_lock:
            _moto_mocks.append(self)

    def stop(self) -> None:
        with _moto_lock:
            if self in _moto_mocks:
                _moto_mocks.remove(self)
        self._mock.stop(remove_data=False)


def _start_moto(fresh: bool) -> _MotoMock:
    _bridge_moto()
    return _MotoMock(fresh)


def _bridge_moto() -> None:
    """Joins moto to the mock, once: moto's before-send handler leaves alone a request pymsg
    answered (botocore calls every handler, so it would handle it again), and S3 event
    notifications moto sends to SQS queues and SNS topics go to pymsg's, the ones the test made
    (moto would look for them in its own state and drop the event)."""
    global _bridged
    with _moto_lock:
        if _bridged:
            return
        _bridged = True
    from moto.core.botocore_stubber import BotocoreStubber

    from .moto_server import route_s3_events

    moto_call = BotocoreStubber.__call__

    def call(stubber: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        if getattr(_answered, "request", None) is request:
            return None
        return moto_call(stubber, event_name, request, **kwargs)

    BotocoreStubber.__call__ = call

    def sender(deliver: Callable[[Broker, str, str], Any]) -> Callable[[str, str, str, str], bool]:
        def send(account_id: str, region_name: str, target: str, body: str) -> bool:
            mock = _current()
            if mock is None:  # moto running alone: its own way
                return False
            try:
                deliver(mock.broker.scope(account_id, region_name), target, body)
            except PymsgError as exc:  # S3 sends events asynchronously: the upload succeeds anyway
                _log.warning("an S3 event for %s was not delivered: %s", target, exc)
            return True

        return send

    route_s3_events(sender(lambda broker, name, body: broker.get_queue(name).send(body)),
                    sender(lambda broker, arn, body: broker.get_topic(arn).publish(body)))
