"""A test suite written the way moto's documentation teaches, with only the import changed
(``from moto import mock_aws`` -> ``from pymsg import mock_aws``): decorators on functions,
methods, plain test classes and ``unittest.TestCase`` subclasses, fixtures, parametrize, nested
mocks, async tests with aiobotocore. Every test here must be collected and pass, each decorated
call must start from fresh state, and no request may leave the process: a guard refuses every
network connection and name lookup during each test, and a test fails if one was attempted."""

from __future__ import annotations

import asyncio
import os
import socket
import unittest
from typing import Any, Iterator

import pytest

from pymsg import mock_aws

boto3 = pytest.importorskip("boto3")
ClientError = pytest.importorskip("botocore.exceptions").ClientError

REGION = "us-east-1"


# --- the guard: nothing under the mock may reach the network -------------------------------


class NetworkGuard:
    """Refuses every socket connection and DNS lookup but loopback's, and remembers them."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def refuse(self, what: str) -> OSError:
        self.attempts.append(what)
        return ConnectionRefusedError(f"network guard: {what}")

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, \
            socket.getaddrinfo

        def loopback(address: Any) -> bool:
            host = address[0] if isinstance(address, tuple) else address
            return isinstance(host, str) and (host in ("localhost", "::1") or host.startswith("127."))

        def connect(sock: socket.socket, address: Any) -> Any:
            if sock.family == socket.AF_UNIX or loopback(address):
                return real_connect(sock, address)
            raise self.refuse(f"connect {address!r}")

        def connect_ex(sock: socket.socket, address: Any) -> Any:
            if sock.family == socket.AF_UNIX or loopback(address):
                return real_connect_ex(sock, address)
            raise self.refuse(f"connect_ex {address!r}")

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if host is None or loopback((host,)):
                return real_getaddrinfo(host, *args, **kwargs)
            raise self.refuse(f"getaddrinfo {host!r}")

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    guard = NetworkGuard()
    guard.install(monkeypatch)
    yield guard
    assert guard.attempts == [], f"a request tried to leave the process: {guard.attempts}"


# --- moto's docs: the credentials fixture, and a client fixture inside the mock --------------


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mocked AWS credentials for moto (as moto's docs write it)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def sqs(aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
@mock_aws
def decorated_fixture_queue() -> Iterator[tuple[Any, str]]:
    """A generator fixture under the decorator: its mock lasts until its teardown."""
    client = boto3.client("sqs", region_name=REGION)
    yield client, client.create_queue(QueueName="from-fixture")["QueueUrl"]


def queue_names(client: Any) -> list[str]:
    return sorted(url.rsplit("/", 1)[1] for url in client.list_queues().get("QueueUrls", []))


# --- decorated functions ---------------------------------------------------------------------


@mock_aws
def test_bare_decorator_on_a_function() -> None:
    client = boto3.client("sqs", region_name=REGION)
    url = client.create_queue(QueueName="jobs")["QueueUrl"]
    client.send_message(QueueUrl=url, MessageBody="hello")
    assert client.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello"


@mock_aws()
def test_called_decorator_on_a_function() -> None:
    client = boto3.client("sns", region_name=REGION)
    arn = client.create_topic(Name="alerts")["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:123456789012:alerts"


@pytest.mark.parametrize("name", ["a", "b", "c"])
@mock_aws
def test_each_parametrized_call_starts_from_a_fresh_broker(name: str) -> None:
    client = boto3.client("sqs", region_name=REGION)
    client.create_queue(QueueName=name)
    assert queue_names(client) == [name]


def test_the_fixture_serves_its_client(sqs: Any) -> None:
    sqs.create_queue(QueueName="fixture-made")
    assert queue_names(sqs) == ["fixture-made"]


def test_a_decorated_generator_fixture_keeps_its_mock_open(decorated_fixture_queue: tuple[Any, str]) -> None:
    client, url = decorated_fixture_queue
    client.send_message(QueueUrl=url, MessageBody="kept")
    assert client.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "kept"


@mock_aws
def test_a_client_made_before_the_mock_is_served_inside_it() -> None:
    client = boto3.client("kinesis", region_name=REGION)
    client.create_stream(StreamName="s", ShardCount=1)
    assert client.list_streams()["StreamNames"] == ["s"]


def test_nested_mocks_share_the_outer_state() -> None:
    with mock_aws():
        outer = boto3.client("sqs", region_name=REGION)
        outer.create_queue(QueueName="outer")
        with mock_aws():
            inner = boto3.client("sqs", region_name=REGION)
            inner.create_queue(QueueName="inner")
            assert queue_names(inner) == ["inner", "outer"]
        assert queue_names(outer) == ["inner", "outer"]


def test_one_mock_started_twice_starts_fresh_each_time() -> None:
    mock = mock_aws()
    for name in ("first", "second"):
        mock.start()
        try:
            client = boto3.client("sqs", region_name=REGION)
            client.create_queue(QueueName=name)
            assert queue_names(client) == [name]
        finally:
            mock.stop()


def test_fake_credentials_inside_and_the_old_ones_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-looking-secret")
    with mock_aws():
        assert (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]) == ("FOOBARKEY", "FOOBARSECRET")
        identity = boto3.client("sts", region_name=REGION).get_caller_identity()
        assert identity["Account"] == "123456789012"
    assert (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]) == \
        ("AKIAREALLOOKINGKEY00", "real-looking-secret")


def test_moto_account_id_names_the_default_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    with mock_aws():
        client = boto3.client("sqs", region_name=REGION)
        url = client.create_queue(QueueName="q")["QueueUrl"]
        assert "/111122223333/q" in url
        assert boto3.client("sts", region_name=REGION).get_caller_identity()["Account"] == "111122223333"


@mock_aws(other_services="block")  # pymsg's own option: without moto beside it
def test_a_service_pymsg_does_not_serve_is_refused_not_sent() -> None:
    with pytest.raises(RuntimeError, match="is not emulated"):
        boto3.client("dynamodb", region_name=REGION).list_tables()


# --- the rest of AWS through moto, in the same mock -----------------------------------------


@pytest.fixture
def moto_installed() -> None:
    pytest.importorskip("moto")


@mock_aws
def test_s3_beside_sqs_in_one_test(moto_installed: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="reports")
    s3.put_object(Bucket="reports", Key="daily.csv", Body=b"a,b\n")
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="report-jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="reports/daily.csv")
    bucket, key = sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"].split("/")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"a,b\n"


@mock_aws
def test_an_s3_event_reaches_sqs_through_sns(moto_installed: None) -> None:
    import json

    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    url = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="bucket-events")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    s3.create_bucket(Bucket="uploads-bucket")
    s3.put_bucket_notification_configuration(Bucket="uploads-bucket", NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket="uploads-bucket", Key="photo.jpg", Body=b"jpeg")
    bodies = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    records = [r for b in bodies for r in b.get("Records", [])]
    assert [(r["eventName"], r["s3"]["object"]["key"]) for r in records] == [("ObjectCreated:Put", "photo.jpg")]


@mock_aws
def test_dynamodb_beside_kinesis_with_one_account(moto_installed: None) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(TableName="checkpoints", KeySchema=[{"AttributeName": "shard", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "shard", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    put = kinesis.put_record(StreamName="clicks", Data=b"click", PartitionKey="user-1")
    dynamodb.put_item(TableName="checkpoints", Item={"shard": {"S": put["ShardId"]},
                                                       "sequence": {"S": put["SequenceNumber"]}})
    item = dynamodb.get_item(TableName="checkpoints", Key={"shard": {"S": put["ShardId"]}})["Item"]
    assert item["sequence"]["S"] == put["SequenceNumber"]
    table_arn = dynamodb.describe_table(TableName="checkpoints")["Table"]["TableArn"]
    stream_arn = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]["StreamARN"]
    assert table_arn.split(":")[4] == stream_arn.split(":")[4] == "123456789012"


@pytest.mark.parametrize("bucket", ["first-bucket", "second-bucket"])
@mock_aws
def test_moto_state_is_fresh_for_each_call_too(moto_installed: None, bucket: str) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [bucket]


# --- decorated classes -----------------------------------------------------------------------


@mock_aws
class TestPlainClass:
    """No setup method: every test method starts from a fresh broker."""

    def make_queue(self, name: str) -> Any:  # a helper, run inside the mock too
        client = boto3.client("sqs", region_name=REGION)
        client.create_queue(QueueName=name)
        return client

    def test_first(self) -> None:
        assert queue_names(self.make_queue("first")) == ["first"]

    def test_second(self) -> None:
        assert queue_names(self.make_queue("second")) == ["second"]


@mock_aws()
class TestClassWithSetupMethod:
    """pytest's setup_method: it and the test share one broker; the next test starts afresh."""

    def setup_method(self, method: Any) -> None:
        self.client = boto3.client("sqs", region_name=REGION)
        self.url = self.client.create_queue(QueueName="made-in-setup")["QueueUrl"]

    def teardown_method(self, method: Any) -> None:
        self.client.delete_queue(QueueUrl=self.url)

    def test_sees_the_queue_setup_made(self) -> None:
        assert queue_names(self.client) == ["made-in-setup"]
        self.client.create_queue(QueueName="extra")

    def test_does_not_see_the_last_tests_queue(self) -> None:
        assert queue_names(self.client) == ["made-in-setup"]

    @pytest.mark.parametrize("body", ["x", "y"])
    def test_parametrized_method(self, body: str) -> None:
        self.client.send_message(QueueUrl=self.url, MessageBody=body)
        assert self.client.receive_message(QueueUrl=self.url)["Messages"][0]["Body"] == body


@mock_aws
class TestUnittestCase(unittest.TestCase):
    """moto's TestCase example: setUp inside the mock, shared with the test, fresh per test."""

    bucket_like_queue = "documents"

    def setUp(self) -> None:
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.url = self.sqs.create_queue(QueueName=self.bucket_like_queue)["QueueUrl"]

    def tearDown(self) -> None:
        self.sqs.delete_queue(QueueUrl=self.url)

    def test_send_and_receive(self) -> None:
        self.sqs.send_message(QueueUrl=self.url, MessageBody="doc")
        messages = self.sqs.receive_message(QueueUrl=self.url)["Messages"]
        self.assertEqual(messages[0]["Body"], "doc")

    def test_starts_from_what_setup_made_only(self) -> None:
        self.assertEqual(queue_names(self.sqs), [self.bucket_like_queue])
        self.sqs.create_queue(QueueName="left-behind")

    @classmethod
    def shared_name(cls) -> str:  # class methods are left as they are
        return cls.bucket_like_queue

    def test_class_methods_still_work(self) -> None:
        self.assertEqual(self.shared_name(), "documents")


class TestMethodDecorators:
    """Decorating single methods, as moto's docs also show."""

    @mock_aws
    def test_decorated_method(self) -> None:
        client = boto3.client("sqs", region_name=REGION)
        client.create_queue(QueueName="m")
        assert queue_names(client) == ["m"]

    def test_undecorated_method_is_outside_any_mock(self) -> None:
        assert os.environ.get("AWS_ACCESS_KEY_ID") != "FOOBARKEY"


# --- async: aiobotocore, under the decorator and the context manager --------------------------


def aio_session() -> Any:
    return pytest.importorskip("aiobotocore.session").get_session()


@mock_aws
async def send_and_receive_with_aiobotocore() -> str:
    async with aio_session().create_client("sqs", region_name=REGION) as client:
        url = (await client.create_queue(QueueName="async-jobs"))["QueueUrl"]
        await client.send_message(QueueUrl=url, MessageBody="from asyncio")
        answer = await client.receive_message(QueueUrl=url)
        return answer["Messages"][0]["Body"]


def test_a_decorated_coroutine_is_served_with_aiobotocore() -> None:
    aio_session()
    assert asyncio.run(send_and_receive_with_aiobotocore()) == "from asyncio"


@mock_aws
class TestAsyncCase(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.session = aio_session()

    async def test_sns_to_sqs_with_aiobotocore(self) -> None:
        async with self.session.create_client("sqs", region_name=REGION) as sqs, \
                self.session.create_client("sns", region_name=REGION) as sns:
            url = (await sqs.create_queue(QueueName="fan-in"))["QueueUrl"]
            arn = (await sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]))["Attributes"]["QueueArn"]
            topic = (await sns.create_topic(Name="news"))["TopicArn"]
            await sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
            await sns.publish(TopicArn=topic, Message="headline")
            messages = (await sqs.receive_message(QueueUrl=url))["Messages"]
            self.assertEqual(messages[0]["Body"], "headline")

    async def test_an_error_comes_back_as_the_modeled_exception(self) -> None:
        async with self.session.create_client("sqs", region_name=REGION) as sqs:
            with self.assertRaises(ClientError) as caught:
                await sqs.get_queue_url(QueueName="missing")
            self.assertEqual(caught.exception.response["Error"]["Code"], "AWS.SimpleQueueService.NonExistentQueue")

    async def test_another_service_goes_to_moto_or_is_refused(self) -> None:
        async with self.session.create_client("dynamodb", region_name=REGION) as dynamodb:
            try:
                import moto  # noqa: F401
            except ImportError:
                with self.assertRaisesRegex(RuntimeError, "is not emulated"):
                    await dynamodb.list_tables()
            else:
                self.assertEqual((await dynamodb.list_tables())["TableNames"], [])


@mock_aws
class TestSetupStateReachesTheTest(unittest.TestCase):
    """What setUp makes in pymsg and in moto is there in the test (moto resets only at the
    start of each test)."""

    def setUp(self) -> None:
        pytest.importorskip("moto")
        boto3.client("sqs", region_name=REGION).create_queue(QueueName="from-setup")
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="from-setup")

    def test_sees_what_setup_made(self) -> None:
        self.assertEqual(queue_names(boto3.client("sqs", region_name=REGION)), ["from-setup"])
        buckets = boto3.client("s3", region_name=REGION).list_buckets()["Buckets"]
        self.assertEqual([b["Name"] for b in buckets], ["from-setup"])

    def test_leaves_a_bucket_the_next_test_does_not_see(self) -> None:
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="left-behind")


@mock_aws
class TestAsyncSetupsShareOneBroker(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        boto3.client("sqs", region_name=REGION).create_queue(QueueName="sync-setup")

    async def asyncSetUp(self) -> None:
        self.session = aio_session()
        async with self.session.create_client("sqs", region_name=REGION) as sqs:
            await sqs.create_queue(QueueName="async-setup")

    async def test_sees_both_setups(self) -> None:
        async with self.session.create_client("sqs", region_name=REGION) as sqs:
            urls = (await sqs.list_queues())["QueueUrls"]
        self.assertEqual(sorted(u.rsplit("/", 1)[1] for u in urls), ["async-setup", "sync-setup"])
