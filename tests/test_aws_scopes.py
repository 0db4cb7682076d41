"""Every region and every account, as on AWS: resources belong to the (account, region) of the
request's credentials (the SigV4 scope's region; a 12-digit access key id names the account),
through ``mock_aws()`` and ``pymsg serve`` alike; URLs and ARNs carry them."""

from __future__ import annotations

import contextlib
import json
from typing import Any, Callable, Iterator

import pytest

import pymsg
from aws_endpoints import MODES, running_server

boto3 = pytest.importorskip("boto3")
ClientError = pytest.importorskip("botocore.exceptions").ClientError

DEFAULT = "123456789012"
OTHER = "111111111111"


@pytest.fixture(params=MODES)
def make(request: pytest.FixtureRequest, clock: pymsg.ManualClock) -> Iterator[Callable[..., Any]]:
    """make(service, region="us-east-1", key="x"): a boto3 client of that region and access key."""
    broker = pymsg.Broker(clock, account_id=DEFAULT)
    with contextlib.ExitStack() as stack:
        url = None
        if request.param == "serve":
            url = stack.enter_context(running_server(lambda: broker)).endpoint
        else:
            stack.enter_context(pymsg.mock_aws(broker))

        def make_client(service: str, region: str = "us-east-1", key: str = "x") -> Any:
            return boto3.client(service, region_name=region, endpoint_url=url, aws_access_key_id=key,
                                aws_secret_access_key="x")

        make_client.broker = broker  # type: ignore[attr-defined]
        yield make_client


def test_a_queue_lives_in_its_region(make: Callable[..., Any]) -> None:
    west, ireland = make("sqs", "us-west-2"), make("sqs", "eu-west-1")
    url = west.create_queue(QueueName="q")["QueueUrl"]
    assert "QueueUrls" not in ireland.list_queues()
    assert west.list_queues()["QueueUrls"] == [url]
    arn = west.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:us-west-2:{DEFAULT}:q"
    with pytest.raises(ClientError) as excinfo:
        ireland.get_queue_url(QueueName="q")
    assert excinfo.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    ireland.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "5"})  # the same name, another queue
    assert west.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "30"}


def test_a_12_digit_access_key_names_the_account(make: Callable[..., Any]) -> None:
    mine, theirs = make("sqs"), make("sqs", key=OTHER)
    url = theirs.create_queue(QueueName="q")["QueueUrl"]
    assert f"/{OTHER}/q" in url
    assert "QueueUrls" not in mine.list_queues()
    mine.send_message(QueueUrl=url, MessageBody="across")  # a queue URL names its account
    (message,) = theirs.receive_message(QueueUrl=url)["Messages"]
    assert message["Body"] == "across"
    assert make("sts", key=OTHER).get_caller_identity()["Account"] == OTHER
    assert make("sts").get_caller_identity()["Account"] == DEFAULT


def test_topics_and_streams_live_in_their_region(make: Callable[..., Any]) -> None:
    west, east = make("sns", "us-west-2"), make("sns")
    arn = west.create_topic(Name="t")["TopicArn"]
    assert arn == f"arn:aws:sns:us-west-2:{DEFAULT}:t"
    assert east.list_topics()["Topics"] == []
    with pytest.raises(ClientError) as excinfo:
        east.get_topic_attributes(TopicArn=arn)  # an ARN of another region is refused, as AWS refuses it
    assert (excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]) == (
        "InvalidParameter", "Invalid parameter: TopicArn")
    kinesis_west, kinesis_east = make("kinesis", "us-west-2"), make("kinesis")
    kinesis_west.create_stream(StreamName="s", ShardCount=1)
    assert kinesis_east.list_streams()["StreamNames"] == []
    summary = kinesis_west.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    assert summary["StreamARN"] == f"arn:aws:kinesis:us-west-2:{DEFAULT}:stream/s"


def test_a_topic_delivers_to_another_accounts_queue(make: Callable[..., Any]) -> None:
    sns, theirs = make("sns"), make("sqs", key=OTHER)
    url = theirs.create_queue(QueueName="inbox")["QueueUrl"]
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{OTHER}:inbox")
    sns.publish(TopicArn=topic, Message="hello")
    (message,) = theirs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"])["Message"] == "hello"


def test_scopes_share_the_clock_and_are_one_broker_each(make: Callable[..., Any]) -> None:
    broker: pymsg.Broker = make.broker  # type: ignore[attr-defined]
    west = broker.scope(region="us-west-2")
    assert west is broker.scope(region="us-west-2") is west.scope(region="us-west-2")
    assert west.scope(region="us-east-1") is broker and west.clock is broker.clock
    assert (west.account_id, west.region) == (DEFAULT, "us-west-2")
    with pytest.raises(pymsg.InvalidParameterValue):
        broker.scope("not-an-account")
    assert [(b.account_id, b.region) for b in broker.scopes()] == [(DEFAULT, "us-east-1"), (DEFAULT, "us-west-2")]
