"""AWS's own words: each refused SQS call answers with AWS's error message verbatim (and its
code), over JSON and the legacy query protocol, in process and over HTTP, and changes nothing."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

import pymsg
from aws_endpoints import SQS_MODES, endpoint

pytest.importorskip("boto3")
ClientError = pytest.importorskip("botocore.exceptions").ClientError


@pytest.fixture(params=SQS_MODES)
def sqs(request: pytest.FixtureRequest, clock: pymsg.ManualClock) -> Iterator[Any]:
    with endpoint(request.param, pymsg.Broker(clock)) as make_client:
        client = make_client("sqs")
        client.create_queue(QueueName="q")
        client.create_queue(QueueName="f.fifo", Attributes={"FifoQueue": "true"})
        client.create_queue(QueueName="f-dlq.fifo", Attributes={"FifoQueue": "true"})
        yield client


def url(sqs: Any, name: str) -> str:
    return sqs.get_queue_url(QueueName=name)["QueueUrl"]


CASES: list[tuple[str, Callable[[Any], Any], str, str]] = [
    ("receive 11", lambda c: c.receive_message(QueueUrl=url(c, "q"), MaxNumberOfMessages=11), "InvalidParameterValue",
     "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."),
    ("receive 0", lambda c: c.receive_message(QueueUrl=url(c, "q"), MaxNumberOfMessages=0), "InvalidParameterValue",
     "Value 0 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."),
    ("wait 21", lambda c: c.receive_message(QueueUrl=url(c, "q"), WaitTimeSeconds=21), "InvalidParameterValue",
     "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."),
    ("visibility 43201", lambda c: c.receive_message(QueueUrl=url(c, "q"), VisibilityTimeout=43201),
     "InvalidParameterValue",
     "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided."),
    ("fifo without group", lambda c: c.send_message(QueueUrl=url(c, "f.fifo"), MessageBody="x",
                                                    MessageDeduplicationId="d"),
     "MissingParameter", "The request must contain the parameter MessageGroupId."),
    ("empty delete batch", lambda c: c.delete_message_batch(QueueUrl=url(c, "q"), Entries=[]), "EmptyBatchRequest",
     "There should be at least one DeleteMessageBatchRequestEntry in the request."),
    ("empty send batch", lambda c: c.send_message_batch(QueueUrl=url(c, "q"), Entries=[]), "EmptyBatchRequest",
     "There should be at least one SendMessageBatchRequestEntry in the request."),
    ("bad batch id", lambda c: c.send_message_batch(QueueUrl=url(c, "q"), Entries=[{"Id": "a b", "MessageBody": "x"}]),
     "InvalidBatchEntryId",
     "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
     "It can be at most 80 letters long."),
    ("fifo attribute on standard", lambda c: c.create_queue(QueueName="s2", Attributes={
        "ContentBasedDeduplication": "true"}), "InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication."),
    ("set fifo attribute on standard", lambda c: c.set_queue_attributes(QueueUrl=url(c, "q"), Attributes={
        "DeduplicationScope": "messageGroup"}), "InvalidAttributeName", "Unknown Attribute DeduplicationScope."),
    ("set FifoQueue on standard", lambda c: c.set_queue_attributes(QueueUrl=url(c, "q"), Attributes={
        "FifoQueue": "true"}), "InvalidAttributeName", "Unknown Attribute FifoQueue."),
    ("set FifoQueue false on fifo", lambda c: c.set_queue_attributes(QueueUrl=url(c, "f.fifo"), Attributes={
        "FifoQueue": "false"}), "InvalidAttributeValue",
     "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."),
    (".fifo name without FifoQueue", lambda c: c.create_queue(QueueName="g.fifo"), "InvalidParameterValue",
     "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"),
    ("bad queue name", lambda c: c.create_queue(QueueName="a b"), "InvalidParameterValue",
     "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"),
    ("visibility out of range", lambda c: c.create_queue(QueueName="v", Attributes={"VisibilityTimeout": "43201"}),
     "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout."),
    ("redrive without maxReceiveCount", lambda c: c.set_queue_attributes(QueueUrl=url(c, "q"), Attributes={
        "RedrivePolicy": '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:q"}'}), "InvalidParameterValue",
     'Value {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:q"} for parameter RedrivePolicy is invalid. '
     "Reason: Redrive policy does not contain mandatory attribute: maxReceiveCount."),
    ("redrive with a bad arn", lambda c: c.set_queue_attributes(QueueUrl=url(c, "q"), Attributes={
        "RedrivePolicy": '{"deadLetterTargetArn": "dummy", "maxReceiveCount": 42}'}), "InvalidParameterValue",
     'Value {"deadLetterTargetArn": "dummy", "maxReceiveCount": 42} for parameter RedrivePolicy is invalid. '
     "Reason: Invalid value for deadLetterTargetArn."),
    ("redrive to a missing queue", lambda c: c.set_queue_attributes(QueueUrl=url(c, "q"), Attributes={
        "RedrivePolicy": '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:nope", "maxReceiveCount": 3}'}),
     "InvalidParameterValue",
     'Value {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:nope", "maxReceiveCount": 3} for parameter '
     "RedrivePolicy is invalid. Reason: Dead letter target does not exist."),
    ("tag without tags", lambda c: c.tag_queue(QueueUrl=url(c, "q"), Tags={}), "MissingParameter",
     "The request must contain the parameter Tags."),
    ("empty attribute", lambda c: c.send_message(QueueUrl=url(c, "q"), MessageBody="x", MessageAttributes={
        "a": {"DataType": "String", "StringValue": ""}}), "InvalidParameterValue",
     "Message (user) attribute 'a' must contain a non-empty value of type 'String'."),
    ("bad attribute type", lambda c: c.send_message(QueueUrl=url(c, "q"), MessageBody="x", MessageAttributes={
        "a": {"DataType": "Text", "StringValue": "x"}}), "InvalidParameterValue",
     "The type of message (user) attribute 'a' is invalid. You must use only the following supported type prefixes: "
     "Binary, Number, String."),
    ("bad number attribute", lambda c: c.send_message(QueueUrl=url(c, "q"), MessageBody="x", MessageAttributes={
        "a": {"DataType": "Number", "StringValue": "abc"}}), "InvalidParameterValue",
     "Can't cast the value of message (user) attribute 'a' to a number."),
]


@pytest.mark.parametrize(("call", "code", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refusals_carry_aws_messages_and_change_nothing(sqs: Any, call: Callable[[Any], Any], code: str,
                                                        message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        call(sqs)
    error = excinfo.value.response["Error"]
    assert error["Code"].endswith(code)  # the query protocol's legacy codes are AWS.SimpleQueueService.<code>
    assert error["Message"] == message
    for name in ("q", "f.fifo"):
        attributes = sqs.get_queue_attributes(QueueUrl=url(sqs, name), AttributeNames=["All"])["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_delay_out_of_range_is_echoed_as_aws_writes_it(sqs: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        sqs.send_message(QueueUrl=url(sqs, "q"), MessageBody="x", DelaySeconds=2000)
    assert excinfo.value.response["Error"]["Message"].startswith("Value 2000 for parameter DelaySeconds is invalid.")


def test_fifo_queue_attribute_on_a_standard_name_is_refused(sqs: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(QueueName="plain", Attributes={"FifoQueue": "true"})
    error = excinfo.value.response["Error"]
    assert error["Code"].endswith("InvalidParameterValue")
    assert error["Message"] == ("The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                                "underscores, must end with .fifo suffix and be 1 to 80 in length")
    assert not any(u.endswith("/plain") for u in sqs.list_queues().get("QueueUrls", []))  # no standard queue made


def test_a_fifo_batch_with_an_entry_without_group_fails_whole(sqs: Any) -> None:
    entries = [{"Id": "a", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
               {"Id": "b", "MessageBody": "y", "MessageDeduplicationId": "2"}]
    with pytest.raises(ClientError) as excinfo:
        sqs.send_message_batch(QueueUrl=url(sqs, "f.fifo"), Entries=entries)
    error = excinfo.value.response["Error"]
    assert error["Code"].endswith("MissingParameter")
    assert error["Message"] == "The request must contain the parameter MessageGroupId."
    attributes = sqs.get_queue_attributes(QueueUrl=url(sqs, "f.fifo"), AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"  # not even the good entry went in


@pytest.mark.parametrize("mode", [m for m in SQS_MODES if "query" not in m])
def test_json_errors_carry_aws_json_types_and_the_query_code_in_a_header(mode: str) -> None:
    """AWS JSON 1.0 SQS names unmodelled errors <Code>Exception in __type; botocore reports the
    query code from x-amzn-query-error as Code and keeps the JSON type as QueryErrorCode."""
    with endpoint(mode, pymsg.Broker()) as make_client:
        client = make_client("sqs")
        queue = client.create_queue(QueueName="q")["QueueUrl"]
        expected = [
            (lambda: client.receive_message(QueueUrl=queue, MaxNumberOfMessages=11),
             "InvalidParameterValue", "InvalidParameterValueException"),
            (lambda: client.send_message(QueueUrl=queue, MessageBody=""),
             "MissingParameter", "MissingRequiredParameterException"),
            (lambda: client.get_queue_url(QueueName="nope"),
             "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
        ]
        for call, code, json_type in expected:
            with pytest.raises(ClientError) as excinfo:
                call()
            error = excinfo.value.response["Error"]
            assert (error["Code"], error["QueryErrorCode"], error["Type"]) == (code, json_type, "Sender")


@pytest.mark.parametrize("mode", SQS_MODES)
def test_a_missing_queue_is_worded_per_protocol(mode: str) -> None:
    with endpoint(mode, pymsg.Broker()) as make_client:
        client = make_client("sqs")
        with pytest.raises(ClientError) as excinfo:
            client.get_queue_url(QueueName="nope")
    expected = ("The specified queue does not exist for this wsdl version." if "query" in mode
                else "The specified queue does not exist.")
    assert excinfo.value.response["Error"]["Message"] == expected


def test_create_queue_again_compares_only_the_attributes_given(sqs: Any) -> None:
    first = sqs.create_queue(QueueName="again", Attributes={"VisibilityTimeout": "5", "DelaySeconds": "2"})["QueueUrl"]
    assert sqs.create_queue(QueueName="again", Attributes={"VisibilityTimeout": "5"})["QueueUrl"] == first
    assert sqs.create_queue(QueueName="again")["QueueUrl"] == first
    assert sqs.create_queue(QueueName="again", Attributes={"MessageRetentionPeriod": "345600"})["QueueUrl"] == first
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(QueueName="again", Attributes={"VisibilityTimeout": "5", "DelaySeconds": "3"})
    error = excinfo.value.response["Error"]
    assert error["Code"] == "QueueAlreadyExists"
    assert error["Message"] == "A queue already exists with the same name and a different value for attribute DelaySeconds"
    attributes = sqs.get_queue_attributes(QueueUrl=first, AttributeNames=["All"])["Attributes"]
    assert (attributes["VisibilityTimeout"], attributes["DelaySeconds"]) == ("5", "2")


def test_a_dead_letter_queue_of_the_other_type_is_refused_in_aws_words(sqs: Any) -> None:
    arn = sqs.get_queue_attributes(QueueUrl=url(sqs, "f-dlq.fifo"), AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = '{"deadLetterTargetArn": "%s", "maxReceiveCount": 3}' % arn
    with pytest.raises(ClientError) as excinfo:
        sqs.set_queue_attributes(QueueUrl=url(sqs, "q"), Attributes={"RedrivePolicy": policy})
    assert excinfo.value.response["Error"]["Message"] == (
        f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue "
        "as the source..")
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=url(sqs, "q"), AttributeNames=["All"])["Attributes"]


def test_attribute_names_take_letters_of_any_script(sqs: Any) -> None:
    sqs.send_message(QueueUrl=url(sqs, "q"), MessageBody="x",
                     MessageAttributes={"grüße": {"DataType": "String", "StringValue": "v"}})
    (message,) = sqs.receive_message(QueueUrl=url(sqs, "q"), MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"] == {"grüße": {"DataType": "String", "StringValue": "v"}}


def test_md5_of_message_attributes_covers_the_attributes_returned(sqs: Any) -> None:
    attributes = {"a": {"DataType": "String", "StringValue": "1"}, "b": {"DataType": "Number", "StringValue": "2"},
                  "c": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    sent = sqs.send_message(QueueUrl=url(sqs, "q"), MessageBody="x", MessageAttributes=attributes)
    (all_of_them,) = sqs.receive_message(QueueUrl=url(sqs, "q"), MessageAttributeNames=["All"],
                                         VisibilityTimeout=0)["Messages"]
    assert all_of_them["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    (one,) = sqs.receive_message(QueueUrl=url(sqs, "q"), MessageAttributeNames=["a"])["Messages"]
    alone = sqs.send_message(QueueUrl=url(sqs, "q"), MessageBody="y", MessageAttributes={"a": attributes["a"]})
    assert one["MD5OfMessageAttributes"] == alone["MD5OfMessageAttributes"] != sent["MD5OfMessageAttributes"]


def test_a_trace_header_comes_back_with_its_md5(sqs: Any) -> None:
    trace = {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}
    sent = sqs.send_message(QueueUrl=url(sqs, "q"), MessageBody="x", MessageSystemAttributes={"AWSTraceHeader": trace})
    as_user_attribute = sqs.send_message(QueueUrl=url(sqs, "q"), MessageBody="x",
                                         MessageAttributes={"AWSTraceHeader": trace})  # the same MD5 recipe
    assert sent["MD5OfMessageSystemAttributes"] == as_user_attribute["MD5OfMessageAttributes"]
    batch = sqs.send_message_batch(QueueUrl=url(sqs, "q"), Entries=[
        {"Id": "t", "MessageBody": "x", "MessageSystemAttributes": {"AWSTraceHeader": trace}}, {"Id": "p", "MessageBody": "y"}])
    by_id = {e["Id"]: e for e in batch["Successful"]}
    assert by_id["t"]["MD5OfMessageSystemAttributes"] == sent["MD5OfMessageSystemAttributes"]
    assert "MD5OfMessageSystemAttributes" not in by_id["p"]
    (message,) = sqs.receive_message(QueueUrl=url(sqs, "q"), AttributeNames=["AWSTraceHeader"])["Messages"]
    assert message["Attributes"] == {"AWSTraceHeader": trace["StringValue"]}


def test_a_bare_queue_name_is_taken_as_its_queue_url(sqs: Any) -> None:
    sqs.send_message(QueueUrl="q", MessageBody="by name")
    (message,) = sqs.receive_message(QueueUrl=url(sqs, "q"))["Messages"]
    assert message["Body"] == "by name"
    with pytest.raises(ClientError) as excinfo:
        sqs.send_message(QueueUrl="nope", MessageBody="x")
    assert excinfo.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"


def test_a_lapsed_message_can_be_hidden_again_until_the_next_receive(sqs: Any, clock: pymsg.ManualClock) -> None:
    sqs.send_message(QueueUrl=url(sqs, "q"), MessageBody="x")
    (first,) = sqs.receive_message(QueueUrl=url(sqs, "q"), VisibilityTimeout=5)["Messages"]
    clock.advance(10)
    sqs.change_message_visibility(QueueUrl=url(sqs, "q"), ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=60)
    assert "Messages" not in sqs.receive_message(QueueUrl=url(sqs, "q"))
    clock.advance(60)
    (again,) = sqs.receive_message(QueueUrl=url(sqs, "q"), AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_fifo_groups_served_with_a_zero_timeout_queue_behind_the_others(sqs: Any) -> None:
    for group, body in [("g1", "g1-m1"), ("g2", "g2-m1"), ("g2", "g2-m2"), ("g3", "g3-m1"), ("g1", "g1-m2")]:
        sqs.send_message(QueueUrl=url(sqs, "f.fifo"), MessageBody=body, MessageGroupId=group,
                         MessageDeduplicationId=body)

    def receive(n: int) -> list[str]:
        answer = sqs.receive_message(QueueUrl=url(sqs, "f.fifo"), MaxNumberOfMessages=n, VisibilityTimeout=0)
        return [m["Body"] for m in answer["Messages"]]

    assert receive(3) == ["g1-m1", "g1-m2", "g2-m1"]
    assert receive(10) == ["g3-m1", "g1-m1", "g1-m2", "g2-m1", "g2-m2"]
