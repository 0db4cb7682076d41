"""The aws CLI (v1, from PyPI) against `pymsg serve`: a create / send / receive / delete round
trip on each service, as a user types it with ``--endpoint-url``. Each command is its own
process, so this file keeps to one trip a service. And the CLI run in process under
``pymsg.mock_aws()``, with every socket connection refused."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import subprocess
import sys
from typing import Any, Iterator

import pytest

import pymsg
from aws_endpoints import running_server

# Python >= 3.10 (the test extra installs it there). Looked up, not imported: importing awscli
# makes every later `import botocore...` in this process load the awscli's own copy of botocore.
if importlib.util.find_spec("awscli") is None:
    pytest.skip("the aws CLI is not installed", allow_module_level=True)


@pytest.fixture
def aws() -> Iterator[Any]:
    """aws(service, command, *args) runs the CLI against a fresh pymsg serve and returns its JSON."""
    broker = pymsg.Broker(account_id="123456789012")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)

    def run(service: str, command: str, *args: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "awscli", "--endpoint-url", server.endpoint, "--output", "json",
             service, command, *args],
            capture_output=True, text=True, env=env, timeout=60,
        )
        assert done.returncode == 0, f"aws {service} {command} failed: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else None

    run.broker = broker  # type: ignore[attr-defined]
    with running_server(lambda: broker) as server:
        yield run


def test_sqs_round_trip(aws: Any) -> None:
    url = aws("sqs", "create-queue", "--queue-name", "cli-jobs")["QueueUrl"]
    assert url.endswith("/123456789012/cli-jobs")
    sent = aws("sqs", "send-message", "--queue-url", url, "--message-body", "from the cli")
    (message,) = aws("sqs", "receive-message", "--queue-url", url)["Messages"]
    assert message["Body"] == "from the cli" and message["MessageId"] == sent["MessageId"]
    aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"])
    assert aws.broker.get_queue("cli-jobs").attributes()["ApproximateNumberOfMessagesNotVisible"] == "0"
    aws("sqs", "delete-queue", "--queue-url", url)
    assert [q.name for q in aws.broker.list_queues()] == []


def test_sns_publish_reaches_a_subscribed_queue(aws: Any) -> None:
    topic = aws("sns", "create-topic", "--name", "cli-topic")["TopicArn"]
    queue = aws.broker.create_queue("cli-inbox")
    subscription = aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs",
                       "--notification-endpoint", queue.arn)["SubscriptionArn"]
    assert subscription.startswith(topic + ":")
    published = aws("sns", "publish", "--topic-arn", topic, "--message", "fan out")
    (message,) = queue.receive(1)
    envelope = json.loads(message.body)
    assert envelope["Message"] == "fan out" and envelope["MessageId"] == published["MessageId"]
    aws("sns", "delete-topic", "--topic-arn", topic)
    assert aws.broker.list_topics() == []


def test_kinesis_put_and_get(aws: Any) -> None:
    aws("kinesis", "create-stream", "--stream-name", "cli-stream", "--shard-count", "1")
    # The CLI v1 base64-encodes blob arguments itself.
    put = aws("kinesis", "put-record", "--stream-name", "cli-stream", "--partition-key", "k", "--data", "hello")
    assert put["ShardId"] == "shardId-000000000000"
    iterator = aws("kinesis", "get-shard-iterator", "--stream-name", "cli-stream", "--shard-id", put["ShardId"],
                   "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
    (record,) = aws("kinesis", "get-records", "--shard-iterator", iterator)["Records"]
    assert base64.b64decode(record["Data"]) == b"hello" and record["SequenceNumber"] == put["SequenceNumber"]
    aws("kinesis", "delete-stream", "--stream-name", "cli-stream")
    assert aws.broker.list_streams() == []


# The aws CLI run inside pymsg.mock_aws(), in one process (the CLI's driver called as its `aws`
# command calls it), with every socket connection refused: SQS, SNS, Kinesis and sts answered by
# pymsg, S3 (a bucket, an upload through s3transfer's threads, a listing) by moto beside it.
IN_PROCESS = r'''
import contextlib, io, json, socket, sys
import pymsg

attempts = []
def refuse(sock, address):
    attempts.append(repr(address))
    raise OSError(f"a connection to {address!r} under the mock")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse

from awscli.clidriver import create_clidriver

def aws(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = create_clidriver().main([*args, "--output", "json"])
    assert status == 0, (args, status)
    text = out.getvalue()
    return json.loads(text) if text.lstrip().startswith("{") else text

with pymsg.mock_aws(other_services=sys.argv[1]):
    url = aws("sqs", "create-queue", "--queue-name", "cli")["QueueUrl"]
    aws("sqs", "send-message", "--queue-url", url, "--message-body", "in process")
    received = aws("sqs", "receive-message", "--queue-url", url)["Messages"][0]["Body"]
    aws("kinesis", "create-stream", "--stream-name", "cli", "--shard-count", "1")
    shards = aws("kinesis", "list-shards", "--stream-name", "cli")["Shards"]
    topic = aws("sns", "create-topic", "--name", "cli")["TopicArn"]
    account = aws("sts", "get-caller-identity")["Account"]
    listing = ""
    if sys.argv[1] == "moto":
        aws("s3", "mb", "s3://cli-bucket")
        aws("s3", "cp", sys.argv[2], "s3://cli-bucket/upload.txt")
        listing = aws("s3", "ls", "s3://cli-bucket")
print(json.dumps({"received": received, "shards": len(shards), "topic": topic, "account": account,
                  "listing": listing, "attempts": attempts}))
'''


@pytest.mark.parametrize("others", ["moto", "block"])
def test_the_cli_in_process_under_mock_aws(others: str, tmp_path: Any) -> None:
    if others == "moto" and importlib.util.find_spec("moto") is None:
        pytest.skip("moto is not installed")
    script, upload = tmp_path / "cli.py", tmp_path / "upload.txt"
    script.write_text(IN_PROCESS)
    upload.write_text("a file")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)  # the mock's own credentials
    done = subprocess.run([sys.executable, str(script), others, str(upload)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["attempts"] == []  # no request left the process
    assert (result["received"], result["shards"], result["account"]) == ("in process", 1, "123456789012")
    assert result["topic"] == "arn:aws:sns:us-east-1:123456789012:cli"
    if others == "moto":
        assert result["listing"].split()[-2:] == ["6", "upload.txt"]
