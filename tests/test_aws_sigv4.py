"""``pymsg serve --verify-signatures``: SigV4 signatures checked against configured access keys,
with AWS's own example, with botocore's signer, and with boto3 clients of all three services."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, Iterator

import pytest

import pymsg
from aws_endpoints import legacy_sqs_session, running_server
from pymsg.aws import sigv4
from pymsg.aws.server import Server

boto3 = pytest.importorskip("boto3")
botocore = pytest.importorskip("botocore")
from botocore import UNSIGNED  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

KEY, SECRET = "AKIDPYMSGEXAMPLE", "pymsg/secret+key"

# AWS's worked example ("Create a signed AWS API request": IAM ListUsers, 2015-08-30).
EXAMPLE = {
    "method": "GET", "path": "/", "query": "Action=ListUsers&Version=2010-05-08",
    "headers": {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Host": "iam.amazonaws.com",
                "X-Amz-Date": "20150830T123600Z",
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                                 "SignedHeaders=content-type;host;x-amz-date, "
                                 "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"},
}
EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
EXAMPLE_TIME = 1440938160.0  # 2015-08-30T12:36:00Z


def check(request: dict[str, Any], now: float = EXAMPLE_TIME, secret: str = EXAMPLE_SECRET) -> str:
    return sigv4.verify(request["method"], request["path"], request["query"], request["headers"], b"",
                        {"AKIDEXAMPLE": secret}.get, now)


def test_awss_worked_example_verifies_and_any_change_breaks_it() -> None:
    assert check(EXAMPLE) == "AKIDEXAMPLE"
    with pytest.raises(pymsg.SignatureDoesNotMatch, match="does not match"):
        check({**EXAMPLE, "query": "Action=ListUsers&Version=2010-05-09"})
    with pytest.raises(pymsg.SignatureDoesNotMatch):
        check({**EXAMPLE, "headers": {**EXAMPLE["headers"], "Host": "iam.amazonaws.com.evil"}})
    with pytest.raises(pymsg.SignatureDoesNotMatch):
        check(EXAMPLE, secret=EXAMPLE_SECRET[:-1])
    with pytest.raises(pymsg.SignatureDoesNotMatch, match="Signature expired"):
        check(EXAMPLE, now=EXAMPLE_TIME + 15 * 60 + 1)
    assert check(EXAMPLE, now=EXAMPLE_TIME - 15 * 60) == "AKIDEXAMPLE"  # the skew AWS allows, either way


@pytest.mark.parametrize("authorization, error", [
    (None, pymsg.MissingAuthenticationToken),
    ("Basic dXNlcjpwYXNz", pymsg.IncompleteSignature),
    ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam, SignedHeaders=host, Signature=00",
     pymsg.IncompleteSignature),
    ("AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00",
     pymsg.InvalidClientTokenId),
    ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=x-amz-date, "
     "Signature=00", pymsg.SignatureDoesNotMatch),
])
def test_malformed_or_unknown_authorization(authorization: str | None, error: type) -> None:
    headers = {k: v for k, v in EXAMPLE["headers"].items() if k != "Authorization"}
    if authorization is not None:
        headers["Authorization"] = authorization
    with pytest.raises(error):
        check({**EXAMPLE, "headers": headers})


def test_botocores_signer_agrees_on_paths_queries_and_bodies() -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    for url, body in [("https://sqs.us-east-1.amazonaws.com/", b'{"QueueName": "q"}'),
                      ("https://h.example/123456789012/a%20queue/", b"Action=SendMessage&MessageBody=%E2%9C%93"),
                      ("https://h.example/?b=2&a=1&a=0&empty=&sp=a%20b", b""),
                      ("https://h.example//a/./b/../c//", b"")]:
        request = AWSRequest("POST", url, data=body, headers={"Content-Type": "application/x-amz-json-1.0"})
        SigV4Auth(Credentials(KEY, SECRET), "sqs", "eu-west-1").add_auth(request)
        path, _, query = url.split("h.example" if "h.example" in url else "amazonaws.com", 1)[1].partition("?")
        headers = {**dict(request.headers.items()), "Host": url.split("/")[2]}
        assert sigv4.verify("POST", path, query, headers, body, {KEY: SECRET}.get) == KEY
        with pytest.raises(pymsg.SignatureDoesNotMatch):
            sigv4.verify("POST", path, query, headers, body + b" ", {KEY: SECRET}.get)


@pytest.fixture
def server(clock: pymsg.ManualClock) -> Iterator[Server]:
    with running_server(lambda: pymsg.Broker(clock, account_id="123456789012"), access_keys={KEY: SECRET}) as s:
        yield s


def client(server: Server, service: str, key: str = KEY, secret: str = SECRET, **options: Any) -> Any:
    session = options.pop("session", boto3)
    return session.client(service, endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id=key,
                          aws_secret_access_key=secret, **options)


def test_signed_calls_to_every_service_are_served(server: Server) -> None:
    sqs = client(server, "sqs")
    url = sqs.create_queue(QueueName="signed")["QueueUrl"]
    legacy = client(server, "sqs", session=boto3.Session(botocore_session=legacy_sqs_session()))
    legacy.send_message(QueueUrl=url, MessageBody="over the query protocol")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "over the query protocol"
    sns = client(server, "sns")
    assert sns.create_topic(Name="t")["TopicArn"].endswith(":t")
    kinesis = client(server, "kinesis")
    kinesis.create_stream(StreamName="s", ShardCount=1)
    assert kinesis.put_record(StreamName="s", Data=b"x", PartitionKey="k")["ShardId"] == "shardId-000000000000"
    sts = client(server, "sts")
    assert sts.get_caller_identity()["Account"] == "123456789012"


@pytest.mark.parametrize("service, call, wrong_secret, unknown_key", [
    ("sqs", lambda c: c.list_queues(), ("SignatureDoesNotMatch", 403), ("InvalidClientTokenId", 403)),
    ("sns", lambda c: c.list_topics(), ("SignatureDoesNotMatch", 403), ("InvalidClientTokenId", 403)),
    ("kinesis", lambda c: c.list_streams(), ("InvalidSignatureException", 400), ("UnrecognizedClientException", 400)),
])
def test_bad_credentials_get_each_services_error(server: Server, service: str, call: Any,
                                                   wrong_secret: tuple, unknown_key: tuple) -> None:
    for (key, secret), expected in [((KEY, SECRET + "x"), wrong_secret), (("AKIDNOBODY", SECRET), unknown_key)]:
        with pytest.raises(ClientError) as excinfo:
            call(client(server, service, key, secret, config=Config(retries={"max_attempts": 1})))
        error = excinfo.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == expected


def test_unsigned_and_tampered_requests_are_refused_and_change_nothing(server: Server) -> None:
    sqs = client(server, "sqs")
    url = sqs.create_queue(QueueName="guarded")["QueueUrl"]
    unsigned = client(server, "sqs", config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as excinfo:
        unsigned.send_message(QueueUrl=url, MessageBody="anonymous")
    assert excinfo.value.response["Error"]["Code"] == "MissingAuthenticationToken"
    tampered = client(server, "sqs")
    tampered.meta.events.register("before-send.sqs.SendMessage", lambda request, **_: setattr(
        request, "body", request.body.replace(b"honest", b"forged")))
    with pytest.raises(tampered.exceptions.ClientError) as excinfo:
        tampered.send_message(QueueUrl=url, MessageBody="honest")
    assert excinfo.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert server.broker.get_queue("guarded").attributes()["ApproximateNumberOfMessages"] == "0"


@pytest.mark.parametrize("flags, message", [
    (["--verify-signatures"], "needs at least one --access-key"),
    (["--verify-signatures", "--access-key", "nosecret"], "expected ID:SECRET"),
    (["--access-key", "a:b"], "only used with --verify-signatures"),
])
def test_serve_refuses_incomplete_signature_flags(flags: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pymsg", "serve", "--port", "0", *flags],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and message in done.stderr


def test_an_unreadable_date_is_an_incomplete_signature() -> None:
    with pytest.raises(pymsg.IncompleteSignature, match="ISO-8601 .basic format."):
        check({**EXAMPLE, "headers": {**EXAMPLE["headers"], "X-Amz-Date": "2015-08-30T12:36:00Z"}})


def test_the_scope_date_and_the_payload_hash_must_agree() -> None:
    headers = dict(EXAMPLE["headers"])
    headers["Authorization"] = headers["Authorization"].replace("/20150830/", "/20150831/")
    with pytest.raises(pymsg.SignatureDoesNotMatch, match="Credential scope"):
        check({**EXAMPLE, "headers": headers})
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest("POST", "https://h.example/", data=b"body", headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    SigV4Auth(Credentials(KEY, SECRET), "sqs", "us-east-1").add_auth(request)
    with pytest.raises(pymsg.SignatureDoesNotMatch, match="x-amz-content-sha256"):
        sigv4.verify("POST", "/", "", {**dict(request.headers.items()), "Host": "h.example"}, b"body",
                     {KEY: SECRET}.get)


def test_the_reset_route_needs_a_signature_too(server: Server) -> None:
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    client(server, "sqs").create_queue(QueueName="precious")
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(urllib.request.Request(f"{server.endpoint}/moto-api/reset", data=b"", method="POST"))
    assert excinfo.value.code == 403
    excinfo.value.close()
    assert [q.name for q in server.broker.list_queues()] == ["precious"]
    signed = AWSRequest("POST", f"{server.endpoint}/moto-api/reset", data=b"")
    SigV4Auth(Credentials(KEY, SECRET), "sqs", "us-east-1").add_auth(signed)
    headers = {k: v for k, v in signed.headers.items()}
    with urllib.request.urlopen(urllib.request.Request(signed.url, data=b"", headers=headers, method="POST")) as answer:
        assert answer.status == 200
    assert server.broker.list_queues() == []
