"""boto3 against pymsg, through ``pymsg.mock_aws()`` and through ``pymsg serve``: SQS over AWS
JSON 1.0, checked the way a test suite written for moto would."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterator

import pytest

import pymsg
from aws_endpoints import SQS_MODES, endpoint

boto3 = pytest.importorskip("boto3")
ClientError = pytest.importorskip("botocore.exceptions").ClientError


@pytest.fixture
def aws(clock: pymsg.ManualClock) -> Iterator[pymsg.Broker]:
    broker = pymsg.Broker(clock, account_id="123456789012")
    with pymsg.mock_aws(broker):
        yield broker


@pytest.fixture(params=SQS_MODES)
def sqs(request: pytest.FixtureRequest, clock: pymsg.ManualClock) -> Iterator[Any]:
    with endpoint(request.param, pymsg.Broker(clock, account_id="123456789012")) as make_client:
        yield make_client("sqs")


def error(excinfo: pytest.ExceptionInfo) -> tuple[str, int]:
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


def test_missing_queue_raises_queue_does_not_exist_with_the_legacy_code(sqs: Any) -> None:
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as excinfo:
        sqs.get_queue_url(QueueName="nope")
    assert error(excinfo) == ("AWS.SimpleQueueService.NonExistentQueue", 400)


def test_round_trip_with_md5s_checked_by_the_test(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    assert url.endswith("/123456789012/jobs")
    attributes = {
        "price": {"DataType": "Number.float", "StringValue": "1.5"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        "name": {"DataType": "String", "StringValue": "x"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello", MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
    assert len(sent["MD5OfMessageAttributes"]) == 32
    (m,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
    assert m["Body"] == "hello" and m["MessageId"] == sent["MessageId"]
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert m["MessageAttributes"]["blob"] == {"DataType": "Binary", "BinaryValue": b"\x00\x01"}
    assert m["MessageAttributes"]["price"] == {"DataType": "Number.float", "StringValue": "1.5"}
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_visibility_timeout_gives_a_new_handle_and_count(sqs: Any, clock: pymsg.ManualClock) -> None:
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    (first,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    clock.advance(5)
    (second,) = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    assert second["Attributes"] == {"ApproximateReceiveCount": "2"}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # an older handle deletes it
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])  # the latest one: still success


def test_garbage_handles(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid) as excinfo:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    assert error(excinfo)[1] == 400
    result = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "a", "ReceiptHandle": "garbage"}])
    assert result["Failed"] == [{"Id": "a", "SenderFault": True, "Code": "ReceiptHandleIsInvalid",
                                 "Message": result["Failed"][0]["Message"]}]


@pytest.mark.parametrize(
    "entries, exception",
    [
        ([{"Id": str(i), "MessageBody": "m"} for i in range(11)], "TooManyEntriesInBatchRequest"),
        ([{"Id": "a", "MessageBody": "m"}, {"Id": "a", "MessageBody": "m"}], "BatchEntryIdsNotDistinct"),
        ([{"Id": "a b", "MessageBody": "m"}], "InvalidBatchEntryId"),
        ([{"Id": "a", "MessageBody": "x" * 600_000}, {"Id": "b", "MessageBody": "x" * 600_000}], "BatchRequestTooLong"),
    ],
)
def test_batch_errors(sqs: Any, entries: list, exception: str) -> None:
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    with pytest.raises(getattr(sqs.exceptions, exception)):
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "0"
    }


def test_empty_batch(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[])


def test_batch_with_a_partial_failure(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    result = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "ok", "MessageBody": "m"},
                                                          {"Id": "bad", "MessageBody": "\x00"}])
    assert [s["Id"] for s in result["Successful"]] == ["ok"]
    assert result["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(b"m").hexdigest()
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in result["Failed"]] == [("bad", "InvalidMessageContents", True)]


def test_message_size_limit(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1_048_576)
    with pytest.raises(ClientError) as excinfo:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1_048_577)
    assert error(excinfo)[0] == "InvalidParameterValue"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
    with pytest.raises(ClientError):
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)


def test_fifo_rules(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    with pytest.raises(ClientError) as excinfo:
        sqs.send_message(QueueUrl=url, MessageBody="m", MessageDeduplicationId="1")
    assert error(excinfo)[0] == "MissingParameter"
    with pytest.raises(ClientError):
        sqs.send_message(QueueUrl=url, MessageBody="m", MessageGroupId="A")  # no dedup id
    first = sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="A", MessageDeduplicationId="1")
    again = sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="A", MessageDeduplicationId="1")
    assert again["MessageId"] == first["MessageId"] and first["SequenceNumber"]
    sqs.send_message(QueueUrl=url, MessageBody="a2", MessageGroupId="A", MessageDeduplicationId="2")
    sqs.send_message(QueueUrl=url, MessageBody="b1", MessageGroupId="B", MessageDeduplicationId="3")
    (a1,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert a1["Body"] == "a1"
    (next_one,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert next_one["Body"] == "b1"  # A is blocked while a1 is in flight
    with pytest.raises(ClientError):
        sqs.send_message(QueueUrl=url, MessageBody="m", MessageGroupId="A", MessageDeduplicationId="4", DelaySeconds=5)


def test_dead_letter_queue(sqs: Any, clock: pymsg.ManualClock) -> None:
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName="src", Attributes={
        "VisibilityTimeout": "1", "RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "2"}}'
    })["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    for _ in range(2):
        assert sqs.receive_message(QueueUrl=src)["Messages"]
        clock.advance(1)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    (m,) = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"]
    assert m["Body"] == "poison" and m["Attributes"]["DeadLetterQueueSourceArn"].endswith(":src")
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
    # Redrive it home at 1 message a second; a second task on the same queue is refused.
    sqs.change_message_visibility(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    sqs.send_message(QueueUrl=dlq, MessageBody="second")  # redriven to nowhere unless a destination is named
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    with pytest.raises(ClientError) as excinfo:
        sqs.start_message_move_task(SourceArn=dlq_arn)
    assert error(excinfo) == ("InvalidParameterValue", 400)
    (running,) = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert running["Status"] == "RUNNING" and running["TaskHandle"] == handle
    assert running["ApproximateNumberOfMessagesToMove"] == 2 and running["MaxNumberOfMessagesPerSecond"] == 1
    clock.advance(1)
    (back,) = sqs.receive_message(QueueUrl=src, AttributeNames=["All"])["Messages"]
    assert back["Body"] == "poison" and back["MessageId"] != m["MessageId"]  # a new message, as on AWS
    assert back["Attributes"]["ApproximateReceiveCount"] == "1"
    clock.advance(1)
    (failed,) = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert failed["Status"] == "FAILED" and failed["ApproximateNumberOfMessagesMoved"] == 1
    assert "TaskHandle" not in failed and "NonExistentQueue" in failed["FailureReason"]
    with pytest.raises(ClientError) as excinfo:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert error(excinfo) == ("ResourceNotFoundException", 404)  # SQS's is a 404, Kinesis's a 400
    with pytest.raises(ClientError) as excinfo:
        sqs.cancel_message_move_task(TaskHandle="not-a-handle")
    assert error(excinfo) == ("InvalidParameterValue", 400)
    assert [x["Body"] for x in sqs.receive_message(QueueUrl=dlq)["Messages"]] == ["second"]


def test_lifecycle_timing_rules(sqs: Any, clock: pymsg.ManualClock) -> None:
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress) as excinfo:
        sqs.purge_queue(QueueUrl=url)
    assert error(excinfo) == ("AWS.SimpleQueueService.PurgeQueueInProgress", 403)
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "9"})
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDeletedRecently):
        sqs.create_queue(QueueName="q")
    clock.advance(61)
    sqs.create_queue(QueueName="q")


def test_get_queue_attributes_all_are_strings(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert all(isinstance(v, str) for v in attributes.values())
    assert attributes["MaximumMessageSize"] == "1048576" and attributes["VisibilityTimeout"] == "30"
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:q"


def test_list_queues_tags_and_change_visibility(sqs: Any, clock: pymsg.ManualClock) -> None:
    a = sqs.create_queue(QueueName="app-a", tags={"team": "x"})["QueueUrl"]
    sqs.create_queue(QueueName="app-b")
    sqs.create_queue(QueueName="other")
    assert sqs.list_queues(QueueNamePrefix="app-")["QueueUrls"] == [a, a.replace("app-a", "app-b")]
    first = sqs.list_queues(MaxResults=2)
    assert len(first["QueueUrls"]) == 2 and "NextToken" in first
    assert sqs.list_queues(MaxResults=2, NextToken=first["NextToken"])["QueueUrls"] == [a.replace("app-a", "other")]
    with pytest.raises(ClientError) as excinfo:
        sqs.list_queues(MaxResults=1001)
    assert error(excinfo) == ("InvalidParameterValue", 400)
    assert sqs.list_queue_tags(QueueUrl=a)["Tags"] == {"team": "x"}
    sqs.send_message(QueueUrl=a, MessageBody="m")
    (m,) = sqs.receive_message(QueueUrl=a)["Messages"]
    sqs.change_message_visibility(QueueUrl=a, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    assert sqs.receive_message(QueueUrl=a)["Messages"][0]["Body"] == "m"


def test_policy_permissions_and_redrive_allow_policy(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="guarded")["QueueUrl"]
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["SqsManagedSseEnabled"])["Attributes"] == {
        "SqsManagedSseEnabled": "true"}
    sqs.add_permission(QueueUrl=url, Label="from-sns", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"] == [{"Sid": "from-sns", "Effect": "Allow",
                                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                    "Action": "SQS:SendMessage", "Resource": policy["Statement"][0]["Resource"]}]
    with pytest.raises(ClientError) as excinfo:
        sqs.add_permission(QueueUrl=url, Label="many", AWSAccountIds=["1"], Actions=[f"A{i}" for i in range(8)])
    assert error(excinfo) == ("OverLimit", 403)
    with pytest.raises(ClientError) as excinfo:
        sqs.remove_permission(QueueUrl=url, Label="nobody")
    assert error(excinfo) == ("InvalidParameterValue", 400)
    sqs.remove_permission(QueueUrl=url, Label="from-sns")
    custom = json.dumps({"Version": "2012-10-17", "Statement": []})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": custom, "KmsDataKeyReusePeriodSeconds": "600"})
    kept = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (kept["Policy"], kept["KmsDataKeyReusePeriodSeconds"]) == (custom, "600")
    for bad in ({"Policy": "not json"}, {"KmsDataKeyReusePeriodSeconds": "59"}, {"SqsManagedSseEnabled": "maybe"}):
        with pytest.raises(ClientError) as excinfo:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=bad)
        assert error(excinfo)[0] in ("InvalidAttributeValue", "AWS.SimpleQueueService.InvalidAttributeValue")
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"] == kept
    with pytest.raises(ClientError) as excinfo:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Colour"])
    assert error(excinfo)[0] == "InvalidAttributeName"
    with pytest.raises(sqs.exceptions.QueueNameExists):  # the same name with another Policy
        sqs.create_queue(QueueName="guarded", Attributes={"Policy": json.dumps({"Statement": [1]})})

    dlq = sqs.create_queue(QueueName="closed-dlq", Attributes={
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(QueueName="refused", Attributes={"RedrivePolicy": redrive})
    assert error(excinfo) == ("InvalidParameterValue", 400) and "RedriveAllowPolicy" in str(excinfo.value)
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [dlq_arn.replace("closed-dlq", "allowed")]})})
    sqs.create_queue(QueueName="allowed", Attributes={"RedrivePolicy": redrive})
    with pytest.raises(ClientError):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": redrive})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_other_services_are_blocked_without_moto(clock: pymsg.ManualClock) -> None:
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with pymsg.mock_aws(pymsg.Broker(clock), other_services="block"):
        with pytest.raises(RuntimeError, match="s3 is not emulated"):
            s3.list_buckets()


def test_clients_made_before_the_mock_are_served(clock: pymsg.ManualClock) -> None:
    client = boto3.client("sqs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    broker = pymsg.Broker(clock)

    @pymsg.mock_aws(broker)
    def work() -> str:
        return client.create_queue(QueueName="made-before")["QueueUrl"]

    assert work().endswith("/made-before")
    assert broker.scope(region="eu-west-1").get_queue("made-before").name == "made-before"  # the client's region
    assert broker.list_queues() == []  # not the broker's own, us-east-1


def test_after_call_hooks_read_the_answer_the_fast_path_skipped_serializing(aws: pymsg.Broker) -> None:
    client = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    seen: list[dict] = []
    client.meta.events.register("after-call.sqs.SendMessage",
                                lambda http_response, **_: seen.append(json.loads(http_response.content)))
    url = client.create_queue(QueueName="hooked")["QueueUrl"]
    sent = client.send_message(QueueUrl=url, MessageBody="hello")
    assert seen == [{"MessageId": sent["MessageId"], "MD5OfMessageBody": hashlib.md5(b"hello").hexdigest()}]


def test_fast_path_answers_are_checked_against_botocores_parser(aws: pymsg.Broker,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite runs with PYMSG_MOCK_VERIFY=1 (conftest); a fast path that strays must fail it.
    from pymsg.aws import mock

    client = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    url = client.create_queue(QueueName="checked")["QueueUrl"]
    real_walk = mock._walk
    monkeypatch.setattr(mock, "_walk", lambda shape, value: {**real_walk(shape, value), "Stray": 1}
                        if isinstance(value, dict) else real_walk(shape, value))
    with pytest.raises(AssertionError, match="differs from botocore's parser"):
        client.send_message(QueueUrl=url, MessageBody="hello")


# --- the legacy query protocol (old SDKs) ------------------------------------------------------

def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else value


def test_query_clients_send_forms_and_read_xml(clock: pymsg.ManualClock) -> None:
    with endpoint("serve-query", pymsg.Broker(clock, account_id="123456789012")) as make_client:
        sqs = make_client("sqs")
        assert sqs.meta.service_model.protocol == "query"
        wire: list[tuple[str, bytes]] = []
        sqs.meta.events.register("after-call.sqs", lambda http_response, **_: wire.append(
            (http_response.headers["Content-Type"], http_response.content)))
        sqs.meta.events.register("before-send.sqs", lambda request, **_: wire.append(
            (_text(request.headers["Content-Type"]), _text(request.body).encode())))
        url = sqs.create_queue(QueueName="legacy")["QueueUrl"]
        # A bare CR must survive XML, which turns it into LF unless sent as a character reference.
        sent = sqs.send_message(QueueUrl=url, MessageBody="line\r\nnext\r")
        (m,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert m["Body"] == "line\r\nnext\r" and m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert wire[0][0].startswith("application/x-www-form-urlencoded")
    assert b"Action=CreateQueue" in wire[0][1] and b"Version=2012-11-05" in wire[0][1]
    assert wire[1] == ("text/xml", wire[1][1]) and wire[1][1].startswith(b"<CreateQueueResponse")


def test_query_get_requests_and_posts_to_the_queue_url(clock: pymsg.ManualClock) -> None:
    import urllib.request
    from aws_endpoints import running_server

    broker = pymsg.Broker(clock, account_id="123456789012")
    broker.create_queue("old")
    with running_server(lambda: broker) as server:
        with urllib.request.urlopen(f"{server.endpoint}/?Action=ListQueues&Version=2012-11-05") as answer:
            assert b"<QueueUrl>" + f"{server.endpoint}/123456789012/old".encode() + b"</QueueUrl>" in answer.read()
        form = b"Action=SendMessage&MessageBody=by+path"  # no QueueUrl, no Version: the path names the queue
        request = urllib.request.Request(f"{server.endpoint}/123456789012/old", data=form,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request) as answer:
            assert b"<SendMessageResponse" in answer.read()
    assert broker.get_queue("old").receive()[0].body == "by path"


def test_query_errors_keep_the_legacy_codes(clock: pymsg.ManualClock) -> None:
    with endpoint("mock_aws-query", pymsg.Broker(clock, account_id="123456789012")) as make_client:
        sqs = make_client("sqs")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        with pytest.raises(sqs.exceptions.QueueNameExists) as excinfo:
            sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "7"})
        assert error(excinfo) == ("QueueAlreadyExists", 400)
        with pytest.raises(ClientError) as excinfo:
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
        assert error(excinfo) == ("InvalidParameterValue", 400)
        with pytest.raises(ClientError, match="must be an integer"):
            sqs.meta.events.register("before-call.sqs.SendMessage",
                                     lambda params, **_: params["body"].update(DelaySeconds="soon"))
            sqs.send_message(QueueUrl=url, MessageBody="m")
        assert "Messages" not in sqs.receive_message(QueueUrl=url)


@pytest.mark.parametrize("body", [b"Action=ListQueues&Version=2012-11-05&\xff=1",
                                  "Action=SendMessage&Version=2012-11-05&Attribute.\u00b2.Name=x".encode()])
def test_query_bodies_that_do_not_parse_get_a_400(body: bytes) -> None:
    from pymsg.aws.dispatch import handle

    status, _, answer = handle(pymsg.Broker(), {"Content-Type": "application/x-www-form-urlencoded"}, body)
    assert status == 400 and b"<Code>" in answer
