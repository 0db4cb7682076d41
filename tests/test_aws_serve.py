"""`pymsg serve` over real HTTP on loopback, with boto3 as the client: a round trip on each
service, SNS to SQS fan-out, queue URLs naming the endpoint, health, reset, STS, and the
malformed-request answers."""

from __future__ import annotations

import http.client
import json
from typing import Any, Iterator

import pytest

import pymsg
from aws_endpoints import running_server
from pymsg.aws.server import Server

boto3 = pytest.importorskip("boto3")


@pytest.fixture
def server() -> Iterator[Server]:
    with running_server(lambda: pymsg.Broker(account_id="123456789012"), max_request_bytes=64 * 1024) as srv:
        yield srv


def client(server: Server, service: str) -> Any:
    return boto3.client(service, endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def test_sqs_round_trip_and_urls_that_name_the_endpoint(server: Server) -> None:
    sqs = client(server, "sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    assert url == f"{server.endpoint}/123456789012/jobs"
    sqs.send_message(QueueUrl=url, MessageBody="hi")
    (m,) = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert m["Body"] == "hi" and "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="nope")


def test_sns_fan_out_to_sqs_and_kinesis_put_get(server: Server) -> None:
    sns, sqs, kinesis = client(server, "sns"), client(server, "sqs"), client(server, "kinesis")
    topic = sns.create_topic(Name="t")["TopicArn"]
    urls = [sqs.create_queue(QueueName=f"q{i}")["QueueUrl"] for i in range(3)]
    for url in urls:
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="fan")
    assert [json.loads(sqs.receive_message(QueueUrl=u)["Messages"][0]["Body"])["Message"] for u in urls] == ["fan"] * 3
    kinesis.create_stream(StreamName="s", ShardCount=1)
    kinesis.put_record(StreamName="s", Data=b"abc", PartitionKey="k")
    it = kinesis.get_shard_iterator(StreamName="s", ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=it)["Records"]] == [b"abc"]


def test_health_reset_and_caller_identity(server: Server) -> None:
    sqs = client(server, "sqs")
    sqs.create_queue(QueueName="before-reset")
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", "/_pymsg/health")
    health = conn.getresponse()
    assert health.status == 200 and json.loads(health.read())["status"] == "running"
    conn.request("POST", "/moto-api/reset", body=b"")
    reset = conn.getresponse()  # the same connection: keep-alive
    assert reset.status == 200 and json.loads(reset.read()) == {"status": "ok"}
    assert "QueueUrls" not in sqs.list_queues()
    conn.close()
    identity = client(server, "sts").get_caller_identity()
    assert identity["Account"] == "123456789012"


def test_malformed_requests_get_clear_4xx(server: Server) -> None:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("POST", "/", body=b"x" * (64 * 1024 + 1), headers={"X-Amz-Target": "AmazonSQS.ListQueues"})
    too_big = conn.getresponse()
    assert too_big.status == 413 and b"over" in too_big.read()
    conn.close()
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("POST", "/", body=b"not json", headers={"X-Amz-Target": "AmazonSQS.ListQueues",
                                                         "Content-Type": "application/x-amz-json-1.0"})
    bad = conn.getresponse()
    assert bad.status == 400 and json.loads(bad.read())["__type"].endswith("SerializationException")
    conn.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "AmazonSQS.NoSuchThing"})
    unknown = conn.getresponse()
    assert unknown.status == 400 and "InvalidAction" in json.loads(unknown.read())["__type"]
    conn.request("GET", "/nowhere")
    missing = conn.getresponse()
    assert missing.status == 404 and missing.read()
    conn.close()


def _http(server: Server, method: str, url: str, body: bytes = b"",
          headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection(server.endpoint.removeprefix("http://"), timeout=10)
    try:
        connection.request(method, url, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Content-Type") or "", answer.read()
    finally:
        connection.close()


def test_the_query_protocol_over_get_and_with_url_parameters(server: Server) -> None:
    status, _, body = _http(server, "GET", "/?Action=CreateQueue&QueueName=viaget&Version=2012-11-05")
    assert status == 200 and b"<QueueUrl>" in body and b"/123456789012/viaget</QueueUrl>" in body
    status, _, body = _http(server, "POST", "/123456789012/viaget?Action=SendMessage&Version=2012-11-05",
                            b"MessageBody=split", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and b"<MD5OfMessageBody>" in body
    status, _, body = _http(server, "POST", "/123456789012/viaget?Action=ReceiveMessage&Version=2012-11-05")
    assert status == 200 and b"<Body>split</Body>" in body
    assert server.broker.get_queue("viaget").attributes()["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_a_get_without_an_action_is_an_unknown_operation(server: Server) -> None:
    for path in ("/", "/123456789012/q"):
        status, content_type, body = _http(server, "GET", path)
        assert (status, content_type, body) == (404, "text/xml", b"<UnknownOperationException/>")
