"""SendMessage requests per second against an AWS endpoint on loopback: ``pymsg serve`` and,
when moto is installed with its server (``pip install "moto[server]"``), ``moto_server``, in the
same run.

The load generator is one asyncio process holding ``--connections`` HTTP/1.1 keep-alive
connections, each sending the next request when the last answer is in (no pipelining; a
connection the server closes is opened again, as moto_server closes each one). Requests
are AWS JSON 1.0 SendMessage calls as botocore sends them (with an Authorization header neither
server checks). Each run asserts its result: every request got a 200, and the queue holds
exactly as many messages as were answered.

    python benchmarks/serve_load.py [--seconds 5] [--connections 16] [--only pymsg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import Iterator, Optional

ACCOUNT = "123456789012"
AUTH = ("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sqs/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(port: int, target: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=json.dumps(body).encode(), method="POST",
        headers={"X-Amz-Target": f"AmazonSQS.{target}", "Content-Type": "application/x-amz-json-1.0",
                 "Authorization": AUTH, "X-Amz-Date": "20260101T000000Z"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def start(server: str, port: int) -> subprocess.Popen:
    """Starts `server` ("pymsg" or "moto") on 127.0.0.1:`port` and waits until it answers."""
    if server == "pymsg":
        argv = [sys.executable, "-m", "pymsg", "serve", "--port", str(port), "--account-id", ACCOUNT]
    else:
        argv = [sys.executable, "-c", "from moto.server import main; main()", "-p", str(port)]
    env = dict(os.environ, MOTO_ACCOUNT_ID=ACCOUNT)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _call(port, "ListQueues", {})
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{server} exited with {proc.returncode} before answering") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{server} did not answer on port {port} within 30 s")


def _request(port: int, url: str) -> bytes:
    body = json.dumps({"QueueUrl": url, "MessageBody": "hello"}).encode()
    head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Amz-Target: AmazonSQS.SendMessage\r\n"
            f"Content-Type: application/x-amz-json-1.0\r\nX-Amz-Date: 20260101T000000Z\r\n"
            f"Authorization: {AUTH}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _connection(port: int, request: bytes, stop_at: float, counts: dict[str, int]) -> None:
    """Requests one after another on a keep-alive connection, reconnecting whenever the server
    closes it (moto_server answers every request with Connection: close)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop_at:
            writer.write(request)
            status_line = await reader.readline()
            length, close = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            await reader.readexactly(length)
            counts["ok" if status_line.split(b" ", 2)[1:2] == [b"200"] else "failed"] += 1
            if close or not status_line:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


def load(port: int, url: str, seconds: float, connections: int) -> tuple[float, dict[str, int]]:
    """Runs the load for `seconds`: (requests answered per second, counts)."""
    request = _request(port, url)
    counts = {"ok": 0, "failed": 0}

    async def main() -> float:
        began = time.monotonic()
        stop_at = began + seconds
        await asyncio.gather(*(_connection(port, request, stop_at, counts) for _ in range(connections)))
        return time.monotonic() - began

    elapsed = asyncio.run(main())
    return (counts["ok"] + counts["failed"]) / elapsed, counts


def run(server: str, seconds: float, connections: int, rounds: int) -> list[float]:
    """Requests per second of each round against a fresh `server`; asserts every result."""
    port = free_port()
    proc = start(server, port)
    try:
        rates = []
        for r in range(rounds):
            url = _call(port, "CreateQueue", {"QueueName": f"load-{r}"})["QueueUrl"]
            rate, counts = load(port, url, seconds, connections)
            assert counts["failed"] == 0 and counts["ok"] > 0, f"{server}: {counts}"
            attributes = _call(port, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})["Attributes"]
            assert int(attributes["ApproximateNumberOfMessages"]) == counts["ok"], (server, attributes, counts)
            rates.append(rate)
        return rates
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def available(server: str) -> Optional[str]:
    """None when `server` can run here, else why not."""
    if server == "moto":
        try:
            import flask  # noqa: F401  (moto's server mode)
            import moto.server  # noqa: F401
        except ImportError:
            return 'moto_server is not installed (pip install "moto[server]")'
    return None


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each round (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (default 16)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server; the median is reported (default 3)")
    parser.add_argument("--only", choices=["pymsg", "moto"], help="run one server")
    args = parser.parse_args(argv)
    medians: dict[str, float] = {}
    for server in ([args.only] if args.only else ["pymsg", "moto"]):
        why = available(server)
        if why:
            print(f"{server:6s} skipped: {why}")
            continue
        rates = run(server, args.seconds, args.connections, args.rounds)
        medians[server] = statistics.median(rates)
        print(f"{server:6s} {medians[server]:10,.0f} SendMessage/s  (rounds: {', '.join(f'{r:,.0f}' for r in rates)})",
              flush=True)
    if len(medians) == 2:
        print(f"pymsg / moto_server: {medians['pymsg'] / medians['moto']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
