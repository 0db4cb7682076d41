"""`pymsg serve --other-services moto`: SQS, SNS and Kinesis from pymsg, every other service (S3,
DynamoDB, STS, ...) from a moto server started beside it, behind one endpoint; S3 events reach
pymsg's queues and topics; one reset empties both; the moto server ends with serve. Without
moto, requests for other services get a 501 that names the fix."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Iterator

import pytest

import pymsg
from aws_endpoints import running_server
from pymsg.aws import moto_server
from pymsg.aws.server import Server

boto3 = pytest.importorskip("boto3")
if not moto_server.installed():
    pytest.skip("moto's server (moto, flask, flask-cors) is not installed", allow_module_level=True)
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ACCOUNT = "123456789012"
# What moto reads of a signature (it checks none): the service in the credential scope.
S3_AUTH = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server(lambda: pymsg.Broker(account_id=ACCOUNT), other_services="moto") as running:
        yield running


@pytest.fixture
def client(server: Server) -> Iterator[Any]:
    """client(service) against the shared endpoint; both sides are reset after each test."""

    def make(service: str, endpoint: str | None = None) -> Any:
        return boto3.client(service, endpoint_url=endpoint or server.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing",
                            config=Config(retries={"total_max_attempts": 1}))

    yield make
    server.reset()


def test_s3_and_sqs_share_one_endpoint(server: Server, client: Any) -> None:
    s3, sqs = client("s3"), client("sqs")
    s3.create_bucket(Bucket="uploads")
    body = os.urandom(3 * 1024 * 1024 + 17)  # past one relay chunk many times over
    s3.put_object(Bucket="uploads", Key="big.bin", Body=body)
    assert s3.get_object(Bucket="uploads", Key="big.bin")["Body"].read() == body
    assert s3.head_object(Bucket="uploads", Key="big.bin")["ContentLength"] == len(body)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="uploads")["Contents"]] == ["big.bin"]
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="work")
    assert [q.name for q in server.broker.list_queues()] == ["jobs"]  # the queue is pymsg's...
    assert "QueueUrls" not in client("sqs", server.moto.url).list_queues()  # ...and not moto's
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="uploads", Key="missing")
    assert raised.value.response["Error"]["Code"] == "NoSuchKey"  # moto's errors pass as they are


def test_s3_events_reach_pymsg_queues_and_topics(server: Server, client: Any) -> None:
    s3, sqs, sns = client("s3"), client("sqs"), client("sns")
    direct = sqs.create_queue(QueueName="direct")["QueueUrl"]
    fanned = sqs.create_queue(QueueName="fanned")["QueueUrl"]
    topic = sns.create_topic(Name="uploads")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:fanned",
                  Attributes={"RawMessageDelivery": "true"})
    s3.create_bucket(Bucket="events")
    s3.put_bucket_notification_configuration(Bucket="events", NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:direct",
                                 "Events": ["s3:ObjectCreated:*"]}],
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket="events", Key="report.csv", Body=b"a,b\n")
    for url in (direct, fanned):
        bodies = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
        assert bodies[0]["Event"] == "s3:TestEvent"  # what S3 sends when the configuration is set
        record = bodies[1]["Records"][0]
        assert (record["eventName"], record["s3"]["object"]["key"]) == ("ObjectCreated:Put", "report.csv")


def test_dynamodb_beside_kinesis(client: Any) -> None:
    dynamodb, kinesis = client("dynamodb"), client("kinesis")
    dynamodb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    kinesis.create_stream(StreamName="orders", ShardCount=1)
    for n in range(3):
        kinesis.put_record(StreamName="orders", Data=f"order-{n}".encode(), PartitionKey=str(n))
        dynamodb.put_item(TableName="orders", Item={"id": {"S": f"order-{n}"}})
    iterator = kinesis.get_shard_iterator(StreamName="orders", ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    for record in kinesis.get_records(ShardIterator=iterator)["Records"]:
        assert "Item" in dynamodb.get_item(TableName="orders", Key={"id": {"S": record["Data"].decode()}})
    assert dynamodb.scan(TableName="orders")["Count"] == 3


def test_sts_is_moto_in_the_same_account(client: Any) -> None:
    sts = client("sts")
    assert sts.get_caller_identity()["Account"] == ACCOUNT
    role = client("iam").create_role(RoleName="worker", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    assumed = sts.assume_role(RoleArn=role, RoleSessionName="session")["AssumedRoleUser"]["Arn"]  # moto's STS
    assert assumed == f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/session"


def test_reset_empties_both(server: Server, client: Any) -> None:
    client("s3").create_bucket(Bucket="kept-until-reset")
    client("sqs").create_queue(QueueName="kept-until-reset")
    urllib.request.urlopen(urllib.request.Request(f"{server.endpoint}/moto-api/reset", b"", method="POST")).close()
    assert client("s3").list_buckets()["Buckets"] == []
    assert server.broker.list_queues() == []


def test_presigned_and_unsigned_requests_go_to_moto(client: Any, server: Server) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="shared")
    s3.put_object(Bucket="shared", Key="k", Body=b"signed in the URL")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "shared", "Key": "k"})
    with urllib.request.urlopen(url) as answer:  # X-Amz-Credential in the query names s3
        assert answer.read() == b"signed in the URL"
    put = urllib.request.Request(f"{server.endpoint}/anonymous-bucket", b"", method="PUT")
    urllib.request.urlopen(put).close()  # no signature at all: not pymsg's, so moto's
    assert "anonymous-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_a_chunked_upload_is_relayed_whole(server: Server, client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="chunked")
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    auth = S3_AUTH
    connection.request("PUT", "/chunked/parts", body=iter([b"first,", b"second,", b"third"]),
                       headers={"Authorization": auth, "x-amz-content-sha256": "UNSIGNED-PAYLOAD"},
                       encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 200, answer.read()
    answer.read()
    connection.close()
    assert s3.get_object(Bucket="chunked", Key="parts")["Body"].read() == b"first,second,third"
    with socket.create_connection(server.server_address[:2], timeout=30) as raw:  # a chunk size that is not hex
        raw.sendall(f"PUT /chunked/bad HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
                    f"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n".encode())
        assert raw.makefile("rb").readline().startswith(b"HTTP/1.1 400 ")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="chunked")["Contents"]] == ["parts"]


def test_a_moto_that_ended_gets_503_and_an_error_log(caplog: pytest.LogCaptureFixture) -> None:
    with running_server(lambda: pymsg.Broker(account_id=ACCOUNT), other_services="moto") as server:
        server.moto.process.kill()
        server.moto.process.wait()
        s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id="a",
                          aws_secret_access_key="b", config=Config(retries={"total_max_attempts": 1}))
        with pytest.raises(ClientError) as raised:
            s3.list_buckets()
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert [r.levelname for r in caplog.records if "did not answer" in r.getMessage()] == ["ERROR"]
        sqs = boto3.client("sqs", endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id="a",
                           aws_secret_access_key="b")
        assert sqs.create_queue(QueueName="still-served")["QueueUrl"].endswith("/still-served")
        reset = urllib.request.Request(f"{server.endpoint}/moto-api/reset", b"", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:  # pymsg's side resets; moto's cannot
            urllib.request.urlopen(reset)
        assert refused.value.code == 503 and "did not reset" in json.loads(refused.value.read())["message"]
        refused.value.close()
        assert server.broker.list_queues() == []


def test_without_moto_other_services_get_501_naming_the_fix() -> None:
    with running_server(lambda: pymsg.Broker(account_id=ACCOUNT)) as server:
        assert server.moto is None
        options = dict(endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id="a",
                       aws_secret_access_key="b", config=Config(retries={"total_max_attempts": 1}))
        for call in (lambda: boto3.client("s3", **options).create_bucket(Bucket="nope"),  # rest-xml
                     lambda: boto3.client("dynamodb", **options).list_tables(),  # JSON
                     lambda: boto3.client("iam", **options).list_roles()):  # query
            with pytest.raises(ClientError) as raised:
                call()
            error = raised.value.response["Error"]
            assert error["Code"] == "NotImplemented" and "--other-services moto" in error["Message"]
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
        sts = boto3.client("sts", **options)  # pymsg's own GetCallerIdentity without moto
        assert sts.get_caller_identity()["Account"] == ACCOUNT
        # A presigned URL names its service in the query: refused too, not taken for pymsg's.
        url = boto3.client("s3", **options).generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url)
        assert refused.value.code == 501 and b"<Code>NotImplemented</Code>" in refused.value.read()
        refused.value.close()
        # The refused request's body is read and dropped: the connection serves the next one.
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
        for _ in range(2):
            connection.request("PUT", "/bucket/key", body=b"x" * 1000, headers={"Authorization": S3_AUTH})
            answer = connection.getresponse()
            assert answer.status == 501 and answer.getheader("Connection") != "close"
            answer.read()
        connection.close()


def test_signature_checks_and_moto_are_not_combined() -> None:
    with pytest.raises(ValueError, match="unchecked"):
        Server("127.0.0.1", 0, pymsg.Broker, access_keys={"AKID": "secret"}, other_services="moto")
    with pytest.raises(ValueError, match="'moto' or 'block'"):
        Server("127.0.0.1", 0, pymsg.Broker, other_services="localstack")


def test_cli_other_services_option(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from pymsg.__main__ import main

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    assert "--other-services {moto,block}" in capsys.readouterr().out
    for argv, env, said in [
        (["serve", "--other-services", "moto", "--verify-signatures", "--access-key", "A:s"], {},
         "would pass unchecked"),
        (["serve"], {"PYMSG_OTHER_SERVICES": "localstack"}, "PYMSG_OTHER_SERVICES='localstack': not one of"),
    ]:
        with monkeypatch.context() as patched:
            for name, value in env.items():
                patched.setenv(name, value)
            with pytest.raises(SystemExit) as exited:
                main(argv)
        assert exited.value.code == 2 and said in capsys.readouterr().err
    monkeypatch.setattr("pymsg.__main__._moto_server_installed", lambda: False)
    monkeypatch.setenv("PYMSG_OTHER_SERVICES", "moto")
    with pytest.raises(SystemExit):
        main(["serve"])
    assert "--other-services moto needs moto's server: pip install 'moto[server]'" in capsys.readouterr().err


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_the_moto_server_ends_with_serve(how: str) -> None:
    serve = subprocess.Popen([sys.executable, "-m", "pymsg", "serve", "--port", "0"], stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "PYMSG_OTHER_SERVICES": "moto"})
    assert serve.stderr is not None
    started = serve.stderr.readline()
    assert "other services: moto_server at" in started, started
    child = int(started.rpartition("(pid ")[2].rstrip(")\n"))
    serving = serve.stderr.readline()
    assert "pymsg serving SQS, SNS and Kinesis, every other service through moto at" in serving, serving
    assert _alive(child)
    serve.send_signal(getattr(signal, how))
    serve.communicate(timeout=30)
    deadline = time.monotonic() + 15
    while _alive(child) and time.monotonic() < deadline:  # a wait for the exit, not a timing check
        time.sleep(0.05)
    assert not _alive(child)


def test_an_s3_event_for_a_queue_that_is_not_there_is_logged(capfd: pytest.CaptureFixture[str]) -> None:
    # A server of its own: its moto server writes to the stderr this test captures, serve's.
    with running_server(lambda: pymsg.Broker(account_id=ACCOUNT), other_services="moto") as server:
        s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id="a",
                          aws_secret_access_key="b")
        s3.create_bucket(Bucket="orphan")
        s3.put_bucket_notification_configuration(Bucket="orphan", NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:gone",
                                     "Events": ["s3:ObjectCreated:*"]}]})
        s3.put_object(Bucket="orphan", Key="k", Body=b"x")  # the upload stands
        assert s3.get_object(Bucket="orphan", Key="k")["Body"].read() == b"x"
    logged = capfd.readouterr().err
    assert "WARNING pymsg.server: an S3 event for" in logged and "NonExistentQueue" in logged



def test_the_relay_answers_100_continue_at_once(server: Server, client: Any) -> None:
    client("s3").create_bucket(Bucket="expecting")
    with socket.create_connection(server.server_address[:2], timeout=10) as raw:
        raw.sendall(f"PUT /expecting/k HTTP/1.1\r\nHost: x\r\nAuthorization: {S3_AUTH}\r\n"
                    f"Expect: 100-continue\r\nContent-Length: 5\r\n\r\n".encode())
        reader = raw.makefile("rb")
        # botocore waits for this line before it sends an upload's body (a second, else)
        assert reader.readline().startswith(b"HTTP/1.1 100 ")
        assert reader.readline() == b"\r\n"
        raw.sendall(b"hello")
        assert reader.readline().startswith(b"HTTP/1.1 200 ")
    assert client("s3").get_object(Bucket="expecting", Key="k")["Body"].read() == b"hello"


def test_bad_lengths_are_refused_before_moto(server: Server) -> None:
    for length, status in (("abc", b"400"), ("-1", b"400")):
        with socket.create_connection(server.server_address[:2], timeout=10) as raw:
            raw.sendall(f"PUT /b/k HTTP/1.1\r\nHost: x\r\nAuthorization: {S3_AUTH}\r\n"
                        f"Content-Length: {length}\r\n\r\n".encode())
            line = raw.makefile("rb").readline()
        assert line.split()[1] == status, line


def test_a_bodiless_answer_gets_no_length(client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="short-lived")
    deleted = s3.delete_bucket(Bucket="short-lived")["ResponseMetadata"]
    assert deleted["HTTPStatusCode"] == 204 and "content-length" not in deleted["HTTPHeaders"]


def test_moto_keeps_answering_requests_it_has_no_backend_for(server: Server, client: Any) -> None:
    # moto prints a line for each; were its stdout the pipe serve read the port from, the pipe
    # would fill after about 380 and block moto for every service.
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    auth = S3_AUTH.replace("/s3/", "/nosuchservice/")
    for _ in range(600):
        connection.request("POST", "/", body=b"{}", headers={"Authorization": auth})
        connection.getresponse().read()
    connection.close()
    client("s3").create_bucket(Bucket="still-answering")
    assert [b["Name"] for b in client("s3").list_buckets()["Buckets"]] == ["still-answering"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_to_the_process_group_lets_serve_end_moto() -> None:
    """A terminal's Ctrl-C reaches serve and its moto server: moto waits for serve, which ends
    it after draining, and nothing dies with a traceback."""
    serve = subprocess.Popen([sys.executable, "-m", "pymsg", "serve", "--port", "0"], stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "PYMSG_OTHER_SERVICES": "moto"}, start_new_session=True)
    assert serve.stderr is not None
    child = int(serve.stderr.readline().rpartition("(pid ")[2].rstrip(")\n"))
    assert "every other service through moto" in serve.stderr.readline()
    os.killpg(serve.pid, signal.SIGINT)
    _, log = serve.communicate(timeout=30)
    assert serve.returncode == 0 and "Traceback" not in log and "KeyboardInterrupt" not in log, log
    deadline = time.monotonic() + 15
    while _alive(child) and time.monotonic() < deadline:  # a wait for the exit, not a timing check
        time.sleep(0.05)
    assert not _alive(child)


@pytest.mark.parametrize("authorization, query, service", [
    ("AWS4-HMAC-SHA256 Credential=AKID/20261202/us-east-1/dynamodb/aws4_request, SignedHeaders=host", "", "dynamodb"),
    ("", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261202%2Feu-west-1%2Fs3%2Faws4_request", "s3"),
    ("AWS AKID:c2lnbmF0dXJl", "", "s3"),  # S3's signature version 2 header
    ("", "AWSAccessKeyId=AKID&Signature=abc%3D&Expires=1796218501", "s3"),  # boto3's default S3 presigned URL
    ("", "Action=SendMessage&AWSAccessKeyId=AKID&Signature=abc&SignatureVersion=2", None),  # a query API call
    ("", "", None),
    ("", "Signature=only", None),
])
def test_service_of_reads_every_signature_form(authorization: str, query: str, service: Any) -> None:
    assert moto_server.service_of({"Authorization": authorization}, query) == service
