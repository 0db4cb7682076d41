"""SNS topics and subscriptions: create/get/list/delete, naming rules, attributes, subscribe and
unsubscribe."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import pymsg
from conftest import counts

ARN_PREFIX = "arn:aws:sns:us-east-1:123456789012:"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def handler(event: dict) -> None:
    """A callable subscriber that accepts everything."""


def messages_in(queue: pymsg.Queue) -> list[str]:
    """The SNS Message of every envelope in a queue (received and deleted)."""
    out: list[str] = []
    while True:
        batch = queue.receive(10)
        if not batch:
            return out
        for m in batch:
            out.append(json.loads(m.body)["Message"])
            m.delete()


# --- CreateTopic ---------------------------------------------------------------------------


def test_create_topic_gives_name_arn_and_kind(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    assert topic.name == "orders"
    assert topic.arn == ARN_PREFIX + "orders"
    assert topic.fifo is False
    assert topic.subscriptions() == []


def test_create_topic_is_idempotent(broker: pymsg.Broker) -> None:
    first = broker.create_topic("orders", attributes={"DisplayName": "Orders"})
    queue = broker.create_queue("q")
    subscription = first.subscribe(queue)

    again = broker.create_topic("orders", attributes={"DisplayName": "Orders"})

    assert again.arn == first.arn
    assert [s.arn for s in again.subscriptions()] == [subscription.arn]  # the same topic, not a new one
    assert [t.arn for t in broker.list_topics()] == [first.arn]


def test_create_fifo_topic_is_idempotent(broker: pymsg.Broker) -> None:
    first = broker.create_topic("t.fifo", content_based_deduplication=True)
    again = broker.create_topic("t.fifo", attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})
    assert again.arn == first.arn
    assert len(broker.list_topics()) == 1


@pytest.mark.parametrize(
    ("name", "first", "second"),
    [
        ("t", {"attributes": {"DisplayName": "A"}}, {"attributes": {"DisplayName": "B"}}),
        ("t", {}, {"attributes": {"DisplayName": "B"}}),
        ("t.fifo", {"content_based_deduplication": True}, {"content_based_deduplication": False}),
        ("t.fifo", {}, {"attributes": {"ContentBasedDeduplication": "true"}}),
    ],
)
def test_create_topic_with_different_settings_raises_invalid_parameter(
    broker: pymsg.Broker, name: str, first: dict[str, Any], second: dict[str, Any]
) -> None:
    topic = broker.create_topic(name, **first)
    before = topic.attributes()

    with pytest.raises(pymsg.InvalidParameter, match="different attributes"):
        broker.create_topic(name, **second)

    assert broker.get_topic(name).attributes() == before
    assert [t.arn for t in broker.list_topics()] == [topic.arn]


@pytest.mark.parametrize(
    "name",
    [
        "",
        "has space",
        "dot.ted",
        "sl/ash",
        "colon:name",
        "ünïcode",
        "x" * 257,
        ".fifo",
        "a.fifo.fifo",
        "star*",
    ],
)
def test_invalid_topic_names_raise_invalid_parameter(broker: pymsg.Broker, name: str) -> None:
    with pytest.raises(pymsg.InvalidParameter, match="Topic Name"):
        broker.create_topic(name)
    assert broker.list_topics() == []


@pytest.mark.parametrize("name", [None, 5, b"bytes"])
def test_non_str_topic_name_raises_invalid_parameter(broker: pymsg.Broker, name: Any) -> None:
    with pytest.raises(pymsg.InvalidParameter, match="Topic Name"):
        broker.create_topic(name)
    assert broker.list_topics() == []


@pytest.mark.parametrize("name", ["a", "A-z_0-9", "x" * 256, "x" * 251 + ".fifo"])
def test_valid_topic_names_up_to_256_characters(broker: pymsg.Broker, name: str) -> None:
    topic = broker.create_topic(name)
    assert topic.name == name
    assert topic.arn == ARN_PREFIX + name


def test_fifo_topic_name_of_257_characters_is_invalid(broker: pymsg.Broker) -> None:
    with pytest.raises(pymsg.InvalidParameter, match="Topic Name"):
        broker.create_topic("x" * 252 + ".fifo")
    assert broker.list_topics() == []


def test_fifo_suffix_makes_a_fifo_topic(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("t.fifo")
    assert topic.fifo is True
    assert topic.arn == ARN_PREFIX + "t.fifo"
    explicit = broker.create_topic("u.fifo", attributes={"FifoTopic": "true"})
    assert explicit.fifo is True


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("t", {"attributes": {"FifoTopic": "true"}}, "^Invalid parameter: Topic Name$"),  # as CreateTopic answers
        ("t.fifo", {"attributes": {"FifoTopic": "false"}}, "^Invalid parameter: Topic Name$"),
        ("t", {"content_based_deduplication": True}, "ContentBasedDeduplication is for FIFO topics only"),
        ("t", {"attributes": {"ContentBasedDeduplication": "true"}}, "ContentBasedDeduplication is for FIFO topics only"),
        ("t", {"attributes": {"Colour": "blue"}}, "unknown attribute Colour"),
    ],
)
def test_fifo_naming_rules_and_unknown_attributes(
    broker: pymsg.Broker, name: str, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(pymsg.InvalidParameter, match=match):
        broker.create_topic(name, **kwargs)
    assert broker.list_topics() == []


# --- GetTopic / ListTopics -----------------------------------------------------------------


def test_get_topic_by_name_and_by_arn(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    assert broker.get_topic("orders").arn == topic.arn
    assert broker.get_topic(topic.arn).arn == topic.arn
    assert broker.get_topic(topic.arn).name == "orders"


@pytest.mark.parametrize(
    "missing",
    ["nope", ARN_PREFIX + "nope", "arn:aws:sns:eu-west-1:123456789012:orders", "arn:aws:sns:us-east-1:111111111111:orders", None, 3],
)
def test_get_missing_topic_raises_not_found(broker: pymsg.Broker, missing: Any) -> None:
    broker.create_topic("orders")
    with pytest.raises(pymsg.NotFound, match="Topic does not exist"):
        broker.get_topic(missing)


def test_list_topics_in_name_order(broker: pymsg.Broker) -> None:
    for name in ["zeta", "alpha", "mid.fifo", "beta"]:
        broker.create_topic(name)
    assert [t.name for t in broker.list_topics()] == ["alpha", "beta", "mid.fifo", "zeta"]
    assert [t.arn for t in broker.list_topics()] == [ARN_PREFIX + n for n in ["alpha", "beta", "mid.fifo", "zeta"]]


# --- DeleteTopic ---------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["topic", "name", "arn"])
def test_delete_topic_by_topic_name_or_arn(broker: pymsg.Broker, by: str) -> None:
    topic = broker.create_topic("orders")
    keep = broker.create_topic("keep")
    target: pymsg.Topic | str = {"topic": topic, "name": "orders", "arn": topic.arn}[by]  # type: ignore[assignment]
    broker.delete_topic(target)
    assert [t.arn for t in broker.list_topics()] == [keep.arn]
    with pytest.raises(pymsg.NotFound, match="Topic does not exist"):
        broker.get_topic("orders")


def test_delete_topic_is_idempotent(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    broker.delete_topic(topic)
    broker.delete_topic(topic)
    broker.delete_topic("orders")
    broker.delete_topic(ARN_PREFIX + "never-existed")
    assert broker.list_topics() == []


def test_delete_topic_deletes_its_subscriptions(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    subscription = topic.subscribe(queue)
    topic.subscribe(handler)

    broker.delete_topic(topic)

    assert topic.subscriptions() == []
    with pytest.raises(pymsg.NotFound):
        subscription.attributes()
    reborn = broker.create_topic("orders")  # the same name again is a new topic without subscriptions
    assert reborn.subscriptions() == []
    reborn.publish("after")
    assert counts(queue) == (0, 0, 0)


def test_publish_and_subscribe_on_deleted_topic_object_raise_not_found(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    topic.subscribe(queue)
    broker.delete_topic("orders")

    with pytest.raises(pymsg.NotFound, match="Topic does not exist"):
        topic.publish("hello")
    with pytest.raises(pymsg.NotFound, match="Topic does not exist"):
        topic.subscribe(broker.create_queue("other"))
    assert counts(queue) == (0, 0, 0)

    # A topic re-created under the same name does not revive the old object.
    broker.create_topic("orders")
    with pytest.raises(pymsg.NotFound, match="Topic does not exist"):
        topic.publish("hello")


def test_publish_batch_on_deleted_topic_fails_every_entry(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    broker.delete_topic(topic)
    result = topic.publish_batch([{"id": "1", "message": "hello"}])
    assert result.successful == []
    assert [(f.id, f.code) for f in result.failed] == [("1", "NotFound")]


# --- topic attributes ----------------------------------------------------------------------


def defaults_checked(topic: pymsg.Topic) -> dict[str, str]:
    """The topic's attributes without the default Policy and EffectiveDeliveryPolicy, once checked."""
    attributes = topic.attributes()
    policy = json.loads(attributes.pop("Policy"))
    assert policy["Id"] == "__default_policy_ID" and policy["Statement"][0]["Resource"] == topic.arn
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"AWS:SourceOwner": "123456789012"}}
    delivery = json.loads(attributes.pop("EffectiveDeliveryPolicy"))
    assert delivery["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    return attributes


def test_standard_topic_attributes(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders", attributes={"DisplayName": "Orders"})
    assert defaults_checked(topic) == {
        "TopicArn": ARN_PREFIX + "orders",
        "Owner": "123456789012",
        "DisplayName": "Orders",
        "SubscriptionsConfirmed": "0",
        "SubscriptionsPending": "0",
        "SubscriptionsDeleted": "0",
    }


@pytest.mark.parametrize("content_based", [False, True])
def test_fifo_topic_attributes(broker: pymsg.Broker, content_based: bool) -> None:
    topic = broker.create_topic("t.fifo", content_based_deduplication=content_based)
    assert defaults_checked(topic) == {
        "TopicArn": ARN_PREFIX + "t.fifo",
        "Owner": "123456789012",
        "DisplayName": "",
        "SubscriptionsConfirmed": "0",
        "SubscriptionsPending": "0",
        "SubscriptionsDeleted": "0",
        "FifoTopic": "true",
        "ContentBasedDeduplication": "true" if content_based else "false",
        "FifoThroughputScope": "Topic",
    }


def test_topic_attributes_count_subscriptions(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    topic.subscribe(broker.create_queue("a"))
    topic.subscribe(broker.create_queue("b"))
    subscription = topic.subscribe(handler)
    assert topic.attributes()["SubscriptionsConfirmed"] == "3"
    subscription.unsubscribe()
    assert topic.attributes()["SubscriptionsConfirmed"] == "2"
    assert topic.attributes()["SubscriptionsPending"] == "0"


def test_region_and_account_appear_in_arns(clock: pymsg.ManualClock) -> None:
    broker = pymsg.Broker(clock, region="eu-central-1", account_id="111122223333")
    topic = broker.create_topic("t")
    assert topic.arn == "arn:aws:sns:eu-central-1:111122223333:t"
    assert topic.attributes()["Owner"] == "111122223333"
    subscription = topic.subscribe(broker.create_queue("q"))
    assert re.fullmatch(re.escape(topic.arn) + ":" + UUID, subscription.arn)


# --- Subscribe -----------------------------------------------------------------------------


def test_subscribe_queue(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    subscription = topic.subscribe(queue)
    assert re.fullmatch(re.escape(topic.arn) + ":" + UUID, subscription.arn)
    assert subscription.protocol == "sqs"
    assert subscription.endpoint == queue.arn
    assert [s.arn for s in topic.subscriptions()] == [subscription.arn]


def test_subscribe_callable(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    subscription = topic.subscribe(handler)
    assert re.fullmatch(re.escape(topic.arn) + ":" + UUID, subscription.arn)
    assert subscription.protocol == "lambda"
    assert subscription.attributes()["Protocol"] == "lambda"
    assert subscription.attributes()["PendingConfirmation"] == "false"


def test_subscriptions_get_distinct_arns(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    arns = {topic.subscribe(broker.create_queue(f"q{i}")).arn for i in range(5)}
    assert len(arns) == 5
    assert {s.arn for s in topic.subscriptions()} == arns


@pytest.mark.parametrize("kind", ["queue", "callable"])
def test_subscribe_is_idempotent(broker: pymsg.Broker, kind: str) -> None:
    topic = broker.create_topic("orders")
    dlq = broker.create_queue("dlq")
    endpoint: Any = broker.create_queue("q") if kind == "queue" else handler
    policy = {"colour": ["red"]}
    first = topic.subscribe(endpoint, filter_policy=policy, dead_letter_queue=dlq)
    again = topic.subscribe(endpoint, filter_policy=json.dumps(policy), dead_letter_queue=dlq.arn)
    assert again.arn == first.arn
    assert [s.arn for s in topic.subscriptions()] == [first.arn]


@pytest.mark.parametrize(
    "different",
    [
        {"raw_message_delivery": True},
        {"filter_policy": {"colour": ["blue"]}},
        {"filter_policy": {"colour": ["red"]}, "filter_policy_scope": "MessageBody"},
        {"filter_policy": None},
        {"filter_policy": {"colour": ["red"]}, "dead_letter_queue": None},
    ],
)
def test_subscribe_again_with_different_settings_raises_invalid_parameter(
    broker: pymsg.Broker, different: dict[str, Any]
) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    dlq = broker.create_queue("dlq")
    settings: dict[str, Any] = {"filter_policy": {"colour": ["red"]}, "dead_letter_queue": dlq}
    first = topic.subscribe(queue, **settings)
    before = first.attributes()

    with pytest.raises(pymsg.InvalidParameter, match="Subscription already exists with different attributes"):
        topic.subscribe(queue, **{**settings, **different})

    assert [s.arn for s in topic.subscriptions()] == [first.arn]
    assert first.attributes() == before


def test_fifo_queue_cannot_subscribe_to_standard_topic(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q.fifo")
    with pytest.raises(pymsg.InvalidParameter, match="FIFO SQS Queues can not be subscribed to standard SNS topics"):
        topic.subscribe(queue)
    assert topic.subscriptions() == []
    assert topic.attributes()["SubscriptionsConfirmed"] == "0"


@pytest.mark.parametrize("endpoint", [handler, "http://127.0.0.1:9/never-called", "https://example.invalid/x"])
def test_fifo_topic_accepts_only_sqs_subscriptions(broker: pymsg.Broker, endpoint: Any) -> None:
    topic = broker.create_topic("t.fifo")
    with pytest.raises(pymsg.InvalidParameter, match="FIFO topics accept only sqs subscriptions"):
        topic.subscribe(endpoint)
    assert topic.subscriptions() == []


@pytest.mark.parametrize("endpoint", [42, "ftp://example.com/x", "not a url", None, b"http://x"])
def test_subscribe_invalid_endpoint_raises_invalid_parameter(broker: pymsg.Broker, endpoint: Any) -> None:
    topic = broker.create_topic("orders")
    with pytest.raises(pymsg.InvalidParameter, match="Endpoint must be a Queue, a callable or an http"):
        topic.subscribe(endpoint)
    assert topic.subscriptions() == []


def test_raw_delivery_on_callable_raises_invalid_parameter(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    with pytest.raises(pymsg.InvalidParameter) as excinfo:
        topic.subscribe(handler, raw_message_delivery=True)
    assert str(excinfo.value) == ("Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support "
                                  "raw message delivery.")
    assert topic.subscriptions() == []


@pytest.mark.parametrize("scope", ["Body", "messagebody", "", 3])
def test_invalid_filter_policy_scope_raises_invalid_parameter(broker: pymsg.Broker, scope: Any) -> None:
    topic = broker.create_topic("orders")
    with pytest.raises(pymsg.InvalidParameter, match="FilterPolicyScope"):
        topic.subscribe(broker.create_queue("q"), filter_policy={"a": ["b"]}, filter_policy_scope=scope)
    assert topic.subscriptions() == []


@pytest.mark.parametrize("dlq", ["dlq", "arn:aws:sns:us-east-1:123456789012:t", 7])
def test_invalid_dead_letter_queue_raises_invalid_parameter(broker: pymsg.Broker, dlq: Any) -> None:
    topic = broker.create_topic("orders")
    with pytest.raises(pymsg.InvalidParameter, match="RedrivePolicy"):
        topic.subscribe(broker.create_queue("q"), dead_letter_queue=dlq)
    assert topic.subscriptions() == []


def test_filter_policy_of_wrong_type_raises_invalid_parameter(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    with pytest.raises(pymsg.InvalidParameter, match="FilterPolicy"):
        topic.subscribe(broker.create_queue("q"), filter_policy=["a"])  # type: ignore[arg-type]
    assert topic.subscriptions() == []


# --- Unsubscribe ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["subscription", "arn", "method"])
def test_unsubscribe_then_not_found(broker: pymsg.Broker, how: str) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    other = broker.create_queue("other")
    subscription = topic.subscribe(queue)
    kept = topic.subscribe(other)

    def unsubscribe() -> None:
        if how == "subscription":
            topic.unsubscribe(subscription)
        elif how == "arn":
            topic.unsubscribe(subscription.arn)
        else:
            subscription.unsubscribe()

    unsubscribe()
    assert [s.arn for s in topic.subscriptions()] == [kept.arn]
    with pytest.raises(pymsg.NotFound, match="Subscription does not exist"):
        unsubscribe()
    with pytest.raises(pymsg.NotFound, match="Subscription does not exist"):
        subscription.attributes()
    with pytest.raises(pymsg.NotFound, match="Subscription does not exist"):
        subscription.set_attributes(raw_message_delivery=True)

    topic.publish("after")
    assert counts(queue) == (0, 0, 0)
    assert messages_in(other) == ["after"]


def test_unsubscribe_unknown_arn_raises_not_found(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    kept = topic.subscribe(broker.create_queue("q"))
    with pytest.raises(pymsg.NotFound, match="Subscription does not exist"):
        topic.unsubscribe(topic.arn + ":00000000-0000-4000-8000-000000000000")
    assert [s.arn for s in topic.subscriptions()] == [kept.arn]


def test_resubscribe_after_unsubscribe_gives_a_new_arn(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    first = topic.subscribe(queue)
    first.unsubscribe()
    second = topic.subscribe(queue, raw_message_delivery=True)  # other settings are fine now
    assert second.arn != first.arn
    assert second.attributes()["RawMessageDelivery"] == "true"


# --- GetSubscriptionAttributes / SetSubscriptionAttributes ---------------------------------


BASE_KEYS = [
    "SubscriptionArn",
    "TopicArn",
    "Owner",
    "Protocol",
    "Endpoint",
    "ConfirmationWasAuthenticated",
    "PendingConfirmation",
    "RawMessageDelivery",
    "SubscriptionPrincipal",
]


def test_subscription_attributes_without_options(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    subscription = topic.subscribe(queue)
    assert subscription.attributes() == {
        "SubscriptionArn": subscription.arn,
        "TopicArn": topic.arn,
        "Owner": "123456789012",
        "Protocol": "sqs",
        "Endpoint": queue.arn,
        "ConfirmationWasAuthenticated": "true",
        "PendingConfirmation": "false",
        "RawMessageDelivery": "false",
        "SubscriptionPrincipal": "arn:aws:iam::123456789012:user/pymsg",
    }


def test_subscription_attributes_with_every_option(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    dlq = broker.create_queue("dlq")
    policy = {"colour": ["red"]}
    subscription = topic.subscribe(queue, raw_message_delivery=True, filter_policy=policy, dead_letter_queue=dlq)
    attributes = subscription.attributes()
    assert sorted(attributes) == sorted(BASE_KEYS + ["FilterPolicy", "FilterPolicyScope", "RedrivePolicy"])
    assert attributes["RawMessageDelivery"] == "true"
    assert json.loads(attributes["FilterPolicy"]) == policy
    assert attributes["FilterPolicyScope"] == "MessageAttributes"  # the default, shown once a policy is set
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dlq.arn}


def test_filter_policy_scope_appears_only_with_a_policy(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    without = topic.subscribe(broker.create_queue("a"), filter_policy_scope="MessageBody")
    assert "FilterPolicyScope" not in without.attributes()
    assert "FilterPolicy" not in without.attributes()
    body = topic.subscribe(broker.create_queue("b"), filter_policy='{"k": ["v"]}', filter_policy_scope="MessageBody")
    assert body.attributes()["FilterPolicyScope"] == "MessageBody"
    assert body.attributes()["FilterPolicy"] == '{"k": ["v"]}'  # as given


def test_set_attributes_changes_only_what_is_named(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    dlq = broker.create_queue("dlq")
    subscription = topic.subscribe(queue)

    subscription.set_attributes(raw_message_delivery=True)
    assert subscription.attributes()["RawMessageDelivery"] == "true"
    assert "FilterPolicy" not in subscription.attributes()

    subscription.set_attributes(filter_policy={"colour": ["red"]})
    assert json.loads(subscription.attributes()["FilterPolicy"]) == {"colour": ["red"]}
    assert subscription.attributes()["FilterPolicyScope"] == "MessageAttributes"
    assert subscription.attributes()["RawMessageDelivery"] == "true"

    subscription.set_attributes(filter_policy_scope="MessageBody")
    assert subscription.attributes()["FilterPolicyScope"] == "MessageBody"

    subscription.set_attributes(dead_letter_queue=dlq)
    assert json.loads(subscription.attributes()["RedrivePolicy"]) == {"deadLetterTargetArn": dlq.arn}

    subscription.set_attributes(filter_policy=None, dead_letter_queue=None, raw_message_delivery=False)
    assert subscription.attributes() == {
        "SubscriptionArn": subscription.arn,
        "TopicArn": topic.arn,
        "Owner": "123456789012",
        "Protocol": "sqs",
        "Endpoint": queue.arn,
        "ConfirmationWasAuthenticated": "true",
        "PendingConfirmation": "false",
        "RawMessageDelivery": "false",
        "SubscriptionPrincipal": "arn:aws:iam::123456789012:user/pymsg",
    }


def test_set_filter_policy_changes_what_is_delivered(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    subscription = topic.subscribe(queue)
    red = {"colour": {"DataType": "String", "StringValue": "red"}}
    blue = {"colour": {"DataType": "String", "StringValue": "blue"}}

    subscription.set_attributes(filter_policy={"colour": ["red"]})
    topic.publish("red", message_attributes=red)
    topic.publish("blue", message_attributes=blue)
    assert messages_in(queue) == ["red"]

    subscription.set_attributes(filter_policy=None)
    topic.publish("blue again", message_attributes=blue)
    assert messages_in(queue) == ["blue again"]


def test_set_raw_delivery_changes_the_body(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    queue = broker.create_queue("q")
    subscription = topic.subscribe(queue)
    subscription.set_attributes(raw_message_delivery=True)
    topic.publish("plain")
    [message] = queue.receive()
    assert message.body == "plain"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"filter_policy": "{not json"}, "FilterPolicy"),
        ({"filter_policy": {"a": {"b": ["c"]}}}, "does not support nested filter policy"),
        ({"filter_policy_scope": "Everything"}, "FilterPolicyScope"),
        ({"dead_letter_queue": "not-an-arn"}, "RedrivePolicy"),
    ],
)
def test_invalid_set_attributes_changes_nothing(broker: pymsg.Broker, change: dict[str, Any], match: str) -> None:
    topic = broker.create_topic("orders")
    dlq = broker.create_queue("dlq")
    subscription = topic.subscribe(broker.create_queue("q"), filter_policy={"colour": ["red"]}, dead_letter_queue=dlq)
    before = subscription.attributes()
    with pytest.raises(pymsg.InvalidParameter, match=match):
        subscription.set_attributes(raw_message_delivery=True, **change)
    assert subscription.attributes() == before


def test_set_raw_delivery_on_callable_raises_invalid_parameter(broker: pymsg.Broker) -> None:
    topic = broker.create_topic("orders")
    subscription = topic.subscribe(handler)
    before = subscription.attributes()
    with pytest.raises(pymsg.InvalidParameter) as excinfo:
        subscription.set_attributes(raw_message_delivery=True)
    assert str(excinfo.value) == "Invalid parameter: Delivery protocol [lambda] does not support raw message delivery."
    assert subscription.attributes() == before
