"""``pymsg serve --other-services moto``: every AWS service pymsg does not emulate (S3, DynamoDB,
Lambda, IAM, STS, ...) answered by a moto server that ``serve`` starts beside itself, behind the
same endpoint, so one ``--endpoint-url`` serves a whole test setup.

The moto server is a child process (``python -m pymsg.aws.moto_server``) on a loopback port of
its own, in the same default account (``MOTO_ACCOUNT_ID``). It writes its port on stdout once it
listens and runs until its stdin closes, so it ends with ``serve`` even when ``serve`` is killed.
In it, S3 event notifications for SQS queues and SNS topics are sent to pymsg's endpoint, where
the queues and topics live (moto would look for them in its own state and drop the event).

:func:`service_of` says which service a request is for (its SigV4 credential scope names it) and
:meth:`MotoServer.forward` relays a request to the child as it came, streaming the body both
ways, so S3 objects of any size pass.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from typing import Any, Callable, Optional

_log = logging.getLogger("pymsg.server")

SERVED = frozenset({"sqs", "sns", "kinesis"})  # what pymsg answers itself when moto runs beside it
START_SECONDS = 30.0  # how long the child may take to listen (importing moto and Flask takes about 1 s)
FORWARD_TIMEOUT = 120.0  # seconds without a byte from moto before a forwarded request fails
_CHUNK = 1 << 16
# Headers that describe one connection, not the request (RFC 9110 section 7.6.1): not relayed.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                         "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"})
# The service in a SigV4 credential scope: Credential=KEY/DATE/REGION/SERVICE/aws4_request, in the
# Authorization header or (presigned URLs) the X-Amz-Credential query parameter.
_SCOPE = re.compile(r"Credential=[^/,\s]*/\d{8}/[^/,\s]*/([^/,\s]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"(?:^|&)X-Amz-Credential=[^&]*?(?:/|%2F)\d{8}(?:/|%2F)[^&/%]*(?:/|%2F)([^&/%]+)"
                          r"(?:/|%2F)aws4_request", re.IGNORECASE)
_S3_QUERY_V2 = re.compile(r"(?:^|&)AWSAccessKeyId=[^&]+.*&Signature=|(?:^|&)Signature=[^&]+.*&AWSAccessKeyId=")
_ACTION = re.compile(r"(?:^|&)Action=")


def installed() -> bool:
    """Whether moto's server can run here: moto and the Flask it serves with."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("moto", "flask", "flask_cors"))


def service_of(headers: Any, query: str) -> Optional[str]:
    """The service a signed request names (``s3``, ``sqs``, ...); None for an unsigned one.

    Signature version 2 names no service, but only S3 still takes it without an ``Action``:
    ``Authorization: AWS KEY:SIGNATURE`` and the presigned ``AWSAccessKeyId=...&Signature=...``
    URLs boto3 makes for S3 by default.
    """
    authorization = headers.get("Authorization") or ""
    found = _SCOPE.search(authorization) or _QUERY_SCOPE.search(query)
    if found is not None:
        return found.group(1).lower()
    if authorization.startswith("AWS ") or _S3_QUERY_V2.search(query) and not _ACTION.search(query):
        return "s3"
    return None


class Unavailable(Exception):
    """moto's server did not answer a forwarded request (it has ended, or hangs)."""


class BadBody(ValueError):
    """A request body that cannot be read to its end (a bad length or chunked coding, a client
    gone mid-body, a chunked body over the size cap): answered with `status`."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class MotoServer:
    """The moto server child: started by the constructor, answering at :attr:`url`."""

    def __init__(self, pymsg_endpoint: str, account_id: str) -> None:
        environment = {**os.environ, "MOTO_ACCOUNT_ID": account_id}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pymsg.aws.moto_server", "--pymsg", pymsg_endpoint],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment)
        lines: list[bytes] = []
        reader = threading.Thread(target=lambda: lines.append(self.process.stdout.readline()),  # type: ignore
                                  daemon=True)
        reader.start()
        reader.join(START_SECONDS)
        line = lines[0] if lines else b""
        if not line.strip().isdigit():
            status = self.process.poll()
            self.process.kill()  # first: closing its stdout would wait for the reader's readline
            self.process.wait()
            self.close()
            raise RuntimeError(f"moto's server did not start within {START_SECONDS:g} s "
                               f"({'still running' if status is None else f'exit status {status}'}; "
                               f"its errors are above)")
        self.port = int(line)
        self.url = f"http://127.0.0.1:{self.port}"
        _log.info("other services: moto_server at %s (pid %d)", self.url, self.process.pid)

    def forward(self, handler: Any, max_chunked_bytes: int) -> None:
        """Relays the request `handler` (a BaseHTTPRequestHandler that has read only the head)
        to moto and moto's answer back. Raises Unavailable when moto does not answer and BadBody
        for a request body that cannot be read, both before anything is sent to the client. A
        chunked body (read whole: moto reads whole bodies) may hold `max_chunked_bytes`."""
        head = handler.headers
        chunked = "chunked" in head.get("Transfer-Encoding", "").lower()
        if chunked:
            body: Optional[bytes] = _read_chunked(handler.rfile, max_chunked_bytes)
            length: Optional[int] = len(body)
        else:
            body, text = None, head.get("Content-Length")
            if text is not None and not text.strip().isdigit():
                raise BadBody(f"Content-Length {text[:20]!r} is not a byte count.")
            length = int(text) if text is not None else None
        # Not relayed: this connection's own headers, the length (set below), the 100-continue
        # pymsg has answered.
        skipped = _HOP_BY_HOP | {"content-length", "expect"} | {
            name.strip().lower() for name in head.get("Connection", "").split(",")}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=FORWARD_TIMEOUT)
        try:
            try:
                connection.putrequest(handler.command, handler.path, skip_host=True, skip_accept_encoding=True)
                for name, value in head.items():
                    if name.lower() not in skipped:
                        connection.putheader(name, value)
                if length is not None:
                    connection.putheader("Content-Length", str(length))
                connection.endheaders(body)
            except (OSError, http.client.HTTPException) as exc:
                raise self._unavailable(handler, exc) from exc
            if body is None and length:
                self._copy_body(handler, connection, length)
            try:
                response = connection.getresponse()
                length_text = response.getheader("Content-Length")
                bodiless = handler.command == "HEAD" or response.status in (204, 304) or response.status < 200
                whole = response.read() if length_text is None and not bodiless else b""
            except (OSError, http.client.HTTPException) as exc:
                raise self._unavailable(handler, exc) from exc
            handler.send_response_only(response.status, response.reason)
            handler.log_request(response.status)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    handler.send_header(name, value)
            if length_text is None and not bodiless:
                handler.send_header("Content-Length", str(len(whole)))
            handler.end_headers()
            if whole:
                handler.wfile.write(whole)
            elif length_text is not None and not bodiless:
                self._stream_answer(handler, response)
        finally:
            connection.close()

    def _unavailable(self, handler: Any, exc: BaseException) -> Unavailable:
        _log.error("moto_server at %s did not answer %s %s: %r", self.url, handler.command, handler.path, exc)
        return Unavailable(f"moto_server, which serves the services pymsg does not, did not answer: {exc!r}")

    def _copy_body(self, handler: Any, connection: http.client.HTTPConnection, left: int) -> None:
        """Sends the request's `left` bytes on as they arrive."""
        while left > 0:
            try:
                chunk = handler.rfile.read(min(left, _CHUNK))
            except OSError as exc:
                raise BadBody(f"the request body could not be read: {exc!r}") from exc
            if not chunk:
                raise BadBody("the client closed the connection mid-body")
            try:
                connection.send(chunk)
            except OSError as exc:
                raise self._unavailable(handler, exc) from exc
            left -= len(chunk)

    def _stream_answer(self, handler: Any, response: http.client.HTTPResponse) -> None:
        """Copies moto's answer body to the client; a moto that breaks off mid-body closes the
        client's connection (its head is sent: nothing else can tell it)."""
        while True:
            try:
                chunk = response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                self._unavailable(handler, exc)
                handler.close_connection = True
                return
            if not chunk:
                return
            handler.wfile.write(chunk)

    def reset(self) -> None:
        """Empties moto's state (what ``POST /moto-api/reset`` asks of both); Unavailable when
        moto does not answer."""
        try:
            urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", b"", method="POST"),
                                   timeout=FORWARD_TIMEOUT).close()
        except OSError as exc:
            _log.error("moto_server at %s did not reset: %r", self.url, exc)
            raise Unavailable(f"moto_server did not reset: {exc!r}") from exc

    def close(self) -> None:
        """Ends the child: its stdin closes, which it waits on; a kill if it lingers."""
        try:
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None:
                    pipe.close()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def _read_chunked(stream: Any, limit: int) -> bytes:
    """A body in HTTP/1.1's chunked coding, decoded (its trailers dropped), of at most `limit` bytes."""
    parts, total = [], 0
    try:
        while True:
            line = stream.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadBody(f"the chunked request body has a bad chunk size line: {line[:40]!r}") from None
            if size == 0:
                while stream.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > limit:
                raise BadBody(f"Request body over {limit} bytes.", 413)
            part = stream.read(size)
            if len(part) < size:
                raise BadBody("the client closed the connection mid-body")
            parts.append(part)
            stream.readline(1024)
    except OSError as exc:
        raise BadBody(f"the request body could not be read: {exc!r}") from exc


def route_s3_events(send_sqs: Callable[[str, str, str, str], bool],
                    send_sns: Callable[[str, str, str, str], bool]) -> None:
    """Sends the S3 event notifications moto makes for SQS queues and SNS topics through
    `send_sqs(account, region, queue name, body)` and `send_sns(account, region, topic ARN,
    body)`; where one returns False, moto delivers the event its own way."""
    from moto.s3 import notifications

    def route(moto_send: Callable[..., None], send: Callable[[str, str, str, str], bool]) -> Callable[..., None]:
        def deliver(account_id: str, event_body: Any, target: str, region_name: str) -> None:
            if not send(account_id, region_name, target, json.dumps(event_body)):
                moto_send(account_id, event_body, target, region_name)

        return deliver

    notifications._send_sqs_message = route(notifications._send_sqs_message, send_sqs)
    notifications._send_sns_message = route(notifications._send_sns_message, send_sns)


def _poster(endpoint: str) -> tuple[Callable[[str, str, str, str], bool], Callable[[str, str, str, str], bool]]:
    """The child's S3-event senders: query-protocol requests to pymsg's endpoint, in the event's
    account (a 12-digit access key names it) and region."""

    def post(account: str, region: str, service: str, form: dict[str, str]) -> bool:
        credential = f"{account}/{time.strftime('%Y%m%d', time.gmtime())}/{region}/{service}/aws4_request"
        request = urllib.request.Request(endpoint + "/", urllib.parse.urlencode(form).encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature={'0' * 64}"})
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except OSError as exc:  # S3 sends events after the upload succeeded: it stands anyway
            detail = exc.read().decode(errors="replace") if hasattr(exc, "read") else repr(exc)
            _log.warning("an S3 event for %s was not delivered: %s", form.get("QueueUrl") or form.get("TopicArn"),
                         detail)
        return True

    def send_sqs(account: str, region: str, queue: str, body: str) -> bool:
        return post(account, region, "sqs", {"Action": "SendMessage", "Version": "2012-11-05",
                                             "QueueUrl": f"{endpoint}/{account}/{queue}", "MessageBody": body})

    def send_sns(account: str, region: str, topic_arn: str, body: str) -> bool:
        return post(account, region, "sns", {"Action": "Publish", "Version": "2010-03-31", "TopicArn": topic_arn,
                                             "Message": body})

    return send_sqs, send_sns


def main(argv: Optional[list[str]] = None) -> int:
    """The child: moto's threaded server on a free loopback port, written to stdout."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pymsg.aws.moto_server",
                                     description="moto's server for pymsg serve --other-services moto.")
    parser.add_argument("--pymsg", required=True, help="pymsg's endpoint, where S3 events for queues and topics go")
    args = parser.parse_args(argv)
    # Undelivered S3 events are warnings; each request is pymsg's access log's to tell, not werkzeug's.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # A terminal's Ctrl-C and systemd's stop signal reach the whole process group: serve ends this
    # process (stdin closes) once its requests in progress, some of them moto's, are done. They are
    # ignored before the port is written, since serve may be told to stop the moment it has read it.
    for name in ("SIGINT", "SIGTERM"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    route_s3_events(*_poster(args.pymsg.rstrip("/")))
    server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    # stdout is a pipe serve reads only for the port: what moto prints later (a line for each
    # request to a service it has no backend for) goes to stderr, or the full pipe would block it.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdin.buffer.read()  # until serve closes it or ends
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
