"""What keeps slow, idle or too many clients from holding ``pymsg serve``'s connections.

Each connection is in one phase at a time, and each phase but serving has a deadline:

- ``idle``: between requests on a keep-alive connection (and before the first one), up to
  ``idle_timeout``;
- ``headers``: from a request's first byte to the end of its headers, up to ``header_timeout``
  (a client that sends a byte every few seconds and never ends its headers is closed here);
- ``body``: from the end of the headers to the end of the body, up to ``body_timeout`` (a
  Content-Length larger than what is sent);
- ``serving``: the broker's turn, no deadline (a long poll waits up to 20 seconds).

One watchdog thread closes a connection whose deadline has passed: it shuts the socket down,
which wakes the thread blocked reading it. At ``max_connections`` a new connection takes the
place of the one that has waited longest without being served; when every connection is being
served, the new one is answered 503 and closed. What is closed is counted and logged under
``pymsg.server`` at most every few seconds, not once a connection.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

_log = logging.getLogger("pymsg.server")

IDLE, HEADERS, BODY, SERVING = "idle", "headers", "body", "serving"
_REPORT_SECONDS = 10.0  # how often the closes are summed up in the log
_TICK_SECONDS = 0.1     # how late past its deadline a connection may be closed


@dataclass(frozen=True)
class Limits:
    """The server's connection limits (seconds, and a count; None: from the file-descriptor limit)."""

    header_timeout: float = 10.0
    body_timeout: float = 60.0
    idle_timeout: float = 60.0
    max_connections: Optional[int] = None

    def __post_init__(self) -> None:
        for name in ("header_timeout", "body_timeout", "idle_timeout"):
            value = getattr(self, name)
            if not value > 0:  # NaN too
                raise ValueError(f"{name} must be more than 0 seconds, not {value!r}")
        if self.max_connections is not None and self.max_connections < 1:
            raise ValueError(f"max_connections must be 1 or more, not {self.max_connections!r}")

    def connection_cap(self) -> int:
        if self.max_connections is not None:
            return self.max_connections
        return default_connection_cap()


def default_connection_cap() -> int:
    """Half of what the file-descriptor limit leaves after 64 for the log, the data directory and
    the listening socket (a request relayed to moto holds a second socket), at most 4,096."""
    if sys.platform == "win32":
        return 1024
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 4096
    return max(1, min(4096, (soft - 64) // 2))


class _Connection:
    __slots__ = ("sock", "phase", "since", "deadline")

    def __init__(self, sock: socket.socket, now: float, idle_timeout: float) -> None:
        self.sock = sock
        self.phase = IDLE
        self.since = now
        self.deadline: Optional[float] = now + idle_timeout


class ConnectionGuard:
    """The connections a server holds, their phases and deadlines, and the watchdog that ends them."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic, watch: bool = True) -> None:
        """`clock` gives seconds (tests pass a manual one, and `watch=False` to call tick themselves)."""
        self.limits = limits
        self._clock = clock
        self.cap = limits.connection_cap()
        self._timeouts = {IDLE: limits.idle_timeout, HEADERS: limits.header_timeout, BODY: limits.body_timeout,
                          SERVING: None}
        self._lock = threading.Lock()
        self._open: dict[int, _Connection] = {}  # id(socket) -> its connection
        self._closed = {"timed out": 0, "made room": 0, "refused": 0}
        self._reported = clock()
        self._stop = threading.Event()
        self._watchdog: Optional[threading.Thread] = None
        if watch:
            self._watchdog = threading.Thread(target=self._watch, name="pymsg-connections", daemon=True)
            self._watchdog.start()

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    def phases(self) -> list[str]:
        """Each open connection's phase."""
        with self._lock:
            return [c.phase for c in self._open.values()]

    def admit(self, sock: socket.socket) -> bool:
        """Counts a new connection in, ending the one that has waited longest if the cap is reached;
        False (the caller refuses it) when every connection is being served."""
        now = self._clock()
        with self._lock:
            if len(self._open) >= self.cap:
                waiting = [c for c in self._open.values() if c.phase != SERVING]
                if not waiting:
                    self._closed["refused"] += 1
                    return False
                oldest = min(waiting, key=lambda c: c.since)
                self._end(oldest)
                self._closed["made room"] += 1
            self._open[id(sock)] = _Connection(sock, now, self.limits.idle_timeout)
        return True

    def enter(self, sock: socket.socket, phase: str) -> None:
        """The connection is now in `phase`; its deadline starts now."""
        now = self._clock()
        timeout = self._timeouts[phase]
        with self._lock:
            connection = self._open.get(id(sock))
            if connection is not None:
                connection.phase, connection.since = phase, now
                connection.deadline = None if timeout is None else now + timeout

    def release(self, sock: socket.socket) -> None:
        """The connection is closing: the watchdog no longer touches its socket (call before close)."""
        with self._lock:
            self._open.pop(id(sock), None)

    def close(self) -> None:
        self._stop.set()
        if self._watchdog is not None:
            self._watchdog.join(5)

    def _end(self, connection: _Connection) -> None:
        """Wakes the thread reading the connection with an end of file (the lock is held, so the
        socket cannot have been closed and its number reused meanwhile)."""
        self._open.pop(id(connection.sock), None)
        try:
            connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # the client had gone already
            pass

    def _watch(self) -> None:
        while not self._stop.wait(_TICK_SECONDS):
            self.tick()

    def tick(self) -> None:
        """Ends the connections past their deadline; sums up what was closed every few seconds."""
        now = self._clock()
        with self._lock:
            for connection in [c for c in self._open.values() if c.deadline is not None and c.deadline <= now]:
                _log.debug("closing a connection after %.1f s in its %s", now - connection.since, connection.phase)
                self._end(connection)
                self._closed["timed out"] += 1
            if now - self._reported < _REPORT_SECONDS or not any(self._closed.values()):
                return
            counts = dict(self._closed)
            self._closed = dict.fromkeys(self._closed, 0)
            elapsed, self._reported = now - self._reported, now
            open_now = len(self._open)
        _log.warning("connections closed in the last %.0f s: %d past a timeout, %d to make room, %d refused at the "
                     "limit of %d (%d open)", elapsed, counts["timed out"], counts["made room"],
                     counts["refused"], self.cap, open_now)
