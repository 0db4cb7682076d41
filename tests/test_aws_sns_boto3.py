"""boto3 against pymsg, through ``pymsg.mock_aws()`` and ``pymsg serve``: SNS over the query/XML protocol, fanning out
to SQS."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

import pymsg
from aws_endpoints import MODES, endpoint

boto3 = pytest.importorskip("boto3")
ClientError = pytest.importorskip("botocore.exceptions").ClientError


@pytest.fixture(params=MODES)
def clients(request: pytest.FixtureRequest, clock: pymsg.ManualClock) -> Iterator[tuple[Any, Any]]:
    with endpoint(request.param, pymsg.Broker(clock, account_id="123456789012")) as make_client:
        yield make_client("sns"), make_client("sqs")


def queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_create_topic_is_idempotent_and_errors_have_aws_codes(clients: tuple[Any, Any]) -> None:
    sns, _ = clients
    arn = sns.create_topic(Name="t")["TopicArn"]
    assert sns.create_topic(Name="t")["TopicArn"] == arn == "arn:aws:sns:us-east-1:123456789012:t"
    with pytest.raises(sns.exceptions.NotFoundException) as excinfo:
        sns.publish(TopicArn=arn + "-missing", Message="m")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(sns.exceptions.InvalidParameterException) as excinfo:
        sns.publish(TopicArn=arn, Message="x" * 262_145)
    assert "Message too long" in str(excinfo.value)


def test_envelope_and_raw_delivery(clients: tuple[Any, Any]) -> None:
    sns, sqs = clients
    arn = sns.create_topic(Name="t")["TopicArn"]
    env_url, env_arn = queue(sqs, "envelope")
    raw_url, raw_arn = queue(sqs, "raw")
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=env_arn)
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=raw_arn, Attributes={"RawMessageDelivery": "true"})
    sent = sns.publish(TopicArn=arn, Message="hello", Subject="s",
                       MessageAttributes={"n": {"DataType": "Number", "StringValue": "3"}})
    (m,) = sqs.receive_message(QueueUrl=env_url, MessageAttributeNames=["All"])["Messages"]
    envelope = json.loads(m["Body"])
    assert list(envelope) == ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                              "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"]
    assert envelope["MessageId"] == sent["MessageId"] and envelope["Message"] == "hello"
    assert envelope["MessageAttributes"] == {"n": {"Type": "Number", "Value": "3"}}
    assert "MessageAttributes" not in m
    (raw,) = sqs.receive_message(QueueUrl=raw_url, MessageAttributeNames=["All"])["Messages"]
    assert raw["Body"] == "hello" and raw["MessageAttributes"] == {"n": {"DataType": "Number", "StringValue": "3"}}


def test_filter_policies_and_their_limits(clients: tuple[Any, Any]) -> None:
    sns, sqs = clients
    arn = sns.create_topic(Name="t")["TopicArn"]
    url, qarn = queue(sqs, "big")
    policy = {"amount": [{"numeric": [">", 100]}], "kind": [{"anything-but": "test"}], "$or": [
        {"region": [{"prefix": "eu-"}]}, {"vip": [{"exists": True}]}]}
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"FilterPolicy": json.dumps(policy)})

    def attrs(amount: str, kind: str, region: str) -> dict:
        return {"amount": {"DataType": "Number", "StringValue": amount}, "kind": {"DataType": "String", "StringValue": kind},
                "region": {"DataType": "String", "StringValue": region}}

    sns.publish(TopicArn=arn, Message="yes", MessageAttributes=attrs("150", "order", "eu-west-1"))
    sns.publish(TopicArn=arn, Message="small", MessageAttributes=attrs("50", "order", "eu-west-1"))
    sns.publish(TopicArn=arn, Message="test", MessageAttributes=attrs("150", "test", "eu-west-1"))
    sns.publish(TopicArn=arn, Message="us", MessageAttributes=attrs("150", "order", "us-east-1"))
    bodies = [json.loads(m["Body"])["Message"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert bodies == ["yes"]
    other_url, other_arn = queue(sqs, "other")
    too_many = {f"k{i}": ["v"] for i in range(6)}
    with pytest.raises(sns.exceptions.InvalidParameterException, match="FilterPolicy"):
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=other_arn, Attributes={"FilterPolicy": json.dumps(too_many)})
    too_complex = {"a": [str(i) for i in range(13)], "b": [str(i) for i in range(13)]}
    with pytest.raises(sns.exceptions.InvalidParameterException, match="FilterPolicy"):
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=other_arn, Attributes={"FilterPolicy": json.dumps(too_complex)})
    assert len(sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]) == 1


def test_fifo_topic_to_fifo_queue(clients: tuple[Any, Any]) -> None:
    sns, sqs = clients
    arn = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url, qarn = queue(sqs, "q.fifo", FifoQueue="true")
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
    for i in range(5):
        sns.publish(TopicArn=arn, Message=f"m{i}", MessageGroupId="g")
    sns.publish(TopicArn=arn, Message="m0", MessageGroupId="g")  # a duplicate by content
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        for m in messages:
            envelope = json.loads(m["Body"])
            assert "SequenceNumber" in envelope
            bodies.append(envelope["Message"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert bodies == [f"m{i}" for i in range(5)]
    standard = sns.create_topic(Name="standard")["TopicArn"]
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.subscribe(TopicArn=standard, Protocol="sqs", Endpoint=qarn)


def test_publish_batch_and_subscription_attributes(clients: tuple[Any, Any]) -> None:
    sns, sqs = clients
    arn = sns.create_topic(Name="t")["TopicArn"]
    _, qarn = queue(sqs, "q")
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"] == "true"
    result = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[{"Id": "a", "Message": "1"},
                                                                          {"Id": "b", "Message": ""}])
    assert [s["Id"] for s in result["Successful"]] == ["a"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in result["Failed"]] == [("b", "InvalidParameter", True)]
    with pytest.raises(ClientError):
        sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[{"Id": str(i), "Message": "m"} for i in range(11)])
    sns.unsubscribe(SubscriptionArn=sub)
    with pytest.raises(sns.exceptions.NotFoundException):
        sns.get_subscription_attributes(SubscriptionArn=sub)
    sns.unsubscribe(SubscriptionArn=sub)  # again: AWS answers 200 for a subscription that is gone
    sns.unsubscribe(SubscriptionArn=arn + ":0b3e0a7e-1111-2222-3333-444455556666")  # or never was
    with pytest.raises(ClientError):
        sns.unsubscribe(SubscriptionArn="not-an-arn")


def test_topic_attributes_permissions_tags_and_paging(clients: tuple[Any, Any]) -> None:
    sns, _ = clients
    arn = sns.create_topic(Name="t", Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
    defaults = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert json.loads(defaults["Policy"])["Statement"][0]["Resource"] == arn
    assert json.loads(defaults["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="News")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="TracingConfig", AttributeValue="Active")
    sns.add_permission(TopicArn=arn, Label="partner", AWSAccountId=["111122223333"], ActionName=["Publish"])
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attributes["DisplayName"], attributes["SignatureVersion"], attributes["TracingConfig"]) == ("News", "2", "Active")
    partner = json.loads(attributes["Policy"])["Statement"][-1]
    assert partner == {"Sid": "partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                       "Action": "SNS:Publish", "Resource": arn}
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.add_permission(TopicArn=arn, Label="partner", AWSAccountId=["1"], ActionName=["Publish"])
    sns.remove_permission(TopicArn=arn, Label="partner")
    assert len(json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]) == 1
    for name, value in [("Bogus", "x"), ("SignatureVersion", "3"), ("Policy", "not json"),
                        ("ContentBasedDeduplication", "true")]:  # the last is for FIFO topics only
        with pytest.raises(sns.exceptions.InvalidParameterException):
            sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SignatureVersion"] == "2"  # unchanged

    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "test"}])
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "test"}]
    with pytest.raises(sns.exceptions.TagLimitExceededException):
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(sns.exceptions.ResourceNotFoundException) as excinfo:
        sns.list_tags_for_resource(ResourceArn=arn + "-gone")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert len(sns.list_tags_for_resource(ResourceArn=arn)["Tags"]) == 1
    with pytest.raises(sns.exceptions.InvalidParameterException):  # the same name with other tags
        sns.create_topic(Name="t", Tags=[{"Key": "team", "Value": "b"}])
    with pytest.raises(sns.exceptions.InvalidParameterException):  # a bad attribute creates nothing
        sns.create_topic(Name="bad", Attributes={"TracingConfig": "Sometimes"})

    for i in range(149):
        sns.create_topic(Name=f"p{i:03}")
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and "NextToken" in first
    second = sns.list_topics(NextToken=first["NextToken"])
    assert len(second["Topics"]) == 50 and "NextToken" not in second
    assert len({t["TopicArn"] for t in first["Topics"] + second["Topics"]}) == 150
    assert len([t for page in sns.get_paginator("list_topics").paginate() for t in page["Topics"]]) == 150
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.list_topics(NextToken="not-a-token!")
