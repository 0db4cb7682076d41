"""AWS's own words for SNS: each refused call answers with AWS's code, HTTP status and message
verbatim, in process and over HTTP, and changes nothing; and the calls AWS accepts where an
emulator might refuse (a queue it cannot see, Unsubscribe of an unknown subscription, ...)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

import pymsg
from aws_endpoints import MODES, endpoint

pytest.importorskip("boto3")
ClientError = pytest.importorskip("botocore.exceptions").ClientError

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:t"
FIFO_TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:f.fifo"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
WELL_FORMED_TOKEN = "ab" * 64


@pytest.fixture(params=MODES)
def sns(request: pytest.FixtureRequest, clock: pymsg.ManualClock) -> Iterator[Any]:
    with endpoint(request.param, pymsg.Broker(clock, account_id=ACCOUNT)) as make_client:
        client = make_client("sns")
        make_client("sqs").create_queue(QueueName="q")
        client.create_topic(Name="t")
        client.create_topic(Name="f.fifo", Attributes={"FifoTopic": "true"})
        yield client


def subscription(sns: Any) -> str:
    return sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=QUEUE)["SubscriptionArn"]


CASES: list[tuple[str, Callable[[Any], Any], str, int, str]] = [
    ("malformed topic arn", lambda c: c.get_topic_attributes(TopicArn="not-an-arn"), "InvalidParameter", 400,
     "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"),
    ("short topic arn", lambda c: c.subscribe(TopicArn=f"arn:aws:sns:us-east-1:{ACCOUNT}", Protocol="sqs",
                                              Endpoint=QUEUE), "InvalidParameter", 400,
     "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 5"),
    ("missing topic", lambda c: c.get_topic_attributes(TopicArn=TOPIC + "x"), "NotFound", 404, "Topic does not exist"),
    ("publish to a missing topic", lambda c: c.publish(TopicArn=TOPIC + "x", Message="m"), "NotFound", 404,
     "Topic does not exist"),
    ("topic of another region", lambda c: c.get_topic_attributes(TopicArn=TOPIC.replace("us-east-1", "eu-west-1")),
     "InvalidParameter", 400, "Invalid parameter: TopicArn"),
    ("bad topic name", lambda c: c.create_topic(Name="a b"), "InvalidParameter", 400, "Invalid parameter: Topic Name"),
    ("FifoTopic without suffix", lambda c: c.create_topic(Name="plain", Attributes={"FifoTopic": "true"}),
     "InvalidParameter", 400, "Invalid parameter: Topic Name"),
    ("suffix without FifoTopic", lambda c: c.create_topic(Name="g.fifo"), "InvalidParameter", 400,
     "Invalid parameter: Topic Name"),
    ("different tags", lambda c: c.create_topic(Name="t", Tags=[{"Key": "k", "Value": "v"}]), "InvalidParameter",
     400, "Invalid parameter: Tags Reason: Topic already exists with different tags"),
    ("set FifoTopic", lambda c: c.set_topic_attributes(TopicArn=TOPIC, AttributeName="FifoTopic",
                                                       AttributeValue="true"),
     "InvalidParameter", 400, "Invalid parameter: AttributeName"),
    ("unknown protocol", lambda c: c.subscribe(TopicArn=TOPIC, Protocol="test-protocol", Endpoint="x"),
     "InvalidParameter", 400, "Invalid parameter: Amazon SNS does not support this protocol string: test-protocol"),
    ("endpoint of another protocol", lambda c: c.subscribe(TopicArn=TOPIC, Protocol="https",
                                                           Endpoint="http://127.0.0.1:9/x"),
     "InvalidParameter", 400, "Invalid parameter: Endpoint must match the specified protocol"),
    ("queue url as sqs endpoint", lambda c: c.subscribe(TopicArn=TOPIC, Protocol="sqs",
                                                        Endpoint="http://127.0.0.1/123456789012/q"),
     "InvalidParameter", 400, "Invalid parameter: SQS endpoint ARN"),
    ("fifo queue on a standard topic", lambda c: c.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=QUEUE + ".fifo"),
     "InvalidParameter", 400, "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
     "subscribed to standard SNS topics"),
    ("bad raw delivery value", lambda c: c.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=QUEUE,
                                                     Attributes={"RawMessageDelivery": "wrongvalue"}),
     "InvalidParameter", 400,
     "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false."),
    ("subscribe again, other attributes", lambda c: c.subscribe(
        TopicArn=TOPIC, Protocol="sqs", Endpoint=QUEUE, Attributes={"RawMessageDelivery": "true"})
     if subscription(c) else None,
     "InvalidParameter", 400, "Invalid parameter: Attributes Reason: Subscription already exists with different "
     "attributes"),
    ("unknown subscription attribute", lambda c: c.set_subscription_attributes(
        SubscriptionArn=subscription(c), AttributeName="Fake", AttributeValue="x"), "InvalidParameter", 400,
     "Invalid parameter: AttributeName"),
    ("bad filter policy scope", lambda c: c.set_subscription_attributes(
        SubscriptionArn=subscription(c), AttributeName="FilterPolicyScope", AttributeValue="Body"),
     "InvalidParameter", 400,
     "Invalid parameter: FilterPolicyScope: Invalid value [Body]. Please use either MessageBody or MessageAttributes"),
    ("bad dead-letter arn", lambda c: c.set_subscription_attributes(
        SubscriptionArn=subscription(c), AttributeName="RedrivePolicy",
        AttributeValue='{"deadLetterTargetArn": "fake-arn"}'), "InvalidParameter", 400,
     "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn"),
    ("malformed subscription arn", lambda c: c.get_subscription_attributes(SubscriptionArn="PendingConfirmation"),
     "InvalidParameter", 400, "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"),
    ("subscription arn of sqs", lambda c: c.get_subscription_attributes(SubscriptionArn=QUEUE + ":1234"),
     "InvalidParameter", 400, "Invalid parameter: SubscriptionId"),
    ("missing subscription", lambda c: c.get_subscription_attributes(SubscriptionArn=TOPIC + ":1234"), "NotFound", 404,
     "Subscription does not exist"),
    ("unsubscribe random", lambda c: c.unsubscribe(SubscriptionArn="randomstring"), "InvalidParameter", 400,
     "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"),
    ("unsubscribe without id", lambda c: c.unsubscribe(SubscriptionArn="arn:aws:sns:us-east-1:111111111111:random"),
     "InvalidParameter", 400, "Invalid parameter: SubscriptionId"),
    ("random token", lambda c: c.confirm_subscription(TopicArn=TOPIC, Token="randomtoken"), "InvalidParameter", 400,
     "Invalid token"),
    ("unknown token", lambda c: c.confirm_subscription(TopicArn=TOPIC, Token=WELL_FORMED_TOKEN), "InvalidParameter",
     400, "Invalid parameter: Token"),
    ("unknown token of a missing topic", lambda c: c.confirm_subscription(TopicArn=TOPIC + "x",
                                                                          Token=WELL_FORMED_TOKEN),
     "InvalidParameter", 400, "Invalid parameter: Token"),
    ("token for a broken topic arn", lambda c: c.confirm_subscription(TopicArn="broken", Token=WELL_FORMED_TOKEN),
     "InvalidParameter", 400, "Invalid parameter: Topic"),
    ("duplicate permission", lambda c: [c.add_permission(TopicArn=TOPIC, Label="l", AWSAccountId=[ACCOUNT],
                                                         ActionName=["Publish"]) for _ in range(2)],
     "InvalidParameter", 400, "Invalid parameter: Statement already exists"),
    ("permission out of scope", lambda c: c.add_permission(TopicArn=TOPIC, Label="l", AWSAccountId=[ACCOUNT],
                                                           ActionName=["Fly"]),
     "InvalidParameter", 400, "Invalid parameter: Policy statement action out of service scope!"),
    ("duplicate tag keys", lambda c: c.tag_resource(ResourceArn=TOPIC, Tags=[{"Key": "k", "Value": "1"},
                                                                             {"Key": "k", "Value": "2"}]),
     "InvalidParameter", 400, "Invalid parameter: Duplicated keys are not allowed."),
    ("tag key too long", lambda c: c.tag_resource(ResourceArn=TOPIC, Tags=[{"Key": "k" * 129, "Value": "1"}]),
     "ValidationError", 400, f"1 validation error detected: Value '{'k' * 129}' at 'tags.1.member.key' failed to "
     "satisfy constraint: Member must have length less than or equal to 128"),
    ("too many tags", lambda c: c.tag_resource(ResourceArn=TOPIC, Tags=[{"Key": f"k{i}", "Value": "v"}
                                                                        for i in range(51)]),
     "TagLimitExceeded", 400, "Could not complete request: tag quota of per resource exceeded"),
    ("tags of a missing topic", lambda c: c.list_tags_for_resource(ResourceArn=TOPIC + "x"), "ResourceNotFound", 404,
     "Resource does not exist"),
    ("empty message", lambda c: c.publish(TopicArn=TOPIC, Message=""), "InvalidParameter", 400,
     "Invalid parameter: Empty message"),
    ("subject too long", lambda c: c.publish(TopicArn=TOPIC, Message="m", Subject="s" * 101), "InvalidParameter", 400,
     "Invalid parameter: Subject"),
    ("fifo without group", lambda c: c.publish(TopicArn=FIFO_TOPIC, Message="m", MessageDeduplicationId="d"),
     "InvalidParameter", 400, "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"),
    ("dedup id on a standard topic", lambda c: c.publish(TopicArn=TOPIC, Message="m", MessageDeduplicationId="d"),
     "InvalidParameter", 400, "Invalid parameter: MessageDeduplicationId Reason: The request includes "
     "MessageDeduplicationId parameter that is not valid for this topic type"),
    ("bad attribute type", lambda c: c.publish(TopicArn=TOPIC, Message="m", MessageAttributes={
        "attr1": {"DataType": "Text", "StringValue": "x"}}), "ParameterValueInvalid", 400,
     "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is "
     "Binary, Number, and String."),
    ("batch entry without group", lambda c: c.publish_batch(TopicArn=FIFO_TOPIC, PublishBatchRequestEntries=[
        {"Id": "1", "Message": "a", "MessageGroupId": "g", "MessageDeduplicationId": "d1"},
        {"Id": "2", "Message": "b", "MessageDeduplicationId": "d2"}]),
     "InvalidParameter", 400, "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"),
    ("too many batch entries", lambda c: c.publish_batch(TopicArn=TOPIC, PublishBatchRequestEntries=[
        {"Id": str(i), "Message": "m"} for i in range(11)]), "TooManyEntriesInBatchRequest", 400,
     "The batch request contains more entries than permissible."),
]


@pytest.mark.parametrize(("call", "code", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refusals_carry_aws_codes_statuses_and_messages(sns: Any, call: Callable[[Any], Any], code: str, status: int,
                                                        message: str) -> None:
    before = sns.list_subscriptions()["Subscriptions"], sns.list_topics()["Topics"]
    with pytest.raises(ClientError) as excinfo:
        call(sns)
    error = excinfo.value.response["Error"]
    assert (error["Code"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert error["Message"] == message
    assert sns.list_topics()["Topics"] == before[1]
    assert len(sns.list_subscriptions()["Subscriptions"]) <= len(before[0]) + 1  # the case's own setup, at most


def test_what_aws_accepts(sns: Any) -> None:
    sns.delete_topic(TopicArn=TOPIC + "-never")  # deleting a missing topic succeeds
    sns.unsubscribe(SubscriptionArn=TOPIC + ":0b0b0b0b-0000-0000-0000-000000000000")  # so does an unknown subscription
    elsewhere = sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:999999999999:theirs")
    assert elsewhere["SubscriptionArn"].startswith(TOPIC + ":")  # a queue pymsg cannot see is subscribed
    first = subscription(sns)
    assert subscription(sns) == first  # the same subscription again
    assert sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=QUEUE,
                         Attributes={"RawMessageDelivery": "false"})["SubscriptionArn"] == first
    sns.remove_permission(TopicArn=TOPIC, Label="never-added")
    sns.publish(TopicArn=TOPIC, Message="m", Subject="s" * 100, MessageGroupId="g")  # group ids pass on standard topics
    attributes = sns.get_subscription_attributes(SubscriptionArn=first)["Attributes"]
    assert attributes["SubscriptionPrincipal"] == f"arn:aws:iam::{ACCOUNT}:user/pymsg"
    assert "SignatureVersion" not in sns.get_topic_attributes(TopicArn=TOPIC)["Attributes"]


def test_create_topic_again_compares_only_the_attributes_given(sns: Any) -> None:
    sns.set_topic_attributes(TopicArn=TOPIC, AttributeName="DisplayName", AttributeValue="Shown")
    assert sns.create_topic(Name="t")["TopicArn"] == TOPIC
    assert sns.create_topic(Name="t", Attributes={"DisplayName": "Shown"})["TopicArn"] == TOPIC
    with pytest.raises(ClientError) as excinfo:
        sns.create_topic(Name="t", Attributes={"DisplayName": "Other"})
    assert excinfo.value.response["Error"]["Message"] == (
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes")


def test_a_subscription_keeps_its_delivery_policy(sns: Any) -> None:
    policy = '{"healthyRetryPolicy": {"numRetries": 5}}'
    arn = subscription(sns)
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy", AttributeValue=policy)
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["DeliveryPolicy"] == attributes["EffectiveDeliveryPolicy"] == policy
    with pytest.raises(ClientError) as excinfo:
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy", AttributeValue="{")
    assert excinfo.value.response["Error"]["Message"] == "Invalid parameter: DeliveryPolicy: failed to parse JSON."
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["DeliveryPolicy"] == policy


def test_a_bad_filter_policy_is_worded_per_call(sns: Any) -> None:
    policy = '{"key_a": "value_one"}'
    with pytest.raises(ClientError) as excinfo:
        sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=QUEUE, Attributes={"FilterPolicy": policy})
    assert excinfo.value.response["Error"]["Message"] == (
        'Invalid parameter: Attributes Reason: FilterPolicy: "key_a" must be an object or an array')
    arn = subscription(sns)
    with pytest.raises(ClientError) as excinfo:
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=policy)
    assert excinfo.value.response["Error"]["Message"] == (
        'Invalid parameter: FilterPolicy: "key_a" must be an object or an array')


def test_message_attributes_without_a_type_or_a_value(sns: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        sns.publish(TopicArn=TOPIC, Message="m", MessageAttributes={"attr1": {"DataType": "", "StringValue": "x"}})
    assert (excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]) == (
        "ValidationError", "1 validation error detected: Value null at 'messageAttributes.attr1.member.dataType' "
        "failed to satisfy constraint: Member must not be null")
    with pytest.raises(ClientError) as excinfo:
        sns.publish_batch(TopicArn=TOPIC, PublishBatchRequestEntries=[
            {"Id": "1", "Message": "m", "MessageAttributes": {"attr1": {"DataType": ""}}}])
    assert excinfo.value.response["Error"]["Message"].startswith(
        "1 validation error detected: Value null at 'publishBatchRequestEntries.1.member.messageAttributes.attr1")
    with pytest.raises(ClientError) as excinfo:
        sns.publish(TopicArn=TOPIC, Message="m", MessageAttributes={"attr1": {"DataType": "String"}})
    assert (excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]) == (
        "ParameterValueInvalid", "The message attribute 'attr1' must contain non-empty message attribute value for "
        "message attribute type 'String'.")


def test_a_bad_delivery_policy_on_subscribe_makes_no_subscription(sns: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=QUEUE, Attributes={"DeliveryPolicy": "{"})
    assert excinfo.value.response["Error"]["Message"] == (
        "Invalid parameter: Attributes Reason: DeliveryPolicy: failed to parse JSON.")
    assert sns.list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"] == []
