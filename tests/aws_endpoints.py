"""The two ways the wire-protocol suites reach a broker: ``pymsg.mock_aws()`` in process, and
``pymsg serve`` over HTTP on loopback. Each suite runs against both."""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator

import pymsg
from pymsg.aws.server import Server

MODES = ["mock_aws", "serve"]


@contextlib.contextmanager
def endpoint(mode: str, broker: pymsg.Broker) -> Iterator[Callable[[str], Any]]:
    """Yields make_client(service) for boto3 clients that reach `broker`."""
    import boto3

    options = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    if mode == "mock_aws":
        with pymsg.mock_aws(broker):
            yield lambda service: boto3.client(service, **options)
        return
    with running_server(lambda: broker) as server:
        yield lambda service: boto3.client(service, endpoint_url=server.endpoint, **options)


@contextlib.contextmanager
def running_server(make_broker: Callable[[], pymsg.Broker], **options: Any) -> Iterator[Server]:
    """`pymsg serve` on a free loopback port, in a thread, for the block (`make_broker` makes
    the broker behind it, and a new one on /moto-api/reset)."""
    server = Server("127.0.0.1", 0, make_broker, **options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
