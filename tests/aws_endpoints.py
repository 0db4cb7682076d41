"""The two ways the wire-protocol suites reach a broker: ``pymsg.mock_aws()`` in process, and
``pymsg serve`` over HTTP on loopback. Each suite runs against both."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pymsg
from pymsg.aws.server import Server

MODES = ["mock_aws", "serve"]
# SQS also runs with the legacy query protocol (a client built from botocore 1.31.80's SQS model).
SQS_MODES = MODES + ["mock_aws-query", "serve-query"]
LEGACY_BOTOCORE = "1.31.80"  # the last botocore whose SQS model speaks the query protocol


@contextlib.contextmanager
def endpoint(mode: str, broker: pymsg.Broker) -> Iterator[Callable[[str], Any]]:
    """Yields make_client(service) for boto3 clients that reach `broker`."""
    import boto3

    options = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    session = boto3.Session(botocore_session=legacy_sqs_session()) if mode.endswith("-query") else boto3
    if mode.startswith("mock_aws"):
        with pymsg.mock_aws(broker):
            yield lambda service: session.client(service, **options)
        return
    with running_server(lambda: broker) as server:
        yield lambda service: session.client(service, endpoint_url=server.endpoint, **options)


def legacy_sqs_session() -> Any:
    """A botocore session whose SQS model is the query-protocol one old SDKs speak."""
    import botocore.session

    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(_legacy_models()))
    return session


def _legacy_models() -> Path:
    """botocore 1.31.80's SQS model files, kept in tests/data so the suite needs no network."""
    return Path(__file__).parent / "data" / f"botocore-{LEGACY_BOTOCORE}-models"


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
