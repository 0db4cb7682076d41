"""What slow clients cost a well-behaved one, against `pymsg serve` in a subprocess.

1. Slow headers: the server may hold `--fd-limit` files (ulimit -n); an attacker opens `--slow`
   connections (more than that) at `--ramp` a second, each sending a header byte every
   `--drip` seconds and never ending its headers. Meanwhile a client makes a new connection and
   one health request every 50 ms: its latencies while the attack ramps up, and once the slow
   connections are older than the header timeout.
2. A burst: `--burst` clients connect at once; how long until every handshake completed, and
   until every one was answered.

    python benchmarks/slow_clients.py [--slow 600] [--fd-limit 256]
"""

from __future__ import annotations

import argparse
import http.client
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, fd_limit: int, header_timeout: float) -> subprocess.Popen[str]:
    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

    server = subprocess.Popen([sys.executable, "-m", "pymsg", "serve", "--port", str(port),
                               "--header-timeout", str(header_timeout), "--log-level", "info"],
                              preexec_fn=low_limit, stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    while "pymsg serving" not in (line := server.stderr.readline()):
        if not line:
            raise SystemExit("pymsg serve did not start")
    threading.Thread(target=server.stderr.read, daemon=True).start()  # keep its pipe from filling
    return server


def health_latency(port: int) -> float:
    began = time.perf_counter()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request("GET", "/_pymsg/health")
        response = client.getresponse()
        response.read()
        if response.status != 200:
            return float("inf")
    except OSError:
        return float("inf")
    finally:
        client.close()
    return time.perf_counter() - began


def attack(port: int, count: int, ramp: float, drip: float, stop: threading.Event) -> None:
    slow: list[socket.socket] = []
    next_drip = time.monotonic() + drip
    for index in range(count):
        if stop.is_set():
            break
        try:
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(conn)
        except OSError:
            pass
        time.sleep(1 / ramp)
        if time.monotonic() >= next_drip:
            for conn in list(slow):
                try:
                    conn.send(b"a")
                except OSError:  # closed by the server: the attacker opens another in its place
                    slow.remove(conn)
                    conn.close()
            next_drip = time.monotonic() + drip
    stop.wait()
    for conn in slow:
        conn.close()


def answers_health(conn: socket.socket) -> bool:
    conn.setblocking(True)
    conn.settimeout(10)
    try:
        conn.sendall(b"GET /_pymsg/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return conn.recv(12) == b"HTTP/1.1 200"
    except OSError:
        return False


def quantiles(samples: list[float]) -> str:
    finite = sorted(s for s in samples if s != float("inf"))
    failed = len(samples) - len(finite)
    if not finite:
        return f"{failed} failed"
    p99 = finite[min(len(finite) - 1, int(len(finite) * 0.99))]
    return (f"median {statistics.median(finite) * 1000:7.1f} ms, p99 {p99 * 1000:7.1f} ms, "
            f"max {finite[-1] * 1000:7.1f} ms, {failed} of {len(samples)} failed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=600, help="slow connections the attacker opens")
    parser.add_argument("--fd-limit", type=int, default=256, help="the server's ulimit -n")
    parser.add_argument("--ramp", type=float, default=200.0, help="slow connections opened a second")
    parser.add_argument("--drip", type=float, default=2.0, help="seconds between a slow connection's bytes")
    parser.add_argument("--header-timeout", type=float, default=3.0)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()

    port = free_port()
    server = start_server(port, args.fd_limit, args.header_timeout)
    try:
        stop = threading.Event()
        attacker = threading.Thread(target=attack, args=(port, args.slow, args.ramp, args.drip, stop))
        began = time.monotonic()
        attacker.start()
        ramping, after = [], []
        ramp_seconds = args.slow / args.ramp
        while time.monotonic() - began < ramp_seconds + args.header_timeout + 3:
            latency = health_latency(port)
            (ramping if time.monotonic() - began < ramp_seconds else after).append(latency)
            time.sleep(0.05)
        stop.set()
        attacker.join()
        print(f"slow headers: {args.slow} connections at {args.ramp:g}/s against ulimit -n {args.fd_limit} "
              f"(header timeout {args.header_timeout:g} s, a byte every {args.drip:g} s)")
        print(f"  new client while the attack ramps up: {quantiles(ramping)}")
        print(f"  new client after it:                  {quantiles(after)}")

        conns = [socket.socket() for _ in range(args.burst)]
        began = time.perf_counter()
        for conn in conns:
            conn.setblocking(False)
            conn.connect_ex(("127.0.0.1", port))
        import select

        pending = set(conns)
        while pending:
            _, writable, _ = select.select([], list(pending), [], 10)
            if not writable:
                break
            pending -= set(writable)
        connected = time.perf_counter() - began
        answered = sum(answers_health(conn) for conn in conns)
        served = time.perf_counter() - began
        for conn in conns:
            conn.close()
        print(f"burst: {args.burst - len(pending)} of {args.burst} connected in {connected * 1000:.1f} ms; "
              f"{answered} answered 200 in {served * 1000:.1f} ms")
    finally:
        server.terminate()
        server.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
