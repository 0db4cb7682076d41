"""``pymsg serve``: one HTTP endpoint for SQS, SNS and Kinesis that any AWS SDK or the aws CLI
can use (``--endpoint-url http://127.0.0.1:4566``).

Routing is by ``X-Amz-Target`` (JSON protocols) or the form's ``Action`` (query protocol), as in
:mod:`pymsg.aws.dispatch`. Also: ``GET /_pymsg/health``; ``POST /moto-api/reset`` (what moto's
server mode calls between tests) to start over with an empty broker; ``sts:GetCallerIdentity``;
``GET`` and ``DELETE`` of ``/_aws/sns/sms-messages`` and ``/_aws/sns/platform-endpoint-messages``
(what SNS recorded instead of sending).
HTTP/1.1 keep-alive, a request size cap (413 past it), 400 for requests without a readable
body, graceful shutdown on SIGINT/SIGTERM. Credentials are accepted as given unless the server
is given access keys (``--verify-signatures``): then every SigV4 signature is checked and bad
ones are refused with AWS's errors. With a data directory (``--data-dir``) every change is in a
write-ahead log before it is answered (see :mod:`pymsg.durability`); with a state file
(``--state``, snapshots only) the broker is loaded from it at start and saved to it every few
seconds and at shutdown (see :mod:`pymsg.state` for what is kept). Listens on loopback unless told otherwise. With ``--other-services moto`` every other
service (S3, DynamoDB, STS, ...) is relayed to a moto server started beside it (see
:mod:`pymsg.aws.moto_server`); without it, requests signed for them get a 501 that says so.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import logging
import signal
import socket
import sys
import threading
import time
import urllib.parse
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Mapping, Optional, Sequence

from .. import state
from ..durability import wipe_data_dir
from .._core import __version__
from ..broker import Broker
from ..errors import PymsgError
from ..http_targets import HttpTargets
from . import moto_server, sigv4
from .connections import BODY, HEADERS, IDLE, SERVING, ConnectionGuard, Limits
from .dispatch import handle, reject, signing_name
from .ids import request_id

# What the endpoint says: its start, failures it survives (a save that failed, requests cut off
# at shutdown, a refused signature, an answer it could not make); with no logging set up,
# Python's last-resort handler still writes warnings and errors to stderr.
_log = logging.getLogger("pymsg.server")
# One line a request, at INFO, from servers made with access_log=True (`pymsg serve --access-log`).
_access = logging.getLogger("pymsg.server.access")

DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024  # above AWS's largest request (10 MiB PutRecords)
DRAIN_SECONDS = 25.0  # at shutdown, how long requests in progress may finish (a long poll takes 20)


class Server(ThreadingHTTPServer):
    """A threaded HTTP server around a broker (replaced on reset)."""

    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog (socketserver's default is 5): a burst of clients connects at once, and the
    # kernel holds them until accept (it caps this at net.core.somaxconn).
    request_queue_size = 4096

    def __init__(self, host: str, port: int, make_broker: Callable[[], Broker],
                 max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
                 access_keys: Optional[Mapping[str, str]] = None, state_path: Optional[str] = None,
                 access_log: bool = False, other_services: str = "block", limits: Limits = Limits()) -> None:
        if other_services not in ("moto", "block"):
            raise ValueError(f"other_services is 'moto' or 'block', not {other_services!r}")
        if other_services == "moto" and access_keys is not None:  # moto checks no signature
            raise ValueError("signatures are checked only for the services pymsg serves: "
                             "with other_services='moto', moto's would pass unchecked")
        self.make_broker = make_broker
        self.access_log = access_log
        self.broker = make_broker()
        self.max_request_bytes = max_request_bytes
        # access key id -> secret; None accepts any credentials without checking signatures.
        self.access_keys = dict(access_keys) if access_keys is not None else None
        self.state_path = state_path
        self._saving = threading.Lock()
        self.restored = state.load(self.broker, state_path) if state_path else False
        self._requests = threading.Condition()  # guards the two below
        self._active = 0          # requests being served
        self._draining = False    # shutting down: new requests get 503
        self.connections = ConnectionGuard(limits)  # before binding: a failed bind calls server_close
        self._out_of_files_logged = 0.0
        super().__init__((host, port), _Handler)
        self.moto: Optional[moto_server.MotoServer] = None  # what serves every other service, if anything
        if other_services == "moto":
            try:
                self.moto = moto_server.MotoServer(self._loopback_endpoint(), self.broker.account_id)
            except BaseException:
                self.server_close()
                raise

    def _loopback_endpoint(self) -> str:
        """The endpoint as this machine reaches it (a wildcard address is reached at loopback)."""
        host, port = self.server_address[:2]
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"

    def server_close(self) -> None:
        super().server_close()
        self.connections.close()
        if getattr(self, "moto", None) is not None:
            self.moto.close()  # type: ignore[union-attr]

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            return super().get_request()
        except OSError as exc:  # socketserver drops the error and polls again: at once, and again, ...
            if exc.errno in (errno.EMFILE, errno.ENFILE):
                now = time.monotonic()
                if now - self._out_of_files_logged > 10:
                    self._out_of_files_logged = now
                    _log.warning("cannot accept a connection: %s (%d open; lower --max-connections or raise "
                                 "ulimit -n)", exc.strerror, len(self.connections))
                time.sleep(0.01)
            raise

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Admits a connection, or answers 503 when every one of --max-connections is being served."""
        if self.connections.admit(request):
            return True
        body = json.dumps({"__type": "ServiceUnavailable",
                           "message": f"pymsg serve is serving {self.connections.cap} connections, its limit "
                                      f"(--max-connections); try again."}).encode()
        try:
            request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                            b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        except OSError:
            pass
        return False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection's thread failed: a client gone (or shut by the watchdog) is routine; anything
        else is logged, never printed."""
        failure = sys.exc_info()[1]
        if isinstance(failure, OSError):
            _log.debug("connection from %s ended: %r", client_address, failure)
        else:
            _log.error("could not serve the connection from %s", client_address, exc_info=failure)

    def shutdown_request(self, request: Any) -> None:
        self.connections.release(request)
        super().shutdown_request(request)

    def begin_request(self) -> bool:
        """Counts a request in; False once the server drains (the caller answers 503)."""
        with self._requests:
            if self._draining:
                return False
            self._active += 1
            return True

    def end_request(self) -> None:
        with self._requests:
            self._active -= 1
            if self._active == 0:
                self._requests.notify_all()

    def drain(self, timeout: float) -> bool:
        """Refuses new requests, ends the long polls waiting (they answer with what they have,
        as when a queue is deleted) and waits up to `timeout` seconds for the requests in
        progress; True when none is left. Keep-alive connections outlive serve_forever, so this
        is what makes the state saved at shutdown hold every answered request."""
        with self._requests:
            self._draining = True
        deadline = time.monotonic() + timeout
        while True:
            self.broker.wake_long_polls()  # again each round: a receive may have begun meanwhile
            with self._requests:
                if self._requests.wait_for(lambda: self._active == 0, min(0.1, max(0.0, deadline - time.monotonic()))):
                    return True
            if time.monotonic() >= deadline:
                return False

    def save_state(self) -> None:
        """Writes the broker to the state file (when there is one); closes a data directory
        (a checkpoint, then the log released)."""
        self.broker.close()
        if self.state_path:
            with self._saving:
                state.save(self.broker, self.state_path)

    @property
    def endpoint(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self) -> None:
        old = self.broker
        path = old.data_dir
        if path is not None:  # start over on disk too: the new broker opens an empty directory
            old.close()
            wipe_data_dir(path)
        self.broker = self.make_broker()
        if self.moto is not None:
            self.moto.reset()


# What SNS recorded instead of sending, served as LocalStack serves it: route -> (outbox kind,
# answer member, the field messages are grouped by).
_OUTBOXES = {"/_aws/sns/sms-messages": ("sms", "sms_messages", "PhoneNumber"),
             "/_aws/sns/platform-endpoint-messages": ("push", "platform_endpoint_messages", "TargetArn")}


# pymsg's own routes: answered by pymsg even unsigned and with moto beside it.
_OWN_PATHS = frozenset({*_OUTBOXES, "/_pymsg/health", "/health", "/_localstack/health", "/moto-api/reset"})


def _not_emulated(service: str, json_protocol: bool) -> tuple[int, dict[str, str], bytes]:
    """The 501 a request signed for a service pymsg does not serve gets without moto beside it,
    in the shape the client's protocol reads errors from."""
    message = (f"pymsg serves SQS, SNS and Kinesis; {service} is not emulated. Start pymsg serve with "
               f"--other-services moto (pip install 'moto[server]') to serve every other service through moto.")
    if json_protocol:
        return 501, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(
            {"__type": "NotImplemented", "message": message}).encode()
    return 501, {"Content-Type": "text/xml"}, (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code><Message>{escape(message)}</Message>"
        f"</Error><RequestId>{request_id()}</RequestId></ErrorResponse>").encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    # Buffered writes (handle_one_request flushes each answer) send head and body as one segment:
    # as two small ones, the second waits for the client's delayed ACK (40 ms on Linux) and a
    # keep-alive client gets 25 answers a second.
    wbufsize = 1 << 16
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.access_log and _access.isEnabledFor(logging.INFO):  # one line a request, when asked
            _access.info("%s %s", self.address_string(), format % args)

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle_one_request(self) -> None:
        # Idle until the next request's first byte (already buffered when the client pipelines),
        # then its headers have their own deadline. The watchdog ends a phase that runs out by
        # shutting the socket down: the read here, or the one reading the headers, gets b"".
        guard = self.server.connections
        guard.enter(self.connection, IDLE)
        try:
            began = self.rfile.peek(1)
        except OSError:
            began = b""
        if not began:
            self.close_connection = True
            return
        guard.enter(self.connection, HEADERS)
        super().handle_one_request()

    def parse_request(self) -> bool:
        """The request line and headers, refused in the shapes request smuggling uses: more than one
        Content-Length, or a Content-Length beside a Transfer-Encoding (which one ends the body
        is what a proxy in front and this server could disagree on)."""
        if not super().parse_request():
            return False
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            self.send_error(400, "Bad Request", "More than one Content-Length header.")
            return False
        if lengths and self.headers.get_all("Transfer-Encoding"):
            self.send_error(400, "Bad Request", "Content-Length and Transfer-Encoding together.")
            return False
        self.server.connections.enter(self.connection, BODY)
        return True

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: dict[str, Any], *, close: bool = False) -> None:
        """A JSON answer; `close`: the connection closes after it (a request body may be left unread)."""
        headers = {"Content-Type": "application/json"}
        if close:
            self.close_connection = True
            headers["Connection"] = "close"
        self._reply(status, headers, json.dumps(payload).encode())

    def _outbox(self, path: str, query: str, clear: bool) -> bool:
        """GET (or DELETE, which empties it) /_aws/sns/sms-messages or platform-endpoint-messages:
        what SNS recorded instead of sending, by phone number or endpoint ARN, as LocalStack
        answers. `region` and `accountId` query parameters pick the scope; False for other paths."""
        if path.rstrip("/") not in _OUTBOXES:
            return False
        kind, member, key = _OUTBOXES[path.rstrip("/")]
        parameters = dict(urllib.parse.parse_qsl(query))
        try:
            broker = self.server.broker.scope(parameters.get("accountId"), parameters.get("region"))
        except PymsgError as exc:
            self._json(400, {"message": str(exc)})
            return True
        grouped: dict[str, list[dict[str, Any]]] = {}
        for message in broker._mobile.sent(kind, clear):
            grouped.setdefault(message[key], []).append(message)
        if clear:
            self._reply(204, {}, b"")
        else:
            self._json(200, {"region": broker.region, member: grouped})
        return True

    def _elsewhere(self, path: str, query: str) -> bool:
        """Hands on a request for a service pymsg does not serve: to moto when it runs beside
        pymsg, else a 501 that says so; False for the requests pymsg answers itself."""
        service = moto_server.service_of(self.headers, query)
        moto = self.server.moto
        if service is None:  # unsigned: pymsg's routes and protocols, and (with moto) the rest is moto's
            content_type = self.headers.get("Content-Type") or ""
            if (moto is None or path.rstrip("/") in _OWN_PATHS or "Action=" in query or
                    (self.command == "POST" and (self.headers.get("X-Amz-Target") or "urlencoded" in content_type))):
                return False
        elif service in moto_server.SERVED or (service == "sts" and moto is None):
            return False  # sts: pymsg's GetCallerIdentity, unless moto serves all of STS
        if moto is None:
            json_protocol = bool(self.headers.get("X-Amz-Target")) or "json" in (self.headers.get("Content-Type") or "")
            status, headers, body = _not_emulated(service or "this request", json_protocol)
            if not self._discard_body():
                headers["Connection"] = "close"
            self._reply(status, headers, b"" if self.command == "HEAD" else body)
            return True
        if not self.server.begin_request():
            self._json(503, {"__type": "ServiceUnavailable", "message": "pymsg serve is shutting down."}, close=True)
            return True
        try:
            moto.forward(self, self.server.max_request_bytes)
        except moto_server.Unavailable as exc:
            self._json(503, {"__type": "ServiceUnavailable", "message": str(exc)}, close=True)
        except moto_server.BadBody as exc:
            self._json(exc.status, {"__type": "BadRequest", "message": str(exc)}, close=True)
        finally:
            self.server.end_request()
        return True

    def _discard_body(self) -> bool:
        """Reads and drops the body of a request answered without it, so the connection can
        serve the next one; False when it cannot (chunked, too large, a bad length)."""
        text = self.headers.get("Content-Length") or "0"
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower() or not text.isdigit() or \
                int(text) > self.server.max_request_bytes:
            self.close_connection = True
            return False
        left = int(text)
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                self.close_connection = True
                return False
            left -= len(chunk)
        return True

    def handle_expect_100(self) -> bool:
        # The 100 must leave now: the buffered writer would hold it until the final answer, and
        # botocore waits a second for it before sending an S3 upload's body.
        self.send_response_only(100)
        self.end_headers()
        self.wfile.flush()
        return True

    def _elsewhere_or_not_served(self) -> None:
        """PUT, HEAD, PATCH and OPTIONS: only other services use them."""
        path, _, query = self.path.partition("?")
        if not self._elsewhere(path, query):
            self.send_error(501, f"Unsupported method ({self.command!r})")

    do_PUT = do_HEAD = do_PATCH = do_OPTIONS = _elsewhere_or_not_served

    def do_DELETE(self) -> None:
        path, _, query = self.path.partition("?")
        if self._elsewhere(path, query):
            return
        if path.rstrip("/") in _OUTBOXES:
            self._serve(path, query, dict(self.headers.items()), b"")
        else:
            self._json(404, {"message": f"No route for DELETE {path}"})

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if self._elsewhere(path, query):
            return
        if path.rstrip("/") in _OUTBOXES:  # signed and counted like every other request
            self._serve(path, query, dict(self.headers.items()), b"")
            return
        if path.rstrip("/") in ("/_pymsg/health", "/health", "/_localstack/health"):
            # LocalStack's shape too, so readiness checks written for it pass unchanged.
            self._json(200, {"status": "running", "services": {"sqs": "running", "sns": "running", "kinesis": "running",
                                                               "sts": "running"},
                             "edition": "community", "version": f"pymsg-{__version__}"})
        elif "Action=" in query:  # the query protocol allows GET with the members in the URL
            self._serve(path, query, {**dict(self.headers.items()),
                                      "Content-Type": "application/x-www-form-urlencoded"}, query.encode())
        else:  # what SQS answers a GET that names no action
            self._reply(404, {"Content-Type": "text/xml"}, b"<UnknownOperationException/>")

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        if self._elsewhere(path, query):
            return
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            self._json(411 if length_text is None else 400, {"message": "A Content-Length header is required."})
            return
        length = int(length_text)
        if length > self.server.max_request_bytes:
            self._json(413, {"message": f"Request body over {self.server.max_request_bytes} bytes."}, close=True)
            return
        body = self.rfile.read(length)
        if len(body) < length:  # the client stopped sending, or the body deadline shut the connection
            self._json(400, {"message": f"The body ended after {len(body)} of its {length} bytes."}, close=True)
            return
        self.server.connections.enter(self.connection, SERVING)
        headers, members = dict(self.headers.items()), body
        if "Action=" in query:  # a query-protocol POST may carry its members in the URL, the body or both
            members = query.encode() + (b"&" + body if body else b"")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self._serve(path, query, headers, members, body)

    def _serve(self, path: str, query: str, headers: dict[str, str], body: bytes, signed: bytes = b"") -> None:
        """Answers one request: `body` is what the services read, `signed` the body as sent (SigV4)."""
        self.server.connections.enter(self.connection, SERVING)
        if not self.server.begin_request():
            self._json(503, {"__type": "ServiceUnavailable", "message": "pymsg serve is shutting down."}, close=True)
            return
        try:
            self._serve_counted(path, query, headers, body, signed)
        except OSError:
            raise  # the client went away: nothing to answer
        except Exception as exc:  # a bug costs one answer, not the connection
            _log.error("could not serve %s %s", self.command, path, exc_info=exc)
            self._json(500, {"__type": "InternalFailure", "message": f"pymsg could not serve the request: {exc!r}"})
        finally:
            self.server.end_request()

    def _serve_counted(self, path: str, query: str, headers: dict[str, str], body: bytes, signed: bytes) -> None:
        keys = self.server.access_keys
        if keys is not None:  # every route that changes state, the reset included
            service = None if path.rstrip("/") in _OWN_PATHS else signing_name(headers, body, path)
            try:
                sigv4.verify(self.command, path, query, dict(self.headers.items()), signed, keys.get,
                             service=service, region=sigv4.host_region(self.headers.get("Host")))
            except PymsgError as exc:
                _log.warning("refused a request from %s: %s: %s", self.address_string(), exc.code, exc)
                self._reply(*reject(headers, body, exc, path))
                return
        if self._outbox(path, query, clear=self.command == "DELETE"):
            return
        if path.rstrip("/") == "/moto-api/reset":
            try:
                self.server.reset()
            except moto_server.Unavailable as exc:  # pymsg's side is reset; moto's could not be
                self._json(503, {"__type": "ServiceUnavailable", "message": str(exc)})
                return
            self._json(200, {"status": "ok"})
            return
        host = self.headers.get("Host") or self.server.endpoint.removeprefix("http://")
        credential = dict(urllib.parse.parse_qsl(query)).get("X-Amz-Credential") if "X-Amz-" in query else None
        self._reply(*handle(self.server.broker, headers, body, f"http://{host}", path, credential))


def _is_loopback(host: str) -> bool:
    """Whether `host` (an address or name to listen on) is this host's loopback only."""
    try:
        return all(ipaddress.ip_address(info[4][0]).is_loopback
                   for info in socket.getaddrinfo(host or None, 0, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE))
    except (OSError, ValueError):
        return False


def serve(host: str = "127.0.0.1", port: int = 4566, *, region: str = "us-east-1", account_id: str | None = None,
          max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES, quotas: Optional[Mapping[str, int]] = None,
          access_keys: Optional[Mapping[str, str]] = None, state_path: Optional[str] = None,
          state_interval: float = 5.0, ready: Optional[Callable[[Server], None]] = None,
          access_log: bool = False, other_services: str = "block", data_dir: str | None = None,
          fsync: str = "everysec", limits: Limits = Limits(), allow_http_targets: Sequence[str] = ()) -> int:
    """Runs the endpoint until SIGINT or SIGTERM (then finishes the requests in progress).
    ``quotas`` overrides the account quotas of the broker behind it (see Broker.quotas);
    ``access_keys`` ({key id: secret}) turns on SigV4 checking; ``state_path`` loads the broker
    from that file and saves it there every ``state_interval`` seconds (0: only at shutdown)
    and at shutdown; ``data_dir`` keeps it in that directory's write-ahead log, synced as
    ``fsync`` says (always, everysec, no). ``other_services="moto"`` serves every other AWS
    service through a moto server started beside it (ended with it). ``limits``: the connections'
    timeouts and their cap (see :mod:`pymsg.aws.connections`). HTTP(S) subscriptions deliver to
    loopback only when the endpoint listens on loopback itself (its clients are then this host's
    own), never to link-local or metadata addresses; ``allow_http_targets`` (CIDRs) lifts that
    for the networks it names (see :class:`pymsg.HttpTargets`)."""
    targets = HttpTargets(allow_http_targets, loopback=_is_loopback(host))
    server = Server(host, port, lambda: Broker(region=region, account_id=account_id, quotas=quotas,
                                               data_dir=data_dir, fsync=fsync, http_targets=targets),
                    max_request_bytes, access_keys, state_path, access_log, other_services, limits)
    stopping = threading.Event()

    def save_periodically() -> None:
        while not stopping.wait(state_interval):
            try:
                server.save_state()
            except Exception as exc:  # a full disk must not stop the endpoint or later saves; say so, go on
                _log.error("could not save state to %s: %r", state_path, exc)

    def stop(*_: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
    checking = f", SigV4 checked for {len(access_keys)} access key(s)" if access_keys is not None else ""
    others = ", every other service through moto" if server.moto is not None else ""
    _log.info("pymsg serving SQS, SNS and Kinesis%s at %s (region %s, account %s%s)", others, server.endpoint, region,
              server.broker.account_id, checking)
    if data_dir is not None:
        _log.info("pymsg data directory %s: every change logged before it is answered, fsync=%s", data_dir, fsync)
    if state_path:
        _log.info("pymsg state file %s: %s, saved %sat shutdown", state_path, "restored" if server.restored else "new",
                  f"every {state_interval:g} s and " if state_interval > 0 else "")
        if state_interval > 0:
            threading.Thread(target=save_periodically, name="pymsg-state", daemon=True).start()
    if ready is not None:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stopping.set()
        if not server.drain(DRAIN_SECONDS):
            _log.warning("requests still running after %s s; saving without them", DRAIN_SECONDS)
        server.server_close()
        server.save_state()
        if state_path:
            scopes = server.broker.scopes()
            _log.info("stopped; saved %d queue(s), %d topic(s) and %d stream(s) to %s",
                      sum(len(b.list_queues()) for b in scopes), sum(len(b.list_topics()) for b in scopes),
                      sum(len(b.list_streams()) for b in scopes), state_path)
        elif data_dir is not None:
            _log.info("stopped; data directory %s checkpointed and closed", data_dir)
        else:
            _log.info("stopped (no --data-dir or --state: nothing was kept)")
    return 0
