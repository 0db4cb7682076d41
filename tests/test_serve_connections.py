"""What slow, idle, too many and malformed clients get from `pymsg serve`: each phase's deadline
(on a manual clock, driven tick by tick), the connection cap, request-smuggling shapes, and a
slow-header attack with more connections than the server has file descriptors."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import math
import resource
import select
import socket
import subprocess
import sys
from typing import Iterator

import pytest

import pymsg
from aws_endpoints import running_server
from conftest import counts
from test_serve_cli import Running, free_port
from pymsg.aws.connections import BODY, HEADERS, IDLE, SERVING, ConnectionGuard, Limits
from pymsg.aws.server import Server


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@contextlib.contextmanager
def guarded(clock: Clock, **limits: float) -> Iterator[ConnectionGuard]:
    guard = ConnectionGuard(Limits(**limits), clock=clock, watch=False)  # type: ignore[arg-type]
    try:
        yield guard
    finally:
        guard.close()


@contextlib.contextmanager
def socket_pairs(count: int) -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    """(server side, client side) pairs."""
    pairs = [socket.socketpair() for _ in range(count)]
    try:
        yield pairs
    finally:
        for a, b in pairs:
            a.close()
            b.close()


def is_shut(client: socket.socket) -> bool:
    """Whether the guard shut the server side down: the client then reads an end of file."""
    client.setblocking(False)
    try:
        return client.recv(1) == b""
    except BlockingIOError:
        return False


def test_each_phase_ends_at_its_own_deadline_and_serving_at_none(clock: Clock) -> None:
    with guarded(clock, header_timeout=10, body_timeout=30, idle_timeout=60) as guard, socket_pairs(4) as pairs:
        phases = [IDLE, HEADERS, BODY, SERVING]
        for (server_side, _), phase in zip(pairs, phases):
            assert guard.admit(server_side)
            guard.enter(server_side, phase)
        ends = {}
        for step in range(1, 200):
            clock.now += 0.5
            guard.tick()
            for (_, client_side), phase in zip(pairs, phases):
                if phase not in ends and is_shut(client_side):
                    ends[phase] = step * 0.5
        assert ends == {HEADERS: 10.0, BODY: 30.0, IDLE: 60.0}  # serving: still open after 99.5 s
        assert len(guard) == 1


def test_a_new_phase_starts_a_new_deadline(clock: Clock) -> None:
    with guarded(clock, header_timeout=10, body_timeout=10, idle_timeout=10) as guard, socket_pairs(1) as pairs:
        (server_side, client_side), = pairs
        guard.admit(server_side)
        for phase in (HEADERS, BODY, SERVING, IDLE, HEADERS):  # a keep-alive connection's second request
            clock.now += 9.5
            guard.tick()
            assert not is_shut(client_side)
            guard.enter(server_side, phase)
        clock.now += 9.9
        guard.tick()
        assert not is_shut(client_side)
        clock.now += 0.1
        guard.tick()
        assert is_shut(client_side)


def test_at_the_cap_a_new_connection_replaces_the_one_waiting_longest(clock: Clock) -> None:
    with guarded(clock, max_connections=3) as guard, socket_pairs(5) as pairs:
        for index, (server_side, _) in enumerate(pairs[:3]):
            guard.admit(server_side)
            guard.enter(server_side, [HEADERS, SERVING, HEADERS][index])
            clock.now += 1
        assert guard.admit(pairs[3][0])  # the first waits longest: it makes room
        assert [is_shut(client) for _, client in pairs[:4]] == [True, False, False, False]
        guard.enter(pairs[3][0], SERVING)
        clock.now += 1
        assert guard.admit(pairs[4][0])  # now the third; the serving ones are never ended
        assert [is_shut(client) for _, client in pairs[1:5]] == [False, True, False, False]
        assert len(guard) == 3


def test_when_every_connection_is_served_a_new_one_is_refused(clock: Clock) -> None:
    with guarded(clock, max_connections=2) as guard, socket_pairs(3) as pairs:
        for server_side, _ in pairs[:2]:
            guard.admit(server_side)
            guard.enter(server_side, SERVING)
        assert not guard.admit(pairs[2][0])
        assert len(guard) == 2 and not any(is_shut(client) for _, client in pairs)
        guard.release(pairs[0][0])  # one ends: there is room again
        assert guard.admit(pairs[2][0])


def test_a_released_connection_is_never_touched(clock: Clock) -> None:
    with guarded(clock, header_timeout=1) as guard, socket_pairs(1) as pairs:
        (server_side, client_side), = pairs
        guard.admit(server_side)
        guard.enter(server_side, HEADERS)
        guard.release(server_side)
        clock.now += 5
        guard.tick()
        assert not is_shut(client_side) and len(guard) == 0


def test_what_was_closed_is_summed_up_in_the_log(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    with guarded(clock, header_timeout=1, max_connections=2) as guard, socket_pairs(4) as pairs:
        for server_side, _ in pairs[:3]:
            guard.admit(server_side)
            guard.enter(server_side, HEADERS)
        guard.enter(pairs[2][0], SERVING)
        guard.enter(pairs[3][0], SERVING)
        with caplog.at_level(logging.DEBUG, logger="pymsg.server"):
            clock.now += 2
            guard.tick()  # the second times out (the first made room for the third)
            assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # not once a connection
            clock.now += 10
            guard.tick()
        (summary,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert summary == ("connections closed in the last 12 s: 1 past a timeout, 1 to make room, 0 refused at the "
                           "limit of 2 (1 open)")


@pytest.mark.parametrize("limits, message", [
    ({"header_timeout": 0}, "header_timeout must be more than 0 seconds, not 0"),
    ({"body_timeout": -1.0}, "body_timeout must be more than 0 seconds, not -1.0"),
    ({"idle_timeout": math.nan}, "idle_timeout must be more than 0 seconds, not nan"),
    ({"max_connections": 0}, "max_connections must be 1 or more, not 0"),
])
def test_limits_out_of_range_are_refused(limits: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        Limits(**limits)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_the_default_cap_follows_the_file_descriptor_limit() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert Limits().connection_cap() == max(1, min(4096, (soft - 64) // 2))
    assert Limits(max_connections=7).connection_cap() == 7


# Over loopback, against a server in a thread.

@pytest.fixture
def broker() -> pymsg.Broker:
    return pymsg.Broker(clock=pymsg.ManualClock(), account_id="123456789012")


def read_answer(conn: socket.socket) -> bytes:
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = conn.recv(65536)
        if not chunk:
            return answer
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def raw(server: Server, request: bytes) -> tuple[bytes, bool]:
    """Sends `request` on a new connection; the answer, and whether the server closed the
    connection after it (a second request on it then gets no answer)."""
    with socket.create_connection(server.server_address[:2], timeout=10) as conn:
        conn.sendall(request)
        answer = read_answer(conn)
        try:
            conn.sendall(b"GET /_pymsg/health HTTP/1.1\r\nHost: x\r\n\r\n")
            second = read_answer(conn)
        except OSError:  # reset: the server had closed it
            second = b""
        return answer, not second.startswith(b"HTTP/1.1 200 ")


def send_message(url: str, length_headers: bytes) -> bytes:
    body = json.dumps({"QueueUrl": url, "MessageBody": "smuggled"}).encode()
    return (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.SendMessage\r\n"
            b"Content-Type: application/x-amz-json-1.0\r\n" + length_headers.replace(b"%d", b"%d" % len(body)) + b"\r\n" + body)


@pytest.mark.parametrize("length_headers", [
    b"Content-Length: %d\r\nContent-Length: %d\r\n",
    b"Content-Length: %d\r\nContent-Length: 0\r\n",
    b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n",
])
def test_request_smuggling_shapes_are_refused_and_change_nothing(broker: pymsg.Broker, length_headers: bytes) -> None:
    queue = broker.create_queue("q")
    with running_server(lambda: broker) as server:
        answer, closed = raw(server, send_message(queue.url, length_headers))
    assert answer.startswith(b"HTTP/1.1 400 ") and closed
    assert counts(queue) == (0, 0, 0)


def test_the_same_request_with_one_length_is_served(broker: pymsg.Broker) -> None:  # what the test above varies
    queue = broker.create_queue("q")
    with running_server(lambda: broker) as server:
        answer, closed = raw(server, send_message(queue.url, b"Content-Length: %d\r\n"))
    assert answer.startswith(b"HTTP/1.1 200 ") and not closed
    assert counts(queue) == (1, 0, 0)


def test_a_body_cut_short_is_answered_400_and_sends_nothing(broker: pymsg.Broker) -> None:
    queue = broker.create_queue("q")
    request = send_message(queue.url, b"Content-Length: %d\r\n")
    with running_server(lambda: broker) as server, socket.create_connection(server.server_address[:2], 10) as conn:
        conn.sendall(request[:-5])
        conn.shutdown(socket.SHUT_WR)
        answer = b"".join(iter(lambda: conn.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 400 ") and b"The body ended after" in answer
    assert counts(queue) == (0, 0, 0)


def test_slow_headers_past_the_cap_do_not_keep_a_client_out(broker: pymsg.Broker) -> None:
    broker.create_queue("q")
    with running_server(lambda: broker, limits=Limits(max_connections=8)) as server:
        slow = []
        try:
            for _ in range(40):  # five times the cap, each stuck in its headers
                conn = socket.create_connection(server.server_address[:2], timeout=10)
                conn.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                slow.append(conn)
            for _ in range(5):
                client = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
                client.request("GET", "/_pymsg/health")
                assert client.getresponse().status == 200
                client.close()
        finally:
            for conn in slow:
                conn.close()


def test_past_the_cap_with_every_connection_served_the_answer_is_503(broker: pymsg.Broker) -> None:
    clock = broker.clock
    url = broker.create_queue("q").url
    body = json.dumps({"QueueUrl": url, "WaitTimeSeconds": 20}).encode()
    with running_server(lambda: broker, limits=Limits(max_connections=1)) as server:
        polling = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
        polling.request("POST", "/", body=body, headers={"X-Amz-Target": "AmazonSQS.ReceiveMessage",
                                                          "Content-Type": "application/x-amz-json-1.0"})
        while server.connections.phases() != ["serving"]:  # the long poll waits on the manual clock
            pass
        answer, closed = raw(server, b"GET /_pymsg/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 503 ") and closed
        assert b"--max-connections" in answer
        clock.advance(20)
        assert polling.getresponse().status == 200
        polling.close()


ATTACK = r"""
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
slow = []
for _ in range(count):
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a")
    slow.append(conn)
print("ready", flush=True)
sys.stdin.read()
"""


def test_more_slow_connections_than_file_descriptors() -> None:
    """The server may hold 128 files; 300 connections stuck in their headers do not shut a client out."""
    port = free_port()

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))

    server = Running("--port", str(port), env={}, preexec_fn=low_limit)
    attack = subprocess.Popen([sys.executable, "-c", ATTACK, str(port), "300"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert attack.stdout is not None and attack.stdout.readline() == "ready\n"
        for _ in range(10):
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            client.request("GET", "/_pymsg/health")
            assert client.getresponse().status == 200
            client.close()
        assert server.process.poll() is None
    finally:
        attack.kill()
        attack.communicate()
        _, log = server.stop()
    assert "Traceback" not in log


def test_a_burst_of_200_connections_completes_before_the_server_accepts_one(broker: pymsg.Broker) -> None:
    """The listen backlog holds them: every handshake completes while no connection is accepted yet
    (with socketserver's backlog of 5, all but six would wait for SYN retries)."""
    server = Server("127.0.0.1", 0, lambda: broker)  # never serve_forever: nothing is accepted
    conns = [socket.socket() for _ in range(200)]
    try:
        for conn in conns:
            conn.setblocking(False)
            conn.connect_ex(server.server_address[:2])
        pending = set(conns)
        while pending:  # bounded by the select timeout: it fails rather than waits for retries
            _, writable, _ = select.select([], list(pending), [], 5)
            assert writable, f"{len(pending)} of 200 connections still waiting for their handshake"
            assert all(c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 for c in writable)
            pending -= set(writable)
    finally:
        for conn in conns:
            conn.close()
        server.server_close()
