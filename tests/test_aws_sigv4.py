"""``pymsg serve --verify-signatures``: SigV4 signatures checked against configured access keys,
with AWS's own example, with botocore's signer, and with boto3 clients of all three services."""

from __future__ import annotations

import subprocess
import time
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


def send(url: str, method: str = "GET", body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """(status, body) of one raw request, an error status included."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers or {}, method=method)) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def test_presigned_urls_are_served_in_their_scope(server: Server) -> None:
    """What generate_presigned_url makes for the query-protocol services runs as the signed
    request would: SNS's Publish reaches its subscriber, STS names the key's account, legacy
    SQS's SendMessage lands in the queue."""
    sqs = client(server, "sqs")
    queue_url = sqs.create_queue(QueueName="presigned")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns = client(server, "sns")
    topic = sns.create_topic(Name="presigned")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    # Signed for the operation's own method (POST for the query protocol) unless told otherwise.
    status, _ = send(sns.generate_presigned_url("publish", Params={"TopicArn": topic, "Message": "by URL"}), "POST")
    assert status == 200
    legacy = client(server, "sqs", session=boto3.Session(botocore_session=legacy_sqs_session()))
    status, _ = send(legacy.generate_presigned_url("send_message", Params={"QueueUrl": queue_url,
                                                                           "MessageBody": "also by URL"},
                                                   HttpMethod="GET"))
    assert status == 200
    bodies = sorted(m["Body"] for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"])
    assert bodies == ["also by URL", "by URL"]
    unknown = client(server, "sts", key="210987654321").generate_presigned_url("get_caller_identity", HttpMethod="GET")
    status, answer = send(unknown)
    assert status == 403 and b"InvalidClientTokenId" in answer  # a key unknown to the server
    status, answer = send(client(server, "sts").generate_presigned_url("get_caller_identity", HttpMethod="GET"))
    assert status == 200 and b"<Account>123456789012</Account>" in answer
    west = boto3.client("sns", endpoint_url=server.endpoint, region_name="eu-west-1", aws_access_key_id=KEY,
                        aws_secret_access_key=SECRET)
    assert send(west.generate_presigned_url("create_topic", Params={"Name": "west"}, HttpMethod="GET"))[0] == 200
    assert [t.name for t in server.broker.scope(region="eu-west-1").list_topics()] == ["west"]


def test_a_presigned_url_changed_or_too_old_is_refused_and_changes_nothing(server: Server) -> None:
    sns = client(server, "sns")
    topic = sns.create_topic(Name="guarded")["TopicArn"]
    url = sns.generate_presigned_url("create_topic", Params={"Name": "made-by-url"}, HttpMethod="GET")
    status, answer = send(url.replace("made-by-url", "made-by-forger"))
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in answer
    path, _, query = url.partition(server.endpoint)[2].partition("?")
    host = {"Host": server.endpoint.removeprefix("http://")}
    with pytest.raises(pymsg.SignatureDoesNotMatch, match="Signature expired"):
        sigv4.verify("GET", path, query, host, b"", {KEY: SECRET}.get, time.time() + 15 * 60 + 5, service="sns")
    assert sigv4.verify("GET", path, query, host, b"", {KEY: SECRET}.get, service="sns") == KEY
    with pytest.raises(pymsg.SignatureDoesNotMatch, match="correct service: 'sqs'"):
        sigv4.verify("GET", path, query, host, b"", {KEY: SECRET}.get, service="sqs")
    without = "&".join(p for p in query.split("&") if not p.startswith(("X-Amz-Signature=", "X-Amz-Date=")))
    status, answer = send(f"{server.endpoint}{path}?{without}")
    assert status == 400 and (b"AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string "
                              b"parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.") in answer
    signed = client(server, "sns")
    signed.meta.events.register("before-send.sns.ListTopics", lambda request, **_: setattr(
        request, "url", request.url + "?X-Amz-Algorithm=AWS4-HMAC-SHA256"))
    with pytest.raises(ClientError, match="Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization'"):
        signed.list_topics()
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [topic]


def signed_request(server: Server, service: str, region: str, target: str, body: bytes,
                   host: str | None = None) -> tuple[int, bytes]:
    """A JSON-protocol request signed for `service` in `region`, sent with `host` as its Host."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    port = server.endpoint.rpartition(":")[2]
    host = host or f"127.0.0.1:{port}"
    request = AWSRequest("POST", f"http://{host}/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.0" if target.startswith("AmazonSQS") else "application/x-amz-json-1.1",
        "X-Amz-Target": target})
    SigV4Auth(Credentials(KEY, SECRET), service, region).add_auth(request)
    return send(f"{server.endpoint}/", "POST", body, {**dict(request.headers.items()), "Host": host})


@pytest.mark.parametrize("target, service, body, status", [
    ("AmazonSQS.CreateQueue", "sqs", b'{"QueueName": "scoped"}', 403),
    ("Kinesis_20131202.CreateStream", "kinesis", b'{"StreamName": "scoped", "ShardCount": 1}', 400),
])
def test_a_credential_scoped_to_another_service_is_refused(server: Server, target: str, service: str, body: bytes,
                                                           status: int) -> None:
    code, answer = signed_request(server, "sns", "us-east-1", target, body)
    assert code == status and f"Credential should be scoped to correct service: '{service}'. ".encode() in answer
    assert server.broker.list_queues() == [] and server.broker.list_streams() == []
    assert signed_request(server, service, "us-east-1", target, body)[0] == 200


def test_the_scope_must_name_a_region_and_the_one_the_host_names(server: Server) -> None:
    create = b'{"QueueName": "regional"}'
    code, answer = signed_request(server, "sqs", "local", "AmazonSQS.CreateQueue", create)
    assert code == 403 and b"Credential should be scoped to a valid region, not 'local'. " in answer
    host = f"sqs.eu-west-1.localhost.localstack.cloud:{server.endpoint.rpartition(':')[2]}"
    code, answer = signed_request(server, "sqs", "us-west-2", "AmazonSQS.CreateQueue", create, host)
    assert code == 403 and b"Credential should be scoped to a valid region, not 'us-west-2'. " in answer
    assert all(b.list_queues() == [] for b in server.broker.scopes())
    assert signed_request(server, "sqs", "eu-west-1", "AmazonSQS.CreateQueue", create, host)[0] == 200
    assert [q.name for q in server.broker.scope(region="eu-west-1").list_queues()] == ["regional"]


def test_every_wrong_part_of_the_scope_is_named_in_one_message() -> None:
    headers = dict(EXAMPLE["headers"])
    headers["Authorization"] = headers["Authorization"].replace("/20150830/us-east-1/iam/aws4_request",
                                                                "/20150831/mars/sns/aws5_request")
    with pytest.raises(pymsg.SignatureDoesNotMatch) as excinfo:
        sigv4.verify("GET", "/", EXAMPLE["query"], headers, b"", {"AKIDEXAMPLE": EXAMPLE_SECRET}.get, EXAMPLE_TIME,
                     service="iam")
    assert str(excinfo.value) == (
        "Credential should be scoped to a valid region, not 'mars'. Credential should be scoped to correct service: "
        "'iam'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Date in "
        "Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', "
        "from '20150830T123600Z'.")


@pytest.mark.parametrize("host, region", [
    ("sqs.eu-west-1.amazonaws.com", "eu-west-1"), ("sqs.ap-southeast-5.localhost.localstack.cloud:4566", "ap-southeast-5"),
    ("localhost:4566", None), ("127.0.0.1", None), ("[::1]:4566", None), (None, None),
])
def test_the_region_a_host_names(host: str | None, region: str | None) -> None:
    assert sigv4.host_region(host) == region
