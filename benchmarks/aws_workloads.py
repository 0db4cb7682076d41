"""boto3 SQS send + receive + delete three ways: through pymsg.mock_aws(), through botocore's
Stubber with canned responses (the floor: botocore's own cost before the network), and through
moto's mock_aws (with a backlog). Each factory returns (fn, check)."""

from __future__ import annotations

from typing import Any, Callable, Tuple

import boto3
from botocore.stub import Stubber

import pymsg

Workload = Tuple[Callable[[], object], Callable[[], None]]
OPTIONS = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
MD5_HELLO = "5d41402abc4b2a76b9719d911017c592"


def _cycle(sqs: Any, url: str, done: list[int]) -> Callable[[], None]:
    def fn() -> None:
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        (m,) = sqs.receive_message(QueueUrl=url)["Messages"]
        assert m["Body"] == "hello" and m["MD5OfBody"] == MD5_HELLO
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        done[0] += 1

    return fn


def pymsg_mock(mock: Any, backlog: int = 0) -> Workload:
    """Runs inside an active pymsg.mock_aws() (`mock`); `backlog` messages stay queued behind the cycle."""
    sqs = boto3.client("sqs", **OPTIONS)
    url = sqs.create_queue(QueueName=f"bench-{backlog}")["QueueUrl"]
    queue = mock.broker.get_queue(f"bench-{backlog}")
    for start in range(0, backlog, 10):
        queue.send_batch([{"id": str(i), "body": "hello"} for i in range(start, min(start + 10, backlog))])
    done = [0]

    def check() -> None:
        assert done[0] > 0 and queue.attributes()["ApproximateNumberOfMessages"] == str(backlog)

    return _cycle(sqs, url, done), check


def stubbed() -> Workload:
    sqs = boto3.client("sqs", **OPTIONS)
    stub = Stubber(sqs)
    stub.activate()
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/bench"
    done = [0]
    inner = _cycle(sqs, url, done)

    def fn() -> None:
        stub.add_response("send_message", {"MessageId": "m", "MD5OfMessageBody": MD5_HELLO})
        stub.add_response("receive_message", {"Messages": [{"MessageId": "m", "ReceiptHandle": "h", "Body": "hello",
                                                             "MD5OfBody": MD5_HELLO}]})
        stub.add_response("delete_message", {})
        inner()

    def check() -> None:
        stub.assert_no_pending_responses()
        assert done[0] > 0

    return fn, check


def moto_mock(backlog: int) -> Workload:
    """Runs inside an active moto.mock_aws(); `backlog` messages stay queued behind the cycle. They
    go straight onto moto's queue: its SendMessage scans the queue, so filling 10,000 through it
    takes hours."""
    import uuid

    from moto.sqs.models import Message, sqs_backends

    sqs = boto3.client("sqs", **OPTIONS)
    url = sqs.create_queue(QueueName=f"bench-{backlog}")["QueueUrl"]
    account = boto3.client("sts", **OPTIONS).get_caller_identity()["Account"]
    queue = sqs_backends[account]["us-east-1"].get_queue(f"bench-{backlog}")
    for _ in range(backlog):
        message = Message(str(uuid.uuid4()), "hello")
        message.mark_sent(delay_seconds=0)
        queue.add_message(message)
    done = [0]

    def check() -> None:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        assert done[0] > 0 and attributes["Attributes"]["ApproximateNumberOfMessages"] == str(backlog)

    return _cycle(sqs, url, done), check
